"""One look for every chart, badge and page in the product.

Colours are named by role and their values live in :mod:`analysis.core.palette` (the one palette
file, shared with the Excel templates); this module gives them to the charts and turns them into
the CSS custom properties the report and index pages use (:func:`css_custom_properties`).
Status colours are never the only cue: badges always carry their text label.
"""

from __future__ import annotations

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


def apply_theme() -> None:
    """Set the seaborn/matplotlib theme used by every chart (idempotent, no global side effects beyond rcParams)."""
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=CATEGORICAL, font_scale=0.95)
    # text.parse_math off: labels carry untrusted text (force names, periods, measure titles) and a "$...$"
    # in them must be drawn literally, never parsed as mathtext (which can fail the whole report)
    matplotlib.rcParams.update({"figure.dpi": FIGURE_DPI, "savefig.bbox": "tight", "axes.titleweight": "bold",
                                "text.parse_math": False})


def css_colours() -> dict[str, str]:
    """CSS custom property name (without ``--``) -> colour, for every colour a page may use."""
    colours = dict(palette.INTERFACE)
    colours.update({f"status-{status.replace('_', '-')}": value for status, value in palette.STATUS.items()})
    return colours


def css_custom_properties() -> str:
    """The ``:root`` rule the report and index pages put before their CSS (which uses only ``var(--...)``)."""
    return ":root { " + " ".join(f"--{name}: {value};" for name, value in css_colours().items()) + " }"
