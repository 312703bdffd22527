"""Index pages for the rendered reports: internal ones under ``reports/`` and a publishable public site.

* ``reports/index.html`` opens on the latest quarter that has trackers: the national overview first,
  then one row per force with its status bar, whether a tracker was submitted, the date of its data and
  links to both versions; other quarters are linked below. ``reports/<quarter>/index.html`` is the same
  table for each quarter. Frameworks are named by their titles.
* ``reports/public/`` holds copies of the public reports (``public/<quarter>/<force>.html``) and index
  pages that link only to them, so the folder can be copied to a web server as it is.

What a row says comes from the report itself (a ``casey-index`` meta tag written by the template), so the
public index shows exactly the public report's counts, which already leave out anything withheld.

Every number on an index page (a row's status counts and data date, the lede's quarter, the quarter list's
counts) is rendered from a :class:`~analysis.compute.claims.Claim` with
:func:`analysis.present.claim_markup.claimed`, and each ``index.html`` has its ledger, ``index.claims.json``,
beside it (issue 18). A row's claim names the report it was read from and the claims of that report's own
ledger that state the same figures (``tracker.mix``, ``header.as_of``).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from analysis.compute.claims import ClaimLedger, dumps
from analysis.core import atomic, config
from analysis.core.audience import Audience
from analysis.core.periods import PeriodError, Quarter
from analysis.present import templating
from analysis.present.claim_markup import claimed
from analysis.present.style import STATUS_LABELS, css_custom_properties
from analysis.present.templating import Markup

NATIONAL_STEM = config.NATIONAL_STEM
PUBLIC_SITE = config.PUBLIC_SITE  # reports/public/: the publishable copy
BAR_STATUSES = ("complete", "in_progress", "not_started", "not_assessed")
INDEX = "index.html"
LEDGER_NAME = "index.claims.json"  # beside each index.html
FACTS_METHOD = "as the report states it about itself (its casey-index facts, written from the same numbers as its page)"

_META_TAG = re.compile(r"<meta\b[^>]*casey-index[^>]*>", re.I)


class _MetaReader(HTMLParser):
    """The content of ``<meta name="casey-index">``, whatever the attribute order or quoting."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.content: str | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta" and found.get("name") == "casey-index":
            self.content = found.get("content")

    handle_startendtag = handle_starttag


def _page(title: str, body: str) -> str:
    return templating.render("index_page.html.j2", title=title, body=body, palette=Markup(css_custom_properties()))


def _quarters(root: Path) -> list[str]:
    found = []
    for child in root.iterdir() if root.exists() else []:
        try:
            found.append(Quarter.of(child.name))
        except PeriodError:
            continue
    return [q.id for q in sorted(found, reverse=True)]


def _reports_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.html") if p.name != "index.html"]


def _force_names(data_dir=None) -> dict[str, tuple[str, str]]:
    """slug -> (name, region), read with csv so the index needs no pandas."""
    try:
        with open(config.forces_file(data_dir), newline="", encoding="utf-8") as handle:
            return {r["force_id"]: (r["name"], r["region"]) for r in csv.DictReader(handle)}
    except OSError:
        return {}


def _framework_titles(data_dir=None) -> dict[str, str]:
    """framework id -> its short title (the first ``short_title:`` line of its YAML; no YAML parser needed)."""
    titles = {}
    for path in (
        sorted(config.frameworks_dir(data_dir).glob("*.yaml")) if config.frameworks_dir(data_dir).exists() else []
    ):
        match = re.search(r"^short_title:\s*\"?(.+?)\"?\s*$", path.read_text(encoding="utf-8"), re.M)
        titles[path.stem] = match.group(1) if match else path.stem
    return titles


