"""Charts for the key measures. Each function returns ``(figure, alt_text)``.

Figure functions start with ``chart_`` (data functions are nouns in :mod:`analysis.compute.access`).
The alt text says in words what the chart shows, with the numbers, so a screen
reader user gets the same information. Charts are drawn in the house theme
(:func:`analysis.present.style.house_theme.theme`), never a global theme.
The funnel plot is deliberately not a league table: forces are not ranked.
"""

from __future__ import annotations

import numpy as np

from analysis.compute import measure_sections, measures, stats
from analysis.compute.measure_sections import Chart
from analysis.core import settings
from analysis.core.audience import Audience
from analysis.core.forces import get_force
from analysis.core.periods import Quarter, period_label
from analysis.core.settings import TREND_QUARTERS
from analysis.present import style
from analysis.sources.measure_registry import load_registry


def _plt():
    import matplotlib.pyplot as plt

    return plt


def funnel_points() -> dict:
    """How a funnel plot draws the forces that are not picked out: the force page's and the overview's alike."""
    return {"s": 18, "color": style.OTHERS, "edgecolor": style.LIMITS, "linewidth": 0.4, "zorder": 3}


@style.themed
def chart_funnel(force_id: str, quarter, data_dir=None, basis: str = "closed"):
    """Charge rate against outcomes assigned, for every force, with 95% and 99.8% limits.

    Limits are around the England and Wales rate, widened for over-dispersion.
    """
    plt = _plt()
    force = get_force(force_id, data_dir)
    q = Quarter.of(quarter)  # a chart's kwargs hold the quarter's id
    table = measure_sections.national_measure_table(q, data_dir, basis).dropna(subset=["assigned"])
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    target, phi = draw_funnel_limits(ax, table)
    others = table[table["force_id"] != force.id]
    ax.scatter(
        others["assigned"],
        others["rate_pct"],
        label="Other forces",
        **funnel_points(),
    )
    mine = table[table["force_id"] == force.id]
    if not mine.empty:
        ax.scatter(mine["assigned"], mine["rate_pct"], s=60, color=style.HIGHLIGHT, label=force.name, zorder=4)
        ax.annotate(
            force.name,
            (mine["assigned"].iloc[0], mine["rate_pct"].iloc[0]),
            xytext=(6, 6),
            textcoords="offset points",
            color=style.HIGHLIGHT,
            bbox=style.LABEL_BOX,
        )
    style.plain_log_scale(ax, "x")
    ax.set_xlabel(f"Assigned outcomes in the quarter ({basis} basis, log scale)")
    ax.set_ylabel("Charge rate (%)")
    ax.set_title(f"Charge rate by force, {q.label}: funnel plot")
    # below the axes: inside them the legend hid forces' points
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.3)  # room for the legend below
    if mine.empty:
        alt = f"Funnel plot of charge rates for {len(table)} forces in {q.label}; {force.name} has no data."
    else:
        r = mine.iloc[0]
        alt = (
            f"Funnel plot of the charge rate ({basis} basis) for {len(table)} territorial forces in {q.label}, "
            f"plotted against the number of assigned outcomes, with 95% and 99.8% limits around the "
            f"{measures.NATIONAL_NAME} rate of {100 * target:.1f}% (widened for over-dispersion, phi {phi:.0f}). "
            f"{force.name} is highlighted at {r['rate_pct']:.1f}% of {int(r['assigned']):,} outcomes: "
            f"{_funnel_words(r['funnel'])}."
        )
    return fig, alt


def _funnel_words(classification: str) -> str:
    """'within' -> 'inside the 95% limits'; 'above 99.8%' -> 'above the 99.8% limit'."""
    if classification == "within":
        return "inside the 95% limits"
    side, _, level = classification.partition(" ")
    return f"{side} the {level} limit" if level else classification


