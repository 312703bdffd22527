"""Per-force key-measure summaries: one :class:`MeasureSection` per Casey key measure.

:func:`measure_sections` gives a force report its key-measures sections (latest figure, plain
differences from earlier periods, a process-behaviour verdict on change over time, the funnel
position against other forces): numbers, periods, rule names, flags and ids only. The sentences are
written from them in :mod:`analysis.present.measure_text` and :mod:`analysis.present.fairness_text`
(``tests/test_compute_holds_no_prose.py`` keeps prose out of this module);
:func:`national_measure_table` gives every force's charge rate for one quarter. The data
comes from :mod:`analysis.compute.measures`, always *as at* the report's quarter.

One standard per question: change over time is judged only by the process-behaviour chart
(:mod:`analysis.compute.spc`: a Laney p′ chart for charge rates, an XmR chart for other series);
differences from earlier quarters are stated as plain differences, never called significant on
their own. The comparison with other forces is judged only by the funnel plot, with limits widened
for over-dispersion. Evaluative words come from :mod:`analysis.compute.direction`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.compute import direction as dn
from analysis.compute import disparity, spc, stats
from analysis.compute.as_at import known_by
from analysis.compute.disparity import census2021_by_force
from analysis.compute.meaning import measures as meaning
from analysis.compute.measures import (
    CONTEXT_MEASURES,
    FUNNEL_NOTE,
    HEADLINE,
    NATIONAL_ID,
    NATIONAL_NAME,
    OUTCOMES_SOURCE,
    charge_rate_series,
    national_series,
    observations,
)
from analysis.core import config, settings
from analysis.core.audience import Audience
from analysis.core.forces import all_forces, get_force
from analysis.core.periods import Quarter, period_end, period_label
from analysis.core.settings import (
    CONFIDENCE,
    PARITY_MIN_POINTS,
    SEXUAL_OFFENCES_TREND_YEARS,
    SPC_MAX_POINTS,
    SPC_QUARTERS,
)
from analysis.sources import csew, official_stats
from analysis.sources.measure_files import census_table
from analysis.sources.measure_registry import KEY_MEASURES, load_registry, registry_entry


# --------------------------------------------------------------------------- sections
class Chart(StrEnum):
    """The charts a section can ask for; analysis.present.measure_charts.DRAWERS maps each to its function."""

    FUNNEL = "funnel_plot"
    CHARGE_RATE_SERIES = "charge_rate_series"
    REPRESENTATION = "representation_chart"
    STOP_SEARCH_FUNNEL = "stop_search_caterpillar"
    SPC = "spc_chart"


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
    known_at: str = ""  # ISO date the figure became known (published), for its claims (issue 18)


@dataclass
class Comparison:
    label: str  # "previous quarter", "same quarter a year earlier", "England and Wales"
    period_label: str
    value: float  # the comparator, in the measure's unit
    difference: float  # latest minus comparator, in the unit (percentage points for percent)
    method: str  # how the comparison is judged, or why it is not
    significant: bool | None = None  # None where no test applies (a plain difference)


@dataclass
class FunnelPosition:
    classification: str  # e.g. 'within', 'above 95%', 'below 99.8%' (adjusted limits)
    classification_unadjusted: str  # against plain binomial limits
    target: float  # England and Wales rate, percent
    phi: float  # over-dispersion factor used to widen the limits
    n_forces: int
    counts: dict  # classification -> number of forces (adjusted limits)
    limits_95: tuple[float, float] = (float("nan"), float("nan"))  # widened 95% limits at this force's size, percent
    force_range: tuple[float, float] = (float("nan"), float("nan"))  # lowest and highest force rate, percent

    @property
    def cannot_see(self) -> bool:
        """True when the widened 95% limits at this force's size reach 0% (no lower rate could ever fall
        outside them) or hold every force's rate this quarter: the funnel cannot single this force out."""
        lo, hi = self.limits_95
        return lo <= 0 or (lo <= self.force_range[0] and hi >= self.force_range[1])


@dataclass(frozen=True)
class CensusContext:
    """The Census population a workforce figure is set against (numbers only; the words are in
    :func:`analysis.present.measure_text.context_sentence`)."""

    year: str  # "2021", or "2011" for a data tree without the Census 2021 files
    minority: float  # ethnic minority usual residents
    total: float  # all usual residents
    groups: tuple[tuple[str, float], ...] = ()  # (broad group label, residents), Census 2021 only
    ratio: float | None = None  # the headline figure's share over the population share, when it is one
    figure_measure_id: str = ""
    figure_title: str = ""
    figure_period_label: str = ""


@dataclass(frozen=True)
class StopSearchYear:
    """One financial year of stop and search figures for a force or England and Wales (numbers only)."""

    period: str
    period_label: str
    ratio: float
    lower: float
    upper: float
    black_rate: float
    white_rate: float
    census_year: str
    unknown_share: float
    all_searches: float
    unknown_searches: float
    black_searches: float
    white_searches: float
    note: str


@dataclass(frozen=True)
class StopSearchFigures:
    """What the fairness indicator's sentences are written from (:mod:`analysis.present.fairness_text`)."""

    year: StopSearchYear
    national: StopSearchYear | None = None
    funnel: str = ""  # the force's place on the national funnel ('within', 'above 99.8%'); '' when not placed
    previous: StopSearchYear | None = None  # the previous year with a ratio
    previous_significant: bool | None = None  # whether the change from it is statistically significant