def report_facts(path: Path) -> dict:
    """What a rendered report says about itself for the index (empty for a page without the tag)."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:8000]
    except OSError:
        return {}
    match = _META_TAG.search(head)
    if not match:
        return {}
    reader = _MetaReader()
    reader.feed(match.group(0))
    try:
        facts = json.loads(reader.content or "")
    except ValueError:
        return {}
    return facts if isinstance(facts, dict) else {}


def status_cell(facts: dict) -> Markup:
    """A small status bar with the counts in words (colour is never the only cue)."""
    counts = _bar_counts(facts)
    total = sum(counts.values())
    if not facts or not facts.get("has_tracker") or not total:
        muted = (
            "not known"
            if not facts
            else "no tracker this quarter"
            if not facts.get("has_tracker")
            else "no applicable recommendations"
        )
        return templating.render("index_status.html.j2", muted=muted)
    words = ", ".join(f"{n} {STATUS_LABELS[s].lower()}" for s, n in counts.items() if n)
    segments = [(f"{100 * n / total:.1f}", s.replace("_", "-")) for s, n in counts.items() if n]
    withheld = f"; {facts['withheld']} withheld" if facts.get("withheld") else ""
    return templating.render("index_status.html.j2", muted="", segments=segments, words=words + withheld)


def _bar_counts(facts: dict) -> dict[str, int]:
    return {s: int(facts.get("counts", {}).get(s, 0)) for s in BAR_STATUSES}


def _row_claims(facts: dict, claim_id: str, source: str, window: str, ledger: ClaimLedger) -> tuple[str, str]:
    """A force row's status cell and data date, each rendered from a claim read from the report at ``source``."""
    common = {"window": window, "source_file": source}
    if not facts:
        detail = {"reason": "the report states no facts for the index (no casey-index tag)"}
        return claimed("div", f"{claim_id}.status", status_cell(facts), ledger, value=None, detail=detail, **common), ""
    counts = _bar_counts(facts) if facts.get("has_tracker") else {}
    status = claimed(
        "div",
        f"{claim_id}.status",
        status_cell(facts),
        ledger,
        value={s: n for s, n in counts.items() if n} if facts.get("has_tracker") else None,
        method="recommendations by status (not applicable ones apart), " + FACTS_METHOD,
        source_rows=("tracker.mix",) if facts.get("has_tracker") else ("tracker.mix.none",),
        detail={"has_tracker": bool(facts.get("has_tracker")), "withheld": int(facts.get("withheld") or 0)},
        **common,
    )
    as_of = facts.get("as_of", "")
    date = (
        claimed(
            "span",
            f"{claim_id}.as_of",
            as_of,
            ledger,
            value=as_of,
            method="the date of the tracker's data, " + FACTS_METHOD,
            source_rows=("header.as_of",),
            **common,
        )
        if as_of
        else ""
    )
    return status, date


def _groups(folder: Path, public_site: bool) -> dict[str, dict[str, dict[Audience | str, Path]]]:
    """framework -> report stem -> {audience or 'failed': path}. On the public site every page is public."""
    groups: dict[str, dict[str, dict[Audience | str, Path]]] = {}
    for path in _reports_in(folder):
        framework, audience = config.report_place(path.relative_to(folder), public_site)
        groups.setdefault(framework, {}).setdefault(path.stem, {})[audience] = path
    if not public_site:
        for failed in folder.rglob("*.failed.ipynb"):
            framework, _ = config.report_place(failed.relative_to(folder))
            groups.setdefault(framework, {}).setdefault(failed.name.split(".")[0], {})["failed"] = failed
    return groups


def _quarter_table(
    folder: Path,
    names: dict,
    titles: dict,
    ledger: ClaimLedger,
    public_site: bool = False,
    link_base: Path | None = None,
) -> Markup:
    """One table per framework: the national overview, then a row per force (alphabetical). Each row's numbers
    are added to ``ledger`` as claims; their source is the report's path below the reports (or public) folder."""
    link_base = link_base or folder
    groups = _groups(folder, public_site)
    tables = []
    for framework in sorted(groups, key=lambda f: (f != config.DEFAULT_FRAMEWORK, titles.get(f, f))):
        stems = sorted(groups[framework], key=lambda s: (s != NATIONAL_STEM, names.get(s, (s, ""))[0]))
        rows = [
            _table_row(folder, framework, stem, groups[framework][stem], names, ledger, link_base) for stem in stems
        ]
        tables.append({"title": titles.get(framework, framework), "rows": rows})
    return templating.render("index_tables.html.j2", tables=tables)


