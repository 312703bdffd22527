"""The one place that turns a measure's direction into evaluative words.

Every sentence in a report that judges a figure ("improving", "a concern", "better than",
"closing the gap") gets its word from here, from the measure's ``direction`` in the registry:

* ``higher_is_better`` – e.g. a charge rate;
* ``lower_is_better`` – e.g. a response time;
* ``closer_to_one_is_better`` – a ratio whose target is parity (1), e.g. representation or
  disparity ratios (``closer_to_1_is_better`` and ``parity`` are accepted as spellings);
* ``neutral`` – context only: a rise or fall is described, never judged.

Pure functions; no I/O.
"""

from __future__ import annotations

import math

from analysis.core.settings import RECENT_RUN_MIN_POINTS

HIGHER, LOWER, PARITY, NEUTRAL = "higher_is_better", "lower_is_better", "closer_to_one_is_better", "neutral"
DIRECTIONS = (HIGHER, LOWER, PARITY, NEUTRAL)
_ALIASES = {"closer_to_1_is_better": PARITY, "parity": PARITY}


def normalise(direction: str) -> str:
    """The registry direction in its canonical spelling; raises ValueError for anything else."""
    canonical = _ALIASES.get(direction, direction)
    if canonical not in DIRECTIONS:
        raise ValueError(f"unknown measure direction {direction!r}; expected one of {', '.join(DIRECTIONS)}")
    return canonical


def spc_direction(direction: str, level: float | None = None) -> str:
    """The SPC improvement direction (``increase``/``decrease``/``neutral``) for a measure.

    For a parity measure it depends on where the process sits (``level``, e.g. its centre line):
    below 1 an increase is an improvement, above 1 a decrease; at 1 or unknown, neutral.
    """
    d = normalise(direction)
    if d == HIGHER:
        return "increase"
    if d == LOWER:
        return "decrease"
    if d == PARITY and level is not None and math.isfinite(level) and level != 1:
        return "increase" if level < 1 else "decrease"
    return "neutral"


def change_word(direction: str, before: float, after: float, target: float = 1.0) -> str:
    """One word or phrase for a change from ``before`` to ``after``.

    higher/lower is better: "improving" / "deteriorating"; parity: "closing the gap" /
    "widening the gap" (distance from ``target``); neutral: "rising" / "falling". "unchanged"
    when equal. Use it only for a change the statistics support (see :func:`variation_text`).
    """
    d = normalise(direction)
    if after == before:
        return "unchanged"
    if d == NEUTRAL:
        return "rising" if after > before else "falling"
    if d == PARITY:
        if abs(after - target) == abs(before - target):
            return "unchanged"
        return "closing the gap" if abs(after - target) < abs(before - target) else "widening the gap"
    better = after > before if d == HIGHER else after < before
    return "improving" if better else "deteriorating"


def position_words(direction: str, value: float, comparator: float, target: float = 1.0) -> str:
    """How ``value`` stands against ``comparator``: "above it, which is better", "below it, which is
    worse", "further from parity than it" ... ; "level with it" when equal. Neutral measures get
    "above it"/"below it" with no judgement."""
    d = normalise(direction)
    if value == comparator:
        return "level with it"
    side = "above it" if value > comparator else "below it"
    if d == NEUTRAL:
        return side
    if d == PARITY:
        nearer = abs(value - target) < abs(comparator - target)
        return f"{side}, {'closer to' if nearer else 'further from'} parity"
    better = value > comparator if d == HIGHER else value < comparator
    return f"{side}, which is {'better' if better else 'worse'}"