@dataclass
class MeasureSection:
    """One key measure's figures for a force and quarter: values, periods, verdict codes, flags and ids, no
    sentences (:mod:`analysis.present.measure_text` writes them)."""

    key_measure: str
    title: str
    has_data: bool
    measure_id: str | None = None
    measure_title: str | None = None
    latest: Latest | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    funnel: FunnelPosition | None = None
    trend: stats.TrendResult | None = None  # parity measures only: the straight line behind a projection
    parity_interval: tuple[float, float] | None = None  # 95% interval on the projected year of parity
    spc: spc.SpcSummary | None = None  # process-behaviour verdicts on the headline series, when long enough
    points: int = 0  # observations in the headline series as at the quarter (too few for a chart: said so)
    official_source: str = ""
    official_registered: bool = True  # False when the key measure has no headline measure in the registry
    kind: str = "generic"  # which section builder: charge_rate, generic, count_proxy or stop_search (for the words)
    force_supplied: bool = False
    extra: list[dict] = field(default_factory=list)  # other measures with data for this key measure
    figure: Chart | None = None  # drawn by analysis.present.measure_charts.DRAWERS
    figure_kwargs: dict = field(default_factory=dict)
    extra_figures: list[tuple[Chart, dict]] = field(default_factory=list)
    force_name: str = ""  # for the words (analysis.present.measure_text)
    direction: str = ""  # the headline measure's direction (higher_is_better, ...), for the funnel's words
    national_context: list[dict] = field(default_factory=list)  # England and Wales figures beside the force's
    census: CensusContext | None = None  # workforce representation: the population to compare with
    proxy_note: str = ""  # a proxy measure's note from the registry, quoted
    recent_counts: list[tuple[str, float]] = field(default_factory=list)  # a count proxy's recent years
    count_note: str = ""  # the latest note the source gives on a count proxy's years
    national_count: float | None = None  # England and Wales count for the latest year of a count proxy
    stop_search: StopSearchFigures | None = None  # the fairness indicator's figures
    own: MeasureSection | None = None  # the fairness section: the force's own trust figures that follow it


def _new_section(key: str, measure, force_name: str, **fields) -> MeasureSection:
    """A section for key measure ``key`` headed by the registry's ``measure``, before any data is added; the
    official source is the measure's unless ``fields`` names another."""
    fields = {"official_source": measure.official_source, **fields}
    return MeasureSection(
        key, dict(KEY_MEASURES)[key], False, measure.id, measure.title, force_name=force_name, **fields
    )


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
    lo, hi = stats.funnel_limits(target, float(ok["assigned"].iloc[idx]), (0.95,), phi)[0.95]
    rates = ok["charges"] / ok["assigned"]
    return FunnelPosition(
        adjusted[idx],
        plain[idx],
        100 * target,
        phi,
        len(ok),
        counts,
        (100 * lo, 100 * hi),
        (100 * float(rates.min()), 100 * float(rates.max())),
    )


def _charge_rate_section(force_id, quarter: Quarter, data_dir, measures, audience=Audience.INTERNAL) -> MeasureSection:
    name = get_force(force_id, data_dir).name
    measure = measures["charge_rate_closed"]
    section = _new_section("charge-rate", measure, name, direction=measure.direction, kind="charge_rate")
    series = charge_rate_series(data_dir, as_at=quarter)
    closed = series[(series["basis"] == "closed")].dropna(subset=["assigned"])
    mine = closed[closed["force_id"] == force_id].set_index("period")
    if mine.empty:
        return section
    latest_q = Quarter.of(max(mine.index, key=lambda p: Quarter.of(p).index))
    section.has_data = True
    section.latest = _charge_rate_latest(mine.loc[latest_q.id], latest_q)
    section.comparisons.extend(_earlier_quarter_comparisons(mine, latest_q, section.latest.value))
    national = national_series(data_dir, as_at=quarter)
    nat = national[(national["basis"] == "closed") & (national["period"] == latest_q.id)].iloc[0]
    section.funnel = _funnel_for(closed[closed["period"] == latest_q.id], nat, force_id)
    if section.funnel:
        section.comparisons.append(_national_comparison(section.funnel, nat, latest_q, section.latest.value))
    national_rates = national[national["basis"] == "closed"].set_index("period")["rate"]
    section.spc = _charge_rate_spc(mine, name, measure, nat, latest_q, national_rates)
    section.points = len(mine)
    section.figure, section.figure_kwargs = (
        Chart.FUNNEL,
        {"force_id": force_id, "quarter": latest_q.id, "data_dir": data_dir},
    )
    if section.spc:
        section.extra_figures = [
            (
                Chart.SPC,
                {"summary": section.spc, "title": f"{name}: {measure.title.lower()}", "ylabel": "Charge rate (%)"},
            )
        ]
    section.extra = _extras(force_id, "charge-rate", {measure.id}, data_dir, measures, quarter, audience)
    _other_series(section, force_id, name, data_dir, measures, quarter, audience)
    return section


def _charge_rate_latest(row: pd.Series, latest_q: Quarter) -> Latest:
    """The force's closed-basis charge rate in its latest quarter, in percent, with its counts and release date."""
    return Latest(
        100 * row["rate"],
        100 * row["lower"],
        100 * row["upper"],
        "percent",
        latest_q.id,
        "quarter",
        period_label(latest_q.id, "quarter"),
        OUTCOMES_SOURCE,
        row["charges"],
        row["assigned"],
        row["note"],
        official_stats.release_known_at(latest_q.end).isoformat(),
    )


def _earlier_quarter_comparisons(mine: pd.DataFrame, latest_q: Quarter, latest_value: float) -> list[Comparison]:
    """Plain differences from the previous quarter and the same quarter a year earlier, where the force has them."""
    comparisons = []
    for label, other in (
        ("the previous quarter", latest_q.previous()),
        ("the same quarter a year earlier", latest_q.minus(4)),
    ):
        if other.id in mine.index:
            o = mine.loc[other.id]
            comparisons.append(
                Comparison(
                    label,
                    other.label,
                    100 * o["rate"],
                    latest_value - 100 * o["rate"],
                    "plain difference; change over time is judged by the p′ chart",
                )
            )
    return comparisons


def _national_comparison(funnel: FunnelPosition, nat, latest_q: Quarter, latest_value: float) -> Comparison:
    """The force against the national rate, outside or not by its place on the funnel plot."""
    return Comparison(
        NATIONAL_NAME,
        latest_q.label,
        100 * nat["rate"],
        latest_value - 100 * nat["rate"],
        f"outside the 95% funnel limit around the {NATIONAL_NAME} rate ({FUNNEL_NOTE})",
        significant=funnel.classification != "within",
    )


