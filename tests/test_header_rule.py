"""Issue 20.1: one header rule for every file people send. A marking column under any spelling is honoured;
a near miss or an unknown column refuses the file naming it (never dropped, never read as "no marking");
build, validate and import give the same answer."""

import pandas as pd
import pytest

from analysis.compute import measures
from analysis.run.build import build_all
from analysis.sources import headers

LOCAL = "raw/measures/local/leicestershire.csv"
TRACKER = "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"


@pytest.fixture
def data(measures_tree):
    return measures_tree


def _rewrite(path, change):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("Marking", "marking"),
        (" MARKING ", "marking"),
        ("Recommendation ID", "recommendation_id"),
        ("recommendation-id", "recommendation_id"),
        ("\uff2d\uff41\uff52\uff4b\uff49\uff4e\uff47", "marking"),  # fullwidth letters (NFKC)
        ("\u200bmarking", "marking"),  # a zero-width space before it
        ("Markng", None),
        ("marking2", None),
    ],
)
def test_headings_match_after_folding_case_space_and_unicode(heading, column):
    assert headers.canonical(heading, ["recommendation_id", "marking"]) == column


def test_a_capitalised_marking_column_in_a_measures_file_is_honoured(data):
    """The leak: 'Marking' with every row OFFICIAL-SENSITIVE was read as an absent column, so OFFICIAL, and the
    figures reached the public page. Now the rows are sensitive and the public never sees them."""
    path = _rewrite(data / LOCAL, lambda f: f.assign(Marking="OFFICIAL-SENSITIVE"))
    assert build_all(data).problems == []
    internal = measures.observations(data)
    public = measures.observations(data, audience="public")
    rows = len(pd.read_csv(path))
    assert len(internal) - len(public) == rows  # every row of the file withheld from the public


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        ("Markng", "unexpected column, a near miss of 'marking': rename it 'marking'"),
        ("marking_level", "unexpected column"),
        ("comment", "unexpected column; expected force_id"),
    ],
)
def test_a_near_miss_or_unknown_column_refuses_the_measures_file(data, heading, message):
    path = _rewrite(data / LOCAL, lambda f: f.assign(**{heading: "OFFICIAL-SENSITIVE"}))
    problems = [str(p) for p in build_all(data).problems]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: header: {heading}: {message}"), problems
    # the refused file is left out whole: none of its rows reaches any report
    obs = measures.observations(data)
    assert not obs["source"].str.contains("Domestic Abuse and VAWG update").any()


def test_two_headings_for_one_column_refuse_the_file(data):
    path = data / LOCAL
    text = path.read_text().splitlines()
    text[0] += ",marking,Marking"
    path.write_text("\n".join([text[0], *(line + ",OFFICIAL,OFFICIAL-SENSITIVE" for line in text[1:])]) + "\n")
    problems = [str(p) for p in build_all(data).problems]
    assert problems == [f"{path}: header: Marking: names the same column as 'marking' (marking)"]
