"""Per-force key-measure summaries: one :class:`MeasureSection` per Casey key measure.

:func:`measure_sections` gives a force report its key-measures sections (latest figure,
comparisons with significance, funnel position, trend, sentences written from the numbers);
:func:`national_measure_table` gives every force's charge rate for one quarter. The data
comes from :mod:`analysis.compute.measures`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from analysis.compute import disparity, stats
from analysis.core import config
from analysis.core.settings import CONFIDENCE, SEXUAL_OFFENCES_TREND_YEARS
from analysis.compute.disparity import census2021_by_force
from analysis.core.forces import all_forces, get_force
from analysis.compute.measures import (
    CONTEXT_MEASURES,
    FUNNEL_NOTE,
    HEADLINE,
    KEY_MEASURES,
    NATIONAL_NAME,
    OUTCOMES_SOURCE,
    TREND_QUARTERS,
    census_table,
    decimal_year,
    charge_rate_series,
    load_registry,
    national_series,
    observations,
    period_end,
    period_label,
)
from analysis.core.periods import Quarter, parse_quarter

# --------------------------------------------------------------------------- sections
class Chart(StrEnum):
    """The charts a section can ask for; analysis.present.measure_charts.DRAWERS maps each to its function."""

    FUNNEL = "funnel_plot"
    CHARGE_RATE_SERIES = "charge_rate_series"
    REPRESENTATION = "representation_chart"
    STOP_SEARCH_FUNNEL = "stop_search_caterpillar"


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
    figure: Chart | None = None  # drawn by analysis.present.measure_charts.DRAWERS
    figure_kwargs: dict = field(default_factory=dict)
    extra_figures: list[tuple[Chart, dict]] = field(default_factory=list)


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
    section.figure, section.figure_kwargs = Chart.FUNNEL, {"force_id": force_id, "quarter": latest_q.id,
                                                            "data_dir": data_dir}
    section.extra_figures = [(Chart.CHARGE_RATE_SERIES, {"force_id": force_id, "quarter": latest_q.id,
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


def _generic_section(force_id, key, quarter: Quarter, data_dir, measures, exclude=frozenset()) -> MeasureSection:
    """Any key measure without a bespoke treatment: headline official data, else force-supplied.

    ``exclude``: measure ids another section shows itself (never picked as the headline or listed)."""
    name = get_force(force_id, data_dir).name
    headline = measures.get(HEADLINE[key])
    section = MeasureSection(key, dict(KEY_MEASURES)[key], False,
                             official_source=headline.official_source if headline else "")
    extras = _extras(force_id, key, CONTEXT_MEASURES | set(exclude), data_dir, measures)
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
    """For workforce representation: the Census 2021 population share to compare with, and the ratio when the
    headline figure is an ethnic minority share, named for what the force figure counts (joiners, recruits
    or the whole workforce) and its year (1 means the figure mirrors the population)."""
    if key != "workforce-representation":
        return ""
    try:
        census, year = census2021_by_force(data_dir).set_index("force_id"), "2021"
    except FileNotFoundError:  # a data tree without the Census 2021 files: say which census is used
        census, year = census_table(data_dir).set_index("force_id"), "2011"
    if force_id not in census.index:
        return ""
    r = census.loc[force_id]
    p = r["minority"] / r["total"]
    text = (f"For comparison, Census {year} put the ethnic minority share of {name}'s population at {_pct(p)} "
            f"({int(r['minority']):,} of {int(r['total']):,} usual residents).")
    if year == "2021":
        groups = ", ".join(f"{label} {_pct(r[col] / r['total'])}" for col, label in BROAD_GROUP_LABELS)
        text += f" By broad ethnic group (Census 2021): {groups}."
    if top is not None and top["unit"] == "percent" and "ethnic_minority_share" in top["measure_id"]:
        ratio = stats.representation_ratio(top["value"] / 100, p)
        kind, ratio_name = workforce_figure_kind(top["measure_id"])
        text += (f" Set against the ethnic minority share, {top['title'].lower()} ({kind}, {top['period_label']}) "
                 f"gives a {ratio_name} "
                 f"of {ratio:.2f} (1 would mean parity). It compares {kind} with the {year} resident population"
                 + ("" if kind == "the whole workforce" else ", not the whole workforce") + ".")
    return text


BROAD_GROUP_LABELS = (("asian", "Asian"), ("black", "Black"), ("mixed", "Mixed"), ("white", "White"),
                      ("other", "Other"))  # the five ONS broad groups, in ONS order


def workforce_figure_kind(measure_id: str) -> tuple[str, str]:
    """What a force's workforce figure counts, and what its ratio to the population is called."""
    if "joiner" in measure_id:
        return "joiners in the year", "joiners' representation ratio"
    if "recruit" in measure_id:
        return "recruits in the year", "recruits' representation ratio"
    return "the whole workforce", "representation ratio"


