"""HTML fragments for the report notebook, rendered from the templates in ``src/analysis/templates/pieces/``.

Tracker evidence, owners and actions come from many hands and are untrusted: they reach markup only as template
values or as a claim's text (:func:`analysis.present.claim_markup.claimed`), both escaped, and nothing from data
is ever treated as Markdown (a ``[link](javascript:...)`` stays visible text).
"""

from __future__ import annotations

import base64
import math
import re

from analysis.compute import coverage
from analysis.compute.claims import CLAIMS_MIMETYPE, ClaimLedger
from analysis.compute.report_model import Report
from analysis.core.audience import Audience
from analysis.present import fairness_text, narrative, templating
from analysis.present.claim_markup import claimed
from analysis.present.style.css import PIECE_CLASS, notebook_css
from analysis.present.style.house_theme import STATUS_LABELS, STATUS_ORDER
from analysis.present.templating import Markup

META_MIMETYPE = "application/vnd.casey.report+json"
WITHHELD_TEXT = "Details of this recommendation are withheld from the public version under its protective marking."
# internal catalogue labels of source documents ("(seed 003)"): the reader gets the document's title, which
# always comes before the label
_INTERNAL_LABELS = re.compile(r"\s*\(seed \d+\)")


def for_reader(text) -> str:
    """Text as a reader should see it: internal labels of source documents removed (still plain text, not escaped)."""
    return _INTERNAL_LABELS.sub("", str(text or ""))


def anchor(rec_id: str) -> str:
    return "rec-" + "".join(ch if ch.isalnum() else "-" for ch in str(rec_id))


def badge(status: str) -> Markup:
    return templating.macro("badge")(status, STATUS_LABELS.get(status, status))


def heading(text: str, anchor_id: str, level: int = 2) -> Markup:
    return templating.macro("heading")(text, anchor_id, level)


def paragraphs(texts: list[str]) -> Markup:
    return templating.macro("paragraphs")([for_reader(t) for t in texts])


def prose(text: str) -> Markup:
    """A paragraph of the framework's own wording (from its YAML): escaped, with *emphasis* kept."""
    if not text:
        return Markup("")
    return templating.macro("prose")(re.split(r"\*([^*]+)\*", text))  # plain, emphasis, plain, ...


def show(markup: str) -> None:
    """Display markup as the cell's output (used by the notebook), wrapped as a report piece.

    The wrapper's class scopes the report stylesheet that :func:`publish_meta` puts in the notebook,
    so in JupyterLab the piece looks as it will in the report, and nothing else on the page changes.
    """
    from IPython.display import HTML, display

    display(HTML(templating.render("piece.html.j2", piece_class=PIECE_CLASS, body=templating.markup(markup))))


def publish(meta: dict, extra: dict | None = None) -> None:
    """Hand a report's marking and identity to the HTML template via a private mimetype (``extra``: more
    private mimetypes for the renderer, such as the claims ledger).

    nbconvert drops this output (:func:`analysis.run.render.to_html` reads it for the banner). In
    JupyterLab, which does not know the mimetypes, it shows as the marking strip and carries the scoped
    report stylesheet, instead of a raw JSON line.
    """
    from IPython.display import display

    marking = str(meta.get("marking", "OFFICIAL"))
    audience = Audience.of(meta.get("audience", Audience.INTERNAL)).label
    strip = templating.render(
        "marking_strip.html.j2",
        css=templating.markup(notebook_css()),
        piece_class=PIECE_CLASS,
        marking=marking,
        title=meta.get("title", ""),
        audience=audience,
    )
    display({META_MIMETYPE: meta, **(extra or {}), "text/html": strip}, raw=True)


def report_claims(report: Report) -> ClaimLedger:
    """The page's claims ledger: the tracker sections' claims, built by the very functions that render them,
    around the narrative's (:func:`analysis.present.narrative.report_claims`), in page order."""
    ledger = ClaimLedger()
    header(report, ledger)
    first_screen(report, ledger)
    for claim in narrative.report_claims(report).claims:
        ledger.add(claim)
    key_measures(report, ledger)
    recommendations(report, ledger)
    provenance(report, ledger=ledger)
    return ledger


def publish_meta(report: Report) -> None:
    """Hand the report's marking and identity to the HTML template, and its claims ledger to the renderer
    (which writes ``<stem>.claims.json``), via private mimetypes (see :func:`publish`)."""
    meta = {
        "force": report.force.name,
        "force_id": report.force.id,
        "quarter": report.quarter.id,
        "quarter_label": report.quarter.label,
        "audience": report.audience.value,
        "marking": report.marking,
        "framework": report.framework.short_title,
        "title": f"{report.framework.short_title} progress: {report.force.name}, {report.quarter.label}",
        # for the index pages: what this report shows (its counts already leave out anything withheld)
        "index": {
            "has_tracker": report.has_tracker,
            "as_of": report.as_of or "",
            "framework_id": report.framework.id,
            "framework_title": report.framework.short_title,
            "counts": dict(report.summary.counts) if report.summary else {},
            "withheld": len(report.withheld_ids),
        },
    }
    ledger = report_claims(report).to_dict({k: meta[k] for k in ("force_id", "quarter", "audience")})
    publish(meta, {CLAIMS_MIMETYPE: ledger})


