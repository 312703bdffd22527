"""The first screen's measure tiles, in plain words, each line from a claim (issue 18, classes 4, 5 and 10).

:func:`tile_lines` turns a key-measure section's numbers (latest figure, period, comparator, process-behaviour
verdicts, the meaning rules' results) and the facts behind its figure
(:class:`analysis.compute.measure_facts.FigureFacts`) into the tile's lines; ``fragments.measure_tile`` renders
each with ``claim_markup.claimed``. The verdict words come from :mod:`analysis.compute.direction`
(``plain_variation_words``, ``plain_assurance_words``, ``reading_tile_words`` via ``assurance_words``), never
the SPC terms, which stay in the section body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.compute import direction as dn
from analysis.compute.spc import MIN_POINTS
from analysis.core.settings import STALE_MEASURE_MONTHS

# the icon beside each verdict (never alone: the words are always there)
VARIATION_ICONS = {
    "common_cause": "●",
    "special_cause_improving": "▲",
    "special_cause_concerning": "▼",
    "special_cause_neutral": "◆",
}
ASSURANCE_ICONS = {"consistently_passes": "✔", "consistently_fails": "✖", "hit_and_miss": "≈"}


@dataclass(frozen=True)
class TileLine:
    part: str  # what, value, period, comparator, stale, incomplete, variation, assurance, verdict
    claim_id: str
    words: str
    fields: dict = field(default_factory=dict)  # the Claim's other fields
    icon: str = ""


def comparator_name(label: str) -> str:
    """'the England and Wales rate for 2023/24 Q3 (7.6%)' -> 'the England and Wales rate'."""
    return label.split(" for ")[0].split(" (")[0] if label else "the comparator"


def month_year(day) -> str:
    return f"{day:%B %Y}"


def stale_words(facts) -> str:
    """'Old figure: its period ended March 2023, 15 months before this quarter's end' (class 4). A figure that
    states no period, only the day a paper reported it, says so: its period may have ended earlier."""
    when = "reported in" if facts.period_type == "reported_at" else "its period ended"
    return (
        f"Old figure: {when} {month_year(facts.period_end)}, {facts.staleness.months} months before this quarter's end"
    )


INCOMPLETE_WORDS = "Recent quarters still incomplete: counted by when the crime was recorded, still filling in"


def _common(section, facts) -> dict:
    if facts is None:
        return {"window": str(section.latest.period)}
    return {
        "window": str(section.latest.period),
        "source_file": facts.source_file,
        "source_rows": facts.source_rows,
        "known_at": facts.known_at,
    }


def _comparator_line(section, fmt, common) -> TileLine | None:
    key, spc = section.key_measure, section.spc
    if spc is not None and spc.comparator_label:
        value = None if spc.comparator is None else round(float(spc.comparator * spc.scale), 4)
        return TileLine(
            "comparator",
            f"tile.{key}.comparator",
            f"vs {spc.comparator_label}",
            {**common, "value": value, "method": "the comparator of the process-behaviour chart"},
        )
    if section.comparisons:
        comp = section.comparisons[0]
        return TileLine(
            "comparator",
            f"tile.{key}.comparator",
            f"vs {comp.label} ({comp.period_label}): {fmt(comp.value, section.latest.unit)}",
            {**common, "value": round(float(comp.value), 4), "comparator": comp.label, "method": comp.method},
        )
    if section.funnel is not None:
        where = section.funnel.classification
        side, _, level = where.partition(" ")
        words = "Inside the" if where == "within" else f"{side.capitalize()} the {level}"
        return TileLine(
            "comparator",
            f"tile.{key}.comparator",
            f"{words} range expected around the England and Wales rate",
            {**common, "value": where, "comparator": round(section.funnel.target, 4), "rule": "funnel"},
        )
    return None


def _verdict_lines(section, facts, common) -> list[TileLine]:
    key, spc = section.key_measure, section.spc
    if spc is None:
        few = facts is not None and facts.points is not None and facts.points < MIN_POINTS
        words = dn.TOO_FEW_WORDS if few else dn.NOT_JUDGED_WORDS
        return [
            TileLine(
                "verdict",
                f"tile.{key}.verdict",
                words,
                {
                    **common,
                    "value": None if facts is None else facts.points,
                    "comparator": MIN_POINTS,
                    "method": "periods of the series known by the quarter's end, against the points a "
                    "process-behaviour chart needs",
                    "rule": "spc.too_few_points" if few else "spc.not_charted",
                },
            )
        ]
    high = None
    if spc.variation == "special_cause_neutral" and spc.chart is not None:
        label = str(spc.chart.points["special_cause_type"].iloc[-1])
        high = "Above" in label or "Increasing" in label
    lines = [
        TileLine(
            "variation",
            f"tile.{key}.variation",
            dn.plain_variation_words(spc.variation, spc.measure_direction, high),
            {**common, "value": spc.variation, "method": spc.method_text, "rule": f"spc.variation:{spc.variation}"},
            VARIATION_ICONS.get(spc.variation, ""),
        )
    ]
    chart_direction = spc.chart.direction if spc.chart is not None else ""
    latest_changed = spc.assurance_before_change  # decided once, where the body's caveat is written
    words = spc.assurance_words or dn.plain_assurance_words(
        spc.assurance, chart_direction, comparator_name(spc.comparator_label), latest_changed
    )
    if words:
        rule = spc.assurance_rule or spc.assurance
        lines.append(
            TileLine(
                "assurance",
                f"tile.{key}.assurance",
                words,
                {
                    **common,
                    "value": spc.assurance,
                    "comparator": None if spc.comparator is None else round(float(spc.comparator * spc.scale), 4),
                    "method": spc.method_text,
                    "rule": f"meaning.measures.assurance_reading:{rule}",
                },
                "≈" if spc.assurance_rule or latest_changed else ASSURANCE_ICONS.get(spc.assurance or "", ""),
            )
        )
    return lines


def tile_lines(section, what: str, fmt, facts=None) -> list[TileLine]:
    """The lines of a tile with a figure, in the order shown. ``what`` is the figure's name as the tile gives it
    ('' for none), ``fmt`` formats a value in a unit, ``facts`` the :class:`FigureFacts` of the figure."""
    key, latest = section.key_measure, section.latest
    common = _common(section, facts)
    lines = []
    if what:
        lines.append(
            TileLine(
                "what",
                f"tile.{key}.measure",
                what,
                {**common, "value": section.measure_id, "method": "the figure the tile shows"},
            )
        )
    lines.append(
        TileLine(
            "value",
            f"tile.{key}.value",
            fmt(latest.value, latest.unit),
            {
                **common,
                "value": round(float(latest.value), 4),
                "method": f"latest {latest.unit} figure loaded for the force",
            },
        )
    )
    lines.append(TileLine("period", f"tile.{key}.period", latest.period_label, {**common, "value": str(latest.period)}))
    if facts is not None and facts.staleness.stale:
        lines.append(
            TileLine(
                "stale",
                f"tile.{key}.stale",
                stale_words(facts),
                {
                    **common,
                    "value": facts.staleness.months,
                    "comparator": STALE_MEASURE_MONTHS,
                    "method": "whole months from the end of the figure's period to the end of the report's quarter",
                    "rule": "meaning.measures.staleness",
                },
            )
        )
    comparator = _comparator_line(section, fmt, common)
    if comparator is not None:
        lines.append(comparator)
    if facts is not None and facts.incomplete:
        lines.append(
            TileLine(
                "incomplete",
                f"tile.{key}.incomplete",
                INCOMPLETE_WORDS,
                {**common, "value": True, "rule": "meaning.measures.figure_incomplete"},
            )
        )
    return lines + _verdict_lines(section, facts, common)
