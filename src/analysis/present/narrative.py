"""Sentences written from the numbers. Plain text only: escaping is the job of ``fragments``."""

from __future__ import annotations

from analysis.compute import coverage
from analysis.compute.claims import Claim, ClaimLedger
from analysis.compute.progress import FlagKind
from analysis.compute.report_model import Report
from analysis.core.settings import SERIES_SUMMARY_MIN_POINTS, STALE_AFTER_QUARTERS
from analysis.present import measure_text
from analysis.present.style.house_theme import STATUS_LABELS


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


ROLLUP_METHOD = (
    "each recommendation's applicable rows (itself and its parts) rolled up: their one status if "
    "they agree; in progress if any is complete or in progress; otherwise not started"
)


def part_counts(report: Report) -> dict[str, int]:
    """Applicable tracker rows by status, when the tracker answers parts on their own rows; else {}."""
    live = report.rows[report.rows["status"] != "not_applicable"] if len(report.rows) else report.rows
    if not len(live) or not live["recommendation_id"].str.contains(".", regex=False).any():
        return {}
    order = ["complete", "in_progress", "not_started", "not_assessed"]
    found = live["status"].value_counts()
    return {st: int(found[st]) for st in order if st in found.index}


def _tracker_source(report: Report) -> tuple[str, tuple]:
    snap = report.snapshot or {}
    return str(snap.get("source_file", "")), tuple(report.rows["recommendation_id"]) if len(report.rows) else ()


def _claim(ledger: ClaimLedger | None, **fields) -> None:
    if ledger is not None:
        ledger.add(Claim(**fields))


def executive_summary(report: Report, ledger: ClaimLedger | None = None) -> list[str]:
    """Three or four short paragraphs: position, evidence, change, attention (see :func:`summary_pieces`)."""
    return [" ".join(sentence for _, sentence in para) for para in summary_pieces(report, ledger)]


def summary_pieces(report: Report, ledger: ClaimLedger | None = None) -> list[list[tuple[str, str]]]:
    """The executive summary's paragraphs, each a list of (claim id, sentence): the page renders each
    sentence inside an element carrying its claim id.

    With a ``ledger``, each sentence also leaves a :class:`Claim` with the numbers and rows behind it
    (the report's ``.claims.json``)."""
    paras, ids = _summary(report, ledger)
    return [piece if isinstance(piece, list) else [(piece, text)] for piece, text in zip(ids, paras)]


def _summary(report: Report, ledger: ClaimLedger | None) -> tuple[list[str], list]:
    """The summary's paragraphs and, for each, its claim id (or the measures' pieces), claims added in page order:
    position, evidence, change, attention, then the key measures."""
    if not report.has_tracker:
        return _no_tracker_summary(report, ledger)
    source_file, source_rows = _tracker_source(report)
    where = {
        "window": f"{report.quarter.id} (position as at {report.as_of})",
        "source_file": source_file,
        "source_rows": source_rows,
    }
    paras = [
        _position_paragraph(report, ledger, where),
        _evidence_paragraph(report, ledger, where),
        _change_paragraph(report, ledger, where),
        _attention_paragraph(report, ledger, where),
    ]
    ids = ["tracker.applicable", "tracker.evidenced", "tracker.first_snapshot", "tracker.attention"]
    if report.changes is not None:
        ids[2] = "tracker.changed_status"
    if report.measures:
        paras.append("")
        ids.append(measures_pieces(report, ledger))
    return paras, ids


def _no_tracker_summary(report: Report, ledger: ClaimLedger | None) -> tuple[list[str], list]:
    """No tracker for the quarter: one paragraph saying so (and naming the latest earlier one), then the measures."""
    fw = report.framework
    paras = [
        f"No {fw.short_title} tracker for {report.force.name} for {report.quarter.label} was received or published "
        f"by the end of the quarter, so this report "
        f"carries no {fw.item_label.lower()} statuses for the quarter."
        + (
            f" The most recent earlier tracker is for {report.previous_quarter.label}."
            if report.previous_quarter
            else ""
        )
    ]
    _claim(
        ledger,
        id="tracker.none",
        sentence=paras[0],
        value=0,
        comparator=report.previous_quarter.id if report.previous_quarter else None,
        method="tracker snapshots on record for the force for the quarter; the latest earlier one",
        window=report.quarter.id,
        rule="no_tracker",
    )
    # the charge-rate sentence is in its own section below: say it once
    if not report.measures:
        return paras, ["tracker.none"]
    return paras + [""], ["tracker.none", measures_pieces(report, ledger, headline=False)]


