"""HTML fragments for the report notebook. Every string that comes from data is escaped here.

Tracker evidence, owners and actions come from many hands and are untrusted: they are
passed through ``esc`` before they touch markup, and nothing from data is ever treated as
Markdown (a ``[link](javascript:...)`` stays visible text).
"""

from __future__ import annotations

import base64
import io
import re

from analysis.compute.claims import CLAIMS_MIMETYPE
from analysis.present import narrative
from analysis.present.htmltext import esc
from analysis.compute.report_model import Report
from analysis.present.style import PIECE_CLASS, STATUS_LABELS, notebook_css

META_MIMETYPE = "application/vnd.casey.report+json"
BLANK = '<em class="blank">blank</em>'


def multiline(value) -> str:
    return "<br>".join(esc(line) for line in str(value or "").splitlines()) or ""


def anchor(rec_id: str) -> str:
    return "rec-" + "".join(ch if ch.isalnum() else "-" for ch in str(rec_id))


def badge(status: str) -> str:
    return f'<span class="badge badge-{esc(status)}">{esc(STATUS_LABELS.get(status, status))}</span>'


def heading(text: str, anchor_id: str, level: int = 2) -> str:
    return f'<h{level} id="{esc(anchor_id)}">{esc(text)}</h{level}>'


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{esc(t)}</p>" for t in texts)


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
    strip = (f'<div class="{PIECE_CLASS}"><p class="casey-marking marking-{esc(marking.lower())}">'
             f'<strong>{esc(marking)}</strong> <span>{esc(meta.get("title", ""))} · {audience}</span></p></div>')
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
    }
    ledger = narrative.report_claims(report).to_dict({k: meta[k] for k in ("force_id", "quarter", "audience")})
    publish(meta, {CLAIMS_MIMETYPE: ledger})


def header(report: Report) -> str:
    r = report
    rows = [
        ("Force", f"{r.force.name} ({r.force.pfa_code}, {r.force.region})"),
        ("Quarter", f"{r.quarter.label} ({r.quarter.months})"),
        ("Framework", r.framework.title),
        ("Protective marking", r.marking),
        ("Audience", "Public" if r.audience == "public" else "Internal"),
        ("Data as of", r.as_of or "no tracker for this quarter"),
        ("Generated", r.generated_at),
    ]
    cells = "".join(f"<tr><th scope='row'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return (
        f'<h1 id="top">{esc(r.framework.short_title)} progress report: {esc(r.force.name)}, {esc(r.quarter.label)}</h1>'
        f'<table class="meta">{cells}</table>'
    )


def toc(report: Report, extra: list[tuple[str, str]] | None = None) -> str:
    label = report.framework.item_label
    entries = [("summary", "Executive summary"), ("charts", "Charts")]
    entries += extra or []
    measures = "".join(f'<li><a href="#measure-{esc(m.key_measure)}">{esc(m.title)}</a></li>' for m in report.measures)
    if report.framework.has_key_measures:
        entries.append(("measures", "Key measures"))
    recs = "".join(
        f'<li><a href="#{anchor(rec.id)}">{esc(label)} {esc(rec.id)}: {esc(rec.title)}</a></li>'
        for rec in report.framework.recommendations
    )
    entries_html = "".join(
        f'<li><a href="#{esc(a)}">{esc(t)}</a>' + (f"<ol>{measures}</ol>" if a == "measures" and measures else "") + "</li>"
        for a, t in entries
    )
    return (
        '<nav class="toc" aria-label="Contents"><h2 id="contents">Contents</h2><ol>'
        f'{entries_html}<li><a href="#recommendations">{esc(report.framework.item_label_plural)}</a><ol>{recs}</ol></li>'
        '<li><a href="#sources">Sources and provenance</a></li></ol></nav>'
    )