def header(report: Report, ledger: ClaimLedger | None = None) -> Markup:
    """Title and one line of identity: force, quarter, marking, audience, data date (the details are in Sources).
    The quarter and the data date are claims; the field labels are names."""
    r = report
    snap = r.snapshot or {}
    quarter = claimed(
        "dd",
        "header.quarter",
        f"{r.quarter.label} ({r.quarter.months})",
        ledger,
        value=r.quarter.id,
        method="the report's quarter (financial year, April to March)",
        window=f"{r.quarter.start.isoformat()}/{r.quarter.end.isoformat()}",
    )
    as_of = claimed(
        "dd",
        "header.as_of",
        r.as_of or "no tracker for this quarter",
        ledger,
        value=r.as_of or None,
        method="the position date of the force's tracker for the quarter",
        window=r.quarter.id,
        source_file=str(snap.get("source_file", "")),
        known_at=str(snap.get("known_at", "") or ""),
        rule="" if r.as_of else "no_tracker",
    )
    dd = templating.macro("dd")
    rows = [
        ("Force", dd(f"{r.force.name} ({r.force.region})")),
        ("Quarter", quarter),
        ("Protective marking", dd(r.marking)),
        ("Audience", dd(r.audience.label)),
        ("Data as of", as_of),
    ]
    # Markup, as the first screen and the contents are: the notebook joins the three with +
    title = f"{r.framework.short_title} progress: {r.force.name}, {r.quarter.label}"
    return templating.render("header.html.j2", title=title, rows=rows)


def _status_var(status: str) -> str:
    return f"var(--status-{status.replace('_', '-')})"  # the page's palette (analysis.present.style.css.css_colours)


def _tracker_file(report: Report) -> tuple[str, tuple]:
    """The tracker file of the quarter and the rows the page shows from it."""
    snap = report.snapshot or {}
    return str(snap.get("source_file", "")), tuple(report.rows["recommendation_id"]) if len(report.rows) else ()


def _covers_text(report: Report) -> str:
    """Which recommendations the status mix counts (and, on a public page, that withheld ones are not)."""
    s, label = report.summary, report.framework.item_label.lower()
    covers = f"Counts cover the {s.applicable} applicable {label}s"
    if s.not_applicable:
        covers += f" ({s.not_applicable} not applicable to the force)"
    if not report.audience.is_public:
        return covers + "."
    if s.withheld:
        return covers + f"; {s.withheld} withheld from this public version are not counted."
    return covers + "; nothing is withheld from this public version."


def _no_tracker_mix(report: Report, ledger: ClaimLedger | None) -> Markup:
    """The status mix's one line when there is no tracker for the quarter."""
    label = report.framework.item_label.lower()
    inner = templating.macro("lead")(
        f"No tracker for {report.quarter.label} was received or published by the end of the quarter.",
        f"No {label} has a status this quarter.",
    )
    return claimed(
        "p",
        "tracker.mix.none",
        inner,
        ledger,
        ' class="no-tracker"',
        value=0,
        window=report.quarter.id,
        method="tracker snapshots on record for the force for the quarter",
        rule="no_tracker",
    )


def status_mix(report: Report, ledger: ClaimLedger | None = None) -> Markup:
    """The status mix of the recommendations: counts in words and one stacked bar (colour never the only cue)."""
    label = report.framework.item_label.lower()
    if not report.has_tracker:
        return templating.render("status_mix.html.j2", label=label, note=_no_tracker_mix(report, ledger))
    s = report.summary
    counts = [(st, s.counts.get(st, 0)) for st in STATUS_ORDER if st != "not_applicable" and s.counts.get(st, 0)]
    total = sum(n for _, n in counts)
    segments = [(f"{100 * n / total:.2f}", _status_var(st)) for st, n in counts] if total else []
    words = ", ".join(f"{n} {STATUS_LABELS[st].lower()}" for st, n in counts)
    legend = templating.render(
        "status_legend.html.j2", items=[(STATUS_LABELS[st], n, _status_var(st)) for st, n in counts]
    )
    source_file, source_rows = _tracker_file(report)
    common = {"window": report.quarter.id, "source_file": source_file, "source_rows": source_rows}
    legend_html = claimed(
        "ul",
        "tracker.mix",
        legend,
        ledger,
        ' class="legend"',
        value=dict(counts),
        comparator=s.applicable,
        method=narrative.ROLLUP_METHOD,
        **common,
    )
    covers_html = claimed(
        "p",
        "tracker.mix.covers",
        _covers_text(report),
        ledger,
        ' class="covers"',
        value=s.applicable,
        comparator=len(report.framework.recommendations),
        method="applicable recommendations (rolled-up status not 'not applicable'), withheld ones apart",
        detail={"not_applicable": s.not_applicable, "withheld": s.withheld},
        **common,
    )
    return templating.render(
        "status_mix.html.j2",
        label=label,
        note="",
        aria_label=f"Status of {s.applicable} applicable {label}s: {words}",
        segments=segments,
        legend=legend_html,
        covers=covers_html,
    )


