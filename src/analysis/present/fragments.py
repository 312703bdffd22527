"""HTML fragments for the report notebook. Every string that comes from data is escaped here.

Tracker evidence, owners and actions come from many hands and are untrusted: they are
passed through ``esc`` before they touch markup, and nothing from data is ever treated as
Markdown (a ``[link](javascript:...)`` stays visible text).
"""

from __future__ import annotations

import base64
import math
import re

from analysis.compute import coverage
from analysis.compute.claims import CLAIMS_MIMETYPE
from analysis.compute.report_model import Report
from analysis.present import narrative
from analysis.present.htmltext import esc
from analysis.present.style import PIECE_CLASS, STATUS_LABELS, STATUS_ORDER, notebook_css

META_MIMETYPE = "application/vnd.casey.report+json"
BLANK = '<em class="blank">blank</em>'
WITHHELD_TEXT = "Details of this recommendation are withheld from the public version under its protective marking."
NO_VERDICT = "no process-behaviour verdict"
# icon and words for each process-behaviour verdict (analysis.compute.spc); the icon never stands alone
VARIATION_ICONS = {
    "common_cause": ("●", "Common cause variation"),
    "special_cause_improving": ("▲", "Special cause: improving"),
    "special_cause_concerning": ("▼", "Special cause: concerning"),
    "special_cause_neutral": ("◆", "Special cause: neither better nor worse"),
}
ASSURANCE_ICONS = {
    "consistently_passes": ("✔", "Consistently meets the comparator"),
    "consistently_fails": ("✖", "Consistently misses the comparator"),
    "hit_and_miss": ("≈", "Hit and miss against the comparator"),
}


# internal catalogue labels of source documents ("(seed 003)"): the reader gets the document's title, which
# always comes before the label
_INTERNAL_LABELS = re.compile(r"\s*\(seed \d+\)")


def for_reader(text) -> str:
    """Text as a reader should see it: internal labels of source documents removed (still plain text, not escaped)."""
    return _INTERNAL_LABELS.sub("", str(text or ""))


def multiline(value) -> str:
    return "<br>".join(esc(line) for line in str(value or "").splitlines()) or ""


def anchor(rec_id: str) -> str:
    return "rec-" + "".join(ch if ch.isalnum() else "-" for ch in str(rec_id))


def badge(status: str) -> str:
    return f'<span class="badge badge-{esc(status)}">{esc(STATUS_LABELS.get(status, status))}</span>'


def heading(text: str, anchor_id: str, level: int = 2) -> str:
    return f'<h{level} id="{esc(anchor_id)}">{esc(text)}</h{level}>'


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{esc(for_reader(t))}</p>" for t in texts)


def prose(text: str) -> str:
    """A paragraph of the framework's own wording (from its YAML): escaped, with *emphasis* kept."""
    if not text:
        return ""
    return "<p>" + re.sub(r"\*([^*]+)\*", r"<em>\1</em>", esc(text)) + "</p>"


def show(markup: str) -> None:
    """Display markup as the cell's output (used by the notebook), wrapped as a report piece.

    The wrapper's class scopes the report stylesheet that :func:`publish_meta` puts in the notebook,
    so in JupyterLab the piece looks as it will in the report, and nothing else on the page changes.
    """
    from IPython.display import HTML, display

    display(HTML(f'<div class="{PIECE_CLASS}">{markup}</div>'))


def publish(meta: dict, extra: dict | None = None) -> None:
    """Hand a report's marking and identity to the HTML template via a private mimetype (``extra``: more
    private mimetypes for the renderer, such as the claims ledger).

    nbconvert drops this output (:func:`analysis.run.render.to_html` reads it for the banner). In
    JupyterLab, which does not know the mimetypes, it shows as the marking strip and carries the scoped
    report stylesheet, instead of a raw JSON line.
    """
    from IPython.display import display

    marking = str(meta.get("marking", "OFFICIAL"))
    audience = "Public" if meta.get("audience") == "public" else "Internal"
    strip = (
        f'<div class="{PIECE_CLASS}"><p class="casey-marking marking-{esc(marking.lower())}">'
        f"<strong>{esc(marking)}</strong> <span>{esc(meta.get('title', ''))} · {audience}</span></p></div>"
    )
    display({META_MIMETYPE: meta, **(extra or {}), "text/html": f"<style>{notebook_css()}</style>{strip}"}, raw=True)


