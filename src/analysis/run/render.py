"""Run the report notebook with papermill and turn it into an executive HTML page with nbconvert.

Parameters reach papermill only after they are checked: the force against the registry,
the quarter against the financial-quarter format, the audience and framework against
their allow-lists. papermill writes parameter names and values into code, so nothing
unchecked may pass.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from analysis.compute import claims as claims_ledger
from analysis.core import atomic, config
from analysis.core.audience import Audience
from analysis.core.config import NATIONAL_STEM
from analysis.core.errors import UsageError
from analysis.core.forces import get_force
from analysis.core.periods import Quarter
from analysis.present.fragments import META_MIMETYPE
from analysis.present.style.css import css_custom_properties
from analysis.run.remote import NOTEBOOK_FILES
from analysis.sources.catalogue import UnknownFrameworkError, available_frameworks

KERNEL_NAME = "casey-progress"
NOTEBOOK_PARAMETERS = ("force", "quarter", "audience", "framework", "data_dir")
# an executing notebook is written to ".<stem>.running.ipynb" beside its HTML until it has finished
RUNNING_SUFFIX = atomic.RUNNING_SUFFIX  # the half-run notebook beside a report


class RenderError(RuntimeError):
    """The notebook failed; ``failed_notebook`` is kept for inspection."""

    def __init__(self, message: str, failed_notebook: Path | None = None, timed_out: bool = False):
        super().__init__(message)
        self.failed_notebook = failed_notebook
        self.timed_out = timed_out  # the time limit, not the notebook's own code, stopped it


@dataclass(frozen=True)
class ReportKind:
    """What a force report and the national overview do not share: the notebook, its parameters, its label."""

    name: str  # "force" or "national", as in a batch JobSpec's kind
    parameters: tuple[str, ...]  # the notebook's parameters cell, in the order papermill injects them
    title: str = ""  # what a failure message names the report by; empty: the force's slug

    @property
    def notebook(self) -> Path:
        return config.NOTEBOOKS_DIR / NOTEBOOK_FILES[self.name]


NATIONAL_PARAMETERS = ("quarter", "audience", "framework", "data_dir")
REPORT_KINDS = {
    kind.name: kind
    for kind in (
        ReportKind("force", NOTEBOOK_PARAMETERS),
        ReportKind("national", NATIONAL_PARAMETERS, "national overview"),
    )
}


@dataclass(frozen=True)
class ReportJob:
    force: str  # a force slug, or NATIONAL_STEM for the national overview (its file name)
    quarter: str
    audience: Audience
    framework: str
    kind: str = "force"

    def html_path(self, out_dir: Path) -> Path:
        return Path(out_dir) / config.report_relpath(self.quarter, self.force, self.audience, self.framework)

    @property
    def label(self) -> str:
        return f"{REPORT_KINDS[self.kind].title or self.force} {self.quarter} ({self.audience})"


def started_quarter(quarter: Quarter | str, today=None) -> Quarter:
    """A quarter that has started (a report for a quarter that has not is a usage error)."""
    import datetime as dt

    from analysis.core.periods import PeriodError

    quarter = Quarter.of(quarter)
    today = today or dt.date.today()
    if quarter.start > today:
        raise PeriodError(
            f"{quarter.id} starts on {quarter.start.isoformat()}, after today ({today.isoformat()}); "
            "there is nothing to report yet: check --quarter"
        )
    return quarter


def checked_job(
    force: str,
    quarter: Quarter | str,
    audience: Audience | str = Audience.INTERNAL,
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir: str | Path | None = None,
    kind: str = "force",
) -> ReportJob:
    """Validate user-supplied values; raise ValueError subclasses with the valid choices.

    ``kind="national"`` is the national overview, whose ``force`` is :data:`NATIONAL_STEM`."""
    if kind not in REPORT_KINDS:
        raise UsageError(f"unknown report kind {kind!r}; choose one of: {', '.join(REPORT_KINDS)}")
    audience = Audience.of(audience)
    if framework not in available_frameworks(data_dir):
        raise UnknownFrameworkError(
            f"unknown framework {framework!r}; available: {', '.join(available_frameworks(data_dir))}"
        )
    if kind == "national":
        if force != NATIONAL_STEM:
            raise UsageError(f"the national overview is named {NATIONAL_STEM!r}, not {force!r}")
    else:
        force = get_force(force, data_dir).id
    return ReportJob(force, started_quarter(quarter).id, audience, framework, kind)


def ensure_kernel() -> str:
    """Register this environment's Python as the ``casey-progress`` kernel (idempotent).

    papermill picks the kernel by name; a stale user-level ``python3`` spec pointing at another
    Python is a common cause of "No module named analysis", so we use our own name.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (casey-progress)", prefix=sys.prefix)
    return KERNEL_NAME


