"""One look for every chart, badge and page in the product.

Colours are named by role and their values live in :mod:`analysis.core.palette` (the one palette
file, shared with the Excel templates); this module gives them to the charts and turns them into
the CSS custom properties the report and index pages use (:func:`css_custom_properties`).
Status colours are never the only cue: badges always carry their text label.
"""

from __future__ import annotations

import contextlib
import functools

from analysis.core import palette
from analysis.core.palette import (  # noqa: F401
    COMPARATOR,
    HIGHLIGHT,
    LIMITS,
    OTHERS,
    PRIMARY,
    REFERENCE,
    SECONDARY,
    SPC_CENTRE,
    SPC_COMMON,
    SPC_COMPARATOR,
    SPC_CONCERNING,
    SPC_IMPROVING,
    SPC_NEUTRAL,
)
from analysis.core.settings import (  # chart legibility: see docs/assumptions.md
    LEGIBILITY_HEADROOM,
    MAX_FIGURE_WIDTH_IN,
    MIN_FIGURE_FONT_PT,
    MIN_PHONE_TEXT_PX,
    PHONE_CONTENT_PX,
    WRAP_LABEL_CHARS,
)

CATEGORICAL = list(palette.CATEGORICAL)
# the hue names used before colours were named by role (kept for code written against them)
GAF_CATEGORICAL = CATEGORICAL
GAF_DARK_BLUE, GAF_TURQUOISE, GAF_DARK_PINK, GAF_ORANGE, GAF_DARK_GREY, GAF_LIGHT_PURPLE = GAF_CATEGORICAL
GAF_LIGHT_GREY = OTHERS

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
# the seaborn look every chart shares (whitegrid, slightly smaller type than seaborn's default)
SEABORN_STYLE, SEABORN_FONT_SCALE = "whitegrid", 0.95


def _fixed_tick_labels(axis) -> bool:
    """Category labels (set by hand or by a categorical axis), which may be wrapped without changing meaning."""
    from matplotlib.category import StrCategoryLocator
    from matplotlib.ticker import FixedLocator

    return isinstance(axis.get_major_locator(), (FixedLocator, StrCategoryLocator))


def _wrap_titles_and_axis_labels(fig) -> None:
    """Wrap titles and axis labels to the figure's width (height for a y label), so larger text makes them
    taller, not wider. Done by hand: matplotlib's own wrapping is ignored by the tight bounding box."""
    import textwrap

    width_pt, height_pt = (v * 72 for v in fig.get_size_inches())
    for ax in fig.axes:
        for text, room in (
            (ax.title, width_pt),
            (ax._left_title, width_pt),
            (ax.xaxis.label, width_pt),
            (ax.yaxis.label, height_pt * 0.85),
        ):
            words = " ".join(text.get_text().split())
            if words:
                # an average character of a sans-serif font is a little over half the font size wide
                text.set_text(textwrap.fill(words, max(12, int(room / (0.55 * text.get_fontsize())))))


def _legends_below_axes(fig) -> None:
    """Move a legend hung below its axes (``bbox_to_anchor`` with y < 0) to just under the axis labels, which
    larger text may have pushed down."""
    renderer = fig._get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
        if anchor.y0 >= 0:
            continue
        legend.set_visible(False)
        bottom = ax.get_tightbbox(renderer).y0
        legend.set_visible(True)
        if legend.get_window_extent(renderer).width > 0.95 * fig.bbox.width and getattr(legend, "_ncols", 1) > 1:
            # too wide for the figure once its text is larger: one entry a row (made again: its box is fixed)
            handles, labels = ax.get_legend_handles_labels()
            legend = ax.legend(
                handles,
                labels,
                ncols=1,
                loc=legend._loc,
                frameon=legend.get_frame_on(),
                bbox_to_anchor=(anchor.x0, anchor.y0, anchor.width, anchor.height),
                fontsize=legend.get_texts()[0].get_fontsize(),
            )
        gap = legend.get_texts()[0].get_fontsize() * 0.4 * fig.dpi / 72 if legend.get_texts() else 4
        x_axes = anchor.x0 if anchor.width == 0 else anchor.x0 + anchor.width / 2
        y_axes = ax.transAxes.inverted().transform((0, bottom - gap))[1]
        legend.set_bbox_to_anchor((x_axes, y_axes), transform=ax.transAxes)