def publish_meta(report: Report) -> None:
    """Hand the report's marking and identity to the HTML template, and its claims ledger to the renderer
    (which writes ``<stem>.claims.json``), via private mimetypes (see :func:`publish`)."""
    meta = {
        "force": report.force.name,
        "force_id": report.force.id,
        "quarter": report.quarter.id,
        "quarter_label": report.quarter.label,
        "audience": report.audience,
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
    ledger = narrative.report_claims(report).to_dict({k: meta[k] for k in ("force_id", "quarter", "audience")})
    publish(meta, {CLAIMS_MIMETYPE: ledger})


def header(report: Report) -> str:
    """Title and one line of identity: force, quarter, marking, audience, data date (the details are in Sources)."""
    r = report
    rows = [
        ("Force", f"{r.force.name} ({r.force.region})"),
        ("Quarter", f"{r.quarter.label} ({r.quarter.months})"),
        ("Protective marking", r.marking),
        ("Audience", "Public" if r.audience == "public" else "Internal"),
        ("Data as of", r.as_of or "no tracker for this quarter"),
    ]
    cells = "".join(f"<div><dt>{esc(k)}</dt> <dd>{esc(v)}</dd></div>" for k, v in rows)
    return (
        f'<h1 id="top">{esc(r.framework.short_title)} progress: {esc(r.force.name)}, {esc(r.quarter.label)}</h1>'
        f'<dl class="identity">{cells}</dl>'
    )


def _status_var(status: str) -> str:
    return f"var(--status-{status.replace('_', '-')})"  # the page's palette (analysis.present.style.css_colours)


def status_mix(report: Report) -> str:
    """The status mix of the recommendations: counts in words and one stacked bar (colour never the only cue)."""
    label = report.framework.item_label.lower()
    if not report.has_tracker:
        return (
            f'<div class="status-mix"><h2 id="status-mix">Status of the {esc(label)}s</h2>'
            f'<p class="no-tracker"><strong>No tracker for {esc(report.quarter.label)} was received or published '
            "by the end of the quarter.</strong> "
            f"No {esc(label)} has a status this quarter.</p></div>"
        )
    s = report.summary
    counts = [(st, s.counts.get(st, 0)) for st in STATUS_ORDER if st != "not_applicable" and s.counts.get(st, 0)]
    total = sum(n for _, n in counts)
    segments = (
        "".join(
            f'<span class="seg" style="width:{100 * n / total:.2f}%;background:{_status_var(st)}"></span>'
            for st, n in counts
        )
        if total
        else ""
    )
    words = ", ".join(f"{n} {STATUS_LABELS[st].lower()}" for st, n in counts)
    legend = "".join(
        f'<li><span class="swatch" style="background:{_status_var(st)}"></span>{esc(STATUS_LABELS[st])} '
        f"<strong>{n}</strong></li>"
        for st, n in counts
    )
    covers = f"Counts cover the {s.applicable} applicable {label}s"
    if s.not_applicable:
        covers += f" ({s.not_applicable} not applicable to the force)"
    if report.audience == "public":
        covers += (
            f"; {s.withheld} withheld from this public version are not counted."
            if s.withheld
            else "; nothing is withheld from this public version."
        )
    else:
        covers += "."
    return (
        f'<div class="status-mix"><h2 id="status-mix">Status of the {esc(label)}s</h2>'
        f'<div class="statusbar" role="img" aria-label="{esc(f"Status of {s.applicable} applicable {label}s: {words}")}">'
        f'{segments}</div><ul class="legend">{legend}</ul><p class="covers">{esc(covers)}</p></div>'
    )


def _verdict(icons: dict, value, text: str | None) -> str:
    icon, words = icons.get(value, ("", ""))
    if not words:
        return ""
    title = f' title="{esc(text)}"' if text else ""
    return f'<li{title}><span class="icon" aria-hidden="true">{icon}</span> {esc(words)}</li>'


def measure_tile(section, coverage_kind: str | None = None) -> str:
    """One key measure on the first screen: latest value and period, comparator, process-behaviour verdicts."""
    from analysis.compute.measure_sections import format_value

    link = f'<a href="#measure-{esc(section.key_measure)}">{esc(section.title)}</a>'
    if not section.has_data or section.latest is None:
        return f'<li class="tile tile-empty"><h3>{link}</h3><p class="value-none">No data loaded</p></li>'
    if not math.isfinite(section.latest.value):  # loaded, but no figure can be given (a rate with no population)
        return (
            f'<li class="tile tile-empty"><h3>{link}</h3><p class="value-none">No figure can be given for this '
            f"force for {esc(section.latest.period_label)}: the section says why</p></li>"
        )
    latest = section.latest
    value = f'<p class="value">{esc(format_value(latest.value, latest.unit))}</p>'
    what = section.measure_title if section.measure_title and section.measure_title != section.title else ""
    # the tile says what kind of figure it is: a proxy is never shown as the review's own measure
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
    value = (f'<p class="what">{esc(what)}</p>' if what else "") + value
    period = f'<p class="period">{esc(latest.period_label)}</p>'
    spc = getattr(section, "spc", None)
    comparator = ""
    if spc is not None and getattr(spc, "comparator_label", None):
        comparator = spc.comparator_label
    elif section.comparisons:
        comp = section.comparisons[0]
        comparator = f"{comp.label} ({comp.period_label}): {format_value(comp.value, latest.unit)}"
    elif section.funnel is not None:
        comparator = f"{section.funnel.classification} the funnel limits around England and Wales"
    comp_html = f'<p class="comparator">vs {esc(comparator)}</p>' if comparator else ""
    if spc is None:
        verdicts = f'<p class="verdict none">{esc(NO_VERDICT)}</p>'
    else:
        items = _verdict(
            VARIATION_ICONS, getattr(spc, "variation", None), getattr(spc, "variation_text", None)
        ) + _verdict(ASSURANCE_ICONS, getattr(spc, "assurance", None), getattr(spc, "assurance_text", None))
        verdicts = f'<ul class="verdict">{items}</ul>' if items else f'<p class="verdict none">{esc(NO_VERDICT)}</p>'
    return f'<li class="tile"><h3>{link}</h3>{value}{period}{comp_html}{verdicts}</li>'


def what_changed(report: Report) -> list[str]:
    """At most three short lines on what changed since the force's previous snapshot."""
    label = report.framework.item_label.lower()
    if not report.has_tracker:
        prev = report.previous_quarter
        return [
            f"No tracker this quarter; the latest earlier tracker is for {prev.label}."
            if prev
            else "No tracker from this force was received or published by the end of the quarter."
        ]
    if report.changes is None:
        return ["This is the force's first tracker on record: there is nothing earlier to compare with."]
    from analysis.present.board_questions import moved_backwards

    ch = report.changes
    moved = ch[ch["moved"]]
    back = moved_backwards(ch)
    prev = report.previous_quarter.label
    labels = report.framework.item_label_plural.lower()
    lines = [
        f"Since {prev}: {narrative.plural(len(moved), label, labels)} changed status"
        + (f"; {len(back)} moved backwards." if back else "; none moved backwards." if len(moved) else ".")
    ]
    first = int(ch["first_assessed"].sum()) if "first_assessed" in ch else 0
    if first:  # a status given where the earlier snapshot had nothing to judge is not a change
        lines[0] += f" {narrative.plural(first, label, labels)} assessed for the first time."
    newly, removed = int(ch["newly_evidenced"].sum()), int(ch["evidence_removed"].sum())
    lines.append(
        f"{narrative.plural(newly, label, labels)} gained evidence"
        + (f"; evidence was removed from {removed}." if removed else ".")
    )
    return lines[:3]


def first_screen(report: Report) -> str:
    """Where the force stands in thirty seconds: status mix, a tile per key measure, what changed, questions."""
    from analysis.present.board_questions import questions

    changed = "".join(f"<li>{esc(line)}</li>" for line in what_changed(report))
    asked = questions(report)
    if asked:
        items = "".join(
            f"<li>{esc(q.text)}"
            + (
                " <span class='see'>See: "
                + " ".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for t, a in q.links)
                + "</span>"
                if q.links
                else ""
            )
            + "</li>"
            for q in asked
        )
        question_html = f'<ol class="questions">{items}</ol>'
    else:
        question_html = "<p>Nothing in this quarter's figures or tracker prompts a particular question.</p>"
    kinds = {c.key_measure: c.kind for c in coverage.key_measure_coverage(report.measures, narrative._data_dir(report))}
    tiles = "".join(measure_tile(m, kinds.get(m.key_measure)) for m in report.measures)
    tiles_html = (
        (
            f'<h2 id="tiles-heading" class="visually-hidden">Key measures at a glance</h2>'
            f'<ul class="tiles" aria-labelledby="tiles-heading">{tiles}</ul>'
        )
        if tiles
        else ""
    )
    return (
        '<section class="first-screen" aria-label="Where the force stands">'
        f'<div class="glance">{status_mix(report)}'
        f'<div class="changed"><h2 id="changed">What changed</h2><ul>{changed}</ul></div>'
        f'<div class="board"><h2 id="questions">Questions for the board</h2>{question_html}</div></div>'
        f"{tiles_html}</section>"
    )