def _exporter_class():
    """nbconvert's HTML exporter without its last pass over the finished page.

    ``HTMLExporter.from_notebook_node`` renders the template, then parses the whole page with BeautifulSoup
    to give an image without alt text a stock one and notebook input/output wrappers a tabindex, and writes
    the page out again. The casey template writes no such wrapper, and every image of ours has its own alt
    text (tests/test_html_safety.py), so that pass changed only how the markup is spelled, and it took about
    two thirds of the export (a page is ~0.5 MB of inline PNG). What the class keeps of nbconvert's method
    is its filter set-up; ``tests/test_render_export.py`` checks that the stock exporter's page is this
    page re-spelled by BeautifulSoup, so an nbconvert change to that method fails a test."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class CaseyHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return CaseyHTMLExporter


def html_exporter(exporter_class=None):
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter_class = exporter_class or _exporter_class()
    exporter = exporter_class(template_name="casey", extra_template_basedirs=[str(config.TEMPLATES_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    remover = TagRemovePreprocessor(remove_cell_tags={"remove_cell"}, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


_EXPORTER = None


def _css_string(text: str) -> str:
    """Text safe inside a CSS string (the printed page banner): letters, digits and plain punctuation only."""
    return re.sub(r"[^\w\s·/()&,.\-]", "", text)


def to_html(nb: nbformat.NotebookNode, audience: Audience, exporter=None) -> str:
    """Executed notebook -> self-contained HTML (no code, images inline). ``audience`` is the report's parameter:
    the one source of the audience in the header strip and the print banner. ``exporter``: another one built
    by :func:`html_exporter` (the tests compare nbconvert's stock exporter with ours)."""
    global _EXPORTER
    if exporter is None:
        if _EXPORTER is None:  # building the exporter loads templates: do it once per process
            _EXPORTER = html_exporter()
        exporter = _EXPORTER
    nb = copy.deepcopy(nb)
    meta = {}
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if META_MIMETYPE in data:
                meta = dict(data[META_MIMETYPE])  # for the template's banner; not shown as content
            else:
                kept.append(output)
        if cell.cell_type == "code":
            cell.outputs = kept
    if meta.get("audience", audience.value) != audience.value:
        raise ValueError(
            f"the notebook published an audience of {meta['audience']!r}; its parameter is {audience.value!r}"
        )
    meta["audience_label"] = audience.label
    meta["print_banner"] = _css_string(
        " · ".join(str(meta.get(k, "")) for k in ("marking", "force", "quarter_label")) + f" · {audience.label}"
    )
    meta["index_json"] = json.dumps(meta.get("index", {}), sort_keys=True)  # read back by analysis.run.site_index
    nb.metadata["casey"] = meta
    body, _ = exporter.from_notebook_node(nb, resources={"casey_palette_css": css_custom_properties()})
    return body


def claims_of(nb: nbformat.NotebookNode) -> dict | None:
    """The claims ledger the notebook published (``fragments.publish_meta``), or None."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if claims_ledger.CLAIMS_MIMETYPE in data:
                return dict(data[claims_ledger.CLAIMS_MIMETYPE])
    return None


ENGINES = ("kernel", "inprocess")


def _encrypted_kernel_manager():
    """nbclient's kernel manager, asking for CurveZMQ keys when the kernelspec says the kernel takes them (ours
    does): the kernel's sockets are then encrypted, and ipykernel has no "running over TCP without encryption"
    warning to print. A kernelspec that does not declare it still starts, unencrypted, and still warns."""
    from jupyter_client.manager import AsyncKernelManager

    class EncryptedKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport_encryption", "auto")
            super().__init__(**kwargs)

    return EncryptedKernelManager


def _papermill_kwargs(engine: str, kernel_name: str | None, timeout: float | None) -> dict:
    if engine == "kernel":
        return {
            "kernel_name": kernel_name or ensure_kernel(),
            "execution_timeout": timeout,
            "kernel_manager_class": _encrypted_kernel_manager(),
        }
    if engine == "inprocess":
        from analysis.run.engine import ENGINE_NAME

        # one write at the end instead of one per cell: the engine is fast, autosaves would dominate
        return {
            "engine_name": ENGINE_NAME,
            "kernel_name": KERNEL_NAME,
            "request_save_on_cell_execute": False,
            "execution_timeout": timeout,
        }
    raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")


PUBLIC_PATH_TEXT = "(not recorded in the public version)"


def scrub_public_notebook(nb: nbformat.NotebookNode, parameters: dict) -> nbformat.NotebookNode:
    """The executed notebook without the server's paths (data folder, notebook and output paths)."""
    nb = copy.deepcopy(nb)
    paths = {str(v) for k, v in parameters.items() if k == "data_dir" and v}
    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path", "cwd"):
        if meta.get(key):
            paths.add(str(meta[key]))
            meta[key] = Path(str(meta[key])).name if key != "cwd" else PUBLIC_PATH_TEXT
    if "parameters" in meta and "data_dir" in meta["parameters"]:
        meta["parameters"]["data_dir"] = PUBLIC_PATH_TEXT
    for cell in nb.cells:
        for path in sorted(paths, key=len, reverse=True):
            cell.source = cell.source.replace(path, PUBLIC_PATH_TEXT)
    return nb