def _balance_legends(fig) -> None:
    """A multi-column legend never leaves one entry alone on a row: 4 entries in 3 columns become 2 rows of 2."""
    import math

    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        n, cols = len(legend.legend_handles), getattr(legend, "_ncols", 1)
        if cols > 1 and n > cols and n % cols == 1:
            # the legend's box is laid out when it is made, so make it again with the balanced column count
            anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(
                handles,
                labels,
                ncols=math.ceil(n / math.ceil(n / cols)),
                loc=legend._loc,
                bbox_to_anchor=(anchor.x0, anchor.y0, anchor.width, anchor.height),
                frameon=legend.get_frame_on(),
                fontsize=legend.get_texts()[0].get_fontsize(),
            )


def smallest_font_pt(fig) -> float:
    """The smallest size, in points, of any text drawn on ``fig``."""
    from matplotlib.text import Text

    fig.draw_without_rendering()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=MIN_FIGURE_FONT_PT)


def make_legible(fig, max_rounds: int = 6) -> float:
    """Make ``fig`` readable on a phone and on paper; return its smallest font size in points.

    Narrows it to MAX_FIGURE_WIDTH_IN, wraps long category labels and titles (so larger text does not just
    widen the picture), balances multi-column legends, then enlarges any text that would be smaller than
    MIN_PHONE_TEXT_PX once the image is shrunk to PHONE_CONTENT_PX. The figure is saved with a tight bounding
    box, so the check uses the drawn box, and is repeated if enlarging the text widened it.
    """
    import textwrap

    from matplotlib.text import Text

    width, height = fig.get_size_inches()
    if width > MAX_FIGURE_WIDTH_IN:
        fig.set_size_inches(MAX_FIGURE_WIDTH_IN, height * max(0.8, MAX_FIGURE_WIDTH_IN / width))
    lines = 1
    for ax in fig.axes:
        for axis, labels in ((ax.yaxis, ax.get_yticklabels()), (ax.xaxis, ax.get_xticklabels())):
            texts = [t.get_text() for t in labels]
            if _fixed_tick_labels(axis) and any(len(t) > WRAP_LABEL_CHARS for t in texts):
                wrapped = [textwrap.fill(t, WRAP_LABEL_CHARS) for t in texts]
                axis.set_ticks(axis.get_ticklocs(), wrapped)
                if axis is ax.yaxis:
                    lines = max(lines, *(w.count("\n") + 1 for w in wrapped))
    if lines > 1:  # wrapped category labels need taller rows
        w, h = fig.get_size_inches()
        fig.set_size_inches(w, h * (1 + 0.5 * (lines - 1)))

    _balance_legends(fig)

    def drawn_texts():
        return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]

    for _ in range(max_rounds):
        fig.draw_without_rendering()
        drawn_in = fig.get_tightbbox(fig._get_renderer()).width
        # text on the phone, px = pt * dpi / 72 * PHONE_CONTENT_PX / (drawn_in * dpi)
        needed = max(MIN_FIGURE_FONT_PT, MIN_PHONE_TEXT_PX * 72 * drawn_in / PHONE_CONTENT_PX)
        if all(t.get_fontsize() >= needed - 1e-6 for t in drawn_texts()):
            break
        # enlarging text widens the drawn box, which raises what is needed: aim a little above it, so one
        # round nearly always settles it (each round is two full layout passes, the bulk of a chart's cost)
        needed *= LEGIBILITY_HEADROOM
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if axis.get_ticklabels() and min(t.get_fontsize() for t in axis.get_ticklabels()) < needed:
                    ax.tick_params(axis="x" if axis is ax.xaxis else "y", labelsize=needed)
        for text in drawn_texts():
            if text.get_fontsize() < needed:
                text.set_fontsize(needed)
        _wrap_titles_and_axis_labels(fig)
        fig.draw_without_rendering()
        _legends_below_axes(fig)
    else:  # rounds ran out: lay the figure out once more after the last change
        fig.draw_without_rendering()
    return min((t.get_fontsize() for t in drawn_texts()), default=MIN_FIGURE_FONT_PT)


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
    """Decorator for chart functions returning ``(figure, alt_text)`` or a figure: build it in :func:`theme`.

    Tick marks are created lazily when a figure is first drawn, reading matplotlib's settings then;
    they are created here, inside the theme, so the figure looks the same wherever it is drawn later.
    """

    @functools.wraps(chart)
    def wrapper(*args, **kwargs):
        with theme():
            result = chart(*args, **kwargs)
            fig = result[0] if isinstance(result, tuple) else result
            for ax in fig.axes:
                for axis in (ax.xaxis, ax.yaxis):
                    axis.get_major_ticks()
                    axis.get_minor_ticks()
        return result

    return wrapper