def variation_text(
    variation: str,
    direction: str,
    subject: str,
    rule: str | None = None,
    high: bool | None = None,
    stale: bool = False,
) -> str:
    """One plain sentence for an SPC variation verdict (``common_cause``, ``special_cause_improving``,
    ``special_cause_concerning``, ``special_cause_neutral``).

    ``subject`` names the series ("Leicestershire's charge rate"); ``rule`` is the rule the latest point
    meets, in words; ``high`` says whether a neutral signal is high or low. ``stale``: the latest point is
    old (:func:`analysis.compute.meaning.measures.staleness`), so an improvement or a concern is said as a
    verdict of that time, not a current alarm (issue 18, class 4).
    """
    d = normalise(direction)
    why = f" ({rule})" if rule else ""
    if variation == "common_cause":
        return (
            f"{subject} shows only common-cause variation: the latest point breaks none of the "
            f"special-cause rules, so there is no evidence that the process has changed."
        )
    if variation == "special_cause_improving":
        better = "closer to parity" if d == PARITY else "in the better direction"
        then = "it had improved then; no later figure is loaded" if stale else "the process has improved"
        return f"{subject} shows special-cause variation {better}{why}: {then}."
    if variation == "special_cause_concerning":
        worse = "further from parity" if d == PARITY else "in the worse direction"
        then = "a concern at the time; no later figure is loaded" if stale else "a concern to look into"
        return f"{subject} shows special-cause variation {worse}{why}: {then}."
    if variation == "special_cause_neutral":
        way = "upwards" if high else "downwards" if high is not None else ""
        return (
            f"{subject} shows special-cause variation {way}{why}; this measure has no better direction, "
            f"so the change is neither an improvement nor a concern in itself."
        ).replace("  ", " ")
    raise ValueError(f"unknown variation verdict {variation!r}")


def assurance_text(assurance: str | None, direction: str, subject: str, comparator_label: str, limits_text: str) -> str:
    """One plain sentence for an SPC assurance verdict against a comparator.

    ``limits_text`` gives the latest process limits in the measure's unit ("6.9% to 9.8%").
    """
    d = normalise(direction)
    if assurance is None:
        if d == NEUTRAL:
            return f"This measure has no better direction, so there is no assurance verdict against {comparator_label}."
        return "There is no comparator, so there is no assurance verdict."
    better, worse = (
        ("closer to parity than", "further from parity than")
        if d == PARITY
        else (("above", "below") if d == HIGHER else ("below", "above"))
    )
    if assurance == "consistently_passes":
        return (
            f"If nothing changes, {subject} will consistently be {better} {comparator_label}: its process "
            f"limits ({limits_text}) lie wholly on the better side."
        )
    if assurance == "consistently_fails":
        return (
            f"If nothing changes, {subject} will consistently be {worse} {comparator_label}: its process "
            f"limits ({limits_text}) lie wholly on the worse side."
        )
    if assurance == "hit_and_miss":
        return (
            f"{comparator_label[0].upper()}{comparator_label[1:]} lies inside the process limits ({limits_text}), "
            f"so, if nothing changes, {subject} will sometimes be on one side of it and sometimes on the other "
            "(hit and miss)."
        )
    raise ValueError(f"unknown assurance verdict {assurance!r}")


def significance_words(significant: bool | None) -> str:
    """How a tested change is named: only a test that found one makes it "statistically significant"."""
    return "a statistically significant change" if significant else "not a statistically significant change"


def parity_distance_words(now: float, before: float, target: float = 1.0) -> str:
    """Whether a ratio moved towards or away from parity (``target``), on the log scale: "closer to 1"."""
    nearer = abs(math.log(now / target)) < abs(math.log(before / target))
    return f"{'closer to' if nearer else 'further from'} {target:g}"


def _side_words(where: str) -> str:
    return "level with" if where == "level" else where