def execute_to_html(
    notebook: Path,
    parameters: dict,
    html_path: Path,
    label: str,
    engine: str = "kernel",
    kernel_name: str | None = None,
    timeout: float | None = None,
) -> Path:
    """Run ``notebook`` with checked ``parameters``; write ``.ipynb`` and ``.html`` beside each other.

    On failure the executed notebook is kept as ``<name>.failed.ipynb`` and no HTML is written
    (an earlier good HTML is left as it was), except that a public page is withdrawn: a stale public
    page may hold rows that are no longer published. The audience is the one in ``parameters``.
    """
    audience = Audience.of(parameters["audience"])
    try:
        return _execute_to_html(notebook, parameters, html_path, label, engine, kernel_name, timeout, audience)
    except Exception:
        if audience.is_public:
            atomic.withdraw_page(Path(html_path))
        raise


def _timed_out(exc: BaseException) -> bool:
    """The engine's time limit stopped the notebook (in-process: a TimeoutError in a cell; kernel: nbclient's)."""
    return isinstance(exc, TimeoutError) or getattr(exc, "ename", "") in ("TimeoutError", "CellTimeoutError")


def _execute_to_html(notebook, parameters, html_path, label, engine, kernel_name, timeout, audience) -> Path:
    import papermill as pm

    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    work_path = html_path.with_name(f".{html_path.stem}{RUNNING_SUFFIX}")
    failed_path = html_path.with_suffix(".failed.ipynb")
    try:
        nb = pm.execute_notebook(
            str(notebook),
            str(work_path),
            parameters=parameters,
            cwd=str(Path(notebook).parent),
            progress_bar=False,
            log_output=False,
            report_mode=True,
            **_papermill_kwargs(engine, kernel_name, timeout),
        )
    except Exception as exc:
        if work_path.exists():
            os.replace(work_path, failed_path)
        reason = str(exc).strip().splitlines()
        raise RenderError(
            f"{label}: notebook failed: {reason[-1] if reason else type(exc).__name__}",
            failed_path if failed_path.exists() else None,
            timed_out=_timed_out(exc),
        ) from exc
    try:
        if not isinstance(nb, nbformat.NotebookNode):  # papermill returns the executed notebook; be safe
            nb = nbformat.read(work_path, as_version=4)
        ledger = claims_of(nb)
        claims_path = html_path.with_suffix(".claims.json")
        if ledger is not None:  # written first: an HTML on disk always has the claims of the same run beside it
            atomic.write_text(claims_path, claims_ledger.dumps(ledger))
        else:
            claims_path.unlink(missing_ok=True)
        atomic.write_text(html_path, to_html(nb, audience))
        if audience.is_public:  # the public notebook carries no server paths
            atomic.write_text(html_path.with_suffix(".ipynb"), nbformat.writes(scrub_public_notebook(nb, parameters)))
            work_path.unlink(missing_ok=True)
        else:
            os.replace(work_path, html_path.with_suffix(".ipynb"))
    except BaseException:  # a full disk, say: no .running.ipynb is left behind
        work_path.unlink(missing_ok=True)
        raise
    failed_path.unlink(missing_ok=True)
    return html_path