def _tile_line(line, ledger: ClaimLedger | None) -> Markup:
    """One line of a tile from its claim; a verdict line keeps its icon outside the claimed words."""
    text = claimed("span", line.claim_id, line.words, ledger, **line.fields)
    if line.part in ("variation", "assurance"):
        return templating.macro("verdict_line")(text, line.icon or "")
    tag_class = {"verdict": "verdict none", "stale": "stale", "incomplete": "stale"}.get(line.part, line.part)
    return templating.macro("tile_line")(text, tag_class)


def _tile_what(section, coverage_kind: str | None) -> str:
    """What kind of figure the tile shows: a proxy is never shown as the review's own measure."""
    what = section.measure_title if section.measure_title and section.measure_title != section.title else ""
    kind = {"proxy": "proxy", "force-supplied": "force-supplied"}.get(coverage_kind or "")
    if kind is None and section.force_supplied:
        kind = "force-supplied"
    if kind == "proxy" and section.force_supplied:
        kind = "force-supplied proxy"
    already = what.endswith(f"({kind})") or (
        kind and kind.endswith("proxy") and (what.endswith("(proxy)") or "(fairness indicator)" in what)
    )
    if kind and not already:
        what = f"{what} ({kind})" if what else f"{kind.capitalize()} figure"
    return what


def measure_tile(section, coverage_kind: str | None = None, ledger: ClaimLedger | None = None, facts=None) -> Markup:
    """One key measure on the first screen: what the figure is, its value and period, how old it is when stale,
    its comparator and verdicts in plain words (:mod:`analysis.present.tile_text`), each line from a claim.
    ``facts``: the :class:`analysis.compute.measure_facts.FigureFacts` of its figure (known-at, source, age)."""
    from analysis.compute.measure_sections import format_value
    from analysis.present import tile_text

    tile = {"key": section.key_measure, "title": section.title, "stale": False, "lines": [], "verdicts": []}
    if not section.has_data or section.latest is None:
        return templating.render("tile.html.j2", **tile, empty=True, none_line="")
    if not math.isfinite(section.latest.value):  # loaded, but no figure can be given (a rate with no population)
        none = claimed(
            "p",
            f"tile.{section.key_measure}.none",
            f"No figure can be given for this force for {section.latest.period_label}: the section says why",
            ledger,
            ' class="value-none"',
            value=None,
            window=str(section.latest.period),
            method="the latest figure is not a number (a rate with no population)",
        )
        return templating.render("tile.html.j2", **tile, empty=True, none_line=none)
    lines = tile_text.tile_lines(section, _tile_what(section, coverage_kind), format_value, facts)
    tile["lines"] = [_tile_line(x, ledger) for x in lines if x.part not in ("variation", "assurance")]
    tile["verdicts"] = [_tile_line(x, ledger) for x in lines if x.part in ("variation", "assurance")]
    tile["stale"] = any(x.part in ("stale", "incomplete") for x in lines)
    return templating.render("tile.html.j2", **tile, empty=False, none_line="")


def _change_of(report: Report):
    """``report.change``, or one worked out from ``report.changes`` (report stand-ins in tests)."""
    from analysis.compute.progress import change_summary

    change = getattr(report, "change", None)
    if change is None and report.changes is not None:
        change = change_summary(report.changes, getattr(report, "status", None), report.previous_quarter.id)
    return change


def changed_lines(report: Report) -> list[tuple[str, str, dict]]:
    """At most three (claim id, line, claim fields) on what changed since the force's previous snapshot."""
    if not report.has_tracker:
        prev = report.previous_quarter
        line = (
            f"No tracker this quarter; the latest earlier tracker is for {prev.label}."
            if prev
            else "No tracker from this force was received or published by the end of the quarter."
        )
        return [("changed.none", line, {"value": prev.id if prev else None, "rule": "no_tracker"})]
    if report.changes is None:
        line = "This is the force's first tracker on record: there is nothing earlier to compare with."
        return [("changed.first", line, {"value": 0, "rule": "no_earlier_snapshot"})]
    ch = _change_of(report)
    window = f"{report.previous_quarter.id} to {report.quarter.id}"
    return [_status_change_line(report, ch, window), _evidence_change_line(report, ch, window)]


