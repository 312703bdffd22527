"""Issue 18's "done when": every page that ``make reports`` writes states each number and verdict from a claim.

The test renders exactly what ``make reports`` renders (the bundled report sets: every force, both audiences,
every tracker quarter, and the national overviews) from a copy of the bundled data, then reads every page with
:func:`ledger_coverage.uncovered` against the page's own ledger. The publishable copies under
``reports/public/`` carry no ledger of their own: each must be byte-identical to the audited page it copies.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter

import pytest
from conftest import ROOT
from ledger_coverage import uncovered

from analysis.core.errors import EXIT_OK

cli_main = importlib.import_module("analysis.cli.main")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def every_page(real_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("make-reports") / "reports"
    sets = ROOT / "data/raw/report-sets.yaml"
    code = cli_main.main(["--data-dir", str(real_data), "batch", "--report-sets", str(sets), "--out", str(out)])
    assert code == EXIT_OK
    return out


def _audited(out):
    return sorted(p for p in out.rglob("*.html") if p.name != "index.html" and p.relative_to(out).parts[0] != "public")


def test_make_reports_writes_what_this_test_reads(every_page):
    pages = _audited(every_page)
    kinds = Counter(
        ("public" if p.parent.name == "public" else "internal", p.stem == "national-overview") for p in pages
    )
    # 43 forces and the overview, both audiences, in each tracker quarter
    quarters = {p.relative_to(every_page).parts[0] for p in pages}
    assert len(quarters) >= 2
    assert kinds[("internal", False)] == kinds[("public", False)] == 43 * len(quarters)
    assert kinds[("internal", True)] == kinds[("public", True)] == len(quarters)


def test_every_number_and_verdict_on_every_page_is_in_its_ledger(every_page):
    missing: dict[str, list] = {}
    for page in _audited(every_page):
        ledger = page.with_suffix(".claims.json")
        assert ledger.exists(), f"{page.relative_to(every_page)} has no claims ledger"
        gaps = uncovered(page.read_text(encoding="utf-8"), json.loads(ledger.read_text(encoding="utf-8")))
        if gaps:
            missing[str(page.relative_to(every_page))] = gaps
    shown = {k: [str(g)[:120] for g in v[:5]] for k, v in list(missing.items())[:5]}
    assert not missing, f"{sum(map(len, missing.values()))} uncovered on {len(missing)} pages; first: {shown}"


def test_each_publishable_copy_is_the_audited_page(every_page):
    copies = sorted(p for p in (every_page / "public").rglob("*.html") if p.name != "index.html")
    assert copies
    for copy in copies:
        quarter = copy.relative_to(every_page / "public").parts[0]
        audited = every_page / quarter / "public" / copy.name
        assert audited.read_bytes() == copy.read_bytes(), copy


def test_every_index_page_is_in_its_ledger(every_page):
    """The landing pages and quarter indexes (internal and public) state their numbers from claims too."""
    indexes = sorted(every_page.rglob("index.html"))
    quarters = {p.relative_to(every_page).parts[0] for p in _audited(every_page)}
    assert len(indexes) == 2 * (1 + len(quarters))
    missing = {}
    for index in indexes:
        ledger = index.with_name("index.claims.json")
        assert ledger.exists(), f"{index.relative_to(every_page)} has no claims ledger"
        gaps = uncovered(index.read_text(encoding="utf-8"), json.loads(ledger.read_text(encoding="utf-8")))
        if gaps:
            missing[str(index.relative_to(every_page))] = gaps[:5]
    assert not missing, missing


def test_an_index_row_states_what_the_reports_own_ledger_states(every_page):
    """Each row's counts and data date agree with the claims ``tracker.mix`` and ``header.as_of`` of the report
    it names (for the public site, the audited public page it copies)."""
    checked = 0
    for ledger_path in every_page.rglob("index.claims.json"):
        site = every_page / "public" if ledger_path.is_relative_to(every_page / "public") else every_page
        for claim in json.loads(ledger_path.read_text(encoding="utf-8"))["claims"]:
            if not claim["id"].endswith((".status", ".as_of")) or not claim["source_file"]:
                continue
            page = site / claim["source_file"]
            if site != every_page:  # the copy public/<quarter>/[<framework>/]<stem>.html audits as .../public/<stem>
                page = every_page / page.relative_to(site).parent / "public" / page.name
            report = {c["id"]: c for c in json.loads(page.with_suffix(".claims.json").read_text())["claims"]}
            (source,) = claim["source_rows"]
            if source == "tracker.mix.none":
                assert claim["value"] is None and source in report, claim["id"]
            else:
                assert report[source]["value"] == claim["value"], (ledger_path, claim["id"])
            checked += 1
    assert checked > 4 * 43
