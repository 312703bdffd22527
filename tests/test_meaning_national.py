"""The national overview's meaning rules (compute/meaning/national.py), one test per rule, on hand-made figures."""

import pytest

from analysis.compute.meaning import national as meaning
from analysis.core import settings
from analysis.present.national import distinct


def test_outside_outer_limits_reads_only_the_outer_level():
    assert meaning.outside_outer_limits("above 99.8%") == "above"
    assert meaning.outside_outer_limits("below 99.8%") == "below"
    for position in ("within", "above 95%", "below 95%", "", None, "cannot see", float("nan")):
        assert meaning.outside_outer_limits(position) is None


@pytest.mark.parametrize(
    "assurance, variation, rate, national, stated, broken, side",
    [
        ("consistently_fails", "common_cause", 7.0, 8.8, True, False, "below"),
        # the latest point broke above limits that lay below the national rate, and is above it: not stated
        ("consistently_fails", "special_cause_improving", 9.4, 8.8, False, True, "above"),
        # broke out of its limits but still below the national rate: stated, qualified
        ("consistently_fails", "special_cause_improving", 8.5, 8.8, True, True, "below"),
        ("consistently_passes", "special_cause_concerning", 8.0, 8.8, False, True, "below"),
        ("consistently_passes", "common_cause", 9.9, 8.8, True, False, "above"),
        ("hit_and_miss", "special_cause_improving", 12.0, 8.8, True, True, "above"),
        (None, "too_few_points", None, 8.8, False, False, ""),
    ],
)
def test_assurance_reading_never_states_a_verdict_the_latest_rate_contradicts(
    assurance, variation, rate, national, stated, broken, side
):
    reading = meaning.assurance_reading(assurance, variation, rate, national)
    assert (reading.stated, reading.on_broken_limits, reading.latest_side) == (stated, broken, side)
    assert reading.contradicted == (assurance is not None and not stated)


def test_assurance_reading_compares_unrounded_rates():
    # 8.84% against 8.76%: both show as 8.8%, but the latest rate is above the national one
    assert not meaning.assurance_reading("consistently_fails", "special_cause_improving", 8.84, 8.76).stated
    assert meaning.assurance_reading("consistently_fails", "special_cause_improving", 8.76, 8.84).stated


def test_moving_together_is_the_same_for_improving_and_worsening():
    share = settings.MOVING_TOGETHER_SHARE
    assert meaning.moving_together({"special_cause_concerning": 16}, 43) == ["special_cause_concerning"]
    assert meaning.moving_together({"special_cause_improving": 16}, 43) == ["special_cause_improving"]
    at_threshold = int(share * 43)  # 14 of 43 is not more than a third
    assert (
        meaning.moving_together({"special_cause_improving": at_threshold, "special_cause_concerning": at_threshold}, 43)
        == []
    )
    both = {"special_cause_improving": 22, "special_cause_concerning": 21}
    assert meaning.moving_together(both, 43) == ["special_cause_concerning", "special_cause_improving"]
    assert meaning.moving_together({"common_cause": 43}, 43) == [] and meaning.moving_together({}, 0) == []


def test_low_evidence_below_the_share():
    assert meaning.low_evidence(14, 4) and not meaning.low_evidence(14, 7) and not meaning.low_evidence(0, 0)


def test_look_at_kinds_cover_every_outer_limit_on_the_page():
    assert {"funnel_closed", "funnel_recorded", "fairness_outside", "spc_concern"} <= set(meaning.LOOK_AT_KINDS)


def test_figures_are_never_written_equal_when_they_differ():
    assert distinct(8.84, 8.76) == ("8.84", "8.76")
    assert distinct(9.4, 8.8) == ("9.4", "8.8")
    assert distinct(8.8, 8.8) == ("8.8", "8.8")