def _table_row(folder: Path, framework: str, stem: str, found: dict, names: dict, ledger, link_base: Path) -> dict:
    """One report's row: its name, status and data date (claims), and links to its versions and PDFs."""
    shown = found.get(Audience.INTERNAL) or found.get(Audience.PUBLIC)
    facts = report_facts(shown) if shown else {}
    name, region = ("National overview (all forces)", "") if stem == NATIONAL_STEM else names.get(stem, (stem, ""))
    versions = [(a, a.label) for a in Audience if a in found]
    links = [(_link(found[a], folder, link_base), f"{name}, {label.lower()} version", label) for a, label in versions]
    links += [
        (_link(found[a].with_suffix(".pdf"), folder, link_base), f"{name}, {label} PDF (A4)", f"{label} PDF")
        for a, label in versions
        if found[a].with_suffix(".pdf").exists()
    ]
    if stem == NATIONAL_STEM:
        submitted, as_of, status = "", "", Markup('<span class="muted">all forces</span>')
    else:
        submitted = ("Yes" if facts.get("has_tracker") else "No") if facts else ""
        source = shown.relative_to(folder.parent).as_posix() if shown else ""
        status, as_of = _row_claims(facts, f"{folder.name}.{framework}.{stem}", source, folder.name, ledger)
    row = {"name": name, "region": region, "status": status, "submitted": submitted, "as_of": as_of}
    return {**row, "links": links, "failed": "failed" in found}


def _link(path: Path, folder: Path, link_base: Path) -> str:
    """The link to ``path`` (found under ``folder``) from a page in ``link_base``."""
    if link_base == folder:
        return path.relative_to(folder).as_posix()
    return path.relative_to(link_base).as_posix()


def _with_trackers(folder: Path) -> int:
    """Forces with a tracker among the reports in ``folder`` (internal ones; on the public site, the copies)."""
    paths = [
        p
        for p in _reports_in(folder)
        if not config.report_place(p.relative_to(folder))[1].is_public and p.stem != NATIONAL_STEM
    ]
    return len({p.stem for p in paths if report_facts(p).get("has_tracker")})


def _quarter_nav(quarters: list[str], counts: dict[str, int], current: str | None, href, ledger: ClaimLedger) -> str:
    def count(q: str) -> str:
        return claimed(
            "span",
            f"nav.{q}.with_tracker",
            f"({counts[q]} with a tracker)",
            ledger,
            ' class="muted"',
            value=counts[q],
            method=WITH_TRACKER_METHOD,
            window=q,
            source_file=f"{q}/",
        )

    items = [
        {"href": href(q), "current": q == current, "label": Quarter.of(q).label, "count": count(q)} for q in quarters
    ]
    return templating.render("index_quarters.html.j2", items=items)


WITH_TRACKER_METHOD = (
    "forces whose report for the quarter states that a tracker was submitted (internal reports; on the public "
    "site, the public copies)"
)


def _landing(quarters: list[str], counts: dict[str, int], table_for, href, public: bool, ledger: ClaimLedger) -> Markup:
    # the internal site links to the public one
    public_site = "" if public else PUBLIC_SITE
    if not quarters:
        return templating.render("index_landing.html.j2", lede=None, public_site=public_site)
    with_trackers = [q for q in quarters if counts[q]]
    opening = with_trackers[0] if with_trackers else quarters[0]
    label = Quarter.of(opening).label
    lede = (
        f"Reports for {label}, the latest quarter for which forces submitted trackers"
        if with_trackers
        else f"Reports for {label}; no force has submitted a tracker for any quarter shown"
    )
    note = (
        " These are the public versions: content under a protective marking is withheld and shown as withheld."
        if public
        else ""
    )
    lede_html = claimed(
        "p",
        "lede.opening_quarter",
        f"{lede}.{note}",
        ledger,
        ' class="lede"',
        value=opening,
        comparator={q: counts[q] for q in quarters},
        method="the latest quarter with at least one force whose report states a tracker (else the latest "
        "quarter); comparator: " + WITH_TRACKER_METHOD + ", by quarter",
        window=opening,
        source_file=f"{opening}/",
    )
    tables = table_for(opening)  # after the lede and before the quarters: the ledger lists claims in page order
    quarters_nav = _quarter_nav(quarters, counts, opening, href, ledger)
    return templating.render(
        "index_landing.html.j2", lede=lede_html, tables=tables, quarters=quarters_nav, public_site=public_site
    )