def _status_change_line(report: Report, ch, window: str) -> tuple[str, str, dict]:
    """How many recommendations changed status (and moved backwards, were first assessed or reclassified)."""
    label, labels = report.framework.item_label.lower(), report.framework.item_label_plural.lower()
    moved = len(ch.moved)
    status = f"Since {report.previous_quarter.label}: {narrative.plural(moved, label, labels)} changed status" + (
        f"; {len(ch.backwards)} moved backwards." if ch.backwards else "; none moved backwards." if moved else "."
    )
    if ch.first_assessed:  # a status given where the earlier snapshot had nothing to judge is not a change
        status += f" {narrative.plural(len(ch.first_assessed), label, labels)} assessed for the first time."
    if ch.reclassified:  # not assessed then, not applicable now: a change of kind, never "unchanged"
        ids = [i for i, _ in ch.reclassified]
        status += (
            f" {narrative.plural(len(ids), label, labels)} ({narrative._join(ids)}) now treated as not applicable."
        )
    fields = {
        "value": moved,
        "window": window,
        "detail": {
            "moved": [list(m) for m in ch.moved],
            "backwards": [list(m) for m in ch.backwards],
            "first_assessed": [list(m) for m in ch.first_assessed],
            "reclassified_not_applicable": [list(m) for m in ch.reclassified],
        },
        "method": "rolled-up statuses compared with the previous snapshot",
        "rule": "meaning.tracker.status_change",
    }
    return "changed.status", status, fields


def _evidence_change_line(report: Report, ch, window: str) -> tuple[str, str, dict]:
    """How many recommendations gained evidence where the previous snapshot had none (and lost it)."""
    label, labels = report.framework.item_label.lower(), report.framework.item_label_plural.lower()
    evidence = (
        f"{narrative.plural(len(ch.gained_evidence), label, labels)} gained evidence where "
        f"{report.previous_quarter.label} recorded none"
        + (f" ({len(ch.gained_evidence_partly)} with some parts still blank)" if ch.gained_evidence_partly else "")
        + (f"; evidence was removed from {len(ch.evidence_removed)}." if ch.evidence_removed else ".")
    )
    fields = {
        "value": len(ch.gained_evidence),
        "window": window,
        "detail": {
            "gained": list(ch.gained_evidence),
            "gained_partly": list(ch.gained_evidence_partly),
            "removed": list(ch.evidence_removed),
        },
        "method": "applicable recommendations with evidence in at least one applicable row now and none "
        "in the previous snapshot (removed: the other way round)",
        "rule": "meaning.tracker.evidence_change",
    }
    return "changed.evidence", evidence, fields


def what_changed(report: Report) -> list[str]:
    """At most three short lines on what changed since the force's previous snapshot."""
    return [line for _, line, _ in changed_lines(report)][:3]


def what_changed_html(report: Report, ledger: ClaimLedger | None = None) -> Markup:
    source_file, _ = _tracker_file(report) if report.has_tracker else ("", ())
    return Markup("").join(
        claimed("li", claim_id, line, ledger, source_file=source_file, **fields)
        for claim_id, line, fields in changed_lines(report)[:3]
    )


def questions_html(report: Report, ledger: ClaimLedger | None = None) -> str:
    """The board questions, each rendered from its claim; the sections it is about as a claimed 'See:' line."""
    from analysis.present.board_questions import questions

    asked = questions(report)
    if not asked:
        return claimed(
            "p",
            "board.none",
            "Nothing in this quarter's figures or tracker prompts a particular question.",
            ledger,
            value=0,
            method="questions drawn from the page's flags of concern (analysis.compute.meaning.tracker)",
            window=report.quarter.id,
            rule="meaning.tracker.concerns",
        )
    items = []
    for n, q in enumerate(asked, 1):
        covers = [
            {"kind": str(c.kind), "subject": c.subject, "parts": list(c.parts), "flag": c.flag, "detail": c.detail}
            for c in q.covers
        ]
        text = claimed(
            "span",
            f"board.q{n}",
            q.text,
            ledger,
            value=covers,
            window=report.quarter.id,
            method="a question for each kind of concern the page flags; the last counts the rest when there "
            "are more kinds than fit",
            rule=f"meaning.tracker.concerns:{q.reason}",
        )
        see = ""
        if q.links:
            see = claimed(
                "span",
                f"board.q{n}.see",
                templating.macro("see_links")(q.links),
                ledger,
                " class='see'",
                value=[a for _, a in q.links],
                method="the sections of the page the question is about",
            )
        items.append((text, see))
    return templating.render("questions.html.j2", items=items)


