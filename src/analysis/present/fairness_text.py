"""The trust and confidence section of a force page (recommendation 16.i): the stop and search fairness
indicator, the force's other trust figures and the national survey context, each sentence and table row
rendered from a :class:`~analysis.compute.claims.Claim` (issue 18, part "fair").

Every sentence is written here from numbers: the stop and search sentences from ``section.stop_search``
(:class:`analysis.compute.measure_sections.StopSearchFigures`), the national survey sentence from
``section.national_context``; the force's own trust figures that follow (``section.own``) are worded by
:func:`analysis.present.measure_text.paragraph`. Each is rendered as a claim with its known-at date, source
file, rows and window. The words "statistically significant" and "closer to 1" come from
:mod:`analysis.compute.direction`.
"""

from __future__ import annotations

import math
import re

from analysis.compute import direction as dn
from analysis.compute import disparity
from analysis.compute.claims import ClaimLedger
from analysis.core import settings
from analysis.core.periods import Quarter
from analysis.present import templating
from analysis.present.claim_markup import claimed
from analysis.present.templating import Markup

KEY = "trust-confidence"
# as fragments.for_reader (kept here so this module does not import fragments, which imports it)
_INTERNAL_LABELS = re.compile(r"\s*\(seed \d+\)")


def for_reader(text) -> str:
    return _INTERNAL_LABELS.sub("", str(text or ""))


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
        text,
        ledger,
        value={c["series"]: c["value"] for c in context},
        known_at=max(c["known_at"] for c in context),
        source_file=f"raw/measures/{context[0]['source_file']}",
        source_rows=tuple(c["source_rows"] for c in context),
        window="; ".join(sorted({c["period_label"] for c in context})),
        method="England and Wales survey figure (CSEW), not the force's; latest survey year known by the quarter's end",
    )


# --------------------------------------------------------------------------- the stop and search sentences
FAIRNESS_LABEL = "Fairness indicator"


def intro(name: str) -> str:
    return (
        f"{FAIRNESS_LABEL}, not the review's own measure. The review asks for a smaller gap in trust between "
        f"Black people and the population as a whole; that is a survey measure (the Crime Survey for England "
        f"and Wales) with no figure for {name} loaded here. The official figure that exists for every force "
        f"is the stop and search disparity between Black and White residents, shown here as a "
        f"{FAIRNESS_LABEL.lower()}."
    )


def no_data_text(section, quarter: Quarter) -> str:
    """The line a trust section with no figure shows (no stop and search year published by the quarter's end)."""
    from analysis.present import measure_text

    if section.kind != "stop_search":
        return measure_text.no_data_text(section, quarter)
    name = section.force_name
    return (
        f"{intro(name)} The stop and search data loaded here has no year for {name} ending on or "
        f"before {quarter.label}; it is published in {section.official_source}."
    )


def unrecorded_sentence(figures, name: str) -> str:
    row, nat, year = figures.year, figures.national, figures.year.period_label
    if math.isfinite(row.unknown_share):
        text = (
            f"The ethnicity of {row.unknown_share:.1f}% of {name}'s {int(row.all_searches):,} "
            f"searches in {year} was not recorded ({int(row.unknown_searches):,}); those searches are in "
            f"neither rate, which limits any comparison"
        )
    else:
        text = (
            f"The data loaded does not give the number of {name}'s searches in {year} whose ethnicity was "
            f"not recorded, so how far that limits the comparison cannot be said"
        )
    if nat is not None and math.isfinite(nat.unknown_share):
        text += f" (England and Wales: {nat.unknown_share:.1f}% not recorded)"
    return text + "."


def no_ratio_sentence(row, name: str) -> str:
    """A year with no ratio (no resident rate, or no searches of one group): the counts, and why."""
    counts = ""
    if math.isfinite(row.black_searches) and math.isfinite(row.white_searches):
        counts = (
            f" In {row.period_label} {name} recorded {int(row.black_searches):,} searches of people who described "
            f"themselves as Black and {int(row.white_searches):,} of people who described themselves as "
            f"White."
        )
    return f"{row.note}{counts} No Black/White rate ratio can be given."


def rates_sentence(row, name: str) -> str:
    return (
        f"In {row.period_label} {name} stop-searched {row.black_rate:.1f} in every 1,000 Black residents and "
        f"{row.white_rate:.1f} in every 1,000 White residents (Census {row.census_year} populations): "
        f"Black residents were searched at {row.ratio:.2f} times the rate of White residents (95% confidence "
        f"interval {row.lower:.2f} to {row.upper:.2f}; 1 would mean the same rate)."
    )