def _charge_rate_spc(
    mine: pd.DataFrame, name: str, measure, nat, latest_q: Quarter, national_rates: pd.Series
) -> spc.SpcSummary | None:
    """A Laney p′ chart of the force's last :data:`SPC_QUARTERS` quarters, against the national rate; the
    assurance sentence follows the meaning rules (:func:`_apply_reading`), the recent run taken against
    ``national_rates`` (the England and Wales rate of each quarter, as proportions by period id)."""
    periods = sorted(mine.index, key=lambda p: Quarter.of(p).index)[-SPC_QUARTERS:]
    subject = f"{name}'s charge rate"
    if len(periods) < spc.MIN_POINTS:
        return None
    used = mine.loc[periods]
    chart = spc.pprime(used["charges"], used["assigned"], dn.spc_direction(measure.direction), labels=periods)
    comparator_label = f"the {NATIONAL_NAME} rate for {latest_q.label} ({100 * nat['rate']:.1f}%)"
    labels = [Quarter.of(p).label for p in periods]
    summary = spc.summarise(
        chart,
        measure.direction,
        subject,
        labels,
        float(nat["rate"]),
        comparator_label,
        lambda v: format_value(v, "percent"),
        100.0,
        "percent",
    )
    run = meaning.recent_run(used["charges"] / used["assigned"], national_rates.reindex(periods), labels)
    return _apply_reading(summary, run, f"the {NATIONAL_NAME} rate of the same quarter")


def _apply_reading(summary: spc.SpcSummary, run: meaning.RecentRun | None, run_comparator: str) -> spc.SpcSummary:
    """Replace the assurance sentence and tile words where a meaning rule says the SPC verdict cannot stand:
    a "consistently" verdict beside a latest figure on the other side (class 2 of issue 18), or "hit and
    miss" while the recent run sits wholly on one side (class 1)."""
    if summary.assurance is None or summary.comparator is None or summary.chart is None:
        return summary
    last = summary.chart.points.iloc[-1]
    reading = meaning.assurance_reading(
        summary.assurance, last["lpl"], last["upl"], last["value"], summary.comparator, summary.measure_direction, run
    )
    if reading.rule not in (meaning.LATEST_CONTRADICTS, meaning.TOO_WIDE_RECENT_RUN, meaning.TOO_WIDE_SHORT_RUN):
        return summary
    shown = lambda v: format_value(summary.scale * v, summary.unit)  # noqa: E731
    summary.assurance_rule = reading.rule
    summary.assurance_text = dn.reading_text(
        reading.rule,
        summary.subject,
        summary.comparator_label,
        f"{shown(last['lpl'])} to {shown(last['upl'])}",
        reading.limits_side,
        reading.latest_side,
        shown(last["value"]),
        run,
        run_comparator,
    )
    summary.assurance_words = dn.reading_tile_words(
        reading.rule,
        reading.latest_side,
        run.length if run else 0,
        run.side if run else "",
        f"the {NATIONAL_NAME} rate",
    )
    return summary


def _extras(force_id, key, exclude, data_dir, measures, quarter, audience=Audience.INTERNAL) -> list[dict]:
    """The latest observation, as at ``quarter``, of every other measure for this key measure and force."""
    obs = observations(data_dir, as_at=quarter, audience=audience)
    ids = [m.id for m in measures.values() if m.key_measure == key and m.id not in exclude]
    mine = obs[(obs["force_id"] == force_id) & obs["measure_id"].isin(ids) & obs["value"].notna()]
    out = []
    for measure_id, grp in mine.groupby("measure_id", sort=True):
        grp = grp.assign(_end=[period_end(p, t) for p, t in zip(grp["period"], grp["period_type"])])
        r = grp.sort_values(["_end", "period"]).iloc[-1]
        m = measures[measure_id]
        out.append(
            {
                "measure_id": measure_id,
                "title": m.title,
                "value": float(r["value"]),
                "unit": m.unit,
                "period": r["period"],
                "period_type": r["period_type"],
                "period_label": period_label(r["period"], r["period_type"]),
                "source": r["source"],
                "registry": m.registry,
                "note": r["note"],
                "known_at": str(r.get("known_at", "") or ""),
            }
        )
    return out


def format_value(value: float, unit: str) -> str:
    """A measure value in its unit, as the reports print it."""
    return {
        "percent": f"{value:.1f}%",
        "ratio": f"{value:.2f}",
        "minutes": f"{value:g} minutes",
        "seconds": f"{value:g} seconds",
        "rate_per_1000": f"{value:.1f} per 1,000",
    }.get(unit, f"{value:,.0f}")


def _generic_section(
    force_id, key, quarter: Quarter, data_dir, measures, exclude=frozenset(), audience=Audience.INTERNAL
) -> MeasureSection:
    """Any key measure without a bespoke treatment: headline official data, else force-supplied.

    ``exclude``: measure ids another section shows itself (never picked as the headline or listed)."""
    name = get_force(force_id, data_dir).name
    headline = measures.get(HEADLINE[key])
    section = MeasureSection(
        key,
        dict(KEY_MEASURES)[key],
        False,
        official_source=headline.official_source if headline else "",
        official_registered=headline is not None,
        force_name=name,
    )
    extras = _extras(force_id, key, CONTEXT_MEASURES | set(exclude), data_dir, measures, quarter, audience)
    official = [e for e in extras if e["measure_id"] == HEADLINE[key]]
    ranked = official or sorted(extras, key=lambda e: _headline_rank(e, key, measures))
    section.census = _census_context(force_id, key, data_dir, ranked[0] if ranked else None)
    if not ranked:
        return section
    top = ranked[0]
    measure = measures[top["measure_id"]]
    section.has_data = True
    section.direction = measure.direction
    section.measure_id, section.measure_title = top["measure_id"], top["title"]
    section.force_supplied = measure.registry != "official"
    section.latest = Latest(
        top["value"],
        None,
        None,
        top["unit"],
        top["period"],
        top["period_type"],
        top["period_label"],
        top["source"],
        note=top["note"],
        known_at=top.get("known_at", ""),
    )
    section.extra = [e for e in extras if e is not top]
    comp = _previous_comparison(force_id, top, data_dir, quarter, audience)
    if comp:
        section.comparisons.append(comp)
    history = _series(force_id, top, data_dir, quarter, audience)
    section.points = len(history)
    section.spc = _generic_spc(history, name, measure, top, data_dir, quarter)
    if section.spc:
        section.extra_figures = [(Chart.SPC, {"summary": section.spc, "title": f"{name}: {top['title']}"})]
    if dn.normalise(measure.direction) == dn.PARITY:
        section.trend, section.parity_interval = _parity_projection(history)
    _other_series(section, force_id, name, data_dir, measures, quarter, audience)
    return section