@style.themed
def chart_charge_rate(
    force_id: str, quarter=None, data_dir=None, basis: str = "closed", n_quarters: int = TREND_QUARTERS
):
    """The force's quarterly charge rate with its 95% interval band, and the national line."""
    plt = _plt()
    force = get_force(force_id, data_dir)
    series = measures.charge_rate_series(data_dir)
    series = series[(series["basis"] == basis) & (series["force_id"] == force.id)].dropna(subset=["assigned"])
    national = measures.national_series(data_dir)
    national = national[national["basis"] == basis]
    last = Quarter.of(quarter) if quarter else Quarter.of(series["period"].max())
    periods = [last.minus(i).id for i in range(n_quarters - 1, -1, -1)]
    mine = series.set_index("period").reindex(periods)
    nat = national.set_index("period").reindex(periods)
    x = np.arange(len(periods))
    labels = [Quarter.of(p).label for p in periods]
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.fill_between(
        x, 100 * mine["lower"], 100 * mine["upper"], color=style.PRIMARY, alpha=0.2, label="95% confidence interval"
    )
    ax.plot(x, 100 * mine["rate"], marker="o", color=style.PRIMARY, label=force.name)
    ax.plot(x, 100 * nat["rate"], color=style.COMPARATOR, lw=1.5, ls="--", label=measures.NATIONAL_NAME)
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("Financial quarter")
    ax.set_ylabel("Charge rate (%)")
    ax.set_title(f"{force.name}: charge rate ({basis} basis), {labels[0]} to {labels[-1]}")
    ax.legend(fontsize=8)
    have = mine["rate"].dropna()
    alt = (
        f"Line chart of {force.name}'s quarterly charge rate ({basis} basis) from {labels[0]} to {labels[-1]} "
        f"with a 95% confidence band and the {measures.NATIONAL_NAME} rate as a dashed line. "
    )
    if len(have):
        alt += (
            f"{force.name} ranged from {100 * have.min():.1f}% to {100 * have.max():.1f}%; in {labels[-1]} it "
            f"was {100 * mine['rate'].iloc[-1]:.1f}% against {100 * nat['rate'].iloc[-1]:.1f}% nationally."
        )
    missing = [lab for lab, v in zip(labels, mine["rate"]) if not np.isfinite(v)]
    if missing:
        alt += f" No usable data for {', '.join(missing)}."
    return fig, alt


def _representation_rows(force, data_dir, quarter, audience: Audience) -> list[tuple]:
    """(who, what and period, share, low, high) in percent: the Census population and officer shares (Wilson
    intervals) for the force and England and Wales, then the force's own shares (no interval)."""
    obs = measures.observations(data_dir, as_at=quarter, audience=audience)
    rows = []
    for who, label in ((force.id, force.name), (measures.NATIONAL_ID, measures.NATIONAL_NAME)):
        for measure_id, what in (
            ("census_2021_ethnic_minority_share", "Population"),
            ("workforce_ethnic_minority_share_officers", "Police officers"),
        ):
            hit = obs[(obs["force_id"] == who) & (obs["measure_id"] == measure_id)].dropna(subset=["value"])
            if hit.empty:
                continue
            r = hit.sort_values("period").iloc[-1]
            p, lo, hi = stats.wilson_interval(r["numerator"], r["denominator"])
            rows.append((label, f"{what}, {period_label(r['period'], r['period_type'])}", 100 * p, 100 * lo, 100 * hi))
    # the force's own ethnic minority shares (joiners, recruits...) where its papers give them
    registry = load_registry(data_dir)
    shares = [
        m.id
        for m in registry.values()
        if m.unit == "percent"
        and "ethnic_minority_share" in m.id
        and m.id
        not in (
            "census_2011_ethnic_minority_share",
            "census_2021_ethnic_minority_share",
            "workforce_ethnic_minority_share_officers",
        )
    ]
    own = obs[(obs["force_id"] == force.id) & obs["measure_id"].isin(shares)].dropna(subset=["value"])
    for r in own.itertuples(index=False):
        title = registry[r.measure_id].title if r.measure_id in registry else r.measure_id
        value = float(r.value)
        rows.append(
            (
                force.name,
                f"{title}, {period_label(r.period, r.period_type)} (force-supplied)",
                value,
                value,
                value,
            )
        )
    return rows


@style.themed
def chart_representation(force_id: str, data_dir=None, quarter=None, audience: Audience = Audience.INTERNAL):
    """Ethnic minority share: population (Census 2021) against officers, where officer data is loaded
    (as at ``quarter`` when given: nothing from a later period)."""
    plt = _plt()
    force = get_force(force_id, data_dir)
    rows = _representation_rows(force, data_dir, quarter, audience)
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    names = [f"{a}: {b}" for a, b, *_ in rows]
    values = [v for *_, v, _, _ in rows]
    colours = [style.PRIMARY if "Population" in n else style.SECONDARY for n in names]
    y = np.arange(len(rows))
    ax.barh(y, values, color=colours)
    ax.errorbar(
        values,
        y,
        xerr=[[v - r[3] for v, r in zip(values, rows)], [r[4] - v for v, r in zip(values, rows)]],
        fmt="none",
        color=style.LIMITS,
        capsize=3,
    )
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Ethnic minority share (%)")
    ax.set_title(f"{force.name}: ethnic minority share of population and workforce")
    parts = [f"{n} {v:.1f}%" for n, v in zip(names, values)]
    alt = "Bar chart of ethnic minority shares. " + "; ".join(parts) + "."
    if not any("officers" in n.lower() or "force-supplied" in n for n in names if n.startswith(force.name)):
        alt += f" No officer ethnicity data is loaded for {force.name}, so only the population share is shown."
    return fig, alt