def national_sentences(figures, name: str) -> list[str]:
    """The England and Wales ratio against the force's interval, and the funnel position."""
    row, nat = figures.year, figures.national
    if nat is None or not math.isfinite(nat.ratio):
        return []
    if row.lower > nat.ratio:
        where = f"{name}'s whole interval is above the England and Wales ratio"
    elif row.upper < nat.ratio:
        where = f"{name}'s whole interval is below the England and Wales ratio"
    else:
        where = f"{name}'s interval includes the England and Wales ratio"
    out = [
        f"Across England and Wales (the 43 territorial forces) the ratio was {nat.ratio:.2f} "
        f"({nat.lower:.2f} to {nat.upper:.2f}); {where}."
    ]
    if figures.funnel:
        place = figures.funnel
        words = (
            "inside the funnel limits"
            if place == "within"
            else f"{place.split()[0]} the {place.split()[1]} funnel limit"
        )
        out.append(f"Against limits widened for the variation between forces (the funnel plot), {name} is {words}.")
    return out


def previous_year_sentence(figures) -> str:
    """The force's previous year with a ratio, and whether the change is statistically significant."""
    row, prev = figures.year, figures.previous
    if prev is None:
        return ""
    sig = dn.significance_words(figures.previous_significant)
    if prev.census_year != row.census_year:
        sig += f" (the {prev.period_label} rates use Census {prev.census_year} populations)"
    side = dn.parity_distance_words(row.ratio, prev.ratio)
    return f"In {prev.period_label} the ratio was {prev.ratio:.2f}; {row.period_label} is {side}, {sig}."


def stop_search_sentences(section, quarter: Quarter) -> list[str]:
    """The fairness indicator's sentences, in page order ([] when there is no stop and search year)."""
    figures, name = section.stop_search, section.force_name
    if not section.has_data or figures is None:
        return []
    # "of the years loaded here": the bundled series ends with 2022/23, and later years were published before
    # the latest quarters; "the latest year published" alone would deny that
    latest_note = (
        f"Of the years loaded here, the latest published by the end of {quarter.label}: "
        f"{figures.year.period_label} (financial year, April to March)."
    )
    head = [intro(name), latest_note]
    if not math.isfinite(figures.year.ratio):
        return [*head, no_ratio_sentence(figures.year, name), unrecorded_sentence(figures, name)]
    previous = previous_year_sentence(figures)
    return [
        *head,
        rates_sentence(figures.year, name),
        *national_sentences(figures, name),
        *([previous] if previous else []),
        unrecorded_sentence(figures, name),
        "The rates count searches, not people, and set them against the people who live in the area, "
        "not those who were there when searched.",
    ]


def paragraph(section, quarter: Quarter) -> tuple[list[str], int]:
    """The trust section's sentences and where the force's own figures' begin (the survey context goes there)."""
    from analysis.present import measure_text

    if section.kind != "stop_search":  # no fairness indicator in the registry: the force's own figures alone
        texts = measure_text.paragraph(section, quarter)
        return texts, len(texts)
    texts = stop_search_sentences(section, quarter)
    own = measure_text.paragraph(section.own, quarter) if section.own is not None else []
    return texts + own, len(texts)


def _sentences(report, section, ledger) -> list:
    own = next((e for e in section.extra if e.get("own_lead")), None)  # the force's own trust figures
    texts, split = paragraph(section, report.quarter)
    out = []
    for i, text in enumerate(texts):
        if i == split:
            out.append(_csew_markup(report, section, ledger))
        if own is not None and i >= split:
            fields = _observation_fields(report, own)
        else:
            fields = _stop_search_fields(section)
        out.append(claimed("p", f"fairness.sentence.{i}", for_reader(text), ledger, value=text, **fields))
    if split == len(texts):
        out.append(_csew_markup(report, section, ledger))
    return out


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

    values = (e["title"], format_value(e["value"], e["unit"]), e["period_label"], for_reader(e["source"]))
    cells = templating.macro("cells")(values, "")
    stop_search = e["measure_id"].startswith("stop_search")
    fields = _stop_search_fields(section) if stop_search else _observation_fields(report, e)
    return claimed("tr", f"fairness.extra.{e['measure_id']}", cells, ledger, value=e["value"], **fields)


def _extras(report, section, ledger) -> str:
    if not section.extra:
        return ""
    rows = [_extra_row(report, e, section, ledger) for e in section.extra]
    return templating.render("extra_figures.html.j2", rows=rows)


def section_markup(report, section, ledger: ClaimLedger | None = None, draw=None) -> Markup:
    """The whole ``<section class="measure">`` for the trust and confidence key measure. ``draw(section)``
    gives the charts' markup (fragments passes its figure drawer); charts carry no claims (their alt text is
    an attribute), so the ledger pass does not draw them."""
    if not section.has_data:
        lines = [
            claimed(
                "p",
                "fairness.no_data",
                no_data_text(section, report.quarter),
                ledger,
                value=None,
                attrs=' class="no-data"',
                method="no stop and search year published by the end of the quarter",
            )
        ]
    else:
        lines = _sentences(report, section, ledger)
        lines += draw(section) if draw is not None and ledger is None else []
        lines.append(_extras(report, section, ledger))
    if section.has_data and section.official_source:
        lines.append(
            claimed(
                "p",
                "fairness.official_source",
                f"Official source: {for_reader(section.official_source)}",
                ledger,
                value=None,
                attrs=' class="source"',
                method="the official publication named in the measures registry",
            )
        )
    return templating.render("measure_section.html.j2", key=section.key_measure, title=section.title, lines=lines)