def _other_series(
    section: MeasureSection, force_id, name, data_dir, measures, quarter, audience=Audience.INTERNAL
) -> None:
    """Process-behaviour verdicts for the section's other figures that form a time series: each other figure
    gets its number of points (``points``) and, when long enough, its summary (``spc``) and a chart."""
    for e in section.extra:
        history = _series(force_id, e, data_dir, quarter, audience)
        e["points"] = len(history)
        if len(history) < 2:
            continue
        summary = _generic_spc(history, name, measures[e["measure_id"]], e, data_dir, quarter)
        if summary is None:
            continue
        e["spc"] = summary
        end = period_end(e["period"], e["period_type"])
        if meaning.figure_incomplete(e["measure_id"], end, quarter):
            # the text draws no verdict from a series whose latest quarters are still filling in (class 5); a chart
            # with special-cause markers beside it would draw one anyway
            continue
        section.extra_figures.append((Chart.SPC, {"summary": summary, "title": f"{name}: {e['title']}"}))


def lower_first(title: str) -> str:
    """'Domestic abuse arrest rate' -> 'domestic abuse arrest rate'; 'DVPN to DVPO' stays as it is."""
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def _series(force_id, top: dict, data_dir, quarter, audience=Audience.INTERNAL) -> pd.DataFrame:
    """Every observation of the headline measure for the force, same period type, as at ``quarter``,
    in time order (the latest last)."""
    obs = observations(data_dir, as_at=quarter, audience=audience)
    same = obs[
        (obs["force_id"] == force_id)
        & (obs["measure_id"] == top["measure_id"])
        & (obs["period_type"] == top["period_type"])
        & obs["value"].notna()
    ]
    same = same.assign(_end=[period_end(p, t) for p, t in zip(same["period"], same["period_type"])])
    return same.sort_values(["_end", "period"]).drop_duplicates("period", keep="last").reset_index(drop=True)


def _generic_spc(history: pd.DataFrame, name: str, measure, top: dict, data_dir, quarter) -> spc.SpcSummary | None:
    """A process-behaviour chart of the latest points of a series, with a comparator where one exists
    (the England and Wales value for the latest period, or parity, 1, for a parity ratio).

    Charge rates (``charge_rate_*``, tens of thousands of outcomes a quarter) get a Laney p′ chart of the
    last :data:`SPC_QUARTERS` quarters; any other series an XmR chart of its last :data:`SPC_MAX_POINTS`
    points. Points the source marks as incomplete are left off (and the method sentence says so)."""
    incomplete = history["note"].str.contains("incomplete", case=False, na=False)
    history = history[~incomplete]
    counts = measure.id.startswith("charge_rate_") and history["denominator"].gt(0).all()
    used = history.iloc[-(SPC_QUARTERS if counts else SPC_MAX_POINTS) :]
    if len(used) < spc.MIN_POINTS:
        return None
    labels = [period_label(p, t) for p, t in zip(used["period"], used["period_type"])]
    if counts:
        chart = spc.pprime(
            used["numerator"], used["denominator"], dn.spc_direction(measure.direction), labels=list(used["period"])
        )
        scale = 100.0
    else:
        level = float(used["value"].mean())
        chart = spc.xmr(used["value"], dn.spc_direction(measure.direction, level), labels=list(used["period"]))
        scale = 1.0
    comparator, comparator_label = None, ""
    if dn.normalise(measure.direction) == dn.PARITY:
        comparator, comparator_label = 1.0, "parity (a ratio of 1)"
    else:
        obs = observations(data_dir, as_at=quarter)
        nat = obs[
            (obs["force_id"] == NATIONAL_ID)
            & (obs["measure_id"] == top["measure_id"])
            & (obs["period"] == used["period"].iloc[-1])
            & obs["value"].notna()
        ]
        if not nat.empty:
            shown = float(nat["value"].iloc[0])
            comparator = shown / scale
            comparator_label = (
                f"the {NATIONAL_NAME} figure for {labels[-1].split(' (')[0]} ({format_value(shown, top['unit'])})"
            )
    subject = f"{name}'s {lower_first(top['title'])}"
    summary = spc.summarise(
        chart,
        measure.direction,
        subject,
        labels,
        comparator,
        comparator_label,
        lambda v: format_value(v, top["unit"]),
        scale,
        top["unit"],
    )
    if incomplete.any():
        summary.method_text += (
            f" {int(incomplete.sum())} later point(s) are left off because the source marks them incomplete."
        )
    return summary


def _parity_projection(history: pd.DataFrame) -> tuple[stats.TrendResult | None, tuple[float, float] | None]:
    """A year of parity for a parity ratio, only when moving towards 1 with enough points: the straight line
    and the 95% interval on the year (None, None with too few points; no interval when there is no year;
    :func:`analysis.present.measure_text.parity_text` says which)."""
    n = len(history)
    if n < PARITY_MIN_POINTS:
        return None, None
    years = [
        period_end(p, t).year + (period_end(p, t).timetuple().tm_yday / 366)
        for p, t in zip(history["period"], history["period_type"])
    ]
    trend = stats.trend_to_parity(years, history["value"], 1.0)
    if trend.parity_year is None:
        return trend, None
    # the line passes through the mean point; the slope's interval gives an interval on the year
    x_bar, y_bar = float(np.mean(years)), float(np.mean(history["value"]))
    low, high = sorted(x_bar + (1.0 - y_bar) / b for b in (trend.slope_lower, trend.slope_upper))
    return trend, (low, high)


