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
    COMPARATOR, HIGHLIGHT, LIMITS, OTHERS, PRIMARY, REFERENCE, SECONDARY,
    SPC_CENTRE, SPC_COMMON, SPC_COMPARATOR, SPC_CONCERNING, SPC_IMPROVING, SPC_NEUTRAL,
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


def theme_rc() -> dict:
    """The matplotlib settings of the house theme, as a dict (nothing is changed)."""
    import seaborn as sns
    from cycler import cycler

    rc = {**sns.plotting_context("notebook", font_scale=SEABORN_FONT_SCALE), **sns.axes_style(SEABORN_STYLE)}
    rc.update({"font.family": ["sans-serif"], "axes.prop_cycle": cycler(color=CATEGORICAL),
               "figure.dpi": FIGURE_DPI, "savefig.bbox": "tight", "axes.titleweight": "bold",
               # labels carry untrusted text (force names, periods, measure titles): "$...$" in them is drawn
               # literally, never parsed as mathtext (which can fail the whole report)
               "text.parse_math": False})
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
        body, i = css[start + 1:end - 1], end
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
    extra = [f"{scope} {{ max-width: 60rem; }}",
             f"{scope} .casey-marking {{ display: flex; gap: 1rem; padding: 0.35rem 1rem; color: var(--text-on-dark); "
             f"background: var(--text); font-size: 0.85rem; }}",
             f"{scope} .casey-marking.marking-official-sensitive {{ background: var(--sensitive); }}",
             # JupyterLab stripes and shrinks tables in outputs; the report does neither
             f"{scope} tr, {scope} tbody tr:nth-child(n), {scope} tbody tr:hover {{ background: transparent; }}"]
    return "\n".join(_scoped_rules(css, scope) + extra)


def css_colours() -> dict[str, str]:
    """CSS custom property name (without ``--``) -> colour, for every colour a page may use."""
    colours = dict(palette.INTERFACE)
    colours.update({f"status-{status.replace('_', '-')}": value for status, value in palette.STATUS.items()})
    return colours


def css_custom_properties() -> str:
    """The ``:root`` rule the report and index pages put before their CSS (which uses only ``var(--...)``)."""
    return ":root { " + " ".join(f"--{name}: {value};" for name, value in css_colours().items()) + " }"