# special-cause points: colour AND marker shape, so the chart reads without colour
POINT_STYLES = {
    "common_cause": ("Common cause", style.SPC_COMMON, "o"),
    "special_cause_improvement": ("Special cause, improving", style.SPC_IMPROVING, "^"),
    "special_cause_concern": ("Special cause, concerning", style.SPC_CONCERNING, "v"),
    "special_cause_neutral_high": ("Special cause, neutral (high)", style.SPC_NEUTRAL, "D"),
    "special_cause_neutral_low": ("Special cause, neutral (low)", style.SPC_NEUTRAL, "s"),
}
VARIATION_WORDS = {
    "common_cause": "common-cause variation only",
    "special_cause_improving": "special cause, improving",
    "special_cause_concerning": "special cause, concerning",
    "special_cause_neutral": "special cause, neither improving nor concerning",
}
ASSURANCE_WORDS = {
    "consistently_passes": "consistently passes",
    "consistently_fails": "consistently fails",
    "hit_and_miss": "hit and miss",
    None: "no assurance verdict",
}


def _assurance_alt(summary) -> str:
    """The alt text's assurance words: the meaning rule's words where one overrides the SPC verdict (issue 18,
    classes 1 and 2), so a screen reader never hears "consistently fails" beside a body that says the limits
    do not support that verdict."""
    if summary.assurance_rule and summary.assurance_words:
        return f"{summary.assurance_words[0].lower()}{summary.assurance_words[1:]}"
    return ASSURANCE_WORDS[summary.assurance]