def toc(report: Report, extra: list[tuple[str, str]] | None = None) -> str:
    label = report.framework.item_label
    entries = [("questions", "Questions for the board"), ("summary", "Executive summary")]
    entries += [("charts", "Charts")] if has_charts(report) else []
    entries += extra or []
    measures = "".join(f'<li><a href="#measure-{esc(m.key_measure)}">{esc(m.title)}</a></li>' for m in report.measures)
    if report.framework.has_key_measures:
        entries.append(("measures", "Key measures"))
    recs = "".join(
        f'<li><a href="#{anchor(rec.id)}">{esc(label)} {esc(rec.id)}: {esc(rec.title)}</a></li>'
        for rec in report.framework.recommendations
    )
    entries_html = "".join(
        f'<li><a href="#{esc(a)}">{esc(t)}</a>'
        + (f"<ol>{measures}</ol>" if a == "measures" and measures else "")
        + "</li>"
        for a, t in entries
    )
    return (
        '<nav class="toc" aria-label="Contents"><h2 id="contents">Contents</h2><ol>'
        f'{entries_html}<li><a href="#recommendations">{esc(report.framework.item_label_plural)}</a><ol>{recs}</ol></li>'
        '<li><a href="#sources">Sources and provenance</a></li></ol></nav>'
    )