def _headline_rank(extra: dict, key: str, measures) -> tuple:
    """Prefer performance measures (not 'neutral'), then on-topic ones, then the most recent."""
    m = measures[extra["measure_id"]]
    on_topic = key != "workforce-representation" or "ethnic" in m.id
    return (
        m.direction == "neutral",
        not on_topic,
        -period_end(extra["period"], extra["period_type"]).toordinal(),
        m.id,
    )


def _previous_comparison(force_id, top: dict, data_dir, quarter, audience=Audience.INTERNAL) -> Comparison | None:
    """Latest against the previous observation of the same measure and period type: a plain difference."""
    history = _series(force_id, top, data_dir, quarter, audience)
    latest_end = period_end(top["period"], top["period_type"])
    earlier = history[history["_end"] < latest_end]
    if earlier.empty:
        return None
    prev = earlier.iloc[-1]
    label = period_label(prev["period"], prev["period_type"])
    return Comparison(
        "the previous period",
        label,
        float(prev["value"]),
        float(top["value"] - prev["value"]),
        "plain difference; change over time is judged by the process chart",
    )


def _census_context(force_id, key, data_dir, top: dict | None = None) -> CensusContext | None:
    """For workforce representation: the Census 2021 population to compare with (Census 2011 in a data tree
    without the 2021 files), and the ratio when the headline figure is an ethnic minority share (1 means
    the figure mirrors the population). None for other key measures or a force with no census row."""
    if key != "workforce-representation":
        return None
    try:
        census, year = census2021_by_force(data_dir).set_index("force_id"), "2021"
    except FileNotFoundError:  # a data tree without the Census 2021 files: the words say which census is used
        census, year = census_table(data_dir).set_index("force_id"), "2011"
    if force_id not in census.index:
        return None
    r = census.loc[force_id]
    groups = tuple((label, float(r[col])) for col, label in BROAD_GROUP_LABELS) if year == "2021" else ()
    context = CensusContext(year, float(r["minority"]), float(r["total"]), groups)
    if top is not None and top["unit"] == "percent" and "ethnic_minority_share" in top["measure_id"]:
        ratio = stats.representation_ratio(top["value"] / 100, r["minority"] / r["total"])
        context = dataclasses.replace(
            context,
            ratio=float(ratio),
            figure_measure_id=top["measure_id"],
            figure_title=top["title"],
            figure_period_label=top["period_label"],
        )
    return context


BROAD_GROUP_LABELS = (
    ("asian", "Asian"),
    ("black", "Black"),
    ("mixed", "Mixed"),
    ("white", "White"),
    ("other", "Other"),
)  # the five ONS broad groups, in ONS order


# --------------------------------------------------------------------------- fairness indicator (16.i)
FAIRNESS_MEASURE = "stop_search_black_white_ratio"
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


FAIRNESS_IDS = frozenset(
    {FAIRNESS_MEASURE, "stop_search_rate_black", "stop_search_rate_white", "stop_search_ethnicity_unrecorded_share"}
)


def fairness_section(
    force_id, quarter: Quarter, data_dir=None, measures=None, audience=Audience.INTERNAL
) -> MeasureSection:
    """Recommendation 16.i. The stop and search fairness indicator leads for every force (so the section's
    latest figure, and the trust tile drawn from it, is the same kind of figure for all 43 forces in every
    quarter: issue 18 class 10); any other trust and confidence figures the force supplies (its own survey,
    say) follow it as other figures. The national survey (CSEW) series is attached as England and Wales
    context (``national_context``), never as the force's figure."""
    force = get_force(force_id, data_dir)
    measures = measures or load_registry(data_dir)
    generic = _generic_section(
        force.id,
        "trust-confidence",
        quarter,
        data_dir,
        measures,
        exclude=FAIRNESS_IDS,
        audience=audience,
    )
    if FAIRNESS_MEASURE not in measures:
        return generic
    fair = stop_search_fairness(force.id, quarter, data_dir, measures)
    fair.national_context = csew_context(quarter, data_dir)
    if generic.has_data:
        _follow_with(fair, generic, measures)
    return fair


def csew_context(quarter: Quarter, data_dir=None) -> list[dict]:
    """The national survey figures known by the end of ``quarter``: for each CSEW series, its latest survey
    year published by then (``known_at``: the year's end plus ``CSEW_PUBLICATION_LAG_MONTHS``), with the
    previous survey year. England and Wales only, never a force's figure; empty before any year is known."""
    table = csew.read_csew(data_dir=data_dir)
    lag = settings.CSEW_PUBLICATION_LAG_MONTHS
    out = []
    for series, rows in table.groupby("series", sort=True):
        known = rows.assign(known_at=[disparity.available_from(p, lag) for p in rows["period"]])
        known = known[known_by(known["known_at"], quarter)].sort_values("period")
        if known.empty:
            continue
        now = known.iloc[-1]
        prev = known.iloc[-2] if len(known) > 1 else None
        out.append(
            {
                "series": series,
                "title": now["title"],
                "geography": NATIONAL_NAME,
                "value": float(now["value"]),
                "unit": "percent",
                "period": now["period"],
                "period_label": f"year ending March {now['survey_year']}",
                "known_at": now["known_at"].isoformat(),
                "previous_value": float(prev["value"]) if prev is not None else None,
                "previous_period_label": f"year ending March {prev['survey_year']}" if prev is not None else "",
                "source": CSEW_SOURCE,
                "source_file": f"{csew.CSEW_DIR}/{now['source_file']}",
                "source_rows": now["source_rows"],
            }
        )
    return out