def _position_text(report: Report, row_counts: dict) -> str:
    """Where the force stands: applicable recommendations by rolled-up status, then (when parts are answered
    separately) the tracker's rows by status."""
    fw, s = report.framework, report.summary
    label, labels, c = fw.item_label.lower(), fw.item_label_plural.lower(), s.counts
    text = (
        f"{report.force.name}'s tracker for {report.quarter.label} (position as at {report.as_of}) covers "
        f"{plural(s.applicable, 'applicable ' + label, 'applicable ' + labels)} of the {len(fw.recommendations)} in the {fw.short_title}"
        f"{'' if not s.not_applicable else f'; {s.not_applicable} are treated as not applicable to the force'}. "
        f"Of the applicable ones, {c['complete']} {'is' if c['complete'] == 1 else 'are'} complete, "
        f"{c['in_progress']} in progress and {c['not_started']} not started"
        + (f", and {c['not_assessed']} cannot be assessed from what was recorded." if c["not_assessed"] else ".")
    )
    if row_counts:
        words = [f"{n} {status_label(st).lower()}" for st, n in row_counts.items()]
        first_n = next(iter(row_counts.values()))
        text += (
            " Counted row by row, with each part the tracker answers separately, "
            + words[0].replace(" ", f" {'is' if first_n == 1 else 'are'} ", 1)
            + ("" if len(words) == 1 else (", " if len(words) > 2 else " and ") + _join(words[1:]))
            + "; a recommendation is complete only when all its applicable parts are."
        )
    return text


def _position_paragraph(report: Report, ledger: ClaimLedger | None, where: dict) -> str:
    """The first paragraph and its claims: the rows by status, the applicable count, each status's count."""
    s, n_recs = report.summary, len(report.framework.recommendations)
    row_counts = part_counts(report)
    text = _position_text(report, row_counts)
    if row_counts:
        _claim(
            ledger,
            id="tracker.rows",
            sentence=text,
            value=dict(row_counts),
            comparator=sum(row_counts.values()),
            method="tracker rows (recommendations and parts) by status, not-applicable rows left out",
            **where,
        )
    _claim(
        ledger,
        id="tracker.applicable",
        sentence=text,
        value=s.applicable,
        comparator=n_recs,
        method="top-level recommendations whose rolled-up status is not 'not applicable'",
        detail={"not_applicable": s.not_applicable},
        **where,
    )
    applicable = report.status[report.status["applicable"]]
    for status in s.counts:
        _claim(
            ledger,
            id=f"tracker.status.{status}",
            sentence=text,
            value=s.counts[status],
            comparator=s.applicable,
            method=ROLLUP_METHOD,
            detail={"recommendations": list(applicable.loc[applicable["status"] == status, "recommendation_id"])},
            **where,
        )
    return text


def _evidence_paragraph(report: Report, ledger: ClaimLedger | None, where: dict) -> str:
    s = report.summary
    text = evidence_sentence(report)
    if getattr(report, "withheld_parts", None):  # a roll-up over published entries only: say what it covers
        text += (
            f" Where a recommendation has withheld entries "
            f"({', '.join(sorted(report.withheld_parts, key=report.framework.ids.index))}), "
            "its status here covers only the published ones."
        )
    _claim(
        ledger,
        id="tracker.evidenced",
        sentence=text,
        value=s.evidenced,
        comparator=s.applicable,
        method="applicable recommendations whose every applicable row has non-blank evidence",
        detail={"partly_evidenced": s.partly_evidenced, "blank_evidence": list(s.blank_evidence_parts)},
        **where,
    )
    return text


