"""The meaning rules for key measures (analysis.compute.meaning.measures), each on numbers only."""

import datetime as dt

import pytest

from analysis.compute.meaning import measures as meaning
from analysis.core.periods import parse_quarter
from analysis.core.settings import RECENT_RUN_MIN_POINTS, RECORDED_INCOMPLETE_QUARTERS, STALE_MEASURE_MONTHS


def test_recent_run_counts_latest_points_on_one_side_of_their_own_comparator():
    # the Metropolitan Police shape (issue 18, class 1): below each quarter's national rate for many quarters
    values = [9.6, 7.4, 6.6, 3.1, 4.5, 4.9, 3.8, 5.7, 3.8]
    national = [8.0, 7.0, 7.2, 7.5, 7.6, 7.9, 8.1, 8.5, 8.8]
    run = meaning.recent_run(values, national, [f"q{i}" for i in range(9)])
    assert (run.length, run.side, run.first, run.last, run.total) == (7, "below", "q2", "q8", 9)


def test_recent_run_is_zero_when_the_latest_point_is_level_and_none_without_points():
    assert meaning.recent_run([1.0, 2.0], [1.5, 2.0], ["a", "b"]).length == 0
    assert meaning.recent_run([float("nan")], [1.0], ["a"]) is None


def test_hit_and_miss_with_a_long_run_on_one_side_says_the_limits_are_too_wide():
    run = meaning.RecentRun(RECENT_RUN_MIN_POINTS, "below", "a", "b", 20)
    r = meaning.assurance_reading("hit_and_miss", 1.6, 11.2, 3.8, 8.8, "higher_is_better", run)
    assert r.rule == meaning.TOO_WIDE_RECENT_RUN and r.limits_side == "straddle" and r.good is False


def test_hit_and_miss_with_a_short_run_states_the_run_as_too_short():
    # Metropolitan Police 2024/25 Q1 (class 1): 5 quarters below, one short of RECENT_RUN_MIN_POINTS; "hit and
    # miss" alone read as if the force had lately been on both sides
    run = meaning.RecentRun(RECENT_RUN_MIN_POINTS - 1, "below", "a", "b", 20)
    r = meaning.assurance_reading("hit_and_miss", 1.6, 11.2, 3.8, 8.8, "higher_is_better", run)
    assert r.rule == meaning.TOO_WIDE_SHORT_RUN and r.good is None  # too short to call better or worse
    one = meaning.RecentRun(1, "below", "b", "b", 20)
    assert (
        meaning.assurance_reading("hit_and_miss", 1.6, 11.2, 3.8, 8.8, "higher_is_better", one).rule == "hit_and_miss"
    )


def test_a_consistently_verdict_never_stands_beside_a_latest_figure_on_the_other_side():
    # Leicestershire 2026/27 Q2 shape (class 2): limits 7.3% to 9.9% wholly below 11.5%, latest 11.6%
    r = meaning.assurance_reading("consistently_fails", 7.28, 9.89, 11.61, 11.5, "higher_is_better")
    assert (r.rule, r.limits_side, r.latest_side, r.good) == (meaning.LATEST_CONTRADICTS, "below", "above", True)
    agree = meaning.assurance_reading("consistently_fails", 7.28, 9.89, 8.0, 11.5, "higher_is_better")
    assert agree.rule == "consistently_fails" and agree.good is False


def test_no_comparator_gives_no_assurance_reading():
    assert meaning.assurance_reading(None, 1, 2, 1.5, None, "neutral").rule == meaning.NO_COMPARATOR


@pytest.mark.parametrize(
    "end, report_end, months, stale",
    [
        (dt.date(2024, 3, 31), dt.date(2024, 6, 30), 3, False),
        (dt.date(2023, 6, 30), dt.date(2024, 6, 30), 12, False),
        (dt.date(2023, 3, 31), dt.date(2024, 6, 30), 15, True),
        (dt.date(2024, 7, 31), dt.date(2024, 6, 30), 0, False),
    ],
)
def test_staleness(end, report_end, months, stale):
    assert meaning.staleness(end, report_end) == meaning.Staleness(months, stale)
    assert STALE_MEASURE_MONTHS == 12  # the cases above are written for a year


def test_recorded_incomplete_covers_the_latest_quarters_up_to_the_report_quarter_only():
    q = parse_quarter("2024-25-Q1")
    recent = [q.minus(i) for i in range(RECORDED_INCOMPLETE_QUARTERS)]
    assert all(meaning.recorded_incomplete(p, q) for p in recent)
    assert not meaning.recorded_incomplete(q.minus(RECORDED_INCOMPLETE_QUARTERS), q)
    assert not meaning.recorded_incomplete(q.next(), q)  # a later quarter is not in the report at all
