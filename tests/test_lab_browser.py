"""A real client: JupyterLab on 127.0.0.1, driven in Chromium through Playwright, as an analyst would use it.

Opens the template notebook and the exploratory notebooks, checks that opening does not mark them
modified, runs every cell from the Run menu, and looks for the report heading, charts and no error
output. Screenshots go to ``CASEY_SCREENSHOTS_DIR`` if set, else the test's temporary folder.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import ROOT
from test_html_browser import CHROMIUM, FLAGS

from analysis.run.build import build_all
from analysis.run.render import ensure_kernel

pytestmark = [pytest.mark.slow, pytest.mark.browser]

EXPLORATORY = sorted((ROOT / "notebooks" / "exploratory").glob("*.ipynb"))
START_TIMEOUT_S = 120  # JupyterLab's first start on a cold machine builds nothing but can be slow
RUN_TIMEOUT_S = 240  # Run All on a shared 2-core machine
QUIET_SETTINGS = {
    # no news or update pop-ups over the notebook
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    # every cell rendered, so the test sees every output without scrolling
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks, with the bundled data built into a temporary tree."""
    if not CHROMIUM:
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does this)")
    root = tmp_path_factory.mktemp("lab")
    data = root / "data"
    shutil.copytree(ROOT / "data" / "raw", data / "raw")
    assert build_all(data).problems == []
    work = root / "notebooks"
    shutil.copytree(ROOT / "notebooks", work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = root / "settings"
    for name, values in QUIET_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port, token = _free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(
        PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        CASEY_DATA_DIR=str(data),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
    )
    ensure_kernel()
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            "--ServerApp.port_retries=0",
            "--LabApp.news_url=",
            "--LabApp.expose_app_in_browser=True",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-3000:]}")
        time.sleep(0.5)
    yield {"base": base, "token": token, "work": work, "log": root / "lab.log"}
    stop_server(server, log)


def stop_server(server: subprocess.Popen, log) -> None:
    """Stop a JupyterLab server (killed if it does not stop within 20 s) and close its log."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("no chromium on this machine")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CASEY_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _panel(relative: str) -> str:
    """JavaScript for the notebook panel showing ``relative`` (found by path: focus may move)."""
    return (
        f"Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.context && w.context.path === {relative!r})"
    )


def _open(browser, lab, relative: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{lab['base']}/lab/tree/{relative}?token={lab['token']}&reset")
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.wait_for(timeout=START_TIMEOUT_S * 1000)
    # the kernel has started and told Lab its language (the moment a notebook used to turn "modified")
    page.wait_for_function(
        f"""async () => {{ const w = {_panel(relative)};
                         const kernel = w?.sessionContext?.session?.kernel;
                         if (!kernel || kernel.status !== 'idle') return false;
                         const info = await kernel.info;
                         window.caseyKernelPython = info.language_info.version; return true; }}""",
        timeout=START_TIMEOUT_S * 1000,
        polling=500,
    )
    page.wait_for_timeout(2000)  # metadata updates land just after the kernel info
    return page


def _dirty(page) -> bool:
    return page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() > 0


def _assert_opens_unmodified(page, relative: str) -> None:
    """Opening must not mark the notebook modified. The one field that may differ by machine is the Python
    patch version in ``language_info`` (the file records the project's); on such a machine, check that it
    is the only change."""
    kernel_version = page.evaluate("() => window.caseyKernelPython")
    recorded = json.loads(Path(ROOT / "notebooks" / relative).read_text())["metadata"]["language_info"]["version"]
    if kernel_version == recorded:
        assert not _dirty(page), f"opening {relative} marked it modified"
    else:
        now = page.evaluate(f"() => {_panel(relative)}.context.model.toJSON().metadata")
        on_disk = json.loads(Path(ROOT / "notebooks" / relative).read_text())["metadata"]
        for meta in (now, on_disk):
            meta["language_info"].pop("version")
        assert now == on_disk, f"opening {relative} changed more than the Python version"


def _run_all(page, relative: str) -> None:
    """Run ▸ Run All Cells from the menu bar, then wait until every code cell has run and the kernel is idle."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        f"""() => {{ const w = {_panel(relative)};
                   const model = w?.content?.model;
                   if (!model) return false;
                   const cells = Array.from({{length: model.cells.length}}, (_, i) => model.cells.get(i));
                   const ran = cells.filter(c => c.type === 'code').every(c => c.executionCount !== null);
                   return ran && w.sessionContext?.session?.kernel?.status === 'idle'; }}""",
        timeout=RUN_TIMEOUT_S * 1000,
        polling=500,
    )
    page.wait_for_timeout(1000)  # the last outputs render


def _errors(page) -> list[str]:
    return page.locator(
        ".jp-NotebookPanel:visible .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_text_contents()


def _header_overlaps(outputs) -> list[str]:
    """Each label of the report header (``dl.identity``: "Protective marking", "Quarter", ...) whose box
    overlaps its value's box, as Lab's own ``dt``/``dd`` styles once drew them."""
    return outputs.locator("dl.identity").first.evaluate(
        """dl => Array.from(dl.querySelectorAll('div')).flatMap(row => {
               const dt = row.querySelector('dt'), dd = row.querySelector('dd');
               if (!dt || !dd) return [];
               const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
               const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5
                          || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
               return apart ? [] : [dt.textContent + ' over ' + dd.textContent];
           })"""
    )


def test_template_notebook_runs_and_looks_like_the_report(browser, lab, shots):
    page = _open(browser, lab, "force_report.ipynb")
    _assert_opens_unmodified(page, "force_report.ipynb")
    _run_all(page, "force_report.ipynb")
    outputs = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output")
    heading = outputs.locator("h1").first
    assert "Casey Review progress: Leicestershire, 2024/25 Q1" in heading.inner_text()
    assert outputs.locator("img[src^='data:image/png']").count() >= 1
    assert _errors(page) == []
    first = outputs.first.inner_text()
    assert "{" not in first and "OFFICIAL" in first, f"raw output above the header: {first[:200]}"
    # the report stylesheet applies inside the notebook: badges are coloured pills, as in the report
    badge = outputs.locator(".badge").first
    assert badge.evaluate("b => getComputedStyle(b).borderRadius") not in ("", "0px")
    page.screenshot(path=str(shots / "lab-force-report.png"))
    for width in (1280, 900, 700):  # Lab at full width, beside a side panel, and narrow (issue 21)
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        assert _header_overlaps(outputs) == [], f"header labels drawn over values at {width} px"
        heading.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"lab-force-report-header-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    heading.scroll_into_view_if_needed()
    page.locator(".jp-NotebookPanel:visible img[src^='data:image/png']").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "lab-force-report-chart.png"))
    assert (shots / "lab-force-report.png").stat().st_size > 10_000
    page.close()


@pytest.mark.parametrize("path", EXPLORATORY, ids=lambda p: p.name)
def test_exploratory_notebook_runs_in_lab(browser, lab, shots, path):
    relative = path.relative_to(ROOT / "notebooks").as_posix()
    page = _open(browser, lab, relative)
    _assert_opens_unmodified(page, relative)
    _run_all(page, relative)
    assert page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output img").count() >= 1
    assert _errors(page) == []
    page.screenshot(path=str(shots / f"lab-{path.stem}.png"))
    page.close()