# --------------------------------------------------------------------------- fairness indicator (16.i)
FAIRNESS_MEASURE = "stop_search_black_white_ratio"
FAIRNESS_LABEL = "Fairness indicator"
SEXUAL_OFFENCES_PROXY = "sexual_offence_charges_closed"


def _ratio_change(now, then) -> tuple[bool | None, str]:
    """Whether two Katz ratios differ, tested on the log scale with SEs recovered from their intervals."""
    values = [now.ratio, now.lower, now.upper, then.ratio, then.lower, then.upper]
    if not all(math.isfinite(v) and v > 0 for v in values):
        return None, "no test: an interval is missing"
    z95 = stats._z(CONFIDENCE)
    se_now = (math.log(now.upper) - math.log(now.lower)) / (2 * z95)
    se_then = (math.log(then.upper) - math.log(then.lower)) / (2 * z95)
    z = (math.log(now.ratio) - math.log(then.ratio)) / math.hypot(se_now, se_then)
    return abs(z) > z95, f"difference of log rate ratios against its standard error ({100 * CONFIDENCE:g}%)"


def _fairness_table(data_dir) -> pd.DataFrame:
    return disparity.stop_search_disparity(data_dir)


FAIRNESS_IDS = frozenset({FAIRNESS_MEASURE, "stop_search_rate_black", "stop_search_rate_white",
                          "stop_search_ethnicity_unrecorded_share"})


def fairness_section(force_id, quarter, data_dir=None, measures=None) -> MeasureSection:
    """Recommendation 16.i. When the force has other figures for trust and confidence (its own survey, say),
    they lead as before and the stop and search fairness indicator follows them; otherwise the fairness
    indicator is the section."""
    force = get_force(force_id, data_dir)
    measures = measures or load_registry(data_dir)
    generic = _generic_section(force.id, "trust-confidence", parse_quarter(quarter), data_dir, measures,
                               exclude=FAIRNESS_IDS)
    if FAIRNESS_MEASURE not in measures:
        return generic
    fair = stop_search_fairness(force.id, quarter, data_dir, measures)
    if not generic.has_data:
        return fair
    generic.sentences = [*generic.sentences, *fair.sentences]
    generic.extra = [*generic.extra, *fair.extra]
    if fair.figure:
        generic.extra_figures = [*generic.extra_figures, (fair.figure, fair.figure_kwargs)]
    return generic


