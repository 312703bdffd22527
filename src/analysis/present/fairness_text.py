"""The trust and confidence section of a force page (recommendation 16.i): the stop and search fairness
indicator, the force's other trust figures and the national survey context, each sentence and table row
rendered from a :class:`~analysis.compute.claims.Claim` (issue 18, part "fair").

The national survey sentence is written here from ``section.national_context`` (numbers only).
TODO(fair): the stop and search sentences are still written in ``compute.measure_sections.stop_search_fairness``
(and the force's own figures' in ``_generic_section``, body's); here each is rendered as a claim with its
known-at date, source file, rows and window. Moving that wording here is what is left.
"""

from __future__ import annotations

import re

from analysis.compute import disparity
from analysis.compute.claims import ClaimLedger
from analysis.core import settings
from analysis.present.claim_markup import claimed
from analysis.present.htmltext import esc

KEY = "trust-confidence"
# as fragments.for_reader (kept here so this module does not import fragments, which imports it)
_INTERNAL_LABELS = re.compile(r"\s*\(seed \d+\)")


def for_reader(text) -> str:
    return _INTERNAL_LABELS.sub("", str(text or ""))


def heading(text: str, anchor_id: str, level: int = 3) -> str:
    return f'<h{level} id="{esc(anchor_id)}">{esc(text)}</h{level}>'


STOP_SEARCH_FILE = "raw/measures/stop-search/"


def is_fairness(section) -> bool:
    return section.key_measure == KEY


def _stop_search_fields(section) -> dict:
    """Where the fairness indicator's figures come from and when they became known."""
    latest = section.latest
    if latest is None:
        return {"method": "no year of stop and search data published by the end of the quarter"}
    known = disparity.available_from(latest.period, settings.STOP_SEARCH_PUBLICATION_LAG_MONTHS)
    return {
        "known_at": known.isoformat(),
        "source_file": STOP_SEARCH_FILE,
        "source_rows": (f"force_id={section_force(section)}", f"period={latest.period}"),
        "window": latest.period_label,
        "method": "Black/White stop and search rate ratio, Katz interval; a proxy for fairness, not trust",
    }


def section_force(section) -> str:
    kwargs = section.figure_kwargs or {}
    return str(kwargs.get("force_id", ""))


def csew_sentence(context: list[dict], name: str) -> str:
    figures = "; ".join(f"{c['title']} {c['value']:.1f}% ({c['period_label']})" for c in context)
    return (
        f"National context from the Crime Survey for England and Wales, adults in England and Wales as a whole, "
        f"not {name}: {figures}. The survey figure is not broken down by force here, so it cannot show whether "
        f"trust in {name} differs from the national figure, nor the gap between Black people and the population "
        f"as a whole that the review asks about; the stop and search ratio above is a proxy for fairness, not "
        f"a measure of trust."
    )


def _csew_markup(report, section, ledger) -> str:
    """The England and Wales survey figures known by the quarter's end, said to be national, not the force's."""
    context = section.national_context
    if not context:
        return ""
    text = csew_sentence(context, report.force.name)
    return claimed(
        "p",
        "fairness.csew_context",
        esc(text),
        ledger,
        value={c["series"]: c["value"] for c in context},
        known_at=max(c["known_at"] for c in context),
        source_file=f"raw/measures/{context[0]['source_file']}",
        source_rows=tuple(c["source_rows"] for c in context),
        window="; ".join(sorted({c["period_label"] for c in context})),
        method="England and Wales survey figure (CSEW), not the force's; latest survey year known by the quarter's end",
    )


def _sentences(report, section, ledger) -> str:
    own = next((e for e in section.extra if "sentences_from" in e), None)  # the force's own trust figures
    out = []
    split = own["sentences_from"] if own is not None else len(section.sentences)
    for i, text in enumerate(section.sentences):
        if i == split:
            out.append(_csew_markup(report, section, ledger))
        if own is not None and i >= own["sentences_from"]:
            fields = _observation_fields(report, own)
        else:
            fields = _stop_search_fields(section)
        out.append(claimed("p", f"fairness.sentence.{i}", esc(for_reader(text)), ledger, value=text, **fields))
    if split == len(section.sentences):
        out.append(_csew_markup(report, section, ledger))
    return "".join(out)


def _observation_fields(report, e: dict) -> dict:
    """Known-at date, source file and row of a force-supplied or official other figure, from the observations."""
    from analysis.compute.measures import observations

    source = report.framework.source_file
    obs = observations(
        source.parents[2] if source is not None else None, as_at=report.quarter, audience=report.audience
    )
    row = obs[
        (obs["force_id"] == report.force.id) & (obs["measure_id"] == e["measure_id"]) & (obs["period"] == e["period"])
    ]
    fields = {"window": e["period_label"], "method": f"latest figure loaded ({e['source']})"}
    if not row.empty:
        r = row.iloc[-1]
        fields["known_at"] = str(r.get("known_at", "") or "")
        fields["source_file"] = "processed/measures/observations.csv"
        fields["source_rows"] = (
            f"force_id={report.force.id}",
            f"measure_id={e['measure_id']}",
            f"period={e['period']}",
        )
    return fields


def _extra_row(report, e: dict, section, ledger) -> str:
    from analysis.compute.measure_sections import format_value

    cells = "".join(
        f"<td>{esc(t)}</td>"
        for t in (e["title"], format_value(e["value"], e["unit"]), e["period_label"], for_reader(e["source"]))
    )
    stop_search = e["measure_id"].startswith("stop_search")
    fields = _stop_search_fields(section) if stop_search else _observation_fields(report, e)
    return claimed("tr", f"fairness.extra.{e['measure_id']}", cells, ledger, value=e["value"], **fields)


def _extras(report, section, ledger) -> str:
    if not section.extra:
        return ""
    rows = "".join(_extra_row(report, e, section, ledger) for e in section.extra)
    return (
        "<details><summary>Other figures for this measure</summary><table class='extra'><thead><tr>"
        "<th scope='col'>Measure</th><th scope='col'>Value</th><th scope='col'>Period</th><th scope='col'>Source</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></details>"
    )


def section_markup(report, section, ledger: ClaimLedger | None = None, draw=None) -> str:
    """The whole ``<section class="measure">`` for the trust and confidence key measure. ``draw(section)``
    gives the charts' markup (fragments passes its figure drawer); charts carry no claims (their alt text is
    an attribute), so the ledger pass does not draw them."""
    out = [f'<section class="measure" aria-labelledby="measure-{esc(section.key_measure)}">']
    out.append(heading(section.title, f"measure-{section.key_measure}", 3))
    if not section.has_data:
        text = section.no_data_text
        out.append(
            claimed(
                "p",
                "fairness.no_data",
                esc(text),
                ledger,
                value=None,
                attrs=' class="no-data"',
                method="no stop and search year published by the end of the quarter",
            )
        )
        return "".join(out) + "</section>"
    out.append(_sentences(report, section, ledger))
    out.append(draw(section) if draw is not None and ledger is None else "")
    out.append(_extras(report, section, ledger))
    if section.official_source:
        line = f"Official source: {esc(for_reader(section.official_source))}"
        out.append(
            claimed(
                "p",
                "fairness.official_source",
                line,
                ledger,
                value=None,
                attrs=' class="source"',
                method="the official publication named in the measures registry",
            )
        )
    out.append("</section>")
    return "".join(out)
