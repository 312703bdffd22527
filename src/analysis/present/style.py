"""One look for every chart and badge in the product.

Colours follow the Government Analysis Function's accessible categorical palette
(dark blue, turquoise, dark pink, orange, dark grey, light purple), which is
distinguishable for the common colour-vision deficiencies when used in this order.
Status colours are never the only cue: badges always carry their text label.
"""

from __future__ import annotations

GAF_CATEGORICAL = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
GAF_DARK_BLUE, GAF_TURQUOISE, GAF_DARK_PINK, GAF_ORANGE, GAF_DARK_GREY, GAF_LIGHT_PURPLE = GAF_CATEGORICAL
GAF_LIGHT_GREY = "#BFBFBF"

STATUS_ORDER = ["complete", "in_progress", "not_started", "not_assessed", "not_applicable"]
STATUS_LABELS = {
    "complete": "Complete",
    "in_progress": "In progress",
    "not_started": "Not started",
    "not_assessed": "Not assessed",
    "not_applicable": "Not applicable",
}
STATUS_COLOURS = {
    "complete": GAF_DARK_BLUE,
    "in_progress": GAF_TURQUOISE,
    "not_started": GAF_ORANGE,
    "not_assessed": GAF_DARK_PINK,
    "not_applicable": GAF_LIGHT_GREY,
}

FIGURE_DPI = 110


def apply_theme() -> None:
    """Set the seaborn/matplotlib theme used by every chart (idempotent, no global side effects beyond rcParams)."""
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=GAF_CATEGORICAL, font_scale=0.95)
    # text.parse_math off: labels carry untrusted text (force names, periods, measure titles) and a "$...$"
    # in them must be drawn literally, never parsed as mathtext (which can fail the whole report)
    matplotlib.rcParams.update({"figure.dpi": FIGURE_DPI, "savefig.bbox": "tight", "axes.titleweight": "bold",
                                "text.parse_math": False})