def stop_search_fairness(force_id, quarter, data_dir=None, measures=None) -> MeasureSection:
    """The stop and search disparity, shown as a fairness indicator (not the review's survey measure of the
    trust gap), for the latest financial year published by the end of the report quarter."""
    force = get_force(force_id, data_dir)
    name, quarter = force.name, parse_quarter(quarter)
    measures = measures or load_registry(data_dir)
    measure = measures[FAIRNESS_MEASURE]
    section = MeasureSection("trust-confidence", dict(KEY_MEASURES)["trust-confidence"], False, measure.id,
                             measure.title, official_source=measure.official_source)
    intro = (f"{FAIRNESS_LABEL}, not the review's own measure. The review asks for a smaller gap in trust between "
             f"Black people and the population as a whole; that is a survey measure (the Crime Survey for England "
             f"and Wales) with no figure for {name} loaded here. The official figure that exists for every force "
             f"is the stop and search disparity between Black and White residents, shown here as a "
             f"{FAIRNESS_LABEL.lower()}.")
    table = _fairness_table(data_dir)
    lag = disparity.STOP_SEARCH_PUBLICATION_LAG_MONTHS
    latest = disparity.latest_as_at(table, quarter, force.id, lag)
    if latest.empty:
        section.no_data_text = (f"{intro} The stop and search data loaded here has no year for {name} ending on or "
                                f"before {quarter.label}; it is published in {measure.official_source}.")
        section.sentences = [section.no_data_text]
        return section
    row = latest.iloc[0]
    year = period_label(row["period"], "financial_year")
    section.has_data = True
    section.latest_note = (f"Latest year published on or before {quarter.label}: {year} (financial year, "
                           f"April to March).")
    sentences = [intro, section.latest_note]
    national = disparity.latest_as_at(table, quarter, disparity.NATIONAL_ID, lag)
    nat = national.iloc[0] if not national.empty else None
    if math.isfinite(row["unknown_share"]):
        unrecorded = (f"The ethnicity of {row['unknown_share']:.1f}% of {name}'s {int(row['all_searches']):,} "
                      f"searches in {year} was not recorded ({int(row['unknown_searches']):,}); those searches are in "
                      f"neither rate, which limits any comparison")
    else:
        unrecorded = (f"The data loaded does not give the number of {name}'s searches in {year} whose ethnicity was "
                      f"not recorded, so how far that limits the comparison cannot be said")
    if nat is not None and math.isfinite(nat["unknown_share"]):
        unrecorded += f" (England and Wales: {nat['unknown_share']:.1f}% not recorded)"
    if not math.isfinite(row["ratio"]):
        section.latest = Latest(float("nan"), None, None, "ratio", row["period"], "financial_year", year,
                                disparity.STOP_SEARCH_SOURCE, note=row["note"])
        counts = ""
        if math.isfinite(row["black_searches"]) and math.isfinite(row["white_searches"]):
            counts = (f" In {year} {name} recorded {int(row['black_searches']):,} searches of people who described "
                      f"themselves as Black and {int(row['white_searches']):,} of people who described themselves as "
                      f"White.")
        sentences.append(f"{row['note']}{counts} No Black/White rate ratio can be given.")
        sentences.append(unrecorded + ".")
        section.sentences = sentences
        section.figure, section.figure_kwargs = Chart.STOP_SEARCH_FUNNEL, {
            "force_id": force.id, "period": row["period"], "data_dir": data_dir}
        return section
    section.latest = Latest(float(row["ratio"]), float(row["lower"]), float(row["upper"]), "ratio", row["period"],
                            "financial_year", year, disparity.STOP_SEARCH_SOURCE,
                            note=f"Census {row['census_year']} populations")
    sentences.append(
        f"In {year} {name} stop-searched {row['black_rate']:.1f} in every 1,000 Black residents and "
        f"{row['white_rate']:.1f} in every 1,000 White residents (Census {row['census_year']} populations): "
        f"Black residents were searched at {row['ratio']:.2f} times the rate of White residents (95% confidence "
        f"interval {row['lower']:.2f} to {row['upper']:.2f}; 1 would mean the same rate).")
    if nat is not None and math.isfinite(nat["ratio"]):
        if row["lower"] > nat["ratio"]:
            where = "its whole interval is above the England and Wales ratio"
        elif row["upper"] < nat["ratio"]:
            where = "its whole interval is below the England and Wales ratio"
        else:
            where = "its interval includes the England and Wales ratio"
        sentences.append(f"Across England and Wales (the 43 territorial forces) the ratio was {nat['ratio']:.2f} "
                         f"({nat['lower']:.2f} to {nat['upper']:.2f}); {where}.")
        section.comparisons.append(Comparison(NATIONAL_NAME, year, float(nat["ratio"]),
                                              float(row["ratio"] - nat["ratio"]), None, None,
                                              not (row["lower"] <= nat["ratio"] <= row["upper"]),
                                              "England and Wales ratio against the force's 95% interval"))
    earlier = table[(table["force_id"] == force.id) & (table["period"] < row["period"])].dropna(subset=["ratio"])
    if not earlier.empty:
        prev = earlier.sort_values("period").iloc[-1]
        significant, method = _ratio_change(row, prev)
        prev_year = period_label(prev["period"], "financial_year")
        side = ("closer to 1" if abs(math.log(row["ratio"])) < abs(math.log(prev["ratio"])) else "further from 1")
        sig = ("a statistically significant change" if significant else "not a statistically significant change")
        if prev["census_year"] != row["census_year"]:
            sig += f" (the {prev_year} rates use Census {prev['census_year']} populations)"
        sentences.append(f"In {prev_year} the ratio was {prev['ratio']:.2f}; {year} is {side}, {sig}.")
        section.comparisons.append(Comparison("the previous year", prev_year, float(prev["ratio"]),
                                              float(row["ratio"] - prev["ratio"]), None, None, significant, method))
    sentences.append(unrecorded + ".")
    sentences.append("The rates count searches, not people, and set them against the people who live in the area, "
                     "not those who were there when searched.")
    section.sentences = sentences
    section.extra = [
        {"measure_id": mid, "title": measures[mid].title, "value": float(value), "unit": measures[mid].unit,
         "period": row["period"], "period_type": "financial_year", "period_label": year,
         "source": disparity.STOP_SEARCH_SOURCE, "registry": measures[mid].registry, "note": ""}
        for mid, value in (("stop_search_rate_black", row["black_rate"]), ("stop_search_rate_white", row["white_rate"]),
                           ("stop_search_ethnicity_unrecorded_share", row["unknown_share"]))]
    section.figure, section.figure_kwargs = Chart.STOP_SEARCH_FUNNEL, {
        "force_id": force.id, "period": row["period"], "data_dir": data_dir}
    return section