def figure(fig, alt: str, caption: str | None = None) -> str:
    """Embed a matplotlib figure as a PNG data URI with alt text, then close it.

    A figure laid out by hand (:func:`analysis.present.measure_charts.has_fixed_layout`) is saved as it
    is; any other with a tight bounding box, so nothing is cut off."""
    import matplotlib.pyplot as plt
    from matplotlib.transforms import Bbox

    from analysis.present.measure_charts import has_fixed_layout
    from analysis.present.style import theme

    buffer = io.BytesIO()
    with theme():  # the theme's savefig settings (tight bounding box), without a global theme
        if has_fixed_layout(fig):
            fig.savefig(buffer, format="png", bbox_inches=Bbox.from_bounds(0, 0, *fig.get_size_inches()))
        else:
            fig.savefig(buffer, format="png")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">{cap}</figure>'


def recommendation_section(report: Report, rec_id: str) -> str:
    fw = report.framework
    rec = fw.item(rec_id)
    status_row = report.status.set_index("recommendation_id").loc[rec_id]
    parts = fw.parts_of(rec_id)
    out = [f'<section class="recommendation" aria-labelledby="{anchor(rec_id)}">']
    out.append(heading(f"{fw.item_label} {rec.id}: {rec.title}", anchor(rec_id), 3))
    out.append(f'<p class="status-line">Status: {badge(status_row["status"])}')
    hidden = getattr(report, "withheld_parts", {}).get(rec_id, 0)
    if hidden:  # the roll-up covers only what is shown; say so rather than misstate the whole
        out.append(f' <span class="note">This status covers the published tracker entries only: {hidden} '
                   f'{"entry is" if hidden == 1 else "entries are"} withheld from this public version.</span>')
    if not rec.applies_beyond_met:
        out.append(f' <span class="note">{esc(fw.wording.not_applicable_note)} {esc(rec.applicability_note)}</span>')
    out.append("</p>")
    out.append(f'<p class="asked"><strong>{esc(fw.wording.asked_label)}:</strong> {esc(rec.summary)}</p>')
    if parts:
        items = "".join(f"<li><strong>{esc(p.id)}</strong> {esc(p.title)}</li>" for p in parts)
        out.append(f'<details class="parts"><summary>Sub-parts ({len(parts)})</summary><ul>{items}</ul></details>')
    rows = report.rows_for(rec_id)
    if report.has_tracker and len(rows):
        out.append('<table class="entries"><thead><tr><th scope="col">Item</th><th scope="col">Status</th>'
                   '<th scope="col">Owner</th><th scope="col">Evidence</th><th scope="col">Actions</th></tr></thead><tbody>')
        for row in rows.itertuples(index=False):
            item = fw.item(row.recommendation_id)
            name = "Whole recommendation" if item.parent_id is None else f"{item.id} {item.title}"
            basis = narrative.status_basis_text(row.status_basis, getattr(row, "status_reason", ""))
            basis = f' <span class="basis">({esc(basis)})</span>' if basis else ""
            workstreams = f'<p class="linked">Linked: {esc(row.linked_workstreams)}</p>' if row.linked_workstreams else ""
            out.append(
                f"<tr><td data-label='Item'>{esc(name)}</td><td data-label='Status'>{badge(row.status)}{basis}</td>"
                f"<td data-label='Owner'>{esc(row.owner) or '<em>none recorded</em>'}</td>"
                f"<td data-label='Evidence'>{multiline(row.evidence) or BLANK}{workstreams}</td>"
                f"<td data-label='Actions'>{multiline(row.actions) or BLANK}</td></tr>"
            )
        out.append("</tbody></table>")
    elif report.has_tracker:
        out.append('<p class="blank-entry">The tracker has no entry for this recommendation.</p>')
    out.append(f'<p class="change"><strong>Change:</strong> {esc(narrative.change_text(report, rec_id))}</p>')
    found = report.flags.get(rec_id, [])
    if found:
        out.append('<ul class="flags" aria-label="Flags">' + "".join(f"<li>⚑ {esc(f)}</li>" for f in found) + "</ul>")
    out.append("</section>")
    return "".join(out)