def first_screen(report: Report, ledger: ClaimLedger | None = None) -> Markup:
    """Where the force stands in thirty seconds: status mix, what changed, questions, a tile per key measure,
    each piece from its claim (with ``ledger``, the claims are added to it, in page order)."""
    from analysis.compute.measure_facts import figure_facts

    mix = status_mix(report, ledger)
    changed = what_changed_html(report, ledger)
    question_html = questions_html(report, ledger)
    data_dir = narrative._data_dir(report)
    kinds = {c.key_measure: c.kind for c in coverage.key_measure_coverage(report.measures, data_dir)}
    tiles = [
        measure_tile(
            m,
            kinds.get(m.key_measure),
            ledger,
            figure_facts(m, report.quarter, data_dir, report.audience, report.force.id),
        )
        for m in report.measures
    ]
    return templating.render(
        "first_screen.html.j2",
        mix=mix,
        changed=changed,
        questions=question_html,
        tiles=tiles,
    )


def toc(report: Report, extra: list[tuple[str, str]] | None = None) -> Markup:
    label = report.framework.item_label
    entries = [("questions", "Questions for the board"), ("summary", "Executive summary")]
    entries += [("charts", "Charts")] if has_charts(report) else []
    entries += extra or []
    if report.framework.has_key_measures:
        entries.append(("measures", "Key measures"))
    return templating.render(
        "toc.html.j2",
        entries=entries,
        measures=[(m.key_measure, m.title) for m in report.measures],
        items_label=report.framework.item_label_plural,
        recommendations=[
            (anchor(rec.id), f"{label} {rec.id}: {rec.title}") for rec in report.framework.recommendations
        ],
    )


def figure(fig, alt: str, caption: str | None = None) -> Markup:
    """Embed a matplotlib figure as a PNG data URI with alt text, then close it.

    Every figure is first made legible on a phone and on paper (larger text, wrapped labels) and cropped to
    what was drawn, so the larger text is never cut off (:func:`analysis.present.style.legibility.figure_png`)."""
    import matplotlib.pyplot as plt

    from analysis.present.style.house_theme import FIGURE_DPI, theme
    from analysis.present.style.legibility import figure_png

    try:
        with theme():  # the theme's settings while drawing, without a global theme
            png, smallest_pt = figure_png(fig)
    finally:  # a figure that failed to draw is closed too: left open, the engine would try to draw it again
        plt.close(fig)
    data = base64.b64encode(png).decode("ascii")
    # the smallest text in image pixels: the browser test checks it stays legible at the width the image is shown
    text_px = smallest_pt * FIGURE_DPI / 72
    return templating.render("figure.html.j2", data=data, alt=alt, text_px=f"{text_px:.1f}", caption=caption or "")


def _entry_row(report: Report, row, ledger: ClaimLedger | None, source_file: str) -> str:
    """One tracker entry as a table row, its cells the force's own words, claimed as quoted from the file."""
    fw = report.framework
    item = fw.item(row.recommendation_id)
    name = "Whole recommendation" if item.parent_id is None else f"{item.id} {item.title}"
    cells = templating.render(
        "entry_cells.html.j2",
        name=name,
        badge=badge(row.status),
        basis=narrative.status_basis_text(row.status_basis, getattr(row, "status_reason", "")),
        owner=row.owner,
        evidence=str(row.evidence or ""),
        actions=str(row.actions or ""),
        workstreams=row.linked_workstreams,
    )
    return claimed(
        "tr",
        f"entry.{row.recommendation_id}",
        cells,
        ledger,
        value={k: str(getattr(row, k) or "") for k in ("status", "owner", "evidence", "actions", "linked_workstreams")},
        method="the tracker's entry, quoted as the force recorded it",
        window=report.quarter.id,
        source_file=source_file,
        source_rows=(row.recommendation_id,),
        rule="quoted",
    )


def _framework_file(fw) -> str:
    return f"raw/frameworks/{fw.source_file.name}" if getattr(fw, "source_file", None) else ""


def _asked(report: Report, rec, ledger: ClaimLedger | None) -> str:
    """What the review asked, quoted from the framework."""
    fw, withheld = report.framework, report.is_withheld(rec.id)
    return claimed(
        "p",
        f"rec.{rec.id}.asked",
        templating.macro("lead")(f"{'What the review asked' if withheld else fw.wording.asked_label}:", rec.summary),
        ledger,
        ' class="asked"',
        value=rec.summary,
        method="the review's recommendation, as summarised in the framework",
        source_file=_framework_file(fw),
        # a withheld recommendation is named on the page only by its heading: the ledger lists no row of it
        source_rows=() if withheld else (rec.id,),
        rule="quoted",
    )