def _change_paragraph(report: Report, ledger: ClaimLedger | None, where: dict) -> str:
    """What changed since the previous snapshot, or that this is the first one on record."""
    if report.changes is None:
        text = "This is the first tracker on record for the force, so there is no earlier snapshot to compare with."
        _claim(
            ledger,
            id="tracker.first_snapshot",
            sentence=text,
            value=0,
            method="tracker snapshots on record for the force up to this quarter, other than this one",
            window=where["window"],
            source_file=where["source_file"],
            rule="no_earlier_snapshot",
        )
        return text
    ch = report.change
    text = change_sentence(report)
    _claim(
        ledger,
        id="tracker.changed_status",
        sentence=text,
        value=len(ch.moved),
        comparator=report.previous_quarter.id,
        method="recommendations whose rolled-up status differs from the previous snapshot, both being statuses "
        "that could be judged (a status given after 'not assessed' is 'first assessed'; one now 'not "
        "applicable' is reclassified, not a move); gained evidence: evidence in at least one applicable row "
        "now, none in the previous snapshot",
        **{**where, "window": f"{report.previous_quarter.id} to {report.quarter.id}"},
        detail={
            "moved": [i for i, _, _ in ch.moved],
            "first_assessed": [i for i, _ in ch.first_assessed],
            "reclassified_not_applicable": [i for i, _ in ch.reclassified],
            "newly_evidenced": list(ch.gained_evidence),
            "newly_evidenced_partly": list(ch.gained_evidence_partly),
            "evidence_removed": list(ch.evidence_removed),
        },
        rule="meaning.tracker.status_change; meaning.tracker.evidence_change",
    )
    return text


def _attention_paragraph(report: Report, ledger: ClaimLedger | None, where: dict) -> str:
    attention = needing_attention(report)
    if attention:
        text = f"Needing attention: {_join(attention)}."
    else:
        text = f"No applicable {report.framework.item_label.lower()} is flagged for attention this quarter."
    _claim(
        ledger,
        id="tracker.attention",
        sentence=text,
        value={k: v for k, v in report.flags.items() if v},
        method="flags per applicable recommendation: no entry, blank evidence or actions (naming the parts), "
        f"complete without evidence, parts not started or not assessed, not updated for "
        f"{STALE_AFTER_QUARTERS}+ quarters",
        **where,
    )
    return text


def measures_summary(report: Report, ledger: ClaimLedger | None = None, headline: bool = True) -> str:
    """The key-measures paragraph as one string (see :func:`measures_pieces`)."""
    return " ".join(sentence for _, sentence in measures_pieces(report, ledger, headline))


def measures_pieces(report: Report, ledger: ClaimLedger | None = None, headline: bool = True) -> list:
    """One paragraph on the key measures: the headline charge rate (unless ``headline`` is False: the
    no-tracker report, where the key-measures section right after says it) and which measures lack data."""
    if not report.measures:
        return []
    charge = next((m for m in report.measures if m.key_measure == "charge-rate" and m.has_data), None)
    sentence = measure_text.charge_latest_sentence(charge, report.quarter) if charge is not None else ""
    pieces = [("charge_rate.latest", sentence)] if headline and sentence else []
    if sentence:  # claimed either way: the sentence is on the page
        _charge_claim(report, charge, ledger)
    pieces.append(("key_measures.coverage", coverage_sentence(report)))
    if ledger is not None:
        kinds = coverage.counts(coverage.key_measure_coverage(report.measures, _data_dir(report)))
        _claim(
            ledger,
            id="key_measures.coverage",
            sentence=coverage_sentence(report),
            value={k: len(v) for k, v in kinds.items()},
            comparator=len(report.measures),
            method="each key measure classified by the registry 'coverage' of the measure that leads its section; "
            "'none' when no figure is loaded",
            window=report.quarter.id,
            source_file="raw/measures/registry",
            source_rows=tuple(c.measure_id or "" for k in kinds.values() for c in k),
            known_at=max((f.known_at for f in _figure_facts(report) if f is not None), default=""),
        )
    return pieces


def _figure_facts(report: Report, sections=None) -> list:
    """The facts behind each section's headline figure (known-at, source rows, age): the tiles read the same."""
    from analysis.compute.measure_facts import figure_facts

    return [
        figure_facts(m, report.quarter, _data_dir(report), report.audience, report.force.id)
        for m in (report.measures if sections is None else sections)
    ]


def _data_dir(report: Report):
    """The data folder the report was loaded from (its framework file is <data>/raw/frameworks/<id>.yaml)."""
    source = report.framework.source_file
    return source.parents[2] if source is not None else None


