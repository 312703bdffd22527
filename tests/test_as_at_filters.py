"""The one "as known at this quarter" filter (compute/as_at.py): each test of a row, on small tables."""

import datetime as dt

import numpy as np
import pandas as pd

from analysis.compute import as_at
from analysis.core.periods import Quarter

Q1 = Quarter(2024, 1)  # April to June 2024


def test_quarters_through_keeps_the_quarter_and_earlier_in_either_spelling():
    assert as_at.quarters_through(["2023-24-Q4", "2024/25 Q1", "2024-25-Q2", Quarter(2023, 1)], Q1) == [
        True,
        True,
        False,
        True,
    ]


def test_a_period_ends_by_the_last_day_of_the_quarter():
    ends = np.array([dt.date(2024, 6, 30), dt.date(2024, 7, 1)], dtype=object)
    assert as_at.ended_by(ends, Q1).tolist() == [True, False]
    stamps = pd.Series(pd.to_datetime(["2024-06-30", "2024-07-01", None]))
    assert as_at.ended_by(stamps, Q1).tolist() == [True, False, False]  # an unknown end is never by then


def test_known_by_reads_dates_and_iso_text_and_a_blank_is_never_known():
    known = ["2024-06-30", "2024-07-01", "", None, dt.date(2024, 5, 1), dt.date(2025, 1, 1)]
    assert as_at.known_by(known, Q1).tolist() == [True, False, False, False, True, False]


def test_a_home_office_quarter_is_published_a_quarter_or_more_after_it_ends():
    # the release rule (settings.OFFICIAL_RELEASE_QUARTERS_AFTER) errs late: the quarter itself is not yet published
    assert as_at.published_by(["2024-25-Q1"], Q1) == [False]
    assert as_at.published_by(["2022-23-Q1"], Q1) == [True]


def test_rows_through_keeps_the_shape_of_an_empty_table():
    empty = pd.DataFrame({"quarter": pd.Series(dtype=str), "x": pd.Series(dtype=int)})
    assert list(as_at.rows_through(empty, Q1).columns) == ["quarter", "x"]
    table = pd.DataFrame({"period": ["2024-25-Q1", "2024-25-Q2"], "x": [1, 2]})
    assert as_at.rows_through(table, Q1, "period")["x"].tolist() == [1]


def test_a_snapshot_is_used_only_when_its_quarter_has_come_and_its_document_was_known():
    index = pd.DataFrame(
        {
            "force_id": ["a", "a", "a", "b"],
            "quarter": ["2023-24-Q1", "2024-25-Q1", "2024-25-Q2", "2024-25-Q1"],
            "known_at": ["2023-06-30", "2024-09-01", "2024-09-30", "2024-06-01"],
        }
    )
    assert as_at.snapshot_mask(index, Q1).tolist() == [True, False, False, True]
    assert as_at.later_snapshots(index, Q1, "a") == 2 and as_at.later_snapshots(index, Q1) == 2
    before_issue_18 = index.drop(columns="known_at")  # read as known in each snapshot's own quarter
    assert as_at.snapshot_mask(before_issue_18, Q1).tolist() == [True, True, False, True]


def test_later_data_counts_what_is_left_out():
    index = pd.DataFrame({"force_id": ["a"], "quarter": ["2024-25-Q2"], "known_at": ["2024-09-30"]})
    later = as_at.later_data(Q1, index, 3, "a", "etp-2023")
    assert (later.observations, later.trackers, later.exist) == (3, 1, True)
    assert later.trackers_file == "processed/trackers/etp-2023-snapshots.csv"
    assert not as_at.later_data(Q1, index.iloc[:0], 0).exist