@style.themed
def chart_spc(summary, title: str, ylabel: str | None = None):
    """A process-behaviour chart (XmR or Laney p′) from an :class:`analysis.compute.spc.SpcSummary`:
    the values, the centre line, the process limits, the comparator line and special-cause points
    marked by colour and shape. The alt text states both verdicts."""
    plt = _plt()
    pts, k = summary.chart.points, summary.scale
    x = np.arange(len(pts))
    unit = "%" if summary.unit == "percent" else ""
    fig, ax = plt.subplots(figsize=(7.5, 4.9))
    ax.plot(x, k * pts["value"], color=style.SPC_COMMON, lw=1, zorder=2)
    ax.step(x, k * pts["upl"], where="mid", color=style.SPC_COMMON, lw=1, ls="--", label="Process limits")
    ax.step(x, k * pts["lpl"], where="mid", color=style.SPC_COMMON, lw=1, ls="--")
    ax.step(x, k * pts["centre"], where="mid", color=style.SPC_CENTRE, lw=1.2, label="Centre line (mean)")
    if summary.comparator is not None:
        ax.axhline(
            k * summary.comparator,
            color=style.SPC_COMPARATOR,
            lw=1.5,
            ls=":",
            label=f"Comparator: {summary.comparator_label}",
        )
    for point_type, (label, colour, marker) in POINT_STYLES.items():
        hit = (pts["point_type"] == point_type).to_numpy()
        if hit.any():
            ax.scatter(
                x[hit],
                k * pts["value"].to_numpy()[hit],
                s=40 if point_type == "common_cause" else 70,
                color=colour,
                marker=marker,
                edgecolor="white",
                linewidth=0.6,
                label=label,
                zorder=3,
            )
    step = -(-len(x) // 10)  # at most 10 labels: each rotated label costs time to lay out
    ax.set_xticks(
        x[::step], [lab.split(" (")[0] for lab in summary.period_labels][::step], rotation=45, ha="right", fontsize=8
    )
    ax.set_ylabel(ylabel or f"{title.split(': ', 1)[-1]}{f' ({unit})' if unit else ''}")  # wrapped, never cut
    method = "Laney p′ chart" if summary.method == "pprime" else "XmR chart"
    ax.set_title(f"{title}: {method}", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.35)  # room for the legend below
    short = [lab.split(" (")[0] for lab in summary.period_labels]
    special = [
        f"{lab} ({POINT_STYLES[t][0].lower()})" for lab, t in zip(short, pts["point_type"]) if t != "common_cause"
    ]
    alt = (
        f"{method} of {title}, {short[0]} to {short[-1]}, {len(x)} points, "
        f"with the centre line at {k * summary.chart.mean:.1f}{unit} and process limits "
        f"{k * pts['lpl'].iloc[-1]:.1f}{unit} to {k * pts['upl'].iloc[-1]:.1f}{unit} for the latest point. "
        f"Variation verdict: {VARIATION_WORDS[summary.variation]}. "
        f"Assurance against {summary.comparator_label or 'a comparator'}: {_assurance_alt(summary)}. "
    )
    alt += f"Special-cause points: {'; '.join(special)}." if special else "No point meets a special-cause rule."
    return fig, alt


def draw_funnel_limits(ax, table) -> tuple[float, float]:
    """The England and Wales line and the 95% and 99.8% limits, widened by the table's over-dispersion
    factor phi; returns (target proportion, phi)."""
    target, phi = table["national_rate_pct"].iloc[0] / 100, table["phi"].iloc[0]
    n_grid = np.geomspace(max(200, table["assigned"].min() * 0.8), table["assigned"].max() * 1.05, 120)
    limits = stats.funnel_limits(target, n_grid, phi=phi)
    for level, dash in ((0.95, "--"), (0.998, ":")):
        lo, hi = limits[level]
        ax.plot(n_grid, 100 * lo, dash, color=style.LIMITS, lw=1, label=f"{level * 100:g}% limits")
        ax.plot(n_grid, 100 * hi, dash, color=style.LIMITS, lw=1)
    ax.axhline(100 * target, color=style.REFERENCE, lw=1, label=f"{measures.NATIONAL_NAME} {100 * target:.1f}%")
    return target, phi


# older names, kept for callers (new code uses chart_*). ``charge_rate_series`` is deliberately not kept as a
# module name: it is the data function's name (analysis.compute.measures); sections still ask for it by its
# Chart value, which DRAWERS maps to chart_charge_rate.
funnel_plot, representation_chart = chart_funnel, chart_representation


def draw_section(section) -> list:
    """Every chart named by a :class:`analysis.compute.measure_sections.MeasureSection`: a list of (figure, alt_text)."""
    out = []
    for name, kwargs in ([(section.figure, section.figure_kwargs)] if section.figure else []) + list(
        section.extra_figures
    ):
        out.append(DRAWERS[Chart(name)](**kwargs))
    return out


@style.themed
def chart_stop_search_funnel(force_id: str | None, period: str, data_dir=None):
    """Black/White stop and search rate ratio for every force on a log scale, as a funnel plot.

    Each force is plotted against the precision of its ratio (1 / standard error of the log ratio, which
    grows with the number of searches), with 95% and 99.8% limits around the England and Wales ratio.
    Forces are not ranked: position across the chart reflects size, not order. ``force_id`` None
    highlights no force (the national overview).
    """
    from analysis.compute import disparity

    force = get_force(force_id, data_dir) if force_id else None
    table = disparity.stop_search_disparity(data_dir)
    return _draw_stop_search_funnel(
        table[table["period"] == period], period, force, lambda f: get_force(f, data_dir).name
    )


def _funnel_limits(ax, ok, se, precision, target: float) -> float:
    """The widened funnel limits around the England and Wales ratio ``target``; the over-dispersion factor phi
    (1 when there is no national ratio or no force to plot)."""
    from analysis.compute import disparity

    phi = 1.0
    if np.isfinite(target) and len(ok):
        phi = disparity.ratio_overdispersion(ok["ratio"], se, target)
        grid = np.geomspace(max(0.5, precision.min() * 0.8), precision.max() * 1.05, 120)
        for level, dash in zip(settings.FUNNEL_LEVELS, ("--", ":")):
            z = float(stats._z(level)) * np.sqrt(phi)
            ax.plot(
                grid,
                target * np.exp(z / grid),
                dash,
                color=style.LIMITS,
                lw=1,
                label=f"{level * 100:g}% limits (widened, phi {phi:.0f})",
            )
            ax.plot(grid, target * np.exp(-z / grid), dash, color=style.LIMITS, lw=1)
        ax.axhline(target, color=style.REFERENCE, lw=1, label=f"{measures.NATIONAL_NAME} {target:.2f}")
    return phi


def _funnel_alt(ok, forces, force, mine, label: str, target: float, phi: float, name_of) -> str:
    """The funnel plot's alt text: what is drawn, then how many forces lie outside (no force highlighted), or
    where the highlighted force sits."""
    from analysis.compute import disparity

    alt = (
        f"Funnel plot of the Black to White stop and search rate ratio for {len(ok)} territorial forces in {label}, "
        f"on a log scale, against the precision of each ratio, with 95% and 99.8% limits around the "
        f"{measures.NATIONAL_NAME} ratio of {target:.2f}, widened for the extra variation between forces "
        f"(over-dispersion factor {phi:.0f}). "
    )
    if force is None:
        outer = max(settings.FUNNEL_LEVELS)
        classes = disparity.classify_ratio_funnel(ok["ratio"], ok["lower"], ok["upper"], target, phi)
        outside = sum(c.endswith(f"{100 * outer:g}%") for c in classes)
        alt += f"{outside} of {len(ok)} forces lie outside the widened {100 * outer:g}% limits."
        missing = [name_of(f) for f in forces.loc[forces["ratio"].isna(), "force_id"]]
        if missing:
            alt += f" Not plotted, for want of a resident rate: {', '.join(missing)}."
    elif mine.any():
        r = ok[mine].iloc[0]
        alt += (
            f"{force.name} is highlighted at {r['ratio']:.2f} (95% confidence interval {r['lower']:.2f} to "
            f"{r['upper']:.2f})."
        )
    else:
        alt += f"{force.name} has no ratio for {label}: it has no resident rate, so it is not plotted."
    return alt


def _draw_stop_search_funnel(year, period: str, force=None, name_of=None):
    """The stop and search funnel plot of :func:`chart_stop_search_funnel`, drawn from ``year``: the rows of
    :func:`analysis.compute.disparity.stop_search_disparity` for ``period``, in that table's order (the national
    overview passes the rows its model holds). ``name_of`` gives a force's name for the alt text when no force
    is highlighted."""
    plt = _plt()
    from analysis.compute import disparity

    nat = year[year["force_id"] == disparity.NATIONAL_ID]
    forces = year[~year["force_id"].isin([disparity.NATIONAL_ID, "british-transport-police"])]
    ok = forces.dropna(subset=["ratio", "lower", "upper"])
    se = disparity.log_ratio_se(ok["lower"], ok["upper"])
    precision = 1 / se
    label = period_label(period, "financial_year")
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    target = float(nat["ratio"].iloc[0]) if not nat.empty else float("nan")
    phi = _funnel_limits(ax, ok, se, precision, target)
    ax.axhline(1, color=style.LIMITS, lw=0.8, alpha=0.6)
    mine = (ok["force_id"] == (force.id if force else None)).to_numpy()
    ax.scatter(
        precision[~mine],
        ok.loc[~mine, "ratio"],
        s=18,
        color=style.OTHERS,
        edgecolor=style.LIMITS,
        linewidth=0.4,
        label="Other forces" if force else "Forces",
        zorder=3,
    )
    if mine.any():
        ax.scatter(precision[mine], ok.loc[mine, "ratio"], s=60, color=style.HIGHLIGHT, label=force.name, zorder=4)
        at_right = precision[mine][0] > np.quantile(precision, 0.75)
        ax.annotate(
            force.name,
            (precision[mine][0], ok.loc[mine, "ratio"].iloc[0]),
            xytext=(-6, 6) if at_right else (6, 6),
            ha="right" if at_right else "left",
            textcoords="offset points",
            color=style.HIGHLIGHT,
            bbox=style.LABEL_BOX,
        )
    style.plain_log_scale(ax, "y", subs=(1.0, 2.0, 5.0))
    if len(ok):
        ax.set_ylim(min(0.8, ok["ratio"].min() / 1.5), ok["ratio"].max() * 1.8)
    style.plain_log_scale(ax, "x")
    ax.set_xlabel("Precision of the ratio (1 / standard error of its log; grows with the number of searches)")
    ax.set_ylabel("Black/White stop and search rate ratio (log scale)")
    ax.set_title(f"Stop and search disparity by force, {label}: funnel plot (fairness indicator)")
    # below the axes: inside them the legend hid forces' points
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
    alt = _funnel_alt(ok, forces, force, mine, label, target, phi, name_of)
    return fig, alt


draw_stop_search_funnel = style.themed(_draw_stop_search_funnel)


# each chart a section can name, by reference (a new Chart without a drawer fails the tests, not a report)
stop_search_caterpillar, spc_chart = chart_stop_search_funnel, chart_spc  # older names, kept for callers
DRAWERS = {
    Chart.FUNNEL: chart_funnel,
    Chart.CHARGE_RATE_SERIES: chart_charge_rate,
    Chart.REPRESENTATION: chart_representation,
    Chart.STOP_SEARCH_FUNNEL: chart_stop_search_funnel,
    Chart.SPC: chart_spc,
}