CSEW_SOURCE = "ONS, Crime Survey for England and Wales: perceptions of the police (national figures)"


def _follow_with(fair: MeasureSection, generic: MeasureSection, measures) -> None:
    """The force's other trust figures after the fairness indicator: its headline becomes an other figure."""
    top = generic.latest
    lead = {
        "measure_id": generic.measure_id,
        "title": generic.measure_title,
        "value": top.value,
        "unit": top.unit,
        "period": top.period,
        "period_type": top.period_type,
        "period_label": top.period_label,
        "source": top.source,
        "registry": measures[generic.measure_id].registry,
        "note": top.note,
        "own_lead": True,  # the first of the force's own figures (its sentences are fair.own's)
    }
    if generic.spc is not None:
        lead["spc"] = generic.spc
    fair.own = generic
    fair.extra = [*fair.extra, lead, *generic.extra]
    fair.extra_figures = [*fair.extra_figures, *generic.extra_figures]


def stop_search_fairness(force_id, quarter: Quarter, data_dir=None, measures=None) -> MeasureSection:
    """The stop and search disparity, shown as a fairness indicator (not the review's survey measure of the
    trust gap), for the latest financial year published by the end of the report quarter."""
    force = get_force(force_id, data_dir)
    name = force.name
    measures = measures or load_registry(data_dir)
    measure = measures[FAIRNESS_MEASURE]
    section = _new_section("trust-confidence", measure, name, kind="stop_search")
    table = _fairness_table(data_dir)
    lag = settings.STOP_SEARCH_PUBLICATION_LAG_MONTHS
    latest = disparity.latest_as_at(table, quarter, force.id, lag)
    if latest.empty:
        return section
    row = latest.iloc[0]
    year = period_label(row["period"], "financial_year")
    section.has_data = True
    national = disparity.latest_as_at(table, quarter, disparity.NATIONAL_ID, lag)
    nat = national.iloc[0] if not national.empty else None
    figures = StopSearchFigures(_stop_search_year(row), _stop_search_year(nat) if nat is not None else None)
    section.figure, section.figure_kwargs = (
        Chart.STOP_SEARCH_FUNNEL,
        {"force_id": force.id, "period": row["period"], "data_dir": data_dir},
    )
    if not math.isfinite(row["ratio"]):
        section.latest = _no_ratio_latest(row, year)
        section.stop_search = figures
        return section
    section.latest = _ratio_latest(row, year)
    figures = _against_national(section, figures, force.id, quarter, data_dir)
    section.stop_search = _against_previous_year(section, figures, table, force.id)
    section.extra = _fairness_extras(row, year, measures)
    return section


def _stop_search_year(row) -> StopSearchYear:
    number = lambda col: float(row[col]) if col in row and row[col] is not None else float("nan")  # noqa: E731
    return StopSearchYear(
        period=str(row["period"]),
        period_label=period_label(row["period"], "financial_year"),
        ratio=number("ratio"),
        lower=number("lower"),
        upper=number("upper"),
        black_rate=number("black_rate"),
        white_rate=number("white_rate"),
        census_year=str(row.get("census_year", "")),
        unknown_share=number("unknown_share"),
        all_searches=number("all_searches"),
        unknown_searches=number("unknown_searches"),
        black_searches=number("black_searches"),
        white_searches=number("white_searches"),
        note=str(row.get("note", "") or ""),
    )


def _no_ratio_latest(row, year: str) -> Latest:
    """A year with no ratio (no resident rate, or no searches of one group): no value, the source's note."""
    return Latest(
        float("nan"),
        None,
        None,
        "ratio",
        row["period"],
        "financial_year",
        year,
        disparity.STOP_SEARCH_SOURCE,
        note=row["note"],
    )


def _ratio_latest(row, year: str) -> Latest:
    return Latest(
        float(row["ratio"]),
        float(row["lower"]),
        float(row["upper"]),
        "ratio",
        row["period"],
        "financial_year",
        year,
        disparity.STOP_SEARCH_SOURCE,
        note=f"Census {row['census_year']} populations",
    )


def _against_national(section, figures: StopSearchFigures, force_id, quarter, data_dir) -> StopSearchFigures:
    """The England and Wales ratio against the force's interval, and the funnel position."""
    now, nat = figures.year, figures.national
    if nat is None or not math.isfinite(nat.ratio):
        return figures
    placed = national_fairness_table(quarter, data_dir).set_index("force_id")
    place = ""
    if force_id in placed.index and placed.at[force_id, "funnel"] not in ("", "no ratio"):
        place = str(placed.at[force_id, "funnel"])
    section.comparisons.append(
        Comparison(
            NATIONAL_NAME,
            now.period_label,
            nat.ratio,
            now.ratio - nat.ratio,
            "England and Wales ratio against the force's 95% interval",
            significant=not (now.lower <= nat.ratio <= now.upper),
        )
    )
    return dataclasses.replace(figures, funnel=place)


def _against_previous_year(section, figures: StopSearchFigures, table, force_id) -> StopSearchFigures:
    """The force's previous year with a ratio, and whether the change is statistically significant."""
    now = figures.year
    earlier = table[(table["force_id"] == force_id) & (table["period"] < now.period)].dropna(subset=["ratio"])
    if earlier.empty:
        return figures
    prev = _stop_search_year(earlier.sort_values("period").iloc[-1])
    significant, method = _ratio_change(now, prev)
    section.comparisons.append(
        Comparison(
            "the previous year",
            prev.period_label,
            prev.ratio,
            now.ratio - prev.ratio,
            method,
            significant=significant,
        )
    )
    return dataclasses.replace(figures, previous=prev, previous_significant=significant)


def _fairness_extras(row, year: str, measures) -> list[dict]:
    return [
        {
            "measure_id": mid,
            "title": measures[mid].title,
            "value": float(value),
            "unit": measures[mid].unit,
            "period": row["period"],
            "period_type": "financial_year",
            "period_label": year,
            "source": disparity.STOP_SEARCH_SOURCE,
            "registry": measures[mid].registry,
            "note": "",
        }
        for mid, value in (
            ("stop_search_rate_black", row["black_rate"]),
            ("stop_search_rate_white", row["white_rate"]),
            ("stop_search_ethnicity_unrecorded_share", row["unknown_share"]),
        )
    ]