def _status_line(report: Report, rec, ledger: ClaimLedger | None, where: dict) -> str:
    fw = report.framework
    status = report.status.set_index("recommendation_id").at[rec.id, "status"]
    notes = []
    hidden = getattr(report, "withheld_parts", {}).get(rec.id, 0)
    if hidden:  # the roll-up covers only what is shown; say so rather than misstate the whole
        notes.append(
            f"This status covers the published tracker entries only: {hidden} "
            f"{'entry is' if hidden == 1 else 'entries are'} withheld from this public version."
        )
    if not rec.applies_beyond_met:
        notes.append(f"{fw.wording.not_applicable_note} {rec.applicability_note}")
    return claimed(
        "p",
        f"rec.{rec.id}.status",
        templating.macro("status_line")(badge(status), notes),
        ledger,
        ' class="status-line"',
        value=status,
        method=narrative.ROLLUP_METHOD,
        detail={"withheld_entries": int(hidden)},
        **where,
    )


def _parts_listing(report: Report, rec, ledger: ClaimLedger | None) -> str:
    parts = report.framework.parts_of(rec.id)
    if not parts:
        return ""
    return claimed(
        "details",
        f"rec.{rec.id}.parts",
        templating.macro("parts")(parts),
        ledger,
        ' class="parts"',
        value=[p.id for p in parts],
        method="the parts the framework lists",
        source_file=_framework_file(report.framework),
        source_rows=tuple(p.id for p in parts),
        rule="quoted",
    )


def _change_line(report: Report, rec_id: str, ledger: ClaimLedger | None, where: dict) -> str:
    """The change since the previous snapshot, its wording chosen by meaning.tracker.status_change."""
    kind = (
        narrative.change_kind(report.changes.set_index("recommendation_id").loc[rec_id])
        if report.changes is not None
        else ""
    )
    return claimed(
        "p",
        f"rec.{rec_id}.change",
        templating.macro("lead")("Change:", narrative.change_text(report, rec_id)),
        ledger,
        ' class="change"',
        value=kind or None,
        comparator=report.previous_quarter.id if report.previous_quarter else None,
        method="rolled-up status and evidence compared with the previous snapshot",
        rule=f"meaning.tracker.status_change:{kind}" if kind else "no_earlier_snapshot",
        **where,
    )


def _flags(report: Report, rec_id: str, ledger: ClaimLedger | None, where: dict) -> list[Markup]:
    return [
        claimed(
            "span",
            f"rec.{rec_id}.flag.{n}",
            str(f),
            ledger,
            value=str(f.kind),
            detail={"parts": list(f.parts)},
            method="flags per applicable recommendation (analysis.compute.progress.flags)",
            rule=f"flag:{f.kind.name.lower()}",
            **where,
        )
        for n, f in enumerate(report.flags.get(rec_id, []), 1)
    ]


def recommendation_section(report: Report, rec_id: str, ledger: ClaimLedger | None = None) -> Markup:
    """One recommendation: status, what was asked, parts, the tracker's entries, change and flags, each claimed
    (in page order, so the ledger lists them as the page shows them)."""
    fw = report.framework
    rec = fw.item(rec_id)
    source_file, _ = _tracker_file(report)
    rows = report.rows_for(rec_id)
    where = {"window": report.quarter.id, "source_file": source_file, "source_rows": tuple(rows["recommendation_id"])}
    piece = {"anchor": anchor(rec_id), "title": f"{fw.item_label} {rec.id}: {rec.title}"}
    if report.is_withheld(rec_id):
        asked = _asked(report, rec, ledger)
        return templating.render("recommendation.html.j2", **piece, withheld=WITHHELD_TEXT, asked=asked)
    status_line, asked, parts = (
        _status_line(report, rec, ledger, where),
        _asked(report, rec, ledger),
        _parts_listing(report, rec, ledger),
    )
    entries = None
    if report.has_tracker:
        entries = [_entry_row(report, row, ledger, source_file) for row in rows.itertuples(index=False)]
    change = _change_line(report, rec_id, ledger, where) if report.has_tracker else ""
    return templating.render(
        "recommendation.html.j2",
        **piece,
        withheld="",
        status_line=status_line,
        asked=asked,
        parts=parts,
        entries=entries,
        change=change,
        flags=_flags(report, rec_id, ledger, where),
    )