def render_report(
    job: ReportJob,
    data_dir=None,
    out_dir=None,
    kernel_name: str | None = None,
    engine: str = "kernel",
    timeout: float | None = None,
    notebook: Path | None = None,
) -> Path:
    """Execute the notebook of the job's kind (force report or national overview) for one checked job;
    write ``.ipynb`` and ``.html`` atomically.

    ``engine="kernel"`` runs a fresh Jupyter kernel (full fidelity); ``engine="inprocess"`` runs the
    cells in this process with a fresh namespace (:mod:`analysis.run.engine`, what ``casey batch`` uses).
    ``notebook`` replaces the repository's notebook (a Dask worker runs the copy it was sent).
    """
    kind = REPORT_KINDS[job.kind]
    values = {
        "force": job.force,
        "quarter": job.quarter,
        "audience": job.audience.value,
        "framework": job.framework,
        "data_dir": str(config.data_dir(data_dir)),
    }
    return execute_to_html(
        notebook or kind.notebook,
        {name: values[name] for name in kind.parameters},
        job.html_path(config.reports_dir(out_dir)),
        job.label,
        engine,
        kernel_name,
        timeout,
    )


# --------------------------------------------------------------------------- PDF (board packs)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PdfError(RuntimeError):
    """No browser to print with, or printing failed."""


class ChromiumMissing(PdfError):
    """No Chromium to print with: a setup problem, not a data one (exit 2)."""


INSTALL_CHROMIUM = (
    "install Debian's chromium package (apt-get install chromium) or set CASEY_CHROMIUM to a Chromium binary"
)


def chromium_path() -> str:
    import shutil

    named = os.environ.get("CASEY_CHROMIUM")
    if named:
        if not (os.path.isfile(named) and os.access(named, os.X_OK)):
            raise ChromiumMissing(
                f"printing to PDF: CASEY_CHROMIUM names {named}, which is not a program; {INSTALL_CHROMIUM}"
            )
        return named
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise ChromiumMissing(f"printing to PDF needs Chromium, and there is no chromium on PATH: {INSTALL_CHROMIUM}")
    return found


def html_to_pdf(html_paths: list[Path]) -> list[Path]:
    """Print each report to an A4 PDF beside its HTML (``<name>.pdf``) with headless Chromium.

    One browser serves every file. The page's own print CSS sets A4, the marking in the page margins,
    open collapsed blocks and repeated table headers; the PDF is written atomically.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a declared dependency
        raise PdfError("printing to PDF needs the playwright package") from exc
    executable = chromium_path()  # before starting playwright's driver, so a missing browser is one clear line
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page()
                # the reports load nothing; a request would mean a broken page, so refuse it
                page.route(
                    "**/*",
                    lambda route: (
                        route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
                    ),
                )
                for html_path in html_paths:
                    html_path = Path(html_path)
                    page.goto(html_path.resolve().as_uri())
                    page.wait_for_load_state("load")
                    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
                    written.append(atomic.write_bytes(html_path.with_suffix(".pdf"), pdf))
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PdfError(f"printing to PDF failed: {str(exc).splitlines()[0]}") from exc
    return written