def coverage_sentence(report: Report) -> str:
    """How many key measures rest on official, force-supplied, proxy or no figures, naming each proxy."""
    found = coverage.counts(coverage.key_measure_coverage(report.measures, _data_dir(report)))
    total = len(report.measures)
    parts = []
    if found["official"]:
        parts.append(
            f"{len(found['official'])} {'has' if len(found['official']) == 1 else 'have'} official figures "
            f"comparable across forces ({_join([c.title.lower() for c in found['official']])})"
        )
    if found["force-supplied"]:
        parts.append(
            f"{len(found['force-supplied'])} {'has' if len(found['force-supplied']) == 1 else 'have'} "
            f"figures supplied by the force ({_join([c.title.lower() for c in found['force-supplied']])})"
        )
    if found["proxy"]:
        named = [f"{c.title.lower()}: {c.proxy_note}" for c in found["proxy"]]
        parts.append(
            f"{len(found['proxy'])} {'rests' if len(found['proxy']) == 1 else 'rest'} only on a proxy "
            f"({'; '.join(named)})"
        )
    if found["none"]:
        parts.append(
            f"{len(found['none'])} {'has' if len(found['none']) == 1 else 'have'} no figures yet "
            f"({_join([c.title.lower() for c in found['none']])})"
        )
    return f"Of the {total} key measures, " + _join(parts) + "."


def proxy_note(report: Report, section) -> str:
    """'This is a proxy: ...' for a section led by a proxy measure, else ''."""
    for c in coverage.key_measure_coverage([section], _data_dir(report)):
        if c.kind == "proxy":
            return f"This is a proxy, not the review's own measure: the figure shown ({c.measure_title}) is {c.proxy_note}."
    return ""


def series_text(report: Report, section) -> str:
    """For a force-supplied series: its latest value beside a summary over the series, with counts if given."""
    latest = getattr(section, "latest", None)
    if not section.has_data or not getattr(section, "force_supplied", False) or latest is None:
        return ""
    from analysis.compute.measure_sections import format_value
    from analysis.core.periods import period_label

    summary = coverage.series_summary(
        report.force.id, section.measure_id, latest.period_type, report.quarter, _data_dir(report)
    )
    if summary is None:
        return ""
    unit = latest.unit
    if summary.points < SERIES_SUMMARY_MIN_POINTS:
        if latest.period_type != "month":
            return ""
        return (
            f"The source gives only {plural(summary.points, 'month')} of this monthly series, so this report "
            f"cannot say whether {period_label(summary.last_period, 'month')} was a typical month."
        )
    text = (
        f"The latest figure, {format_value(summary.latest, unit)} for "
        f"{period_label(summary.last_period, latest.period_type)}, is one of {summary.points} in the series from "
        f"{period_label(summary.first_period, latest.period_type)}; over the series the median is "
        f"{format_value(summary.median, unit)} and the range {format_value(summary.low, unit)} to "
        f"{format_value(summary.high, unit)}"
    )
    if summary.numerator is not None and summary.denominator:
        text += (
            f"; in all, {summary.numerator:,.0f} of {summary.denominator:,.0f} "
            f"({100 * summary.numerator / summary.denominator:.1f}%)"
        )
    return text + "."


CHARGE_RATE_FILE = "raw/measures/home-office-outcomes/force_quarter.csv"


def _charge_claim(report: Report, section, ledger: ClaimLedger | None) -> None:
    """The headline charge rate: latest value, its counts, and the England and Wales rate beside it."""
    latest = section.latest
    national = next((c.value for c in section.comparisons if c.label == "England and Wales"), None)
    if national is None and getattr(section, "funnel", None) is not None:
        national = section.funnel.target
    period = str(latest.period)
    fy, q = period[:7].replace("-", "/"), period[-1]
    (facts,) = _figure_facts(report, [section])
    _claim(
        ledger,
        id="charge_rate.latest",
        sentence=measure_text.charge_latest_sentence(section, report.quarter),
        value=round(float(latest.value), 4),
        comparator=None if national is None else round(float(national), 4),
        method="charges and summonses (outcome type 1) as a percentage of all assigned outcomes for "
        "investigations closed in the quarter; comparator: the same over the 43 territorial forces",
        window=period,
        source_file=CHARGE_RATE_FILE,
        source_rows=(f"slug={report.force.id}; fy={fy}; q={q}",),
        detail={
            "numerator": None if latest.numerator is None else int(latest.numerator),
            "denominator": None if latest.denominator is None else int(latest.denominator),
            "numerator_column": "closed_all_t1",
            "denominator_column": "closed_all_assigned",
            "comparator_rows": f"every slug in raw/forces/forces.csv; fy={fy}; q={q}",
        },
        known_at=facts.known_at if facts is not None else "",
    )


