"""Meaning rules for the key measures of a force page: which verdict the numbers support (issue 18).

Each rule takes numbers and returns a code (the ``rule`` a claim records); the words are written from
the code (for the force page's charge rate: :func:`analysis.compute.direction.reading_text`, applied in
:func:`analysis.compute.measure_sections._apply_reading`). Thresholds are in :mod:`analysis.core.settings`.

* :func:`assurance_reading`: what may be said of a process against its comparator. A "consistently"
  verdict never stands beside a latest figure on the other side of the comparator (class 2); "hit and
  miss" is not said when the recent run sits wholly on one side: the limits are too wide to judge and
  the run is what the page reports (class 1); a shorter run of two or more is stated beside "hit and
  miss" as too short to rely on.
* :func:`recent_run`: how many latest points in a row lie on one side of their own comparator.
* :func:`staleness`: how old a figure is at the end of the report's quarter, and whether it is stale (class 4);
  a stale variation verdict is worded by :func:`analysis.compute.direction.variation_text` with ``stale=True``.
* :func:`recorded_incomplete`: whether a recorded-basis quarter is too recent to judge (class 5).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from analysis.compute import direction as dn
from analysis.core.periods import Quarter
from analysis.core.settings import RECENT_RUN_MIN_POINTS, RECORDED_INCOMPLETE_QUARTERS, STALE_MEASURE_MONTHS

# the rules assurance_reading can fire, besides the plain SPC verdicts
TOO_WIDE_RECENT_RUN = "too_wide_recent_run"
TOO_WIDE_SHORT_RUN = "too_wide_short_run"
LATEST_CONTRADICTS = "latest_contradicts"
NO_COMPARATOR = "no_comparator"
ASSURANCE_RULES = (
    "consistently_passes",
    "consistently_fails",
    "hit_and_miss",
    TOO_WIDE_RECENT_RUN,
    TOO_WIDE_SHORT_RUN,
    LATEST_CONTRADICTS,
    NO_COMPARATOR,
)


@dataclass(frozen=True)
class RecentRun:
    length: int  # latest points in a row on the same side of their comparator (0 when the latest is level)
    side: str  # "above", "below" or "level"
    first: str  # label of the run's first point
    last: str  # label of its last (the latest) point
    total: int  # points looked at


def side(value: float, comparator: float) -> str:
    """Which side of the comparator a value lies: "above", "below" or "level"."""
    if value == comparator:
        return "level"
    return "above" if value > comparator else "below"


def recent_run(values, comparators, labels) -> RecentRun | None:
    """The run of latest points on one side of their comparator (each point against its own period's
    comparator, e.g. that quarter's England and Wales rate). None when there is no point to judge."""
    pairs = [(float(v), float(c), str(lab)) for v, c, lab in zip(values, comparators, labels)]
    pairs = [p for p in pairs if math.isfinite(p[0]) and math.isfinite(p[1])]
    if not pairs:
        return None
    where = side(pairs[-1][0], pairs[-1][1])
    if where == "level":
        return RecentRun(0, "level", pairs[-1][2], pairs[-1][2], len(pairs))
    n = 0
    for v, c, _ in reversed(pairs):
        if side(v, c) != where:
            break
        n += 1
    return RecentRun(n, where, pairs[-n][2], pairs[-1][2], len(pairs))


@dataclass(frozen=True)
class AssuranceReading:
    rule: str  # one of ASSURANCE_RULES
    limits_side: str  # where the latest process limits lie against the comparator: above, below, straddle
    latest_side: str  # where the latest figure lies against the comparator
    run: RecentRun | None = None
    good: bool | None = None  # whether the side the reading reports is the better side (None: neutral)


def _good(direction: str, where: str) -> bool | None:
    d = dn.normalise(direction)
    if d not in (dn.HIGHER, dn.LOWER) or where not in ("above", "below"):
        return None
    return (where == "above") == (d == dn.HIGHER)


def assurance_reading(
    assurance: str | None,
    lower: float,
    upper: float,
    latest: float,
    comparator: float | None,
    direction: str,
    run: RecentRun | None = None,
) -> AssuranceReading:
    """What may be said of a process against its comparator (all numbers in one unit).

    ``assurance`` is the SPC verdict (:data:`analysis.compute.spc.ASSURANCE_VERDICTS` or None); ``lower``
    and ``upper`` the latest point's process limits; ``run`` the recent run (:func:`recent_run`)."""
    if assurance is None or comparator is None or not math.isfinite(comparator):
        return AssuranceReading(NO_COMPARATOR, "", "", run)
    limits = "above" if lower > comparator else "below" if upper < comparator else "straddle"
    now = side(latest, comparator)
    if assurance in ("consistently_passes", "consistently_fails") and now != limits:
        return AssuranceReading(LATEST_CONTRADICTS, limits, now, run, _good(direction, now))
    if assurance == "hit_and_miss" and run is not None and run.length >= RECENT_RUN_MIN_POINTS:
        return AssuranceReading(TOO_WIDE_RECENT_RUN, limits, now, run, _good(direction, run.side))
    if assurance == "hit_and_miss" and run is not None and run.length >= 2:
        # a run too short to report as the reading, but a page that said only "hit and miss" beside it would
        # read as if the force had been on both sides lately (class 1): the run is stated, as too short
        return AssuranceReading(TOO_WIDE_SHORT_RUN, limits, now, run, None)
    return AssuranceReading(assurance, limits, now, run, _good(direction, limits if limits != "straddle" else now))


@dataclass(frozen=True)
class Staleness:
    months: int  # whole months from the end of the figure's period to the end of the report's quarter
    stale: bool


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (31 March to 30 June is 3)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day and later.day != _month_end(later):
        months -= 1
    return max(months, 0)


def _month_end(day: dt.date) -> int:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - dt.timedelta(days=1)).day


def staleness(period_end: dt.date, report_end: dt.date) -> Staleness:
    """A figure is stale when its period ended more than :data:`STALE_MEASURE_MONTHS` months before the
    end of the report's quarter."""
    months = months_between(period_end, report_end)
    return Staleness(months, months > STALE_MEASURE_MONTHS)


def recorded_incomplete(period: Quarter, report_quarter: Quarter) -> bool:
    """True for a recorded-basis quarter among the last :data:`RECORDED_INCOMPLETE_QUARTERS` up to the
    report's quarter: its outcomes were still coming in, so it is undercounted and not judged."""
    return 0 <= report_quarter.index - period.index < RECORDED_INCOMPLETE_QUARTERS


# --------------------------------------------------------------------------- tiles (first screen)
def recorded_basis(measure_id: str) -> bool:
    """A figure counted by the quarter the offence was recorded (``*_recorded``): its recent quarters fill in later."""
    return str(measure_id).endswith("_recorded")


def figure_incomplete(measure_id: str, period_end: dt.date, report_quarter: Quarter) -> bool:
    """True for a recorded-basis figure whose period ends in one of the quarters :func:`recorded_incomplete`
    calls undercounted: a verdict on it says so, or the closed basis is used instead (class 5)."""
    from analysis.core.periods import quarter_of

    return recorded_basis(measure_id) and recorded_incomplete(quarter_of(period_end), report_quarter)
