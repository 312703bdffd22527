"""Every threshold and judgement call in one place, each with why (the log is docs/assumptions.md).

Modules import these names instead of writing the numbers themselves, so a reviewer can see
every choice that shapes a sentence in a report on one page, and a change to one is a one-line,
reviewable diff. ``tests/test_settings.py`` checks that docs/assumptions.md names each of them.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- tracker progress
# A recommendation whose tracker entry (status, evidence, actions) has not changed for this many
# quarters is flagged "not updated". Two quarters: one quiet quarter is normal between panel
# meetings; a second suggests the tracker is no longer being kept.
STALE_AFTER_QUARTERS = 2

# Roll-up of a recommendation's rows (parent and parts) to one status (analysis.compute.progress):
# all rows agree -> that status; any complete or in-progress row among mixed ones -> in progress
# (something is under way, not everything is done); a mix of not started and not assessed -> not
# started (nothing shown to be under way). Rows marked not applicable are ignored unless all are.
ROLLUP_MIXED_WITH_PROGRESS = "in_progress"
ROLLUP_MIXED_WITHOUT_PROGRESS = "not_started"
# A recommendation with no tracker rows: not applicable when the catalogue says it and all its parts
# are specific to the Met (or London, or Government); otherwise not assessed, never "not started".
NO_ROWS_MET_ONLY_STATUS = "not_applicable"
NO_ROWS_STATUS = "not_assessed"

# Longest status_reason a tracker row may give: one short line, so the report can print it beside
# the status badge; a longer text belongs in evidence or actions.
STATUS_REASON_MAX_CHARS = 220

# --------------------------------------------------------------------------- reading files people send
# A heading that matches no known column after folding case, spaces and Unicode forms is refused; when its
# similarity (difflib ratio of the folded forms) to a known column is at least this, the message names that
# column as the near miss ("Markng" -> marking). 0.75 catches one or two wrong letters in the short names used
# here without offering unrelated columns; either way the file is refused, so this only shapes the message.
HEADER_NEAR_MISS_CUTOFF = 0.75

# National overview: a force is listed "to look at" when fewer than this share of its applicable
# recommendations have evidence. Half: below it, evidence is the exception rather than the rule.
LOW_EVIDENCE_SHARE = 0.5

# --------------------------------------------------------------------------- key measures and statistics
# Confidence level for intervals on a rate and for calling a change between two rates significant.
CONFIDENCE = 0.95
# Funnel-plot control limits (Spiegelhalter 2005): 95% (about 2 SD) and 99.8% (about 3 SD). Only the
# outer limit is used to list a force "to look at"; the inner one is drawn for context.
FUNNEL_LEVELS = (0.95, 0.998)
# Share of z-scores winsorised at each end before estimating over-dispersion, so a few extreme
# forces do not widen everyone's limits (Spiegelhalter 2005 suggests 10%).
OVERDISPERSION_WINSOR = 0.10
# Quarters in the trend window and in the charge-rate chart: three years is long enough to see a
# trend past seasonal noise and short enough to describe the current picture.
TREND_QUARTERS = 12
# A straight-line projection to a target further away than this is not credible, so none is stated.
PROJECTION_HORIZON_YEARS = 25.0
# Process-behaviour charts (analysis.compute.spc; docs/statistics.md). Fewest points for a verdict:
# NHS England's Making Data Count asks for 12 before limits mean much (NHSRplotthedots warns below 12).
SPC_MIN_POINTS = 12
# Quarters on a charge-rate p' chart: five years gives enough points for the rules while keeping the
# limits about the current process, not the steep falls of 2014-2019.
SPC_QUARTERS = 20
# Most recent points of any other series on its XmR chart (two years of a monthly series).
SPC_MAX_POINTS = 24
# Fewest points for a straight-line projection to parity (parity measures only; issue 10 "say >= 8").
PARITY_MIN_POINTS = 8
# Quarters the Home Office outcomes source shows as near-empty for reasons of recording, not real
# falls (documented in the outcomes PROVENANCE): kept out of rates and trends, and named as gaps.
KNOWN_GAPS = {
    ("greater-manchester", p): "Greater Manchester data gap (near-empty quarter in the source)"
    for p in ("2019-20-Q2", "2019-20-Q3", "2019-20-Q4")
}

# Fewest points before a force-supplied series is summarised (median and range) beside its latest
# value: with fewer, a median says nothing a reader cannot see from the values themselves.
SERIES_SUMMARY_MIN_POINTS = 3

# Months from the end of a financial year (31 March) to the publication of its stop and search statistics.
# The Home Office "Police powers and procedures: stop and search and arrests" came out on 27 October 2022
# for 2021/22 and in late September 2023 for 2022/23; seven months (to 31 October) covers both and errs
# late, so a report never shows a year before it was published (a 2024/25 Q1 report shows 2022/23).
STOP_SEARCH_PUBLICATION_LAG_MONTHS = 7
# Years of sexual-offence charge counts listed as the trend of the 16.v proxy: a short, current run.
SEXUAL_OFFENCES_TREND_YEARS = 5

# --------------------------------------------------------------------------- importing force returns
# Free-text references scoring below this are listed for a person to confirm, never accepted.
# Set against the seeds' tracker layouts and tests/test_reference_matching.py.
MATCH_THRESHOLD = 0.6
# ... and the best match must beat the best unrelated item by this much, or it is ambiguous.
MATCH_MIN_MARGIN = 0.08
# Empty, unlocked rows added to an Excel template for items the force adds itself.
TEMPLATE_EXTRA_ROWS = 15

# --------------------------------------------------------------------------- running a batch
# Seconds one report may take before it is failed; the rest of the batch goes on.
REPORT_TIMEOUT_SECONDS = 900.0
# Reports a worker renders before it is replaced, so memory stays flat over a long run.
MAX_TASKS_PER_WORKER = 25
# Seconds to reach a Dask scheduler (and for it to have a worker) before the run stops with one line.
DASK_CONNECT_TIMEOUT_SECONDS = 10.0
# Times Dask runs a report again, on whichever worker is free, after an infrastructure failure.
DASK_RETRIES = 2
# Seconds a Dask worker may take to start its first report (imports, unpacking the inputs) beyond the time limit,
# before a client that has seen no report finish stops the run.
DASK_WORKER_START_SECONDS = 120.0

# --------------------------------------------------------------------------- the first screen and charts
# Questions for the board shown on a report's first screen: a panel can press on a handful, not on twenty.
MAX_BOARD_QUESTIONS = 5
# How far along each status is, to tell a status that moved backwards (complete -> in progress, in progress ->
# not started). "Not assessed" and "not applicable" have no place on the scale: a move to or from them is
# not called backwards.
STATUS_PROGRESS = {"not_started": 0, "in_progress": 1, "complete": 2}
# The narrowest screen a report is read on: a 390 px phone less the page's side padding, in CSS px.
PHONE_CONTENT_PX = 360
# The smallest chart text on that phone, in CSS px: 9 px (issue 12) plus a margin for the browser's rounding.
MIN_PHONE_TEXT_PX = 9.5
# chart text is enlarged to 10% above the size needed, because larger text widens the drawn figure; one round
# of layout then nearly always settles it (each round costs two full layout passes)
LEGIBILITY_HEADROOM = 1.1
# The widest chart, in inches at the figure DPI: wider charts need larger fonts to stay legible on a phone.
MAX_FIGURE_WIDTH_IN = 6.4
# Category labels on a chart (sections, measures) longer than this wrap onto more lines, in characters.
WRAP_LABEL_CHARS = 20
# A chart with wrapped category labels grows taller by this share of its height for each line past the first.
WRAPPED_ROW_GROWTH = 0.5
# The smallest chart text in points, whatever the width: printed on A4 it stays above 7 pt.
MIN_FIGURE_FONT_PT = 9.0
# A chart is drawn once onto a canvas this much larger on every side than the figure, in inches, and cropped to
# what was drawn: text enlarged for phones may reach past the figure's edge. Anything drawn at the canvas's
# edge sends the chart the slow way (layout passes and a tight bounding box), so nothing is ever cut off.
RENDER_MARGIN_IN = 2.0
# Printed, a chart is at most this tall (templates/casey/report.css, `figure img { max-height }`; a test keeps
# them equal), and its text at least MIN_PRINT_TEXT_PT: a chart too tall to print legibly is made shorter.
PRINT_MAX_CHART_HEIGHT_MM = 120
MIN_PRINT_TEXT_PT = 7.2  # 7 pt (issue 12) plus a margin for the browser's rounding
# Drawings a chart gets on that canvas before it is sent the slow way. A chart whose labels reach past its
# edge comes out wider than the figure, making its text too small on a phone; it is narrowed by the excess
# (times NARROWING_OVERSHOOT, as its margins, fractions of the figure, narrow with it) and drawn again.
FAST_RENDER_ATTEMPTS = 4
# The first drawing sizes text for a picture this much wider than the figure: tick labels and legends often
# reach a little past its edge, and a second drawing costs as much as the first.
FIRST_DRAW_HEADROOM = 1.04
NARROWING_OVERSHOOT = 1.2
# zlib level of chart PNGs: on a report's 8 charts, level 1 took 8 ms a chart against 12 ms at zlib's default 6, and
# the files came out no larger (501 KB against 520 KB): charts are flat colour, which compresses well at any level
PNG_COMPRESS_LEVEL = 1
# --------------------------------------------------------------------------- hostile and broken input
# Limits no real tracker comes near (the framework has under 100 items; the largest tracker on file is about
# 20 KB), checked before a file is read or parsed in full, so any input costs bounded time and memory.
TRACKER_MAX_FILE_BYTES = 20 * 1024 * 1024  # a CSV, or an .xlsx or .ods as stored
TRACKER_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an .xlsx or .ods once unzipped (a zip bomb stops here)
TRACKER_MAX_ROWS = 2_000
TRACKER_MAX_COLUMNS = 60
TRACKER_MAX_CELL_CHARS = 20_000  # about eight pages of text in one cell
# A framework file (data/raw/frameworks/*.yaml) is checked from its YAML events before it is built into objects,
# so a file of millions of items, an alias bomb ("billion laughs") or a deeply nested list costs bounded time and
# memory. The bundled casey-2023 is 24 KB, 718 nodes, 6 levels deep and 54 items.
FRAMEWORK_MAX_FILE_BYTES = 1024 * 1024
FRAMEWORK_MAX_NODES = 100_000  # values once every alias is expanded
FRAMEWORK_MAX_DEPTH = 20
FRAMEWORK_MAX_ITEMS = 1_000  # recommendations and their parts
# A count in a force-supplied measures file above this is a typing or export error (England and Wales record about
# 7 million crimes a year); 1e308 would overflow every sum and chart it reached.
MEASURE_MAX_COUNT = 10**12
# First characters that make a spreadsheet cell a formula or a command (OWASP "CSV Injection"), with their
# fullwidth forms, which some spreadsheet locales also accept; such text is written with a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# --------------------------------------------------------------------------- force tracker (issue 18)
# Sides of the funnel limits on which a key measure's rate prompts a board question (compute.meaning.tracker).
# Both: a rate far above other forces' can as well be a difference in recording as good practice, so caution
# is not kept for bad news only.
FUNNEL_QUESTION_SIDES = ("below", "above")
# --------------------------------------------------------------------------- national overview (issue 18)
# More than this share of the forces showing special-cause variation in the same direction, worsening or
# improving, is read as forces moving together: the overview says to look first for a common cause (a change
# in recording, in the courts, in the national rate) before a cause in each force (compute.meaning.national).
MOVING_TOGETHER_SHARE = 1 / 3
# --------------------------------------------------------------------------- known-at (issue 18)
# A report for a quarter keeps only what was known (published) by the quarter's last day. Where a source does
# not record when a figure or a tracker became known, these rules date it, each erring late.
# Quarters after the quarter in which a Home Office outcomes or workforce period ends, at whose last day the
# period counts as published. The open data tables are refreshed with each quarterly crime release about four
# months after the quarter (the user guide was updated on 24 July 2024 for March and 24 October 2024 for
# June); the end of the second quarter after (June -> 31 December) covers that with two months to spare.
OFFICIAL_RELEASE_QUARTERS_AFTER = 2
# A force-supplied figure whose file gives no known_at counts as known at the end of the quarter after the one
# in which its period ends: papers reach a panel a few months after their data.
UNDATED_FIGURE_QUARTERS_AFTER = 1
# A tracker snapshot whose .meta.yaml gives no `published` date (a return imported with casey import) counts as
# known at the end of this many quarters after its own: 0, its own quarter, because a return for a quarter is the
# force's own statement of its position in that quarter, made for this report.
UNDATED_SNAPSHOT_QUARTERS_AFTER = 0
# Quarters after census day at whose end a census table counts as published when measures/releases.csv does not
# date it: ethnic group came 20 months after census day in 2021 and 22 months after in 2011; two years errs late.
CENSUS_RELEASE_QUARTERS_AFTER = 8
# --------------------------------------------------------------------------- force measures (issue 18)
# A run of this many latest points all on one side of their comparator is what a page reports when the process
# limits are too wide to judge (the comparator inside them, "hit and miss"): by chance alone, a process that
# really sat on both sides would give 6 in a row on one side about 3% of the time (2 x 0.5^6).
RECENT_RUN_MIN_POINTS = 6
# A figure whose period ended more than this many months before the end of the report's quarter is stale: its
# tile and sentence say how old it is, and a verdict on it is dated.
STALE_MEASURE_MONTHS = 12
# Recorded-basis charge rates for the latest quarters up to a report's quarter are undercounted (investigations
# still open when the figures were taken): no verdict is drawn from them; the closed basis is the verdict.
RECORDED_INCOMPLETE_QUARTERS = 4
# The Crime Survey's national perception figures for the survey year ending in March appear some months later
# (ONS's perceptions tables come out in the summer or autumn); a report uses a survey year only this long after it.
CSEW_PUBLICATION_LAG_MONTHS = 7
