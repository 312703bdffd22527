"""The key-measures section in real rendered reports, checked against the raw table by hand."""

import csv
import re

import pytest
from conftest import ROOT, make_measures_tree
from htmlcheck import Page

from analysis.run.render import checked_job, render_report

pytestmark = pytest.mark.slow


def raw_charge_rate(force_name: str, fy: str, q: str) -> tuple[int, int]:
    with open(ROOT / "data/raw/measures/home-office-outcomes/force_quarter.csv", newline="") as f:
        for row in csv.DictReader(f):
            if (row["force"], row["fy"], row["q"]) == (force_name, fy, q):
                return int(row["closed_all_t1"]), int(row["closed_all_assigned"])
    raise AssertionError("row not found")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("measures")
    data = make_measures_tree(root / "data", build=True)
    out = {}
    for force in ("leicestershire", "avon-and-somerset"):
        path = render_report(checked_job(force, "2024-25-Q1", data_dir=data), data, root / "reports")
        out[force] = Page(path.read_text()).text
        out[f"{force}:html"] = path.read_text()
    return out


@pytest.mark.parametrize(
    "force, name", [("leicestershire", "Leicestershire"), ("avon-and-somerset", "Avon and Somerset")]
)
def test_headline_charge_rate_matches_the_raw_table(pages, force, name):
    charges, assigned = raw_charge_rate(name, "2023/24", "3")  # the latest quarter published by 30 June 2024
    expected = f"{name} charged or summonsed {100 * charges / assigned:.1f}% of the crimes whose investigations closed with an assigned outcome ({charges:,} of {assigned:,};"
    assert expected in pages[force]


def test_force_without_tracker_still_gets_its_measures(pages):
    text = pages["avon-and-somerset"]
    assert (
        "No Casey Review tracker for Avon and Somerset for 2024/25 Q1 was received or published by the end of the quarter"
        in text
    )
    assert "Key measures" in text and "funnel" in text.lower()


def test_missing_measures_name_their_official_source(pages):
    text = pages["avon-and-somerset"]
    assert "No data for this measure is loaded for Avon and Somerset" in text
    assert "Police misconduct, England and Wales" in text


def test_executive_summary_mentions_the_key_measures(pages):
    text = pages["leicestershire"]
    start = text.rindex("Executive summary")  # the section, not the contents entry
    summary = text[start : text.index("Charts", start)]
    assert "charged or summonsed" in summary
    assert "Of the 7 key measures, 1 has official figures comparable across forces" in summary


def test_a_report_without_a_tracker_is_short_and_says_nothing_twice(pages):
    import re

    html = pages["avon-and-somerset:html"]
    # a tile's age line is said once per tile (each tile is its own measure), so tiles' lines are left out
    paras = [
        " ".join(re.sub(r"<[^>]+>", " ", p).split())
        for p in re.findall(r"<p\b(?![^>]*class=\"stale\")[^>]*>(.*?)</p>", html, re.S)
    ]
    repeated = {p for p in paras if paras.count(p) > 1 and len(p) > 40}
    assert repeated == set()
    sentences = [s for p in paras for s in re.split(r"(?<=\.) ", p) if len(s) > 60]
    assert len(sentences) == len(set(sentences)), "a sentence appears twice"
    assert "Not assessed" not in pages["avon-and-somerset"]  # no 16 identical status blocks
    assert html.count('class="recommendation"') == 0 and html.count('<table class="compact">') == 1
    assert 'id="rec-16"' in html  # every recommendation listed once, with its anchor


def test_reader_language(pages):
    text = pages["leicestershire"]
    assert "(seed " not in text  # source documents by their titles, not internal labels
    assert "LLR Police and Crime Panel pack, 9 October 2023" in text
    assert not re.search(r"allegations: \d", text)  # no double colon after a title holding one
