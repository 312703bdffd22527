"""Questions for the board: the few questions a scrutiny panel should ask this quarter, from the report's flags.

Each question comes from something the page shows: a missing tracker, statuses that moved backwards, and every
flag on a recommendation (blank evidence or actions, no entry, parts not started, entries unchanged for two
or more quarters), a key measure showing special-cause variation in the concerning direction, or a rate
outside the funnel limits. The concerns come from :mod:`analysis.compute.meaning.tracker`, the same rule
the page's flags use; when there are more kinds than fit, the last question counts the rest. Withheld
recommendations carry no flags, so they never prompt a question.
Plain text only: escaping is the job of :mod:`analysis.present.fragments`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from analysis.compute.meaning import tracker as meaning
from analysis.compute.meaning.tracker import ConcernKind
from analysis.core.settings import MAX_BOARD_QUESTIONS, STATUS_PROGRESS
from analysis.present.style.house_theme import STATUS_LABELS

MAX_QUESTIONS = MAX_BOARD_QUESTIONS


@dataclass(frozen=True)
class Question:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (link text, anchor id) of the sections it is about
    reason: str = ""  # which concern prompted it (a ConcernKind value), or 'more-flags' for the counted rest
    covers: tuple = ()  # the meaning.tracker.Concern objects it asks about or counts


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


def _ids(concerns) -> list[str]:
    return list(dict.fromkeys(c.subject for c in concerns))


WHOLE = "the recommendation as a whole"  # how analysis.compute.progress names a parent row among its parts


def _parts(concerns) -> list[str]:
    """The parts named by the concerns; a recommendation flagged as a whole stands for itself (its id)."""
    return list(dict.fromkeys(c.subject if p == WHOLE else p for c in concerns for p in (c.parts or (c.subject,))))


def _these(parts: list[str]) -> str:
    """'this part' / 'these parts', or 'entries' when a whole recommendation is among them."""
    if any("." not in p for p in parts):
        return "this entry" if len(parts) == 1 else "these entries"
    return "this part" if len(parts) == 1 else "these parts"


def _links(ids: list[str]) -> list[tuple[str, str]]:
    return [(i, _anchor(i)) for i in ids]


def _which(label: str, concerns) -> tuple[str, bool]:
    """'recommendations 4 and 16' when whole recommendations are flagged, else the parts: '4.iv, 16.v and 16.vi'."""
    ids, parts = _ids(concerns), _parts(concerns)
    whole = parts == ids
    return (_recs(label, ids) if whole else _join(parts)), whole


def _blank(field_is: str, one: bool, whole: bool, found) -> str:
    """'Its evidence is blank.' for whole recommendations, else which parts: ``field_is`` is 'evidence is' or
    'actions are'."""
    if whole:
        return f"{'Its' if one else 'Their'} {field_is} blank."
    return f"The tracker's {field_is} blank for {_these(_parts(found))}."


def _tracker_question(kind: ConcernKind, found: list, label: str) -> str:
    ids = _ids(found)
    one = len(ids) == 1
    if kind is ConcernKind.COMPLETE_NO_EVIDENCE:
        return (
            f"What shows that {_recs(label, ids)} {'is' if one else 'are'} complete? The tracker records no evidence."
        )
    if kind is ConcernKind.BLANK_EVIDENCE:
        which, whole = _which(label, found)
        return f"When will evidence be recorded for {which}? {_blank('evidence is', one, whole, found)}"
    if kind is ConcernKind.BLANK_ACTIONS:
        which, whole = _which(label, found)
        return f"What actions are planned for {which}, and who owns them? {_blank('actions are', one, whole, found)}"
    if kind is ConcernKind.NO_ENTRY:
        return f"Why does the tracker have no entry for {_recs(label, ids)}?"
    if kind is ConcernKind.PARTS_BEHIND:
        states = sorted({c.flag for c in found})
        return (
            f"What is holding back {_join(_parts(found))}, "
            f"{'which the tracker records as ' + _join(states) if states else 'behind the rest of the recommendation'}"
            f" while the rest of {'its recommendation' if one else 'their recommendations'} is under way?"
        )
    if kind is ConcernKind.UNCHANGED:
        return (
            f"Why {'has' if one else 'have'} {_recs(label, ids)} not changed for two or more quarters, and what "
            f"would move {'it' if one else 'them'} on?"
        )
    raise ValueError(kind)


def _measure_question(kind: ConcernKind, concern, report) -> Question:
    section = next(m for m in report.measures if m.key_measure == concern.subject)
    title = section.title.lower()
    link = [(section.title, f"measure-{section.key_measure}")]
    if kind is ConcernKind.SPECIAL_CAUSE:
        return Question(
            f"What lies behind the unusual change in {title}, and what is being done about it?", link, kind, (concern,)
        )
    side, level = concern.detail.split(" ", 1)
    return Question(
        f"What explains the force's {title} lying {side} the range expected around the England and Wales rate "
        f"(outside the {level} funnel limit: more than the usual variation between forces)? "
        + (
            "What is being done about it?"
            if side == "below"
            else "Is it practice others could learn from, or a difference in what is recorded?"
        ),
        link,
        kind,
        (concern,),
    )


def _counted(rest: list[Question]) -> Question:
    """One last question that counts every concern left over, so none is dropped silently."""
    n = sum(max(len(q.covers), 1) for q in rest)
    topics = "; ".join(q.text.split("?")[0].lower() for q in rest)
    links = list(dict.fromkeys(link for q in rest for link in q.links))
    return Question(
        f"Which of the {n} further matters the page flags will be dealt with first ({topics})?",
        links,
        "more-flags",
        tuple(c for q in rest for c in q.covers),
    )


def questions(report) -> list[Question]:
    """The questions for this report, most pressing first, at most ``MAX_QUESTIONS``.

    Derived from the same flags the page shows (:mod:`analysis.compute.meaning.tracker`): every concern is
    asked about, or counted in the last question when there are more kinds than ``MAX_QUESTIONS``."""
    label = report.framework.item_label
    quarter = report.quarter.label
    out: list[Question] = []
    if not report.has_tracker:
        earlier = (
            f" The latest earlier tracker is for {report.previous_quarter.label}." if report.previous_quarter else ""
        )
        out.append(
            Question(
                f"Why had no tracker for {quarter} been received or published by the end of the quarter, and when will the "
                f"board see one?{earlier}",
                [(f"{label.lower()}s", "recommendations")],
                "missing-tracker",
                (meaning.Concern(ConcernKind.MISSING_TRACKER, report.quarter.id),),
            )
        )
    back = moved_backwards(report.changes)
    if back:
        ids = [rec_id for rec_id, _, _ in back]
        moves = "; ".join(
            f"{rec_id} from {STATUS_LABELS[a].lower()} to {STATUS_LABELS[b].lower()}" for rec_id, a, b in back
        )
        covers = tuple(meaning.Concern(ConcernKind.BACKWARDS, i, flag=f"{a}->{b}") for i, a, b in back)
        out.append(Question(f"What set back {_recs(label, ids)} ({moves})?", _links(ids), "backwards", covers))
    groups = meaning.by_kind(meaning.flag_concerns(report.flags, report.is_withheld))
    asked_complete = {c.subject for c in groups.get(ConcernKind.COMPLETE_NO_EVIDENCE, [])}
    for kind, found in groups.items():
        if kind is ConcernKind.BLANK_EVIDENCE:  # one asked "what shows it is complete" is asked this already
            shown = [c for c in found if c.subject not in asked_complete]
            if not shown:
                out[-1] = replace(out[-1], covers=out[-1].covers + tuple(found))
                continue
            text = _tracker_question(kind, shown, label)
            already = tuple(c for c in found if c.subject in asked_complete)
            out.append(Question(text, _links(_ids(shown)), kind, tuple(shown) + already))
            continue
        out.append(Question(_tracker_question(kind, found, label), _links(_ids(found)), kind, tuple(found)))
    for concern in meaning.measure_concerns(report.measures):
        out.append(_measure_question(concern.kind, concern, report))
    if len(out) > MAX_QUESTIONS:
        out = out[: MAX_QUESTIONS - 1] + [_counted(out[MAX_QUESTIONS - 1 :])]
    return out
