"""Questions for the board: the few questions a scrutiny panel should ask this quarter, from the report's flags.

Each question comes from something the numbers show (a missing tracker, blank evidence, entries unchanged
for two or more quarters, statuses that moved backwards, a key measure showing special-cause variation in
the concerning direction). Withheld recommendations carry no flags, so they never prompt a question.
Plain text only: escaping is the job of :mod:`analysis.present.fragments`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.compute.progress import FlagKind
from analysis.core.settings import MAX_BOARD_QUESTIONS, STATUS_PROGRESS
from analysis.present.style import STATUS_LABELS

MAX_QUESTIONS = MAX_BOARD_QUESTIONS


@dataclass(frozen=True)
class Question:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (link text, anchor id) of the sections it is about
    reason: str = ""  # which flag prompted it: missing-tracker, backwards, complete-no-evidence, blank-evidence, ...


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _recs(label: str, ids: list[str]) -> str:
    return f"{label.lower()}{'s' if len(ids) > 1 else ''} {_join(ids)}"


def _anchor(rec_id: str) -> str:
    return "rec-" + "".join(ch if ch.isalnum() else "-" for ch in str(rec_id))


def moved_backwards(changes) -> list[tuple[str, str, str]]:
    """(recommendation, previous status, status) for each recommendation whose status went backwards."""
    if changes is None or not len(changes):
        return []
    out = []
    for row in changes.itertuples(index=False):
        before, now = STATUS_PROGRESS.get(row.previous_status), STATUS_PROGRESS.get(row.status)
        if before is not None and now is not None and now < before:
            out.append((row.recommendation_id, row.previous_status, row.status))
    return out


def _flagged(report, kind: FlagKind) -> list[str]:
    """Recommendations carrying a flag of ``kind`` (by kind, never by the flag's wording)."""
    return [
        rec_id
        for rec_id, found in report.flags.items()
        if not report.is_withheld(rec_id) and any(getattr(f, "kind", None) == kind for f in found)
    ]


def _flagged_parts(report, kind: FlagKind, rec_ids: list[str]) -> list[str]:
    """The parts named by those flags; a recommendation flagged as a whole stands for itself."""
    out = []
    for rec_id in rec_ids:
        for flag in report.flags.get(rec_id, []):
            if getattr(flag, "kind", None) == kind:
                out.extend(flag.parts or (rec_id,))
    return list(dict.fromkeys(out))


def questions(report) -> list[Question]:
    """The questions for this report, most pressing first, at most ``MAX_QUESTIONS``."""
    label = report.framework.item_label
    quarter = report.quarter.label
    out: list[Question] = []
    if not report.has_tracker:
        earlier = (
            f" The latest earlier tracker is for {report.previous_quarter.label}." if report.previous_quarter else ""
        )
        out.append(
            Question(
                f"Why was no tracker submitted for {quarter}, and when will the board see one?{earlier}",
                [(f"{label.lower()}s", "recommendations")],
                "missing-tracker",
            )
        )
    back = moved_backwards(report.changes)
    if back:
        ids = [rec_id for rec_id, _, _ in back]
        moves = "; ".join(
            f"{rec_id} from {STATUS_LABELS[a].lower()} to {STATUS_LABELS[b].lower()}" for rec_id, a, b in back
        )
        out.append(
            Question(f"What set back {_recs(label, ids)} ({moves})?", [(i, _anchor(i)) for i in ids], "backwards")
        )
    no_proof = _flagged(report, FlagKind.COMPLETE_WITHOUT_EVIDENCE)
    if no_proof:
        out.append(
            Question(
                f"What shows that {_recs(label, no_proof)} {'is' if len(no_proof) == 1 else 'are'} complete? "
                "The tracker records no evidence.",
                [(i, _anchor(i)) for i in no_proof],
                "complete-no-evidence",
            )
        )
    blank = [i for i in _flagged(report, FlagKind.EVIDENCE_BLANK) if i not in no_proof]
    if blank:
        parts = _flagged_parts(report, FlagKind.EVIDENCE_BLANK, blank)
        whole = parts == blank
        out.append(
            Question(
                f"When will evidence be recorded for {_recs(label, blank) if whole else _join(parts)}? "
                + (
                    f"{'Its' if len(blank) == 1 else 'Their'} evidence is blank."
                    if whole
                    else f"The tracker's evidence entry is blank for {'this part' if len(parts) == 1 else 'these parts'}."
                ),
                [(i, _anchor(i)) for i in blank],
                "blank-evidence",
            )
        )
    missing = _flagged(report, FlagKind.NO_ENTRY)
    if missing:
        out.append(
            Question(
                f"Why does the tracker have no entry for {_recs(label, missing)}?",
                [(i, _anchor(i)) for i in missing],
                "no-entry",
            )
        )
    stale = _flagged(report, FlagKind.STALE)
    if stale:
        out.append(
            Question(
                f"Why {'has' if len(stale) == 1 else 'have'} {_recs(label, stale)} not changed for two or more "
                "quarters, and what would move "
                f"{'it' if len(stale) == 1 else 'them'} on?",
                [(i, _anchor(i)) for i in stale],
                "unchanged",
            )
        )
    for section in report.measures:
        spc = getattr(section, "spc", None)
        if spc is not None and getattr(spc, "variation", None) == "special_cause_concerning":
            out.append(
                Question(
                    f"What lies behind the unusual change in {section.title.lower()}, and what is being done about it?",
                    [(section.title, f"measure-{section.key_measure}")],
                    "special-cause",
                )
            )
    return out[:MAX_QUESTIONS]
