"""Sentences written from the numbers. Plain text only: escaping is the job of ``fragments``."""

from __future__ import annotations

from analysis.compute.progress import FlagKind
from analysis.compute.report_model import Report
from analysis.core.settings import STALE_AFTER_QUARTERS
from analysis.present.style import STATUS_LABELS


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"


def percent(part: int, whole: int) -> str:
    return "n/a" if not whole else f"{round(100 * part / whole)}%"


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", "none")


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def executive_summary(report: Report) -> list[str]:
    """Three or four short paragraphs: position, evidence, change, attention."""
    fw = report.framework
    label = fw.item_label.lower()
    force = report.force.name
    if not report.has_tracker:
        paras = [
            f"No {fw.short_title} tracker was submitted for {force} for {report.quarter.label}, so this report "
            f"carries no {label} statuses for the quarter."
            + (f" The most recent earlier tracker is for {report.previous_quarter.label}." if report.previous_quarter else "")
        ]
        # the charge-rate sentence is in its own section below: say it once
        return paras + ([measures_summary(report, headline=False)] if report.measures else [])
    s = report.summary
    c = s.counts
    paras = [
        f"{force}'s tracker for {report.quarter.label} (position as at {report.as_of}) covers "
        f"{plural(s.applicable, 'applicable ' + label)} of the {len(fw.recommendations)} in the {fw.short_title}"
        f"{'' if not s.not_applicable else f'; {s.not_applicable} are treated as not applicable to the force'}. "
        f"Of the applicable ones, {c['complete']} {'is' if c['complete'] == 1 else 'are'} complete, "
        f"{c['in_progress']} in progress and {c['not_started']} not started"
        + (f", and {c['not_assessed']} cannot be assessed from what was recorded." if c["not_assessed"] else ".")
    ]
    paras.append(
        f"Evidence is recorded for {s.evidenced} of {s.applicable} applicable {label}s "
        f"({percent(s.evidenced, s.applicable)})."
        + withheld_sentence(report)
    )
    if report.changes is None:
        paras.append("This is the first tracker on record for the force, so there is no earlier snapshot to compare with.")
    else:
        ch = report.changes
        moved = ch[ch["moved"]]
        newly = int(ch["newly_evidenced"].sum())
        removed = int(ch["evidence_removed"].sum())
        text = f"Since the previous snapshot ({report.previous_quarter.label}), {plural(len(moved), label)} changed status"
        if len(moved):
            moves = moved.groupby(["previous_status", "status"]).size().sort_values(ascending=False)
            parts = [f"{n} from {status_label(a).lower()} to {status_label(b).lower()}" for (a, b), n in moves.items()]
            text += f" ({'; '.join(parts)})"
        text += f", and {plural(newly, label)} gained evidence"
        text += f"; evidence was removed from {removed}." if removed else "."
        paras.append(text)
    attention = needing_attention(report)
    if attention:
        paras.append(f"Needing attention: {_join(attention)}.")
    else:
        paras.append("No applicable recommendation is flagged for attention this quarter.")
    if report.measures:
        paras.append(measures_summary(report))
    return paras


def withheld_sentence(report: Report) -> str:
    """What the public version leaves out, said as withheld (never as missing); empty for internal reports."""
    if report.audience != "public":
        return ""
    n = len(report.withheld_ids)
    if not n:
        return " Nothing is withheld from this public version."
    label = report.framework.item_label.lower()
    return (f" {plural(n, label)} ({_join(report.withheld_ids)}) {'is' if n == 1 else 'are'} withheld from this public "
            f"version under {'its' if n == 1 else 'their'} protective marking and {'is' if n == 1 else 'are'} not in "
            "these counts.")


def measures_summary(report: Report, headline: bool = True) -> str:
    """One paragraph on the key measures: the headline charge rate (unless ``headline`` is False) and which
    measures lack data."""
    if not report.measures:
        return ""
    with_data = [m for m in report.measures if m.has_data]
    missing = [m.title.lower() for m in report.measures if not m.has_data]
    charge = next((m for m in report.measures if m.key_measure == "charge-rate" and m.has_data), None)
    text = (charge.sentences[0] + " ") if headline and charge and charge.sentences else ""
    text += f"Figures are loaded for {len(with_data)} of the {len(report.measures)} key measures"
    text += f"; none yet for {_join(missing)}." if missing else "."
    return text


def needing_attention(report: Report) -> list[str]:
    """Short phrases, one per kind of flag, naming the recommendations affected."""
    by_flag: dict[str, list[str]] = {}
    for rec_id, found in report.flags.items():
        for flag in found:
            stale = flag.kind is FlagKind.STALE
            key = f"{FlagKind.STALE.value} for {STALE_AFTER_QUARTERS} or more quarters" if stale else str(flag)
            by_flag.setdefault(key, []).append(rec_id)
    label = report.framework.item_label.lower()
    return [f"{flag} for {label}{'s' if len(ids) > 1 else ''} {_join(ids)}" for flag, ids in by_flag.items()]


def change_text(report: Report, rec_id: str) -> str:
    if not report.has_tracker:
        return "No tracker this quarter."
    if report.changes is None:
        return "No earlier snapshot to compare with."
    row = report.changes.set_index("recommendation_id").loc[rec_id]
    prev = report.previous_quarter.label
    if row["moved"]:
        text = f"Moved from {status_label(row['previous_status']).lower()} ({prev}) to {status_label(row['status']).lower()}."
    else:
        text = f"Status unchanged since {prev} ({status_label(row['status']).lower()})."
    if row["newly_evidenced"]:
        text += " Evidence recorded for the first time."
    if row["evidence_removed"]:
        text += " Evidence recorded earlier is now blank."
    return text