def national_fairness_table(quarter, data_dir=None) -> pd.DataFrame:
    """Every force's stop and search disparity for the latest year ending on or before ``quarter``.

    Rows in alphabetical order of force name (not ranked), England and Wales last. British Transport
    Police is left out (not a territorial force); the City of London has no ratio (no resident rate).
    """
    table = _fairness_table(data_dir)
    table = table[table["force_id"] != "british-transport-police"]
    rows = disparity.latest_as_at(table, quarter, lag_months=disparity.STOP_SEARCH_PUBLICATION_LAG_MONTHS)
    names = {f.id: f.name for f in all_forces(data_dir)}
    names[disparity.NATIONAL_ID] = NATIONAL_NAME
    rows = rows.assign(force_name=rows["force_id"].map(names))
    rows = rows.assign(_national=rows["force_id"] == disparity.NATIONAL_ID)
    return rows.sort_values(["_national", "force_name"]).drop(columns="_national").reset_index(drop=True)


# --------------------------------------------------------------------------- proxy for 16.v
def rape_to_court_section(force_id, quarter, data_dir=None, measures=None) -> MeasureSection:
    """Recommendation 16.v: the review's measure when loaded; otherwise sexual-offence charges, named as a proxy."""
    quarter = parse_quarter(quarter)
    measures = measures or load_registry(data_dir)
    generic = _generic_section(get_force(force_id, data_dir).id, "rape-to-court", quarter, data_dir, measures)
    charges_file = config.measures_raw_dir(data_dir) / "home-office-outcomes" / disparity.OFFENCE_YEAR_FILE
    if (generic.has_data and generic.measure_id != SEXUAL_OFFENCES_PROXY) or SEXUAL_OFFENCES_PROXY not in measures \
            or not charges_file.exists():
        return generic
    return sexual_offences_proxy_section(force_id, quarter, data_dir, measures)


