"""Every colour in the product, named by what it is for. The only file with colour values in it.

It sits in ``core`` so that both the report side (``present.style``: charts, report CSS, the index)
and the Excel templates (``intake.template``) can read it without breaking the layer order; the
report CSS takes these as CSS custom properties generated at render time
(:func:`analysis.present.style.css.css_custom_properties`). ``tests/test_palette.py`` checks that no
other source or template file writes a colour, and that the CSS uses only these.

Chart colours come from the Government Analysis Function's accessible categorical palette (dark
blue, turquoise, dark pink, orange, dark grey, light purple), distinguishable for the common
colour-vision deficiencies in that order; interface colours follow GOV.UK's. Status colours are
never the only cue: badges always carry their text.
"""

from __future__ import annotations

# Analysis Function categorical palette, in its recommended order (the seaborn theme's cycle)
CATEGORICAL = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")

# --------------------------------------------------------------------------- charts, by role
HIGHLIGHT = "#801650"  # the force a report is about, and forces outside the funnel limits
PRIMARY = "#12436D"  # the main series: the force's own figures over time, the population bar
REFERENCE = "#12436D"  # the England and Wales rate drawn as a reference line on a funnel plot
COMPARATOR = "#F46A25"  # England and Wales drawn as a comparator series beside the force's
SECONDARY = "#28A197"  # a second series beside the primary one (the workforce bar)
OTHERS = "#BFBFBF"  # every other force, in the background
LIMITS = "#3D3D3D"  # control limits, error bars and marker edges
# process-behaviour charts (the Making Data Count convention: blue improving, orange concerning, purple neutral)
SPC_COMMON = "#3D3D3D"  # common-cause points and the process limits
SPC_IMPROVING = "#12436D"  # special cause, improving
SPC_CONCERNING = "#F46A25"  # special cause, concerning
SPC_NEUTRAL = "#A285D1"  # special cause where the measure has no better direction
SPC_CENTRE = "#12436D"  # the centre line
SPC_COMPARATOR = "#801650"  # the comparator line (England and Wales, parity)

# tracker statuses (charts and badges)
STATUS = {
    "complete": "#12436D",
    "in_progress": "#28A197",
    "not_started": "#F46A25",
    "not_assessed": "#801650",
    "not_applicable": "#BFBFBF",
}

# --------------------------------------------------------------------------- pages (report and index)
INTERFACE = {
    "text": "#0b0c0c",
    "text-muted": "#505a5f",
    "text-on-dark": "#ffffff",  # on the banner and dark badges
    "page": "#ffffff",
    "rule": "#b1b4b6",
    "link": "#1d70b8",
    "focus": "#ffdd00",
    "panel": "#f3f2f1",  # the table of contents
    "flag-panel": "#fff7e6",  # the box listing a recommendation's flags
    "sensitive": "#7a0019",  # the OFFICIAL-SENSITIVE banner
    "alert-text": "#7a0019",  # "blank" where a tracker field is empty
    "error": "#d4351c",  # a failed step or report
}

# --------------------------------------------------------------------------- Excel templates (fills)
WORKBOOK = {
    "context": "#EDEDED",  # locked context cells
    "context-header": "#BFBFBF",
    "required-header": "#F4B183",
    "optional-header": "#BDD7EE",
    "context-text": "#595959",  # text in locked context cells
    "border": "#A6A6A6",
}