def _mirror_public(root: Path, quarters: list[str]) -> Path:
    """Copy the public reports into reports/public/<quarter>/ (only those: nothing internal is copied)."""
    site = root / PUBLIC_SITE
    wanted = set()
    for quarter in quarters:
        for path in _reports_in(root / quarter):
            framework, audience = config.report_place(path.relative_to(root / quarter))
            if not audience.is_public:
                continue
            target = site / config.report_relpath(quarter, path.stem, audience, framework, public_site=True)
            wanted.add(target)
            if not target.exists() or target.stat().st_mtime_ns < path.stat().st_mtime_ns:
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic.write_bytes(target, path.read_bytes())
            pdf = path.with_suffix(".pdf")
            if pdf.exists():
                wanted.add(target.with_suffix(".pdf"))
                shutil.copyfile(pdf, target.with_suffix(".pdf"))
    for stale in [p for p in site.rglob("*") if p.is_file() and p.name not in (INDEX, LEDGER_NAME) and p not in wanted]:
        stale.unlink()  # a report withdrawn from the run is withdrawn from the public site too
    return site


def _write_page(folder: Path, title: str, body: Markup, ledger: ClaimLedger, identity: dict) -> Path:
    """``index.html`` and its ledger, written as one unit (a failure leaves both as they were)."""
    page, ledger_text = _page(title=title, body=body), dumps(ledger.to_dict({"page": "index", **identity}))
    atomic.write_together({folder / INDEX: page.encode("utf-8"), folder / LEDGER_NAME: ledger_text.encode("utf-8")})
    return folder / INDEX


def _write_site(root: Path, quarters: list[str], names: dict, titles: dict, public: bool) -> Path:
    """The quarter indexes and the landing page of ``root`` (the reports folder, or the public site)."""
    audience = (Audience.PUBLIC if public else Audience.INTERNAL).value  # for the index's claims ledger
    suffix = " (public)" if public else ""
    for quarter in quarters:
        ledger = ClaimLedger()
        tables = _quarter_table(root / quarter, names, titles, ledger, public_site=public)
        body = templating.render("index_quarter.html.j2", tables=tables)
        title = f"Casey progress reports{suffix}, {Quarter.of(quarter).label}"
        _write_page(root / quarter, title, body, ledger, {"quarter": quarter, "audience": audience})
    counts = {q: _with_trackers(root / q) for q in quarters}
    ledger = ClaimLedger()
    landing = _landing(
        quarters,
        counts,
        lambda q: _quarter_table(root / q, names, titles, ledger, public_site=public, link_base=root),
        lambda q: f"{q}/index.html",
        public=public,
        ledger=ledger,
    )
    return _write_page(root, f"Casey progress reports{suffix}", landing, ledger, {"quarter": "", "audience": audience})


def write_index(out_dir=None, data_dir=None) -> Path:
    root = config.reports_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    atomic.refuse_linked_folders(root)
    names, titles = _force_names(data_dir), _framework_titles(data_dir)
    quarters = _quarters(root)
    index = _write_site(root, quarters, names, titles, public=False)
    site = _mirror_public(root, quarters)
    _write_site(site, [q for q in quarters if (site / q).exists()], names, titles, public=True)
    return index
