"""Meaning rules for the national overview: which words the overview's numbers support (issue 18).

* :func:`outside_outer_limits`: the one test of "outside the limits" that every funnel on the page (charge
  rates on both bases, the stop and search ratio) and the list of forces to look at share, so the list can
  never leave out a force the page puts outside them (class 8);
* :func:`assurance_reading`: a force's assurance verdict as its row may state it, never one that its own
  latest rate contradicts (class 2);
* :func:`moving_together`: the caution "many forces moving together: look first for a common cause", for
  forces improving as much as for forces worsening (class 6);
* :func:`low_evidence`: a tracker whose applicable recommendations are mostly without evidence.

Every rule works from unrounded figures; the page rounds only when it writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analysis.core.settings import FUNNEL_LEVELS, LOW_EVIDENCE_SHARE, MOVING_TOGETHER_SHARE

OUTER_LEVEL = f"{max(FUNNEL_LEVELS) * 100:g}%"
SIDES = ("above", "below")
# the variation verdicts that count as forces moving together, worsening first
DIRECTIONS = ("special_cause_concerning", "special_cause_improving")
# what puts a force on the list to look at, in the order its reasons are given
LOOK_AT_KINDS = (
    "funnel_closed",
    "funnel_recorded",
    "spc_concern",
    "fairness_outside",
    "low_evidence",
    "complete_without_evidence",
)


def outside_outer_limits(funnel) -> str | None:
    """'above' or 'below' when a funnel position (``"above 99.8%"``) is outside the outer limits, else None."""
    words = str(funnel or "").split()
    if len(words) == 2 and words[0] in SIDES and words[1] == OUTER_LEVEL:
        return words[0]
    return None


@dataclass(frozen=True)
class AssuranceReading:
    """What a force's row may say about assurance.

    ``verdict`` is the chart's verdict (None: too few quarters), ``stated`` whether the row may state it,
    ``on_broken_limits`` whether the latest quarter is itself special cause (the limits describe the process
    before it), and ``latest_side`` where the latest rate lies against the England and Wales rate."""

    verdict: str | None
    stated: bool
    on_broken_limits: bool
    latest_side: str  # "above", "below" or "equal" (unrounded); "" without a rate

    @property
    def contradicted(self) -> bool:
        return self.verdict is not None and not self.stated


# the side of the England and Wales rate each consistent verdict promises the force's rate will be on
PROMISED_SIDE = {"consistently_passes": "above", "consistently_fails": "below"}


def assurance_reading(assurance, variation, rate_pct, national_pct) -> AssuranceReading:
    """A consistent verdict ("consistently below the England and Wales rate") is not stated beside a latest rate
    on the other side of that rate: the latest quarter has broken out of the limits the verdict rests on."""
    verdict = assurance if isinstance(assurance, str) and assurance else None
    side = ""
    if rate_pct is not None and rate_pct == rate_pct and national_pct == national_pct:
        side = "above" if rate_pct > national_pct else "below" if rate_pct < national_pct else "equal"
    broken = str(variation or "").startswith("special_cause")
    promised = PROMISED_SIDE.get(verdict or "")
    stated = verdict is not None and not (promised and side and side != promised)
    return AssuranceReading(verdict, stated, broken and verdict is not None, side)


def moving_together(counts: Mapping[str, int], forces: int) -> list[str]:
    """The directions (variation verdicts) shared by more than :data:`MOVING_TOGETHER_SHARE` of the forces:
    either direction calls for the same caution, a common cause before a cause in each force."""
    return [d for d in DIRECTIONS if forces and int(counts.get(d, 0)) > MOVING_TOGETHER_SHARE * forces]


def low_evidence(applicable: int, evidenced: int) -> bool:
    """Fewer than :data:`LOW_EVIDENCE_SHARE` of a tracker's applicable recommendations have evidence."""
    return bool(applicable) and evidenced / applicable < LOW_EVIDENCE_SHARE
