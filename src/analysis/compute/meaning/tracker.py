"""What a force page may say about its tracker: what counts as a change, as gained evidence, as a concern.

Three rules, each used by both the sentences and the board questions, so the two never disagree (issue 18,
classes 7 and 8):

- :func:`status_change`: what happened to a recommendation's status between two snapshots. Only a move
  between two real statuses is a *move*; a status given where there was none to judge is *first assessed*;
  a recommendation now treated as not applicable was *reclassified*, never "unchanged".
- :func:`evidence_change`: a recommendation *gained evidence* when it records evidence in at least one
  applicable row where the previous snapshot recorded none; it *lost* evidence the other way round. A
  recommendation with evidence for some parts is counted as gaining it (the blank parts are flagged apart).
- :func:`concerns`: every flag the page shows, and a charge rate outside the funnel limits on either side,
  as :class:`Concern` objects; each must be asked about or counted in a board question.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from analysis.core.settings import FUNNEL_QUESTION_SIDES

REAL_STATUSES = frozenset({"complete", "in_progress", "not_started"})
UNASSESSED = frozenset({None, "", "not_assessed"})


class StatusChange(StrEnum):
    """What a recommendation's status did between two snapshots."""

    UNCHANGED = "unchanged"  # the same status in both
    MOVED = "moved"  # from one real status to another
    FIRST_ASSESSED = "first_assessed"  # a real status where the earlier snapshot had none to judge
    RECLASSIFIED_NOT_APPLICABLE = "reclassified_not_applicable"  # now treated as not applicable
    NO_LONGER_ASSESSED = "no_longer_assessed"  # had a real status, now cannot be assessed


def _status(value) -> str | None:
    return None if value is None or value != value else str(value)  # NaN (no earlier row) is no status


def status_change(previous, current) -> StatusChange:
    """The kind of change from ``previous`` to ``current`` status (``None`` or NaN: no row before)."""
    before, now = _status(previous), _status(current)
    if before == now or (before in UNASSESSED and now in UNASSESSED):
        return StatusChange.UNCHANGED
    if now == "not_applicable":
        return StatusChange.RECLASSIFIED_NOT_APPLICABLE
    if before in UNASSESSED:
        return StatusChange.FIRST_ASSESSED
    if now in UNASSESSED:
        return StatusChange.NO_LONGER_ASSESSED
    if before == "not_applicable":  # applicable again, with a real status: as good as a first assessment
        return StatusChange.FIRST_ASSESSED
    return StatusChange.MOVED


class EvidenceChange(StrEnum):
    NONE = "none"
    GAINED = "gained"  # evidence in at least one applicable row now, none before
    REMOVED = "removed"  # evidence before, none in any applicable row now


def evidence_change(had_any_before: bool, has_any_now: bool) -> EvidenceChange:
    """Gained or lost evidence, judged on *any* evidence in the recommendation's applicable rows."""
    if has_any_now and not had_any_before:
        return EvidenceChange.GAINED
    if had_any_before and not has_any_now:
        return EvidenceChange.REMOVED
    return EvidenceChange.NONE


class ConcernKind(StrEnum):
    """What a board question can be about; each flag kind the page shows maps to one (:data:`FROM_FLAG`)."""

    MISSING_TRACKER = "missing-tracker"
    BACKWARDS = "backwards"
    COMPLETE_NO_EVIDENCE = "complete-no-evidence"
    BLANK_EVIDENCE = "blank-evidence"
    BLANK_ACTIONS = "blank-actions"
    NO_ENTRY = "no-entry"
    PARTS_BEHIND = "parts-behind"
    UNCHANGED = "unchanged"
    FUNNEL_OUTSIDE = "funnel-outside"
    SPECIAL_CAUSE = "special-cause"


# every kind of flag shown on a recommendation is a concern: none is shown for decoration. Keyed by the
# values of analysis.compute.progress.FlagKind (a StrEnum, so its members look these up; progress imports
# this module, so it cannot import progress)
FROM_FLAG = {
    "marked complete without evidence": ConcernKind.COMPLETE_NO_EVIDENCE,
    "evidence is blank": ConcernKind.BLANK_EVIDENCE,
    "actions are blank": ConcernKind.BLANK_ACTIONS,
    "no entry in the tracker": ConcernKind.NO_ENTRY,
    "not started": ConcernKind.PARTS_BEHIND,
    "not assessed": ConcernKind.PARTS_BEHIND,
    "not updated": ConcernKind.UNCHANGED,
}
# the order board questions are asked in: the most pressing first
ORDER = list(ConcernKind)


@dataclass(frozen=True)
class Concern:
    kind: ConcernKind
    subject: str  # a recommendation id, or a key measure's id
    parts: tuple = ()  # the parts concerned, when only some are
    flag: str = ""  # the flag's kind (FlagKind value) or the measure rule that raised it
    detail: str = ""  # e.g. the funnel side and level: 'below 99.8%'


def flag_concerns(flags: dict, is_withheld=lambda rec_id: False) -> list[Concern]:
    """One concern per flag the page shows on a recommendation (withheld recommendations carry none)."""
    out = []
    for rec_id, found in flags.items():
        if is_withheld(rec_id):
            continue
        for flag in found:
            kind = getattr(flag, "kind", None)
            if kind in FROM_FLAG:
                out.append(Concern(FROM_FLAG[kind], rec_id, tuple(getattr(flag, "parts", ())), str(kind)))
    return out


def funnel_concern(key_measure: str, classification: str | None) -> Concern | None:
    """A rate outside the funnel limits, on either side: the page says so, so the board is asked why.

    Both sides are asked about (a rate well above other forces' can be a recording difference as much as
    good practice), which keeps the caution symmetric; the question's wording names the side."""
    if not classification or classification == "within" or classification.split()[0] not in FUNNEL_QUESTION_SIDES:
        return None
    return Concern(ConcernKind.FUNNEL_OUTSIDE, key_measure, flag="funnel_outside", detail=classification)


def measure_concerns(measures) -> list[Concern]:
    """Concerns from the key measures' computed results: the funnel position and the SPC verdict."""
    out = []
    for section in measures:
        funnel = getattr(section, "funnel", None)
        found = funnel_concern(section.key_measure, getattr(funnel, "classification", None))
        if found:
            out.append(found)
        spc = getattr(section, "spc", None)
        if spc is not None and getattr(spc, "variation", None) == "special_cause_concerning":
            out.append(Concern(ConcernKind.SPECIAL_CAUSE, section.key_measure, flag="special_cause_concerning"))
    return out


def by_kind(concerns: list[Concern]) -> dict[ConcernKind, list[Concern]]:
    """Concerns grouped by kind, in :data:`ORDER`."""
    groups: dict[ConcernKind, list[Concern]] = {}
    for concern in sorted(concerns, key=lambda c: ORDER.index(c.kind)):
        groups.setdefault(concern.kind, []).append(concern)
    return groups
