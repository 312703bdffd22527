"""Issue 10: a report for a quarter uses nothing later, and where later data exist says so in one line, never
showing them. The line is in the sources section of a force report (and of the national overview, see
tests/test_national_claims.py); it must not appear where nothing later is held."""

import csv
import re

import pytest
import yaml
from conftest import ROOT, make_data_tree
from htmlcheck import Page
from rederive import period_end, qkey, quarter_end

from analysis.compute import measures
from analysis.compute.report_model import load_report
from analysis.present import fragments, narrative
from analysis.run.build import build_all

RAW = ROOT / "data/raw"
PAST, LAST = "2023-24-Q1", "2025-26-Q4"  # LAST: the last quarter of the bundled charge-rate data
KNOWN = "2026-27-Q2"  # LAST counts as published at the end of the second quarter after it
LATER_QUARTER = re.compile(r"\b(20\d\d)[-/](\d\d)[- ]Q([1-4])\b")


def later_observations(data, quarter: str) -> int:
    """Observations in data/processed for periods ending after the quarter, or known (published) after it
    (csv only)."""
    end = quarter_end(quarter)
    with open(data / "processed/measures/observations.csv", newline="") as f:
        return sum(
            period_end(r["period"], r["period_type"]) > end or r["known_at"] > end.isoformat()
            for r in csv.DictReader(f)
        )


def no_later_quarter(text: str, quarter: str) -> None:
    for found in LATER_QUARTER.findall(text):
        assert (int(found[0]), int(found[2])) <= qkey(quarter), found


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_a_past_quarter_says_later_data_are_held_and_shows_none(real_data, audience):
    report = load_report("leicestershire", PAST, audience, data_dir=real_data)
    line = narrative.later_data_sentence(report.later)
    assert line == (
        "Figures, and the force's trackers, for periods after the end of 2023/24 Q1 (30 June 2023) or published "
        "after it are held but left out: this report shows only what was known by the end of the quarter."
    )
    sources = Page(fragments.provenance(report)).text
    assert line in sources
    claim = narrative.report_claims(report).get("as_at.later_data")
    assert claim.sentence == line and claim.window == PAST
    later_trackers = [  # for later quarters, or published after the quarter's end (the 2023/24 Q1 one, in October)
        p
        for p in (RAW / "trackers/casey-2023/leicestershire").glob("*.csv")
        if qkey(p.stem) > qkey(PAST)
        or str(yaml.safe_load(p.with_suffix(".meta.yaml").read_text())["published"]) > quarter_end(PAST).isoformat()
    ]
    assert claim.value == {
        "observations": later_observations(real_data, PAST),
        "tracker_snapshots": len(later_trackers),
    }
    assert later_trackers and claim.value["observations"] > 0
    no_later_quarter(sources + str(claim), PAST)  # counts only: no later period is named


def test_a_force_without_a_later_tracker_says_figures_only(real_data):
    report = load_report("city-of-london", PAST, data_dir=real_data)
    line = narrative.later_data_sentence(report.later)
    assert line.startswith(
        "Figures for periods after the end of 2023/24 Q1 (30 June 2023) or published after it are held but left out"
    )
    assert "tracker" not in line
    assert line in Page(fragments.provenance(report)).text


@pytest.mark.parametrize("force", ["leicestershire", "city-of-london"])
def test_the_latest_quarter_says_nothing_of_later_data(real_data, force):
    assert later_observations(real_data, LAST) > 0  # its last quarters were published after it ended
    assert later_observations(real_data, KNOWN) == 0  # the quarter by whose end all of it was published
    report = load_report(force, KNOWN, data_dir=real_data)
    assert not report.later.exist and narrative.later_data_sentence(report.later) == ""
    assert "held but left out" not in Page(fragments.provenance(report)).text
    assert "as_at.later_data" not in narrative.report_claims(report).ids()
    assert not measures.later_periods(real_data, KNOWN)


def test_later_trackers_alone_are_mentioned_without_figures(tmp_path):
    """A data tree with trackers but no key measures: the line speaks of trackers only, and only while a later
    tracker exists."""
    data = make_data_tree(
        tmp_path / "data",
        {
            "leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv",
            "leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv",
        },
    )
    assert build_all(data).problems == []
    past = load_report("leicestershire", PAST, data_dir=data)
    assert narrative.later_data_sentence(past.later) == (
        "The force's trackers for quarters after 2023/24 Q1, or published after its end (30 June 2023), are held "
        "but left out: this report shows only what was known by the end of the quarter."
    )
    assert not load_report("leicestershire", "2024-25-Q1", data_dir=data).later.exist