def recommendations(report: Report, ledger: ClaimLedger | None = None) -> str:
    """Every recommendation: a section each when there is a tracker, else one compact table (listed once)."""
    fw = report.framework
    out = [heading(fw.item_label_plural, "recommendations")]
    if report.has_tracker:
        return "".join(out + [recommendation_section(report, rec.id, ledger) for rec in fw.recommendations])
    out.append(
        claimed(
            "p",
            "recommendations.none",
            f"No tracker for {report.quarter.label} was received or published by the end of the quarter, so no "
            f"{fw.item_label.lower()} "
            "has a status, owner or evidence this quarter. The table lists what the review asked.",
            ledger,
            value=0,
            window=report.quarter.id,
            method="tracker snapshots on record for the quarter",
            rule="no_tracker",
        )
    )
    framework_file = _framework_file(fw)
    rows = [
        claimed(
            "tr",
            f"rec.{rec.id}.listing",
            templating.macro("listing_cells")(
                fw.item_label,
                rec.id,
                rec.title,
                # the framework's neutral name unless the report is for the force the review was written for
                fw.section_label(rec.section_id, report.force.id),
                "Yes" if rec.applies_beyond_met else "Met, London or Government only",
            ),
            ledger,
            f' id="{anchor(rec.id)}"',
            value=rec.applies_beyond_met,
            method="the framework's listing",
            source_file=framework_file,
            source_rows=(rec.id,),
            rule="quoted",
        )
        for rec in fw.recommendations
    ]
    out.append(templating.render("listing.html.j2", item_label=fw.item_label, rows=rows))
    return "".join(out)


def provenance(report: Report, extra_inputs: list[dict] | None = None, ledger: ClaimLedger | None = None) -> str:
    """Sources: what is held but left out and the tracker's source (claims); the parameters, files and version
    (names, not statements) inside ``class="provenance"``, which the coverage check treats as exempt."""
    snap = report.snapshot or {}
    source = ""
    if snap:
        source = claimed(
            "p",
            "provenance.tracker_source",
            f"Tracker source: {for_reader(snap.get('document'))}. "
            f"Dated to {report.quarter.label} because: "
            f"{snap.get('dated_because') or 'the file is filed under that quarter'}",
            ledger,
            value=for_reader(snap.get("document")),
            method="the tracker snapshot's record (its .meta.yaml): document and why it is dated to the quarter",
            window=report.quarter.id,
            source_file=str(snap.get("source_file", "")),
            known_at=str(snap.get("published", "") or ""),
            rule="quoted",
        )
    # one line, no figure: what is held but left out; its claim (as_at.later_data) is the narrative's
    later = narrative.later_data_sentence(report.later)
    later_html = claimed("p", "as_at.later_data", for_reader(later), None) if later else ""
    return templating.render(
        "provenance.html.j2",
        heading=heading("Sources and provenance", "sources"),
        claimed_lines=[later_html, source],
        container="div",
        parameters=list(report.parameters.items()),
        files=[*report.inputs, *(extra_inputs or [])],
        version=report.package_version,
    )


def has_charts(report: Report) -> bool:
    return report.has_tracker or bool(report.history["quarter"].nunique())


def executive_summary(report: Report, ledger: ClaimLedger | None = None) -> str:
    """The executive summary: each sentence inside an element carrying its claim (the claims are added to
    ``ledger`` by :func:`analysis.present.narrative.summary_pieces`, which writes them)."""
    return templating.render("summary.html.j2", paragraphs=narrative.summary_pieces(report, ledger))


def tracker_charts(report: Report) -> str:
    """The two tracker charts (status by section; status history), or a note when there is no tracker."""
    from analysis.core.periods import Quarter
    from analysis.present import tracker_charts

    if not has_charts(report):
        return ""  # no tracker now or before: the first screen already says so
    out = [heading("Charts", "charts")]
    if report.has_tracker:
        labels = report.framework.section_labels(report.force.id)  # neutral names unless the review's own force
        table = report.status.assign(section=report.status["section_id"].map(labels))
        fig, alt = tracker_charts.chart_status_by_section(
            table, list(labels.values()), report.force.name, report.quarter.label
        )
        out.append(figure(fig, alt, "Recommendation status by section of the review."))
    if report.history["quarter"].nunique():
        labels = {q: Quarter.of(q).label for q in report.history["quarter"].unique()}
        fig, alt = tracker_charts.chart_status_history(report.history, labels, report.force.name)
        out.append(figure(fig, alt, "Recommendation status in each of the force's tracker snapshots."))
    return "".join(out)


def _claim_p(claim, ledger: ClaimLedger | None, attrs: str = "") -> str:
    """A paragraph whose text is ``claim``'s sentence (internal document labels removed), claimed."""
    fields = {k: getattr(claim, k) for k in ("value", "comparator", "method", "window", "source_file")}
    fields.update(source_rows=claim.source_rows, detail=claim.detail, rule=claim.rule, known_at=claim.known_at)
    return claimed("p", claim.id, for_reader(claim.sentence), ledger, attrs, **fields)


