"""Tracker charts. Each ``chart_*`` function returns ``(figure, alt_text)``; alt text says what the chart shows.

Charts are drawn in the house theme (:func:`analysis.present.style.house_theme.theme`) without touching the
matplotlib backend or global settings: importing this module changes nothing.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analysis.present.style.house_theme import STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER, themed


def _stacked(table: pd.DataFrame, ax, horizontal: bool) -> None:
    left = pd.Series(0, index=table.index, dtype=float)
    for status in [s for s in STATUS_ORDER if s in table.columns]:
        values = table[status]
        kwargs = {
            "color": STATUS_COLOURS[status],
            "label": STATUS_LABELS[status],
            "edgecolor": "white",
            "linewidth": 0.8,
        }
        if horizontal:
            ax.barh(table.index, values, left=left, **kwargs)
        else:
            ax.bar(table.index, values, bottom=left, **kwargs)
        left = left + values


@themed
def horizontal_status_bars(table: pd.DataFrame, title: str, row_height: float, legend_offset: float):
    """Stacked horizontal bars, one per row of ``table`` (columns are statuses), top row first."""
    fig, ax = plt.subplots(figsize=(8, row_height * len(table) + 1.7))
    _stacked(table.iloc[::-1], ax, horizontal=True)
    ax.set_xlabel("Number of recommendations")
    ax.set_ylabel("")
    ax.set_title(title, loc="left")
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, legend_offset), frameon=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def _counts(frame: pd.DataFrame, by: str, order: list[str]) -> pd.DataFrame:
    table = pd.crosstab(frame[by], frame["status"]).reindex(index=order, fill_value=0)
    return table.reindex(columns=[s for s in STATUS_ORDER if s in table.columns], fill_value=0)


@themed
def chart_status_by_section(status_table: pd.DataFrame, section_order: list[str], force_name: str, quarter_label: str):
    order = [s for s in section_order if s in set(status_table["section"])]
    table = _counts(status_table, "section", order)
    fig = horizontal_status_bars(
        table, f"Status by section, {force_name}, {quarter_label}", row_height=0.55, legend_offset=-0.18
    )
    totals = table.sum()
    described = ", ".join(f"{int(n)} {STATUS_LABELS[s].lower()}" for s, n in totals.items() if n)
    alt = (
        f"Horizontal stacked bar chart of recommendation status for {force_name} in {quarter_label}, "
        f"one bar per section of the review ({len(order)} sections). In all: {described}."
    )
    return fig, alt


@themed
def chart_status_history(history: pd.DataFrame, quarter_labels: dict[str, str], force_name: str):
    order = list(dict.fromkeys(history["quarter"]))
    table = _counts(history, "quarter", order)
    table.index = [quarter_labels.get(q, q) for q in table.index]
    fig, ax = plt.subplots(figsize=(min(2.2 + 1.4 * len(order), 9), 3.8))
    _stacked(table, ax, horizontal=False)
    ax.set_ylabel("Number of recommendations")
    ax.set_xlabel("Tracker snapshot (financial quarter)")
    ax.set_title(f"Status history, {force_name}", loc="left")
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    ax.yaxis.get_major_locator().set_params(integer=True)
    parts = []
    for label, row in table.iterrows():
        parts.append(f"{label}: " + ", ".join(f"{int(n)} {STATUS_LABELS[s].lower()}" for s, n in row.items() if n))
    alt = (
        f"Stacked bar chart of recommendation statuses for {force_name} in each tracker snapshot. "
        + "; ".join(parts)
        + "."
    )
    return fig, alt


status_by_section, status_history = chart_status_by_section, chart_status_history  # older names, kept for callers