def national_fairness_table(quarter: Quarter, data_dir=None) -> pd.DataFrame:
    """Every force's stop and search disparity for the latest year published by the end of ``quarter``.

    Rows in alphabetical order of force name (not ranked), England and Wales last. British Transport
    Police is left out (not a territorial force); the City of London has no ratio (no resident rate).
    ``funnel`` places each ratio against limits around the England and Wales ratio on the log scale,
    widened for over-dispersion (``phi``), as the chart draws them.
    """
    table = _fairness_table(data_dir)
    table = table[table["force_id"] != "british-transport-police"]
    rows = disparity.latest_as_at(table, quarter, lag_months=settings.STOP_SEARCH_PUBLICATION_LAG_MONTHS)
    if rows.empty:  # no stop and search data in this tree (or none published yet): an empty table, not a KeyError
        return rows.reindex(columns=[*table.columns, "force_name"])
    names = {f.id: f.name for f in all_forces(data_dir)}
    names[disparity.NATIONAL_ID] = NATIONAL_NAME
    rows = rows.assign(force_name=rows["force_id"].map(names))
    forces = rows[rows["force_id"] != disparity.NATIONAL_ID].dropna(subset=["ratio", "lower", "upper"])
    national = rows[rows["force_id"] == disparity.NATIONAL_ID]
    target = float(national["ratio"].iloc[0]) if len(national) else float("nan")
    phi = (
        disparity.ratio_overdispersion(
            forces["ratio"], disparity.log_ratio_se(forces["lower"], forces["upper"]), target
        )
        if len(forces) and math.isfinite(target)
        else 1.0
    )
    rows = rows.assign(
        funnel=disparity.classify_ratio_funnel(rows["ratio"], rows["lower"], rows["upper"], target, phi), phi=phi
    )
    rows.loc[rows["force_id"] == disparity.NATIONAL_ID, "funnel"] = ""
    rows = rows.assign(_national=rows["force_id"] == disparity.NATIONAL_ID)
    return rows.sort_values(["_national", "force_name"]).drop(columns="_national").reset_index(drop=True)


# --------------------------------------------------------------------------- proxy for 16.v
def rape_to_court_section(
    force_id, quarter: Quarter, data_dir=None, measures=None, audience=Audience.INTERNAL
) -> MeasureSection:
    """Recommendation 16.v: the review's measure when loaded; otherwise sexual-offence charges, named as a proxy."""
    measures = measures or load_registry(data_dir)
    generic = _generic_section(
        get_force(force_id, data_dir).id, "rape-to-court", quarter, data_dir, measures, audience=audience
    )
    charges_file = config.measures_raw_dir(data_dir) / "home-office-outcomes" / disparity.OFFENCE_YEAR_FILE
    if (
        (generic.has_data and generic.measure_id != SEXUAL_OFFENCES_PROXY)
        or SEXUAL_OFFENCES_PROXY not in measures
        or not charges_file.exists()
    ):
        return generic
    return sexual_offences_proxy_section(force_id, quarter, data_dir, measures)


def sexual_offences_proxy_section(force_id, quarter: Quarter, data_dir=None, measures=None) -> MeasureSection:
    """Sexual offences charged or summonsed per financial year (closed basis): a count, named as a proxy."""
    force = get_force(force_id, data_dir)
    name = force.name
    measures = measures or load_registry(data_dir)
    measure = measures[SEXUAL_OFFENCES_PROXY]
    headline = measures.get(HEADLINE["rape-to-court"])
    section = _new_section(
        "rape-to-court",
        measure,
        name,
        official_source=headline.official_source if headline else measure.official_source,
        proxy_note=_registry_field(data_dir, SEXUAL_OFFENCES_PROXY, "proxy_note"),
        kind="count_proxy",
    )
    charges = disparity.sexual_offence_charges(data_dir)
    mine = charges[charges["force_id"] == force.id]
    # a year counts only once it is published (the release rule of official_stats), not once it has ended
    usable = mine[[disparity.year_published_by(p, quarter.end) for p in mine["period"]]].sort_values("period")
    if usable.empty:
        return section
    row = usable.iloc[-1]
    year = period_label(row["period"], "financial_year")
    section.has_data = True
    section.latest = Latest(
        float(row["charges"]),
        None,
        None,
        "count",
        row["period"],
        "financial_year",
        year,
        disparity.SEXUAL_OFFENCES_SOURCE,
        numerator=float(row["charges"]),
        note=row["note"],
    )
    if len(usable) > 1:
        prev = usable.iloc[-2]
        section.comparisons.append(
            Comparison(
                "the previous year",
                period_label(prev["period"], "financial_year"),
                float(prev["charges"]),
                float(row["charges"] - prev["charges"]),
                "counts only, so no significance test",
            )
        )
    window = usable.tail(SEXUAL_OFFENCES_TREND_YEARS)
    section.recent_counts = [(str(p), float(v)) for p, v in zip(window["period"], window["charges"])]
    section.count_note = next((n for n in reversed(list(usable["note"])) if n), "")
    nat = charges[(charges["force_id"] == disparity.NATIONAL_ID) & (charges["period"] == row["period"])]
    section.national_count = float(nat["charges"].iloc[0]) if not nat.empty else None
    return section


def _registry_field(data_dir, measure_id: str, field_name: str) -> str:
    """A registry field the Measure record does not carry (e.g. ``proxy_note``), read from the YAML."""
    return str(registry_entry(measure_id, data_dir).get(field_name) or "").strip()


