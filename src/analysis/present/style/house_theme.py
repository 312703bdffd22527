"""The house theme: colours by role, status labels and the matplotlib look every chart shares.

Colours are named by role and their values live in :mod:`analysis.core.palette` (the one palette file,
shared with the Excel templates; :mod:`analysis.present.style` hands them to charts by role); this module
holds the look charts are drawn in (:func:`theme`, :func:`themed`). Status colours are never the only cue:
badges always carry their text label.
"""

from __future__ import annotations

import contextlib
import functools

from analysis.core import palette

CATEGORICAL = list(palette.CATEGORICAL)
# the hue names used before colours were named by role (kept for code written against them)
GAF_CATEGORICAL = CATEGORICAL
GAF_DARK_BLUE, GAF_TURQUOISE, GAF_DARK_PINK, GAF_ORANGE, GAF_DARK_GREY, GAF_LIGHT_PURPLE = GAF_CATEGORICAL
GAF_LIGHT_GREY = palette.OTHERS

STATUS_ORDER = ["complete", "in_progress", "not_started", "not_assessed", "not_applicable"]
STATUS_LABELS = {
    "complete": "Complete",
    "in_progress": "In progress",
    "not_started": "Not started",
    "not_assessed": "Not assessed",
    "not_applicable": "Not applicable",
}
STATUS_COLOURS = dict(palette.STATUS)

FIGURE_DPI = 110
# a name written on a chart sits on a light box, so it reads over lines and points
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
# the seaborn look every chart shares (whitegrid, slightly smaller type than seaborn's default)
SEABORN_STYLE, SEABORN_FONT_SCALE = "whitegrid", 0.95


def plain_log_scale(ax, which: str, subs=(1.0,)) -> None:
    """Put axis ``which`` ("x" or "y") of ``ax`` on a log scale labelled in plain numbers (1, 10, 1,000).

    matplotlib labels log axes in mathtext ("$\\mathdefault{10^{3}}$"), which the house theme turns off
    (labels carry untrusted text), so its own log labels would print as that literal string. ``subs``
    chooses the labelled multiples of each power of ten, e.g. (1, 2, 5).
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}" if value >= 1 else f"{value:g}"))
    # no minor ticks: the theme draws no tick marks and no minor grid, so they would only cost time to lay out
    axis.set_minor_locator(NullLocator())


def theme_rc() -> dict:
    """The matplotlib settings of the house theme, as a dict (nothing is changed)."""
    import seaborn as sns
    from cycler import cycler

    rc = {**sns.plotting_context("notebook", font_scale=SEABORN_FONT_SCALE), **sns.axes_style(SEABORN_STYLE)}
    rc.update(
        {
            "font.family": ["sans-serif"],
            "axes.prop_cycle": cycler(color=CATEGORICAL),
            "figure.dpi": FIGURE_DPI,
            "savefig.bbox": "tight",
            "axes.titleweight": "bold",
            # labels carry untrusted text (force names, periods, measure titles): "$...$" in them is drawn
            # literally, never parsed as mathtext (which can fail the whole report)
            "text.parse_math": False,
            # titles sit just above the axes: no chart has tick labels on top, so matplotlib's search for a
            # clear place above them (about a fifth of the time to draw a chart) finds nothing to avoid
            "axes.titley": 1.0,
            # unhinted glyphs: at chart sizes they look the same (compared side by side), and reports drew
            # about a seventh faster
            "text.hinting": "no_hinting",
        }
    )
    return rc


@contextlib.contextmanager
def theme():
    """Draw in the house theme inside the ``with`` block; matplotlib's settings are restored after it.

    Never changes the backend and never leaves a global theme behind, so an analyst's own
    ``plt.plot`` in the same notebook keeps matplotlib's (or their own) look and shows inline.
    """
    import matplotlib

    # Only the theme's own settings are saved and put back. matplotlib.rc_context would restore every
    # setting, including the interactive mode Jupyter's inline backend switches on when the first
    # figure of a session (often a themed one) loads it; charts drawn afterwards would not show.
    rc = theme_rc()
    saved = {key: matplotlib.rcParams[key] for key in rc}
    matplotlib.rcParams.update(rc)
    try:
        yield
    finally:
        matplotlib.rcParams.update(saved)


def themed(chart):
    """Decorator for chart functions returning ``(figure, alt_text)``, a figure, or a
    :class:`analysis.present.charts.NoData` (returned as it is): build it in :func:`theme`.

    Tick marks are created lazily when a figure is first drawn, reading matplotlib's settings then;
    they are created here, inside the theme, so the figure looks the same wherever it is drawn later.
    """

    @functools.wraps(chart)
    def wrapper(*args, **kwargs):
        with theme():
            result = chart(*args, **kwargs)
            fig = result[0] if isinstance(result, tuple) else result
            for ax in getattr(fig, "axes", ()):  # NoData has no figure
                for axis in (ax.xaxis, ax.yaxis):
                    axis.get_major_ticks()
                    axis.get_minor_ticks()
        return result

    return wrapper