def report_claims(report: Report) -> ClaimLedger:
    """The claims of the narrative's sentences, collected by writing them (in page order). The page's whole
    ledger, with the tracker sections' claims, is :func:`analysis.present.fragments.report_claims`."""
    ledger = ClaimLedger()
    executive_summary(report, ledger)
    later_data_sentence(report.later, ledger)
    return ledger


def later_data_sentence(later, ledger: ClaimLedger | None = None, whose: str = "the force's") -> str:
    """One line saying that data for periods after the quarter are held but left out; '' when none are.

    ``later`` is an :class:`analysis.compute.as_at.LaterData` (or None); ``whose`` names the trackers
    ("the force's", or "forces'" in the national overview). The line counts nothing and names no later
    period: a report may say later data exist, never show them."""
    if later is None or not later.exist:
        return ""
    q = later.quarter
    end = f"{q.end.day} {q.end:%B %Y}"
    # "or published after it": a later paper's figure, or a tracker known later, for an earlier period counts too
    known = "this report shows only what was known by the end of the quarter."
    if later.observations:
        held = "Figures" + (f", and {whose} trackers," if later.trackers else "")
        text = f"{held} for periods after the end of {q.label} ({end}) or published after it are held but left out: {known}"
    else:
        text = (
            f"{whose[0].upper()}{whose[1:]} trackers for quarters after {q.label}, or published after its end "
            f"({end}), are held but left out: {known}"
        )
    _claim(
        ledger,
        id="as_at.later_data",
        sentence=text,
        value={"observations": later.observations, "tracker_snapshots": later.trackers},
        comparator=q.end.isoformat(),
        method="observations the audience may see whose period ends after the quarter's last day or whose known_at "
        "(publication date) is after it, and tracker snapshots for later quarters or known after it, counted and "
        "left out of the report (neither their periods nor their values are shown)",
        window=q.id,
        source_file=later.observations_file if later.observations else later.trackers_file,
        detail={"tracker_source_file": later.trackers_file},
    )
    return text


def evidence_sentence(report: Report) -> str:
    """Evidence coverage that agrees with the body: a recommendation counts as evidenced only when
    every applicable part records evidence; the blank parts are named."""
    s, labels = report.summary, report.framework.item_label_plural.lower()
    text = (
        f"Evidence is recorded for every applicable part of {s.evidenced} of the {s.applicable} applicable "
        f"{labels} ({percent(s.evidenced, s.applicable)})"
    )
    if s.partly_evidenced:
        text += f"; {plural(s.partly_evidenced, 'more has', 'more have')} evidence for some parts but not others"
    if s.blank_evidence_parts:
        text += (
            f". The evidence entry is blank for {plural(len(s.blank_evidence_parts), 'item')}: "
            f"{_join(list(s.blank_evidence_parts))}"
        )
    text += "."
    return text + withheld_sentence(report)


def withheld_sentence(report: Report) -> str:
    """What the public version leaves out, said as withheld (never as missing); empty for internal reports."""
    if not report.audience.is_public:
        return ""
    n = len(report.withheld_ids)
    if not n:
        return " Nothing is withheld from this public version."
    label = report.framework.item_label.lower()
    return (
        f" {plural(n, label)} ({_join(report.withheld_ids)}) {'is' if n == 1 else 'are'} withheld from this public "
        f"version under {'its' if n == 1 else 'their'} protective marking and {'is' if n == 1 else 'are'} not in "
        "these counts."
    )


def needing_attention(report: Report) -> list[str]:
    """Short phrases, one per kind of flag, naming the recommendations and the parts affected."""
    by_flag: dict[str, list[str]] = {}
    for rec_id, found in report.flags.items():
        for flag in found:
            stale = flag.kind is FlagKind.STALE
            key = f"{FlagKind.STALE.value} for {STALE_AFTER_QUARTERS} or more quarters" if stale else flag.kind.value
            detail = _join(list(flag.parts)) if flag.parts else ""
            by_flag.setdefault(key, []).append(f"{rec_id} ({detail})" if detail else rec_id)
    label = report.framework.item_label.lower()
    labels = report.framework.item_label_plural.lower()
    return [f"{flag} for {labels if len(ids) > 1 else label} {_join(ids)}" for flag, ids in by_flag.items()]