def reading_text(
    rule: str,
    subject: str,
    comparator_label: str,
    limits_text: str,
    limits_side: str,
    latest_side: str,
    latest_text: str,
    run=None,
    run_comparator: str = "",
) -> str:
    """The sentence for a meaning rule that overrides the SPC assurance verdict (issue 18, classes 1 and 2;
    rules from :func:`analysis.compute.meaning.measures.assurance_reading`). ``run`` is the recent run
    (:class:`analysis.compute.meaning.measures.RecentRun`), said against ``run_comparator`` ("the last 8
    quarters (2022/23 Q2 to 2024/25 Q1) were all below the England and Wales rate of the same quarter")."""
    run_text = ""
    if rule in ("too_wide_recent_run", "too_wide_short_run"):
        run_text = f"the last {run.length} quarters ({run.first} to {run.last}) were all {run.side} {run_comparator}"
    if rule == "latest_contradicts":
        return (
            f"{subject}'s process limits ({limits_text}) lie wholly {limits_side} {comparator_label}, but its "
            f"latest figure ({latest_text}) is {_side_words(latest_side)} it, so the limits do not support a "
            f"verdict that it will consistently be {limits_side} it."
        )
    if rule == "too_wide_recent_run":
        return (
            f"{comparator_label[0].upper()}{comparator_label[1:]} lies inside {subject}'s process limits "
            f"({limits_text}), which are too wide to judge against it; but {run_text}."
        )
    if rule == "too_wide_short_run":
        return (
            f"{comparator_label[0].upper()}{comparator_label[1:]} lies inside {subject}'s process limits "
            f"({limits_text}), which are too wide to say on which side of it future quarters will fall (hit "
            f"and miss); {run_text}, a run too short to rely on ({RECENT_RUN_MIN_POINTS} in a row are needed)."
        )
    raise ValueError(f"no sentence for meaning rule {rule!r}")


def reading_tile_words(rule: str, latest_side: str, run_length=0, run_side="", run_comparator="the comparator") -> str:
    """The first-screen words for the same rules, in plain terms (no SPC vocabulary)."""
    if rule == "latest_contradicts":
        return f"No steady verdict: the latest figure is {_side_words(latest_side)} {run_comparator}"
    if rule == "too_wide_recent_run":
        return f"{run_side.capitalize()} {run_comparator} in each of the last {run_length} quarters"
    if rule == "too_wide_short_run":
        return f"Could be above or below {run_comparator} ({run_side} it in the last {run_length} quarters)"
    raise ValueError(f"no tile words for meaning rule {rule!r}")


# The first screen's plain words for the SPC verdicts (issue 18, class 10): for a reader who has never heard of
# SPC. The exact terms stay in the body; docs/statistics.md maps one to the other.
TOO_FEW_WORDS = "Too few figures to judge change"
NOT_JUDGED_WORDS = "Change over time not judged for this figure"


def plain_variation_words(variation: str | None, direction: str, high: bool | None = None) -> str:
    """The tile's words for a variation verdict (``None``: no chart, too few points)."""
    if variation is None:
        return TOO_FEW_WORDS
    d = normalise(direction)
    if variation == "common_cause":
        return "No sign of change"
    if variation == "special_cause_improving":
        return "A real change, closer to parity" if d == PARITY else "A real change, for the better"
    if variation == "special_cause_concerning":
        return "A real change, further from parity" if d == PARITY else "A real change, for the worse"
    if variation == "special_cause_neutral":
        way = " upwards" if high else " downwards" if high is not None else ""
        return f"A real change{way}, neither better nor worse in itself"
    raise ValueError(f"unknown variation verdict {variation!r}")


# a tile's assurance words when the latest point is itself special cause: the limits then describe the process
# before that change (the body says "this may no longer hold"), and the tile must not read as firmer than the body
BEFORE_CHANGE_WORDS = ", judged on the quarters before the latest change"


def plain_assurance_words(
    assurance: str | None, spc_direction_: str, comparator_name: str, latest_changed: bool = False
) -> str:
    """The tile's words for an assurance verdict; ``spc_direction_`` is the chart's ("increase"/"decrease"), so
    "consistently passes" is "consistently above" where higher is better, as the body says it ("above", never
    "meets"). ``latest_changed``: the latest point signals a change, so the verdict rests on the process before
    it (:data:`BEFORE_CHANGE_WORDS`)."""
    if assurance is None:
        return ""
    after = BEFORE_CHANGE_WORDS if latest_changed else ""
    if assurance == "hit_and_miss":
        return f"Could be above or below {comparator_name}{after}"
    up = spc_direction_ == "increase"
    if assurance == "consistently_passes":
        return f"Consistently {'above' if up else 'below'} {comparator_name}{after}"
    if assurance == "consistently_fails":
        return f"Consistently {'below' if up else 'above'} {comparator_name}{after}"
    raise ValueError(f"unknown assurance verdict {assurance!r}")
