"""Per-force key-measure summaries: one :class:`MeasureSection` per Casey key measure.

:func:`measure_sections` gives a force report its key-measures sections (latest figure,
comparisons with significance, funnel position, trend, sentences written from the numbers);
:func:`national_measure_table` gives every force's charge rate for one quarter. The data
comes from :mod:`analysis.compute.measures`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from analysis.compute import stats
from analysis.core.forces import all_forces, get_force
from analysis.compute.measures import (
    CONTEXT_MEASURES,
    FUNNEL_NOTE,
    HEADLINE,
    KEY_MEASURES,
    NATIONAL_NAME,
    OUTCOMES_SOURCE,
    TREND_QUARTERS,
    decimal_year,
    census_table,
    charge_rate_series,
    load_registry,
    national_series,
    observations,
    period_end,
    period_label,
)
from analysis.core.periods import Quarter, parse_quarter

# --------------------------------------------------------------------------- sections
@dataclass
class Latest:
    value: float  # in the measure's unit (percent for rates)
    lower: float | None
    upper: float | None
    unit: str
    period: str
    period_type: str
    period_label: str
    source: str
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""


@dataclass
class Comparison:
    label: str  # "previous quarter", "same quarter a year earlier", "England and Wales"
    period_label: str
    value: float  # the comparator, in the measure's unit
    difference: float  # latest minus comparator, in the unit (percentage points for percent)
    lower: float | None  # interval for the difference, when there is one
    upper: float | None
    significant: bool | None  # None when no test was possible
    method: str


@dataclass
class FunnelPosition:
    classification: str  # e.g. 'within', 'above 95%', 'below 99.8%' (adjusted limits)
    classification_unadjusted: str  # against plain binomial limits
    target: float  # England and Wales rate, percent
    phi: float  # over-dispersion factor used to widen the limits
    n_forces: int
    counts: dict  # classification -> number of forces (adjusted limits)


@dataclass
class MeasureSection:
    key_measure: str
    title: str
    has_data: bool
    measure_id: str | None = None
    measure_title: str | None = None
    latest: Latest | None = None
    latest_note: str = ""
    comparisons: list[Comparison] = field(default_factory=list)
    funnel: FunnelPosition | None = None
    trend: stats.TrendResult | None = None
    trend_text: str = ""
    sentences: list[str] = field(default_factory=list)
    no_data_text: str = ""
    official_source: str = ""
    force_supplied: bool = False
    extra: list[dict] = field(default_factory=list)  # other measures with data for this key measure
    figure: str | None = None  # a function in analysis.present.measure_charts
    figure_kwargs: dict = field(default_factory=dict)
    extra_figures: list[tuple[str, dict]] = field(default_factory=list)


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _sig_words(sig: bool | None) -> str:
    if sig is None:
        return "no significance test is possible"
    return "a statistically significant change" if sig else "not a statistically significant change"


def _change_clause(comp: Comparison, unit: str = "percent") -> str:
    """'0.8 percentage points lower than the previous quarter (2023/24 Q4: 9.3%), not a ... change'."""
    unit_word = _diff_unit(unit)
    sig = _sig_words(comp.significant)
    if comp.significant is None:
        sig = "no counts were published, so no significance test is possible"
    where = f"{comp.label} ({comp.period_label}: {format_value(comp.value, unit)})"
    if round(comp.difference, 1) == 0:
        return f"about the same as {where}, {sig}"
    side = "higher" if comp.difference > 0 else "lower"
    return f"{abs(comp.difference):.1f} {unit_word} {side} than {where}, {sig}".replace("  ", " ")


def _funnel_for(series_q: pd.DataFrame, national_row, force_id: str) -> FunnelPosition | None:
    ok = series_q.dropna(subset=["assigned"])
    if force_id not in set(ok["force_id"]):
        return None
    target = national_row["charges"] / national_row["assigned"]
    phi = stats.overdispersion(ok["charges"], ok["assigned"], target)
    adjusted = stats.classify_funnel(ok["charges"].to_numpy(), ok["assigned"].to_numpy(), target, phi=phi)
    plain = stats.classify_funnel(ok["charges"].to_numpy(), ok["assigned"].to_numpy(), target)
    idx = list(ok["force_id"]).index(force_id)
    counts = pd.Series(adjusted).value_counts().sort_index().to_dict()
    return FunnelPosition(adjusted[idx], plain[idx], 100 * target, phi, len(ok), counts)


def _charge_rate_section(force_id, quarter: Quarter, data_dir, measures) -> MeasureSection:
    name = get_force(force_id, data_dir).name
    measure = measures["charge_rate_closed"]
    section = MeasureSection("charge-rate", dict(KEY_MEASURES)["charge-rate"], False,
                             measure.id, measure.title, official_source=measure.official_source)
    series = charge_rate_series(data_dir)
    closed = series[(series["basis"] == "closed")].dropna(subset=["assigned"])
    mine = closed[closed["force_id"] == force_id].set_index("period")
    usable = [p for p in mine.index if p <= quarter.id]
    if not usable:
        section.no_data_text = (f"The Home Office outcomes data loaded here has no charge rate for {name} "
                                f"up to {quarter.label}; it is published in {measure.official_source}.")
        section.sentences = [section.no_data_text]
        return section
    latest_q = parse_quarter(max(usable))
    if latest_q != quarter:
        section.latest_note = (f"The data has no usable charge rate for {name} in {quarter.label}; the latest "
                               f"quarter before it with one is {latest_q.label}.")
    row = mine.loc[latest_q.id]
    section.has_data = True
    section.latest = Latest(100 * row["rate"], 100 * row["lower"], 100 * row["upper"], "percent", latest_q.id,
                            "quarter", period_label(latest_q.id, "quarter"), OUTCOMES_SOURCE,
                            row["charges"], row["assigned"], row["note"])
    for label, other in (("the previous quarter", latest_q.previous()),
                         ("the same quarter a year earlier", latest_q.minus(4))):
        if other.id in mine.index:
            o = mine.loc[other.id]
            c = stats.compare(row["charges"], row["assigned"], o["charges"], o["assigned"])
            section.comparisons.append(Comparison(label, other.label,
                                                  100 * o["rate"], 100 * c.difference, 100 * c.lower,
                                                  100 * c.upper, c.significant, c.method))
    national = national_series(data_dir)
    nat = national[(national["basis"] == "closed") & (national["period"] == latest_q.id)].iloc[0]
    section.funnel = _funnel_for(closed[closed["period"] == latest_q.id], nat, force_id)
    if section.funnel:
        outside = section.funnel.classification != "within"
        section.comparisons.append(Comparison(
            NATIONAL_NAME, latest_q.label, 100 * nat["rate"],
            section.latest.value - 100 * nat["rate"], None, None, outside,
            f"outside the 95% funnel limit around the {NATIONAL_NAME} rate ({FUNNEL_NOTE})"))
    window = [latest_q.minus(i) for i in range(TREND_QUARTERS - 1, -1, -1)]
    pts = [(q, mine.loc[q.id, "rate"]) for q in window if q.id in mine.index]
    section.trend = stats.trend_to_parity([decimal_year(q) for q, _ in pts], [100 * v for _, v in pts],
                                          100 * nat["rate"])
    section.trend_text = _trend_text(section.trend, name, f"the {NATIONAL_NAME} rate of {100 * nat['rate']:.1f}%",
                                     len(pts), "percentage points")
    section.sentences = _charge_sentences(section, name, latest_q, nat)
    section.figure, section.figure_kwargs = "funnel_plot", {"force_id": force_id, "quarter": latest_q.id,
                                                            "data_dir": data_dir}
    section.extra_figures = [("charge_rate_series", {"force_id": force_id, "quarter": latest_q.id,
                                                     "data_dir": data_dir})]
    section.extra = _extras(force_id, "charge-rate", {measure.id}, data_dir, measures)
    return section


def _trend_text(trend: stats.TrendResult, name: str, target_words: str, n: int, unit_words: str) -> str:
    if not math.isfinite(trend.slope):
        return f"There are too few quarters to fit a trend for {name}."
    head = (f"Over the last {n} quarters the fitted trend is {trend.slope:+.2f} {unit_words} a year "
            f"(95% confidence interval {trend.slope_lower:+.2f} to {trend.slope_upper:+.2f})")
    if trend.parity_year is not None:
        return f"{head}; if it continued, {name} would reach {target_words} around {int(trend.parity_year)}."
    return f"{head}; {trend.reason} (target: {target_words})."


def _charge_sentences(section: MeasureSection, name: str, q: Quarter, nat) -> list[str]:
    lt = section.latest
    first = (f"In {q.label} ({q.months}), {name} charged or summonsed {lt.value:.1f}% of the crimes whose "
             f"investigations closed with an assigned outcome ({int(lt.numerator):,} of {int(lt.denominator):,}; "
             f"95% confidence interval {lt.lower:.1f}% to {lt.upper:.1f}%).")
    if section.latest_note:
        first = f"{section.latest_note} {first}"
    sentences = [first]
    changes = [c for c in section.comparisons if c.label.startswith("the ")]
    if changes:
        sentences.append("That is " + "; and ".join(_change_clause(c) for c in changes) + ".")
    if section.funnel:
        f = section.funnel
        side = "above" if lt.value > f.target else "below" if lt.value < f.target else "level with"
        if f.classification == "within":
            verdict = ("inside the 95% funnel limits: the difference is not statistically significant once "
                       "the usual variation between forces is allowed for")
        else:
            level = f.classification.split()[-1]
            verdict = f"outside the {level} funnel limit, a statistically significant difference"
        sentences.append(f"The {NATIONAL_NAME} rate was {f.target:.1f}%; {name} is {side} it and {verdict}.")
    return sentences


def _extras(force_id, key, exclude, data_dir, measures) -> list[dict]:
    """The latest observation of every other measure for this key measure and force."""
    obs = observations(data_dir)
    ids = [m.id for m in measures.values() if m.key_measure == key and m.id not in exclude]
    mine = obs[(obs["force_id"] == force_id) & obs["measure_id"].isin(ids) & obs["value"].notna()]
    out = []
    for measure_id, grp in mine.groupby("measure_id", sort=True):
        grp = grp.assign(_end=[period_end(p, t) for p, t in zip(grp["period"], grp["period_type"])])
        r = grp.sort_values(["_end", "period"]).iloc[-1]
        m = measures[measure_id]
        out.append({"measure_id": measure_id, "title": m.title, "value": float(r["value"]), "unit": m.unit,
                    "period": r["period"], "period_type": r["period_type"], "period_label": period_label(r["period"], r["period_type"]),
                    "source": r["source"], "registry": m.registry, "note": r["note"]})
    return out


def format_value(value: float, unit: str) -> str:
    """A measure value in its unit, as the reports print it."""
    return {"percent": f"{value:.1f}%", "ratio": f"{value:.2f}", "minutes": f"{value:g} minutes",
            "seconds": f"{value:g} seconds", "rate_per_1000": f"{value:.1f} per 1,000"}.get(unit, f"{value:,.0f}")


def _generic_section(force_id, key, quarter: Quarter, data_dir, measures) -> MeasureSection:
    """Any key measure without a bespoke treatment: headline official data, else force-supplied."""
    name = get_force(force_id, data_dir).name
    headline = measures.get(HEADLINE[key])
    section = MeasureSection(key, dict(KEY_MEASURES)[key], False,
                             official_source=headline.official_source if headline else "")
    extras = _extras(force_id, key, CONTEXT_MEASURES, data_dir, measures)
    extras = [e for e in extras if period_end(e["period"], e["period_type"]) <= quarter.end]
    official = [e for e in extras if e["measure_id"] == HEADLINE[key]]
    ranked = official or sorted(extras, key=lambda e: _headline_rank(e, key, measures))
    context = _context_sentence(force_id, key, data_dir, name, ranked[0] if ranked else None)
    if not ranked:
        source = headline.official_source if headline else "no official source is registered"
        section.no_data_text = (f"No data for this measure is loaded for {name}. The official source is "
                                f"{source}.")
        section.sentences = [section.no_data_text] + ([context] if context else [])
        return section
    top = ranked[0]
    section.has_data = True
    section.measure_id, section.measure_title = top["measure_id"], top["title"]
    section.force_supplied = measures[top["measure_id"]].registry != "official"
    section.latest = Latest(top["value"], None, None, top["unit"], top["period"], top["period_type"],
                            top["period_label"],
                            top["source"], note=top["note"])
    section.extra = [e for e in extras if e is not top]
    # the title may hold a colon itself ("Police-perpetrated VAWG: allegations"), so it is quoted, not followed by one
    first = (f"The most recent figure loaded for {name} is {format_value(top['value'], top['unit'])} "
             f"({top['period_label']}) for “{top['title']}”.")
    comp = _previous_comparison(force_id, top, data_dir)
    if comp:
        section.comparisons.append(comp)
        first += f" That is {_change_clause(comp, top['unit'])}."
    if section.force_supplied:
        second = (f"This comes from the force's own reporting ({top['source']}), not from an official statistic; "
                  f"the official source would be {section.official_source or 'not yet registered'}.")
    else:
        second = f"Source: {top['source']}."
    section.sentences = [first, second] + ([context] if context else [])
    return section


def _headline_rank(extra: dict, key: str, measures) -> tuple:
    """Prefer performance measures (not 'neutral'), then on-topic ones, then the most recent."""
    m = measures[extra["measure_id"]]
    on_topic = key != "workforce-representation" or "ethnic" in m.id
    return (m.direction == "neutral", not on_topic,
            -period_end(extra["period"], extra["period_type"]).toordinal(), m.id)


def _diff_unit(unit: str) -> str:
    return {"percent": "percentage points", "minutes": "minutes", "seconds": "seconds"}.get(unit, "")


def _previous_comparison(force_id, top: dict, data_dir) -> Comparison | None:
    """Latest against the previous observation of the same measure and period type."""
    obs = observations(data_dir)
    same = obs[(obs["force_id"] == force_id) & (obs["measure_id"] == top["measure_id"])
               & (obs["period_type"] == top["period_type"]) & obs["value"].notna()]
    latest_end = period_end(top["period"], top["period_type"])
    earlier = same[[period_end(p, t) < latest_end for p, t in zip(same["period"], same["period_type"])]]
    if earlier.empty:
        return None
    earlier = earlier.assign(_end=[period_end(p, t) for p, t in zip(earlier["period"], earlier["period_type"])])
    prev = earlier.sort_values("_end").iloc[-1]
    now = same[same["period"] == top["period"]].iloc[0]
    counts = [now["numerator"], now["denominator"], prev["numerator"], prev["denominator"]]
    label = period_label(prev["period"], prev["period_type"])
    if top["unit"] == "percent" and all(pd.notna(c) for c in counts) and now["denominator"] > 0 \
            and prev["denominator"] > 0:
        c = stats.compare(*counts)
        return Comparison("the previous period", label, float(prev["value"]), 100 * c.difference,
                          100 * c.lower, 100 * c.upper, c.significant, c.method)
    return Comparison("the previous period", label, float(prev["value"]), float(top["value"] - prev["value"]),
                      None, None, None, "no counts published, so no interval or significance test")


def _context_sentence(force_id, key, data_dir, name, top: dict | None = None) -> str:
    """For workforce representation: the population share to compare with, and the ratio when the
    headline figure is an ethnic minority share (1 means the workforce mirrors the population)."""
    if key != "workforce-representation":
        return ""
    census = census_table(data_dir).set_index("force_id")
    if force_id not in census.index:
        return ""
    r = census.loc[force_id]
    p, lo, hi = stats.wilson_interval(r["minority"], r["total"])
    text = (f"For comparison, the 2011 Census put the ethnic minority share of {name}'s population at "
            f"{_pct(p)} (the 2021 Census figure is not loaded yet).")
    if top is not None and top["unit"] == "percent" and "ethnic_minority_share" in top["measure_id"]:
        ratio = stats.representation_ratio(top["value"] / 100, p)
        text += (f" Set against it, {top['title'].lower()} gives a representation ratio of {ratio:.2f} "
                 f"(1 would mean parity; the comparison mixes a {top['period_label']} figure with a 2011 population).")
    return text


def measure_sections(force_id: str, quarter, data_dir=None) -> list[MeasureSection]:
    """One :class:`MeasureSection` per Casey key measure, in the review's order.

    ``quarter`` is the reporting quarter (``'2024-25-Q1'`` or a Quarter); quarterly
    measures use it if present, else the most recent quarter before it (and say so).
    """
    force_id = get_force(force_id, data_dir).id
    quarter = parse_quarter(quarter)
    measures = load_registry(data_dir)
    sections = []
    for key, _ in KEY_MEASURES:
        if key == "charge-rate":
            sections.append(_charge_rate_section(force_id, quarter, data_dir, measures))
        else:
            section = _generic_section(force_id, key, quarter, data_dir, measures)
            if key == "workforce-representation":
                section.figure = "representation_chart"
                section.figure_kwargs = {"force_id": force_id, "data_dir": data_dir}
            sections.append(section)
    return sections


def national_measure_table(quarter, data_dir=None, basis: str = "closed") -> pd.DataFrame:
    """Every force's charge rate for one quarter with Wilson CI and funnel classification.

    Rows are in registry (alphabetical) order, not ranked: this is not a league table.
    ``funnel`` uses limits widened for over-dispersion; ``funnel_unadjusted`` plain
    binomial limits. Rates are percentages.
    """
    q = parse_quarter(quarter)
    series = charge_rate_series(data_dir)
    rows = series[(series["basis"] == basis) & (series["period"] == q.id)]
    national = national_series(data_dir)
    nat = national[(national["basis"] == basis) & (national["period"] == q.id)]
    if rows.empty or nat.empty:
        raise KeyError(f"no {basis}-basis charge rates for {q.label}")
    nat = nat.iloc[0]
    target = nat["charges"] / nat["assigned"]
    ok = rows.dropna(subset=["assigned"])
    phi = stats.overdispersion(ok["charges"], ok["assigned"], target)
    names = {f.id: f.name for f in all_forces(data_dir)}
    out = pd.DataFrame({
        "force_id": rows["force_id"].to_numpy(),
        "force_name": rows["force_id"].map(names).to_numpy(),
        "period": q.id, "basis": basis,
        "charges": rows["charges"].to_numpy(), "assigned": rows["assigned"].to_numpy(),
        "rate_pct": 100 * rows["rate"].to_numpy(), "lower_pct": 100 * rows["lower"].to_numpy(),
        "upper_pct": 100 * rows["upper"].to_numpy(),
        "funnel": stats.classify_funnel(rows["charges"].to_numpy(), rows["assigned"].to_numpy(), target, phi=phi),
        "funnel_unadjusted": stats.classify_funnel(rows["charges"].to_numpy(), rows["assigned"].to_numpy(), target),
        "national_rate_pct": 100 * target, "phi": phi, "note": rows["note"].to_numpy(),
    })
    return out.sort_values("force_name").reset_index(drop=True)
