"""One look for every chart, badge and page in the product, in three modules by idea:

* :mod:`~analysis.present.style.house_theme`: colours by role, status labels and the matplotlib house theme
  (:func:`~analysis.present.style.house_theme.theme`, :func:`~analysis.present.style.house_theme.themed`);
* :mod:`~analysis.present.style.legibility`: every chart made legible on a phone and on paper, drawn as a PNG
  (:func:`~analysis.present.style.legibility.figure_png`);
* :mod:`~analysis.present.style.css`: the colours as CSS custom properties and the report's stylesheet
  scoped for JupyterLab.

``from analysis.present import style`` then ``style.themed``, ``style.HIGHLIGHT`` (colours by role, from
:mod:`analysis.core.palette`) keeps working: analysts' notebooks write charts that way, and
:mod:`analysis.present.measure_charts` keeps it so such a chart can be pasted in as it is (README, *Promote a
chart into the report*). Other package code imports from the module that owns the name.
"""

from analysis.core.palette import (
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
from analysis.present.style.css import PIECE_CLASS, css_colours, css_custom_properties, notebook_css
from analysis.present.style.house_theme import (
    CATEGORICAL,
    FIGURE_DPI,
    LABEL_BOX,
    STATUS_COLOURS,
    STATUS_LABELS,
    STATUS_ORDER,
    plain_log_scale,
    theme,
    theme_rc,
    themed,
)
from analysis.present.style.legibility import figure_png, make_legible

__all__ = [
    "CATEGORICAL",
    "COMPARATOR",
    "FIGURE_DPI",
    "HIGHLIGHT",
    "LABEL_BOX",
    "LIMITS",
    "OTHERS",
    "PIECE_CLASS",
    "PRIMARY",
    "REFERENCE",
    "SECONDARY",
    "SPC_CENTRE",
    "SPC_COMMON",
    "SPC_COMPARATOR",
    "SPC_CONCERNING",
    "SPC_IMPROVING",
    "SPC_NEUTRAL",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "STATUS_ORDER",
    "css_colours",
    "css_custom_properties",
    "figure_png",
    "make_legible",
    "notebook_css",
    "plain_log_scale",
    "theme",
    "theme_rc",
    "themed",
]