def figure(fig, alt: str, caption: str | None = None) -> str:
    """Embed a matplotlib figure as a PNG data URI with alt text, then close it.

    Every figure is first made legible on a phone and on paper (larger text, wrapped labels) and cropped to
    what was drawn, so the larger text is never cut off (:func:`analysis.present.style.figure_png`)."""
    import matplotlib.pyplot as plt

    from analysis.present.style import FIGURE_DPI, figure_png, theme

    with theme():  # the theme's settings while drawing, without a global theme
        png, smallest_pt = figure_png(fig)
    plt.close(fig)
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    # the smallest text in image pixels: the browser test checks it stays legible at the width the image is shown
    text_px = smallest_pt * FIGURE_DPI / 72
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}" data-min-text-px="{text_px:.1f}">'
        f"{cap}</figure>"
    )


def recommendation_section(report: Report, rec_id: str) -> str:
    fw = report.framework
    rec = fw.item(rec_id)
    status_row = report.status.set_index("recommendation_id").loc[rec_id]
    parts = fw.parts_of(rec_id)
    out = [f'<section class="recommendation" aria-labelledby="{anchor(rec_id)}">']
    out.append(heading(f"{fw.item_label} {rec.id}: {rec.title}", anchor(rec_id), 3))
    if report.is_withheld(rec_id):
        out.append(f'<p class="asked"><strong>What the review asked:</strong> {esc(rec.summary)}</p>')
        out.append(f'<p class="withheld">{esc(WITHHELD_TEXT)}</p></section>')
        return "".join(out)
    out.append(f'<p class="status-line">Status: {badge(status_row["status"])}')
    hidden = getattr(report, "withheld_parts", {}).get(rec_id, 0)
    if hidden:  # the roll-up covers only what is shown; say so rather than misstate the whole
        out.append(
            f' <span class="note">This status covers the published tracker entries only: {hidden} '
            f"{'entry is' if hidden == 1 else 'entries are'} withheld from this public version.</span>"
        )
    if not rec.applies_beyond_met:
        out.append(f' <span class="note">{esc(fw.wording.not_applicable_note)} {esc(rec.applicability_note)}</span>')
    out.append("</p>")
    out.append(f'<p class="asked"><strong>{esc(fw.wording.asked_label)}:</strong> {esc(rec.summary)}</p>')
    if parts:
        items = "".join(f"<li><strong>{esc(p.id)}</strong> {esc(p.title)}</li>" for p in parts)
        out.append(f'<details class="parts"><summary>Sub-parts ({len(parts)})</summary><ul>{items}</ul></details>')
    rows = report.rows_for(rec_id)
    if report.has_tracker and len(rows):
        out.append(
            '<table class="entries"><thead><tr><th scope="col">Item</th><th scope="col">Status</th>'
            '<th scope="col">Owner</th><th scope="col">Evidence</th><th scope="col">Actions</th></tr></thead><tbody>'
        )
        for row in rows.itertuples(index=False):
            item = fw.item(row.recommendation_id)
            name = "Whole recommendation" if item.parent_id is None else f"{item.id} {item.title}"
            basis = narrative.status_basis_text(row.status_basis, getattr(row, "status_reason", ""))
            basis = f' <span class="basis">({esc(basis)})</span>' if basis else ""
            workstreams = (
                f'<p class="linked">Linked: {esc(row.linked_workstreams)}</p>' if row.linked_workstreams else ""
            )
            out.append(
                f"<tr><td data-label='Item'>{esc(name)}</td><td data-label='Status'>{badge(row.status)}{basis}</td>"
                f"<td data-label='Owner'>{esc(row.owner) or '<em>none recorded</em>'}</td>"
                f"<td data-label='Evidence'>{multiline(row.evidence) or BLANK}{workstreams}</td>"
                f"<td data-label='Actions'>{multiline(row.actions) or BLANK}</td></tr>"
            )
        out.append("</tbody></table>")
    elif report.has_tracker:
        out.append('<p class="blank-entry">The tracker has no entry for this recommendation.</p>')
    if report.has_tracker:
        out.append(f'<p class="change"><strong>Change:</strong> {esc(narrative.change_text(report, rec_id))}</p>')
    found = report.flags.get(rec_id, [])
    if found:
        out.append('<ul class="flags" aria-label="Flags">' + "".join(f"<li>⚑ {esc(f)}</li>" for f in found) + "</ul>")
    out.append("</section>")
    return "".join(out)


