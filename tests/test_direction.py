"""analysis.compute.direction: the evaluative words for every registry direction."""

import pytest

from analysis.compute import direction as dn
from analysis.sources.measure_registry import DIRECTIONS as REGISTRY_DIRECTIONS


def test_every_registry_direction_is_known():
    assert {dn.normalise(d) for d in REGISTRY_DIRECTIONS} == set(dn.DIRECTIONS)
    assert dn.normalise("closer_to_1_is_better") == dn.normalise("parity") == dn.PARITY
    with pytest.raises(ValueError, match="unknown measure direction"):
        dn.normalise("up_is_good")


@pytest.mark.parametrize(
    "direction, level, expected",
    [
        ("higher_is_better", None, "increase"),
        ("lower_is_better", None, "decrease"),
        ("neutral", 5, "neutral"),
        ("closer_to_one_is_better", 0.6, "increase"),
        ("closer_to_one_is_better", 1.4, "decrease"),
        ("closer_to_one_is_better", 1.0, "neutral"),
        ("closer_to_one_is_better", None, "neutral"),
    ],
)
def test_spc_direction(direction, level, expected):
    assert dn.spc_direction(direction, level) == expected


@pytest.mark.parametrize(
    "direction, before, after, expected",
    [
        ("higher_is_better", 8.0, 9.0, "improving"),
        ("higher_is_better", 9.0, 8.0, "deteriorating"),
        ("lower_is_better", 9.0, 8.0, "improving"),
        ("lower_is_better", 8.0, 9.0, "deteriorating"),
        ("closer_to_one_is_better", 0.6, 0.8, "closing the gap"),
        ("closer_to_one_is_better", 1.5, 1.7, "widening the gap"),
        ("closer_to_one_is_better", 1.4, 1.2, "closing the gap"),
        ("closer_to_one_is_better", 0.8, 1.2, "unchanged"),
        ("neutral", 1.0, 2.0, "rising"),
        ("neutral", 2.0, 1.0, "falling"),
        ("higher_is_better", 2.0, 2.0, "unchanged"),
    ],
)
def test_change_word(direction, before, after, expected):
    assert dn.change_word(direction, before, after) == expected


@pytest.mark.parametrize(
    "direction, value, comparator, expected",
    [
        ("higher_is_better", 8.4, 8.8, "below it, which is worse"),
        ("higher_is_better", 14.3, 7.3, "above it, which is better"),
        ("lower_is_better", 14.3, 7.3, "above it, which is worse"),
        ("lower_is_better", 5.0, 7.3, "below it, which is better"),
        ("closer_to_one_is_better", 0.7, 0.5, "above it, closer to parity"),
        ("closer_to_one_is_better", 1.6, 1.2, "above it, further from parity"),
        ("neutral", 3.0, 2.0, "above it"),
        ("neutral", 2.0, 2.0, "level with it"),
    ],
)
def test_position_words(direction, value, comparator, expected):
    assert dn.position_words(direction, value, comparator) == expected


@pytest.mark.parametrize("direction", dn.DIRECTIONS)
def test_variation_text_never_judges_common_cause(direction):
    text = dn.variation_text("common_cause", direction, "The rate")
    assert "no evidence" in text and "improv" not in text and "concern" not in text


@pytest.mark.parametrize(
    "direction, verdict, word",
    [
        ("higher_is_better", "special_cause_improving", "better direction"),
        ("lower_is_better", "special_cause_improving", "better direction"),
        ("higher_is_better", "special_cause_concerning", "worse direction"),
        ("lower_is_better", "special_cause_concerning", "worse direction"),
        ("closer_to_one_is_better", "special_cause_improving", "closer to parity"),
        ("closer_to_one_is_better", "special_cause_concerning", "further from parity"),
        ("neutral", "special_cause_neutral", "neither an improvement nor a concern"),
    ],
)
def test_variation_text_words(direction, verdict, word):
    assert word in dn.variation_text(verdict, direction, "The rate", "seven points above the centre line", True)


def test_variation_text_rejects_unknown_verdict():
    with pytest.raises(ValueError):
        dn.variation_text("special_cause", "neutral", "x")


@pytest.mark.parametrize(
    "direction, verdict, expected",
    [
        ("higher_is_better", "consistently_passes", "consistently be above the national rate"),
        ("higher_is_better", "consistently_fails", "consistently be below the national rate"),
        ("lower_is_better", "consistently_passes", "consistently be below the national rate"),
        ("lower_is_better", "consistently_fails", "consistently be above the national rate"),
        ("closer_to_one_is_better", "consistently_passes", "closer to parity than the national rate"),
        ("higher_is_better", "hit_and_miss", "hit and miss"),
        ("neutral", None, "no better direction"),
        ("higher_is_better", None, "no comparator"),
    ],
)
def test_assurance_text(direction, verdict, expected):
    assert expected in dn.assurance_text(verdict, direction, "the rate", "the national rate", "6% to 9%")


def test_variation_text_on_a_stale_figure_is_a_verdict_of_its_time():
    """Issue 18 class 4: staleness is an argument of the wording, not a string replace of its output."""
    concern = dn.variation_text("special_cause_concerning", "higher_is_better", "X's rate", stale=True)
    assert concern.endswith(": a concern at the time; no later figure is loaded.")
    improved = dn.variation_text("special_cause_improving", "lower_is_better", "X's time", "a rule", stale=True)
    assert (
        improved
        == "X's time shows special-cause variation in the better direction (a rule): it had improved then; no later figure is loaded."
    )
    assert dn.variation_text("special_cause_concerning", "higher_is_better", "X's rate").endswith(
        ": a concern to look into."
    )
    # common cause and neutral signals make no claim of improvement or concern, stale or not
    for verdict in ("common_cause", "special_cause_neutral"):
        assert dn.variation_text(verdict, "neutral", "X", stale=True) == dn.variation_text(verdict, "neutral", "X")


def test_significance_and_parity_distance_words():
    assert dn.significance_words(True) == "a statistically significant change"
    assert dn.significance_words(False) == dn.significance_words(None) == "not a statistically significant change"
    assert dn.parity_distance_words(1.5, 2.5) == "closer to 1"
    assert dn.parity_distance_words(0.4, 0.5) == "further from 1"
    assert dn.parity_distance_words(0.5, 1.8) == "further from 1"  # on the log scale: 0.5 is further than 1.8