def sexual_offences_proxy_section(force_id, quarter, data_dir=None, measures=None) -> MeasureSection:
    """Sexual offences charged or summonsed per financial year (closed basis): a count, named as a proxy."""
    force = get_force(force_id, data_dir)
    name, quarter = force.name, parse_quarter(quarter)
    measures = measures or load_registry(data_dir)
    measure = measures[SEXUAL_OFFENCES_PROXY]
    headline = measures.get(HEADLINE["rape-to-court"])
    proxy_note = _registry_field(data_dir, SEXUAL_OFFENCES_PROXY, "proxy_note")
    section = MeasureSection("rape-to-court", dict(KEY_MEASURES)["rape-to-court"], False, measure.id, measure.title,
                             official_source=headline.official_source if headline else measure.official_source)
    intro = (f"Proxy, not the review's measure: {proxy_note}. The review's measure, adult rape cases reaching "
             f"court, has no figure for {name} loaded here.")
    charges = disparity.sexual_offence_charges(data_dir)
    mine = charges[charges["force_id"] == force.id]
    usable = mine[[disparity.financial_year_end(p) <= quarter.end for p in mine["period"]]].sort_values("period")
    if usable.empty:
        section.no_data_text = f"{intro} No year of sexual-offence charges ending by {quarter.label} is loaded."
        section.sentences = [section.no_data_text]
        return section
    row = usable.iloc[-1]
    year = period_label(row["period"], "financial_year")
    section.has_data = True
    section.latest_note = f"Latest year ending on or before {quarter.label}: {year}."
    section.latest = Latest(float(row["charges"]), None, None, "count", row["period"], "financial_year", year,
                            disparity.SEXUAL_OFFENCES_SOURCE, numerator=float(row["charges"]), note=row["note"])
    sentences = [intro, section.latest_note,
                 f"In {year} {name} charged or summonsed {int(row['charges']):,} sexual offences among the "
                 f"investigations it closed in the year."]
    if len(usable) > 1:
        prev = usable.iloc[-2]
        prev_year = period_label(prev["period"], "financial_year")
        diff = row["charges"] - prev["charges"]
        change = "the same number as" if diff == 0 else f"{abs(int(diff)):,} {'more' if diff > 0 else 'fewer'} than"
        sentences.append(f"That is {change} in {prev_year} ({int(prev['charges']):,}).")
        section.comparisons.append(Comparison("the previous year", prev_year, float(prev["charges"]), float(diff),
                                              None, None, None, "counts only, so no significance test"))
    window = usable.tail(SEXUAL_OFFENCES_TREND_YEARS)
    if len(window) >= 3:
        listed = ", ".join(f"{period_label(p, 'financial_year')} {int(v):,}"
                           for p, v in zip(window["period"], window["charges"]))
        section.trend_text = (f"Charges or summonses for sexual offences in the last {len(window)} years: {listed}. "
                              f"A count moves with the number of offences recorded and investigated as well as with "
                              f"how often they end in a charge, so it is not a charge rate.")
    notes = [n for n in usable["note"] if n]
    sentences.append("No rate is given: the source has no total of all outcomes for sexual offences to divide by."
                     + (f" Note: {notes[-1]}." if notes else ""))
    nat = charges[(charges["force_id"] == disparity.NATIONAL_ID) & (charges["period"] == row["period"])]
    if not nat.empty:
        sentences.append(f"England and Wales (43 territorial forces) charged or summonsed "
                         f"{int(nat['charges'].iloc[0]):,} sexual offences in {year}.")
    section.sentences = sentences
    return section


def _registry_field(data_dir, measure_id: str, field_name: str) -> str:
    """A registry field the Measure record does not carry (e.g. ``proxy_note``), read from the YAML."""
    import yaml

    for path in sorted((config.measures_raw_dir(data_dir) / "registry").glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or []:
            if entry.get("id") == measure_id:
                return str(entry.get(field_name) or "").strip()
    return ""


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
        elif key == "trust-confidence":
            sections.append(fairness_section(force_id, quarter, data_dir, measures))
        elif key == "rape-to-court":
            sections.append(rape_to_court_section(force_id, quarter, data_dir, measures))
        else:
            section = _generic_section(force_id, key, quarter, data_dir, measures)
            if key == "workforce-representation":
                section.figure = Chart.REPRESENTATION
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