# --------------------------------------------------------------------------- report look inside JupyterLab
PIECE_CLASS = "casey-piece"  # every report piece shown in a notebook is wrapped in a div of this class
_PAGE_ONLY = {"html", "main"}  # page layout that has no meaning for one piece in a notebook
_AS_PIECE = {":root", "body"}  # page-wide colours and type become the piece's own


def _scope_selector(selector: str, scope: str) -> str | None:
    selector = selector.strip()
    if selector in _PAGE_ONLY:
        return None
    if selector in _AS_PIECE:
        return scope
    return f"{scope} {selector}"


def _scoped_rules(css: str, scope: str) -> list[str]:
    """Every rule of ``css`` with its selectors prefixed by ``scope``; print rules and @page dropped."""
    out, i = [], 0
    while (start := css.find("{", i)) != -1:
        prelude, depth, end = css[i:start].strip(), 1, start + 1
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body, i = css[start + 1 : end - 1], end
        if prelude.startswith("@media") and "print" not in prelude:
            out.append(f"{prelude} {{ {' '.join(_scoped_rules(body, scope))} }}")
        elif not prelude.startswith("@"):
            selectors = [s for s in (_scope_selector(p, scope) for p in prelude.split(",")) if s]
            if selectors:
                out.append(f"{', '.join(selectors)} {{ {' '.join(body.split())} }}")
    return out


@functools.lru_cache(maxsize=1)
def notebook_css() -> str:
    """The report's stylesheet scoped to report pieces, so the notebook in JupyterLab looks like the report.

    Made from ``templates/casey/report.css`` (the one stylesheet), every selector prefixed with
    ``.casey-piece``: it styles nothing else on the page, not even the analyst's own outputs.
    """
    import re

    from analysis.core import config

    stylesheet = css_custom_properties() + "\n" + (config.TEMPLATES_DIR / "casey" / "report.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S)
    scope = f".{PIECE_CLASS}" * 2  # doubled: outranks JupyterLab's own output styles (right-aligned cells...)
    extra = [
        f"{scope} {{ max-width: 60rem; }}",
        f"{scope} .casey-marking {{ display: flex; gap: 1rem; padding: 0.35rem 1rem; color: var(--text-on-dark); "
        f"background: var(--text); font-size: 0.85rem; }}",
        f"{scope} .casey-marking.marking-official-sensitive {{ background: var(--sensitive); }}",
        # JupyterLab stripes and shrinks tables in outputs; the report does neither
        f"{scope} tr, {scope} tbody tr:nth-child(n), {scope} tbody tr:hover {{ background: transparent; }}",
    ]
    return "\n".join(_scoped_rules(css, scope) + extra)


def css_colours() -> dict[str, str]:
    """CSS custom property name (without ``--``) -> colour, for every colour a page may use."""
    colours = dict(palette.INTERFACE)
    colours.update({f"status-{status.replace('_', '-')}": value for status, value in palette.STATUS.items()})
    return colours


def css_custom_properties() -> str:
    """The ``:root`` rule the report and index pages put before their CSS (which uses only ``var(--...)``)."""
    return ":root { " + " ".join(f"--{name}: {value};" for name, value in css_colours().items()) + " }"