def status_basis_text(basis: str, reason: str) -> str:
    """What is printed beside a status: who judged it and, when given, the one-line reason."""
    reason = " ".join(str(reason or "").split())
    if basis == "stated":
        return f"force's reason: {reason}" if reason else ""
    return f"assessed by analyst: {reason}" if reason else "assessed by analyst"


def change_kind(row) -> str:
    """The status change of a row of ``report.changes`` (older tables without ``change``: from its flags)."""
    from analysis.compute.meaning.tracker import StatusChange, status_change

    kind = row.get("change")
    if kind is None or kind != kind:
        kind = status_change(row.get("previous_status"), row.get("status"))
        if kind is StatusChange.MOVED and not row.get("moved", True):
            kind = StatusChange.UNCHANGED
    return str(kind)


def change_sentence(report: Report) -> str:
    """The executive summary's sentence on what changed since the previous snapshot (from ``report.change``)."""
    ch, fw = report.change, report.framework
    label, labels = fw.item_label.lower(), fw.item_label_plural.lower()
    text = f"Since the previous snapshot ({report.previous_quarter.label}), {plural(len(ch.moved), label, labels)} changed status"
    if ch.moved:
        moves: dict[tuple, int] = {}
        for _, a, b in ch.moved:
            moves[(a, b)] = moves.get((a, b), 0) + 1
        parts = [f"{n} from {status_label(a).lower()} to {status_label(b).lower()}" for (a, b), n in moves.items()]
        text += f" ({'; '.join(parts)})"
    if ch.first_assessed:
        n = len(ch.first_assessed)
        text += (
            f"; {plural(n, label, labels)} had no status that could be judged then and "
            f"{'is' if n == 1 else 'are'} assessed for the first time now"
        )
    if ch.reclassified:
        ids = [i for i, _ in ch.reclassified]
        text += (
            f"; {plural(len(ids), label, labels)} ({_join(ids)}) {'is' if len(ids) == 1 else 'are'} now treated as "
            "not applicable to the force"
        )
    gained = len(ch.gained_evidence)
    text += f"; and {plural(gained, label, labels)} gained evidence where the earlier snapshot recorded none"
    if ch.gained_evidence_partly:
        partly = list(ch.gained_evidence_partly)
        text += f" ({len(partly)} of them, {_join(partly)}, still with some parts blank)"
    text += f"; evidence was removed from {len(ch.evidence_removed)}." if ch.evidence_removed else "."
    return text


def change_text(report: Report, rec_id: str) -> str:
    """One line on what changed for a recommendation since the previous snapshot (rule: :func:`change_kind`)."""
    from analysis.compute.meaning.tracker import StatusChange as C

    if not report.has_tracker:
        return "No tracker this quarter."
    if report.changes is None:
        return "No earlier snapshot to compare with."
    row = report.changes.set_index("recommendation_id").loc[rec_id]
    prev = report.previous_quarter.label
    now, before = status_label(row["status"]).lower(), status_label(row.get("previous_status")).lower()
    kind = change_kind(row)
    if kind == C.FIRST_ASSESSED:
        text = f"First assessed this quarter ({now}); the {prev} snapshot gave no status that could be judged."
    elif kind == C.RECLASSIFIED_NOT_APPLICABLE:
        text = f"Now treated as not applicable to the force; the {prev} snapshot had it as {before}."
    elif kind == C.NO_LONGER_ASSESSED:
        text = f"Was {before} in {prev}; now it cannot be assessed from what was recorded."
    elif kind == C.MOVED:
        text = f"Moved from {before} ({prev}) to {now}."
    else:
        text = f"Status unchanged since {prev} ({now})."
    if row["newly_evidenced"]:
        change = getattr(report, "change", None)
        partly = change is not None and rec_id in change.gained_evidence_partly
        text += " Evidence recorded for the first time" + (
            " for some parts; others are still blank." if partly else "."
        )
    if row["evidence_removed"]:
        text += " Evidence recorded earlier is now blank."
    return text