def provenance(report: Report, extra_inputs: list[dict] | None = None) -> str:
    params = "".join(f"<tr><th scope='row'>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in report.parameters.items())
    files = "".join(
        f"<tr><td><code>{esc(i['file'])}</code></td><td><code>{esc(i['sha256'])}</code></td></tr>"
        for i in [*report.inputs, *(extra_inputs or [])]
    )
    snap = report.snapshot or {}
    source = ""
    if snap:
        source = (
            f"<p>Tracker source: {esc(snap.get('document'))}. "
            f"Dated to {esc(report.quarter.label)} because: {esc(snap.get('dated_because') or 'the file is filed under that quarter')}</p>"
        )
    return (
        heading("Sources and provenance", "sources")
        + source
        + f"<h3>Parameters</h3><table class='meta'>{params}</table>"
        + f"<h3>Data files used</h3><table class='files'><thead><tr><th scope='col'>File</th><th scope='col'>SHA-256</th></tr></thead><tbody>{files}</tbody></table>"
        + f"<p>Produced by the <code>analysis</code> package version {esc(report.package_version)}.</p>"
    )


def tracker_charts(report: Report) -> str:
    """The two tracker charts (status by section; status history), or a note when there is no tracker."""
    from analysis.present import tracker_charts
    from analysis.core.periods import parse_quarter

    out = [heading("Charts", "charts")]
    if not report.has_tracker:
        out.append("<p>No tracker was submitted for this quarter, so there is no status chart.</p>")
    else:
        labels = report.framework.section_labels(report.force.id)  # neutral names unless the review's own force
        table = report.status.assign(section=report.status["section_id"].map(labels))
        fig, alt = tracker_charts.chart_status_by_section(table, list(labels.values()), report.force.name,
                                                          report.quarter.label)
        out.append(figure(fig, alt, "Recommendation status by section of the review."))
    if report.history["quarter"].nunique():
        labels = {q: parse_quarter(q).label for q in report.history["quarter"].unique()}
        fig, alt = tracker_charts.chart_status_history(report.history, labels, report.force.name)
        out.append(figure(fig, alt, "Recommendation status in each of the force's tracker snapshots."))
    return "".join(out)


def key_measures(report: Report) -> str:
    """A section per Casey key measure: latest figure, comparisons, charts, sentences from the numbers."""
    from analysis.present import measure_charts
    from analysis.compute.measure_sections import format_value

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
        out.append(paragraphs(section.sentences + [t for t in (narrative.proxy_note(report, section),
                                                                narrative.series_text(report, section)) if t]))
        if section.trend_text:
            out.append(f'<p class="trend"><strong>Trend:</strong> {esc(section.trend_text)}</p>')
        for fig, alt in measure_charts.draw_section(section):
            out.append(figure(fig, alt))
        spc_summary = getattr(section, "spc", None)
        if spc_summary is not None:
            out.append(f'<p class="note"><strong>How change is judged:</strong> {esc(spc_summary.method_text)} '
                       "Points are marked when they meet a special-cause rule (NHS England's Making Data Count).</p>")
        if section.extra:
            rows = "".join(
                f"<tr><td>{esc(e['title'])}</td><td>{esc(format_value(e['value'], e['unit']))}</td>"
                f"<td>{esc(e['period_label'])}</td><td>{esc(e['source'])}</td></tr>"
                for e in section.extra
            )
            out.append(
                "<details><summary>Other figures for this measure</summary><table class='extra'><thead><tr>"
                "<th scope='col'>Measure</th><th scope='col'>Value</th><th scope='col'>Period</th><th scope='col'>Source</th>"
                f"</tr></thead><tbody>{rows}</tbody></table></details>"
            )
        if section.official_source and not section.force_supplied:  # force-supplied sentences already name it
            out.append(f'<p class="source">Official source: {esc(section.official_source)}</p>')
        out.append("</section>")
    return "".join(out)