def _extra_table(report: Report, section, prefix: str, ledger: ClaimLedger | None) -> str:
    """The "Other figures" table: one claim per row (the row's cells are its sentence)."""
    from analysis.compute.measure_sections import format_value
    from analysis.present import measure_text

    rows = []
    for e in section.extra:
        values = (e["title"], format_value(e["value"], e["unit"]), e["period_label"], for_reader(e["source"]))
        cells = templating.macro("cells")(values, " ")
        fields = measure_text.extra_row_claim(section, e, cells)
        rows.append(claimed("tr", f"{prefix}.extra.{e['measure_id']}", cells, ledger, **fields))
    return templating.render("extra_figures.html.j2", rows=rows)


def _measure_line(report: Report, section, what: str, inner: str, ledger, attrs: str = "") -> str:
    """A section-level line (trend, method note, official source, no data) as one claim."""
    from analysis.present import measure_text

    fields = measure_text.section_fields(section, report.quarter, what, report.force.id)
    return claimed("p", f"{measure_text.claim_prefix(section)}.{what}", inner, ledger, attrs, **fields)


def measure_section(report: Report, section, ledger: ClaimLedger | None = None, charts: bool = True) -> Markup:
    """One key measure's section, every sentence, row and line from a claim (:mod:`analysis.present.measure_text`).

    ``charts`` False leaves the charts out (the ledger pass: charts state nothing the claims do not)."""
    from analysis.present import measure_charts, measure_text

    if fairness_text.is_fairness(section):  # the trust section renders itself from claims (present/fairness_text)
        draw = (lambda s: [figure(f, a) for f, a in measure_charts.draw_section(s)]) if charts else None
        return fairness_text.section_markup(report, section, ledger, draw)
    if not section.has_data:
        text = for_reader(measure_text.no_data_text(section, report.quarter))
        lines = [_measure_line(report, section, "no_data", text, ledger, ' class="no-data"')]
    else:
        lines = _measure_lines(report, section, ledger, charts)
    return templating.render("measure_section.html.j2", key=section.key_measure, title=section.title, lines=lines)


def _measure_lines(report: Report, section, ledger: ClaimLedger | None, charts: bool) -> list[Markup]:
    """A key measure's lines, in page order: sentences, notes, trend, charts, method, other figures, source."""
    from analysis.present import measure_charts, measure_text

    out = []
    if section.force_supplied:
        supplied = "Figures supplied by the force in its own papers, not official statistics."
        out.append(_measure_line(report, section, "force_supplied", supplied, ledger, ' class="note"'))
    out.extend(_claim_p(c, ledger) for c in measure_text.sentence_claims(section, report.quarter, report.force.id))
    for what, text in (
        ("proxy_note", narrative.proxy_note(report, section)),
        ("series_text", narrative.series_text(report, section)),
    ):
        if text:
            out.append(_measure_line(report, section, what, for_reader(text), ledger))
    trend_text = measure_text.trend_text(section)
    if trend_text:
        trend = templating.macro("lead")("Trend:", trend_text)
        out.append(_measure_line(report, section, "trend", trend, ledger, ' class="trend"'))
    if charts:
        out.extend(figure(fig, alt) for fig, alt in measure_charts.draw_section(section))
    spc_summary = getattr(section, "spc", None)
    if spc_summary is not None:
        note = templating.macro("method_note")(spc_summary.method_text)
        out.append(_measure_line(report, section, "method_note", note, ledger, ' class="note"'))
    if section.extra:
        out.append(_extra_table(report, section, measure_text.claim_prefix(section), ledger))
    if section.official_source and not section.force_supplied:  # force-supplied sentences already name it
        source = f"Official source: {for_reader(section.official_source)}"
        out.append(_measure_line(report, section, "official_source", source, ledger, ' class="source"'))
    return out


def key_measures(report: Report, ledger: ClaimLedger | None = None) -> str:
    """A section per Casey key measure: latest figure, comparisons, charts, sentences from claims. With a
    ``ledger`` (the ledger pass of :func:`report_claims`) the claims are added and the charts not drawn."""
    if not report.framework.has_key_measures:
        return ""
    out = [heading("Key measures", "measures")]
    if not report.measures:
        text = report.measures_error or "No key-measures data."
        out.append(
            claimed(
                "p",
                "measure.none",
                text,
                ledger,
                value=None,
                window=report.quarter.id,
                method="the key-measures data the report could load",
                rule="no_data",
            )
        )
        return "".join(out)
    out.extend(measure_section(report, section, ledger, charts=ledger is None) for section in report.measures)
    return "".join(out)
