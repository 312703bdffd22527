"""Index pages: the landing page opens on the latest quarter with trackers; the public site holds only public pages."""

import json
import re
from pathlib import Path

from analysis.run.site_index import report_facts, write_index


def _report(path: Path, has_tracker: bool, counts=None, as_of="", marker=""):
    facts = {"has_tracker": has_tracker, "as_of": as_of, "counts": counts or {}, "withheld": 0}
    content = json.dumps(facts).replace("'", "&#x27;")
    path.parent.mkdir(parents=True, exist_ok=True)
    # attribute order and quotes as nbconvert's serialiser writes them
    path.write_text(
        f"<!DOCTYPE html><html><head><meta content='{content}' name=\"casey-index\"/></head>"
        f"<body>{marker}</body></html>"
    )


def _site(root: Path) -> Path:
    reports = root / "reports"
    # a scheduled run made 2026-27-Q2 with no trackers; 2024-25-Q1 has Leicestershire's
    for quarter, tracker in (("2026-27-Q2", False), ("2024-25-Q1", True)):
        for audience in ("", "public/"):
            counts = {"complete": 1, "in_progress": 13} if tracker else {}
            _report(
                reports / quarter / f"{audience}leicestershire.html",
                tracker,
                counts,
                "2024-06-01" if tracker else "",
                marker="INTERNAL-ONLY" if not audience else "PUBLIC-PAGE",
            )
            _report(
                reports / quarter / f"{audience}cheshire.html", False, marker="INTERNAL-ONLY" if not audience else ""
            )
            _report(reports / quarter / f"{audience}national-overview.html", False)
    write_index(reports)
    return reports


def _links(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', page)


def test_facts_are_read_back_from_the_report(tmp_path):
    path = tmp_path / "r.html"
    _report(path, True, {"complete": 2}, "2024-06-01")
    assert report_facts(path) == {"has_tracker": True, "as_of": "2024-06-01", "counts": {"complete": 2}, "withheld": 0}
    (tmp_path / "x.html").write_text("x")
    assert report_facts(tmp_path / "x.html") == {}


def test_landing_opens_on_the_latest_quarter_with_trackers(tmp_path):
    reports = _site(tmp_path)
    page = (reports / "index.html").read_text()
    assert "Reports for 2024/25 Q1, the latest quarter for which forces submitted trackers" in page
    table = page[: page.index("All quarters</h2>")]
    assert "2024-25-Q1/leicestershire.html" in table and "2026-27-Q2/leicestershire.html" not in table
    assert table.index("National overview") < table.index("Cheshire") < table.index("Leicestershire")
    assert "1 complete, 13 in progress" in table and "2024-06-01" in table and "no tracker this quarter" in table
    assert "<h2>Casey Review</h2>" in page  # frameworks by title, not by id
    for link in _links(page):
        assert (reports / link).exists(), link


def test_public_site_links_only_public_pages_and_stands_alone(tmp_path):
    reports = _site(tmp_path)
    site = reports / "public"
    pages = list(site.rglob("*.html"))
    assert all("INTERNAL-ONLY" not in p.read_text() for p in pages)
    assert (site / "2024-25-Q1/leicestershire.html").read_text().count("PUBLIC-PAGE") == 1
    for index in site.rglob("index.html"):
        text = index.read_text()
        assert "Internal" not in text
        for link in _links(text):
            target = (index.parent / link).resolve()
            assert target.exists() and site.resolve() in target.parents, f"{index}: {link}"
    # a report removed from the run disappears from the public site on the next index
    (reports / "2024-25-Q1/public/cheshire.html").unlink()
    write_index(reports)
    assert not (site / "2024-25-Q1/cheshire.html").exists()


def _uncovered(index: Path) -> list[str]:
    from ledger_coverage import uncovered

    ledger = index.with_name("index.claims.json")
    assert ledger.exists(), f"{index} has no ledger"
    return uncovered(index.read_text(), json.loads(ledger.read_text()))


def test_every_number_on_every_index_page_is_a_claim_in_its_ledger(tmp_path):
    reports = _site(tmp_path)
    indexes = sorted(reports.rglob("index.html"))
    assert len(indexes) == 6  # landing and two quarters, internal and public
    assert {str(p.relative_to(reports)): _uncovered(p) for p in indexes} == {
        str(p.relative_to(reports)): [] for p in indexes
    }
    ledger = json.loads((reports / "index.claims.json").read_text())
    claims = {c["id"]: c for c in ledger["claims"]}
    status = claims["2024-25-Q1.casey-2023.leicestershire.status"]
    assert status["value"] == {"complete": 1, "in_progress": 13} and status["sentence"] == "1 complete, 13 in progress"
    assert status["source_file"] == "2024-25-Q1/leicestershire.html" and status["source_rows"] == ["tracker.mix"]
    assert claims["2024-25-Q1.casey-2023.leicestershire.as_of"]["value"] == "2024-06-01"
    assert claims["lede.opening_quarter"]["value"] == "2024-25-Q1"
    assert claims["lede.opening_quarter"]["comparator"] == {"2026-27-Q2": 0, "2024-25-Q1": 1}
    assert claims["nav.2024-25-Q1.with_tracker"]["sentence"] == "(1 with a tracker)"


def test_the_checker_finds_an_index_number_without_its_claim(tmp_path):
    reports = _site(tmp_path)
    index = reports / "2024-25-Q1/index.html"
    page = index.read_text()
    index.write_text(page.replace('data-claim="2024-25-Q1.casey-2023.leicestershire.as_of"', "", 1))
    assert _uncovered(index) == ["no claim: '2024-06-01'"]


def test_a_public_index_ledger_reads_only_public_pages(tmp_path):
    reports = tmp_path / "reports"
    # the internal report counts a recommendation the public one withholds
    _report(reports / "2024-25-Q1/leicestershire.html", True, {"complete": 2, "in_progress": 13}, "2024-06-01")
    _report(reports / "2024-25-Q1/public/leicestershire.html", True, {"complete": 1, "in_progress": 13}, "2024-06-01")
    write_index(reports)
    site = reports / "public"
    for ledger_path in [site / "index.claims.json", site / "2024-25-Q1/index.claims.json"]:
        claims = {c["id"]: c for c in json.loads(ledger_path.read_text())["claims"]}
        status = claims["2024-25-Q1.casey-2023.leicestershire.status"]
        assert status["value"] == {"complete": 1, "in_progress": 13}
        assert status["source_file"] == "2024-25-Q1/leicestershire.html"  # the public copy, below public/
        assert "2 complete" not in ledger_path.read_text()
    assert "2 complete" in (reports / "2024-25-Q1/index.claims.json").read_text()
    # the mirror's clean-up of withdrawn pages keeps the index ledgers
    write_index(reports)
    assert (site / "2024-25-Q1/index.claims.json").exists() and (site / "index.claims.json").exists()