def measure_sections(
    force_id: str, quarter: Quarter, data_dir=None, audience: Audience = Audience.INTERNAL
) -> list[MeasureSection]:
    """One :class:`MeasureSection` per Casey key measure, in the review's order.

    ``quarter`` is the reporting quarter; quarterly
    measures use it if present, else the most recent quarter before it (and say so). For the public
    audience, force-supplied rows not marked for the public are left out before anything is computed.
    """
    force_id = get_force(force_id, data_dir).id
    measures = load_registry(data_dir)
    sections = []
    for key, _ in KEY_MEASURES:
        if key == "charge-rate":
            sections.append(_charge_rate_section(force_id, quarter, data_dir, measures, audience))
        elif key == "trust-confidence":
            sections.append(fairness_section(force_id, quarter, data_dir, measures, audience))
        elif key == "rape-to-court":
            sections.append(rape_to_court_section(force_id, quarter, data_dir, measures, audience))
        else:
            section = _generic_section(force_id, key, quarter, data_dir, measures, audience=audience)
            if key == "workforce-representation":
                section.figure = Chart.REPRESENTATION
                section.figure_kwargs = {
                    "force_id": force_id,
                    "data_dir": data_dir,
                    "quarter": quarter.id,
                    "audience": audience,
                }
            sections.append(section)
    return sections


def national_measure_table(quarter: Quarter, data_dir=None, basis: str = "closed") -> pd.DataFrame:
    """Every force's charge rate for one quarter with Wilson CI and funnel classification.

    Rows are in registry (alphabetical) order, not ranked: this is not a league table.
    ``funnel`` uses limits widened for over-dispersion; ``funnel_unadjusted`` plain
    binomial limits. Rates are percentages.
    """
    path = config.measures_raw_dir(data_dir) / "home-office-outcomes" / "force_quarter.csv"
    stamp = (_file_stamp(path), _file_stamp(config.forces_file(data_dir)))
    return _national_table_cached(str(config.data_dir(data_dir)), stamp, quarter, basis).copy()


def _file_stamp(path):
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=16)
def _national_table_cached(root: str, _stamp, q: Quarter, basis: str) -> pd.DataFrame:
    """Common to every report of a quarter, so computed once per worker (keyed by the input files' stamps)."""
    data_dir = root
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
    out = pd.DataFrame(
        {
            "force_id": rows["force_id"].to_numpy(),
            "force_name": rows["force_id"].map(names).to_numpy(),
            "period": q.id,
            "basis": basis,
            "charges": rows["charges"].to_numpy(),
            "assigned": rows["assigned"].to_numpy(),
            "rate_pct": 100 * rows["rate"].to_numpy(),
            "lower_pct": 100 * rows["lower"].to_numpy(),
            "upper_pct": 100 * rows["upper"].to_numpy(),
            "funnel": stats.classify_funnel(rows["charges"].to_numpy(), rows["assigned"].to_numpy(), target, phi=phi),
            "funnel_unadjusted": stats.classify_funnel(rows["charges"].to_numpy(), rows["assigned"].to_numpy(), target),
            "national_rate_pct": 100 * target,
            "national_charges": nat["charges"],
            "national_assigned": nat["assigned"],
            "phi": phi,
            "note": rows["note"].to_numpy(),
        }
    )
    return out.sort_values("force_name").reset_index(drop=True)


def national_spc_table(quarter: Quarter, data_dir=None, basis: str = "closed") -> pd.DataFrame:
    """Every force's charge-rate process-behaviour verdicts as at ``quarter`` (one row per force).

    The same Laney p′ chart as the force reports (the last :data:`SPC_QUARTERS` quarters up to
    ``quarter``) with assurance against the England and Wales rate for ``quarter``. Columns: force_id,
    force_name, period, rate_pct, variation, assurance, rule (the latest point's rule, '' for none),
    n_points, and what the verdicts rest on (for the claims ledger): first_period, charges and assigned
    (the latest quarter), centre_pct, lower_limit_pct and upper_limit_pct (the latest point's process
    limits) and national_rate_pct (the comparator). A force with too few quarters has variation
    'too_few_points' and no assurance. Rows are alphabetical by force name: this is not a league table.
    """
    q = quarter
    series = charge_rate_series(data_dir, through=q)  # q is the data's quarter, already known by the report's end
    series = series[series["basis"] == basis].dropna(subset=["assigned"])
    national = national_series(data_dir, through=q)
    nat = national[(national["basis"] == basis) & (national["period"] == q.id)]
    if nat.empty:
        raise KeyError(f"no {basis}-basis national charge rate for {q.label}")
    target = float(nat["rate"].iloc[0])
    rows = []
    for force in all_forces(data_dir):
        mine = series[series["force_id"] == force.id]
        periods = sorted(mine["period"], key=lambda p: Quarter.of(p).index)[-SPC_QUARTERS:]
        row = {
            "force_id": force.id,
            "force_name": force.name,
            "period": periods[-1] if periods else "",
            "rate_pct": float("nan"),
            "variation": "too_few_points",
            "assurance": None,
            "rule": "",
            "n_points": len(periods),
            "first_period": periods[0] if periods else "",
            "charges": float("nan"),
            "assigned": float("nan"),
            "centre_pct": float("nan"),
            "lower_limit_pct": float("nan"),
            "upper_limit_pct": float("nan"),
            "national_rate_pct": 100 * target,
        }
        if len(periods) >= spc.MIN_POINTS:
            used = mine.set_index("period").loc[periods]
            chart = spc.pprime(used["charges"], used["assigned"], "increase", labels=periods)
            last = chart.points.iloc[-1]
            row.update(
                rate_pct=100 * float(last["value"]),
                variation=chart.variation,
                assurance=chart.assurance(target),
                rule="" if last["special_cause_type"] == "Common Cause" else last["special_cause_type"],
                charges=float(last["numerator"]),
                assigned=float(last["denominator"]),
                centre_pct=100 * float(chart.mean),
                lower_limit_pct=100 * float(last["lpl"]),
                upper_limit_pct=100 * float(last["upl"]),
            )
        rows.append(row)
    return pd.DataFrame(rows).sort_values("force_name").reset_index(drop=True)