def recommendations(report: Report) -> str:
    """Every recommendation: a section each when there is a tracker, else one compact table (listed once)."""
    fw = report.framework
    out = [heading(fw.item_label_plural, "recommendations")]
    if report.has_tracker:
        return "".join(out + [recommendation_section(report, rec.id) for rec in fw.recommendations])
    out.append(
        f"<p>No tracker for {esc(report.quarter.label)} was received or published by the end of the quarter, so no "
        f"{esc(fw.item_label.lower())} "
        "has a status, owner or evidence this quarter. The table lists what the review asked.</p>"
    )
    rows = "".join(
        f'<tr id="{anchor(rec.id)}"><th scope="row">{esc(rec.id)}</th><td>{esc(rec.title)}</td>'
        f"<td>{esc(fw.section_title(rec.section_id))}</td>"
        f"<td>{'Yes' if rec.applies_beyond_met else 'Met, London or Government only'}</td></tr>"
        for rec in fw.recommendations
    )
    out.append(
        f'<table class="compact"><thead><tr><th scope="col">{esc(fw.item_label)}</th><th scope="col">Title</th>'
        f'<th scope="col">Section</th><th scope="col">Applies to forces</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    return "".join(out)


def provenance(report: Report, extra_inputs: list[dict] | None = None) -> str:
    params = "".join(
        f"<tr><th scope='row'>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in report.parameters.items()
    )
    files = "".join(
        f"<tr><td><code>{esc(i['file'])}</code></td><td><code>{esc(i['sha256'])}</code></td></tr>"
        for i in [*report.inputs, *(extra_inputs or [])]
    )
    snap = report.snapshot or {}
    source = ""
    if snap:
        source = (
            f"<p>Tracker source: {esc(for_reader(snap.get('document')))}. "
            f"Dated to {esc(report.quarter.label)} because: {esc(snap.get('dated_because') or 'the file is filed under that quarter')}</p>"
        )
    later = narrative.later_data_sentence(report.later)  # one line, no figure: what is held but left out
    return (
        heading("Sources and provenance", "sources")
        + (paragraphs([later]) if later else "")
        + source
        + f"<h3>Parameters</h3><table class='meta'>{params}</table>"
        + f"<h3>Data files used</h3><table class='files'><thead><tr><th scope='col'>File</th><th scope='col'>SHA-256</th></tr></thead><tbody>{files}</tbody></table>"
        + f"<p>Produced by the <code>analysis</code> package version {esc(report.package_version)}.</p>"
    )


def has_charts(report: Report) -> bool:
    return report.has_tracker or bool(report.history["quarter"].nunique())


def executive_summary(report: Report) -> str:
    return heading("Executive summary", "summary") + paragraphs(narrative.executive_summary(report))


def tracker_charts(report: Report) -> str:
    """The two tracker charts (status by section; status history), or a note when there is no tracker."""
    from analysis.core.periods import parse_quarter
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
        labels = {q: parse_quarter(q).label for q in report.history["quarter"].unique()}
        fig, alt = tracker_charts.chart_status_history(report.history, labels, report.force.name)
        out.append(figure(fig, alt, "Recommendation status in each of the force's tracker snapshots."))
    return "".join(out)


def key_measures(report: Report) -> str:
    """A section per Casey key measure: latest figure, comparisons, charts, sentences from the numbers."""
    from analysis.compute.measure_sections import format_value
    from analysis.present import measure_charts

    if not report.framework.has_key_measures:
        return ""
    out = [heading("Key measures", "measures")]
    if not report.measures:
        out.append(f"<p>{esc(report.measures_error or 'No key-measures data.')}</p>")
        return "".join(out)
    for section in report.measures:
        out.append(f'<section class="measure" aria-labelledby="measure-{esc(section.key_measure)}">')
        out.append(heading(section.title, f"measure-{section.key_measure}", 3))
        if not section.has_data:
            out.append(f'<p class="no-data">{esc(section.no_data_text)}</p></section>')
            continue
        if section.force_supplied:
            out.append('<p class="note">Figures supplied by the force in its own papers, not official statistics.</p>')
        out.append(
            paragraphs(
                section.sentences
                + [t for t in (narrative.proxy_note(report, section), narrative.series_text(report, section)) if t]
            )
        )
        if section.trend_text:
            out.append(f'<p class="trend"><strong>Trend:</strong> {esc(section.trend_text)}</p>')
        for fig, alt in measure_charts.draw_section(section):
            out.append(figure(fig, alt))
        spc_summary = getattr(section, "spc", None)
        if spc_summary is not None:
            out.append(
                f'<p class="note"><strong>How change is judged:</strong> {esc(spc_summary.method_text)} '
                "Points are marked when they meet a special-cause rule (NHS England's Making Data Count).</p>"
            )
        if section.extra:
            rows = "".join(
                f"<tr><td>{esc(e['title'])}</td><td>{esc(format_value(e['value'], e['unit']))}</td>"
                f"<td>{esc(e['period_label'])}</td><td>{esc(for_reader(e['source']))}</td></tr>"
                for e in section.extra
            )
            out.append(
                "<details><summary>Other figures for this measure</summary><table class='extra'><thead><tr>"
                "<th scope='col'>Measure</th><th scope='col'>Value</th><th scope='col'>Period</th><th scope='col'>Source</th>"
                f"</tr></thead><tbody>{rows}</tbody></table></details>"
            )
        if section.official_source and not section.force_supplied:  # force-supplied sentences already name it
            out.append(f'<p class="source">Official source: {esc(for_reader(section.official_source))}</p>')
        out.append("</section>")
    return "".join(out)
