"""Statistical process control: XmR ("plot the dots") and Laney p′ charts, with NHS rules.

Pure functions, no I/O. The method follows NHS England's *Making Data Count* as implemented by
NHS-R's ``NHSRplotthedots`` (v0.2.2, commit 050b07d, files ``R/ptd_spc_standard.R``,
``R/ptd_calculate_point_type.R``, ``R/ptd_calculate_assurance_type.R``), and for p′ Laney (2002),
"Improved control charts for attributes", Quality Engineering 14(4):531–537, as implemented by
``qicharts2`` (``qic.pp``) and ``PowerBI-SPC`` (``pprime.ts``). The tests check every number against
the published test vectors of those projects (tests/fixtures/spc/).

XmR chart (one group of points, in time order):

* centre line = mean of the values; moving range MRᵢ = |xᵢ − xᵢ₋₁|; AMR = mean MR.
* screening (on by default): keep only MRs strictly below 3.267 × AMR, recompute AMR once.
* process limits = mean ± 2.66 × AMR; "2-sigma" lines = mean ± (2/3 × 2.66) × AMR.
* ``fix_after_n_points = N``: mean and MRs from the first N points only; limits apply to all.

Laney p′ chart: p̄ = Σ numerators / Σ denominators (pooled); σ_pᵢ = √(p̄(1−p̄)/nᵢ);
zᵢ = (pᵢ − p̄)/σ_pᵢ; σ_z = mean |zᵢ − zᵢ₋₁| / 1.128; limits p̄ ± 3·σ_pᵢ·σ_z, 2-sigma lines
p̄ ± 2·σ_pᵢ·σ_z, clamped to [0, 1]. **Screening choice:** moving ranges of z are screened exactly
as in the XmR chart (the PowerBI-SPC default; qicharts2 leaves it off). We screen so that both
charts in a report treat one sudden jump the same way: a single jump does not widen the limits
for every other quarter.

Special-cause rules (all within one chart, run lengths 7, as NHSRplotthedots):

1. a point beyond a process limit (strict);
2. a trend: 7 points each strictly higher (or lower) than the one before; a tie breaks it;
3. two of three: in any 3 consecutive points, at least 2 lie between a 2-sigma line and the
   limit ("close") and all 3 lie on the same side of the centre line; only the close ones flag;
4. a shift: 7 consecutive points on the same side of the centre line (a point on it breaks it).

When a point meets several rules the label follows that precedence. A label is "high" or "low"
(a trend's direction comes from the trend, not from the side of the mean); with the measure's
improvement direction it gives the point type: improvement, concern, or neutral high/low.

The **variation verdict** is the point type of the latest point. The **assurance verdict**
compares a target (comparator) with the latest point's limits: beyond the limit on the good side
means the process will consistently pass, on the bad side consistently fail, otherwise hit and miss
(strict inequalities; none for a neutral direction or no target).

**Constant series (deliberate choice).** When every moving range is zero the screened AMR is
0/0 (NHSRplotthedots gives NaN limits). We instead give zero-width limits on the constant value:
no point lies strictly beyond them, none is "close", no point is on either side of the mean, so
every point is common cause; assurance then compares the target with that value (equal: hit and
miss). A constant series has shown no variation, so nothing about it is special.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.core.settings import SPC_MIN_POINTS

LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 (NHSRplotthedots rounds to 2.66)
SCREEN_FACTOR = 3.267  # D4 for n = 2: moving ranges at or above 3.267 x AMR are screened out
D2 = 1.128  # bias constant for moving ranges of two points
RUN_LENGTH = 7  # shift and trend length, points (NHS Making Data Count)
INCREASE, DECREASE, NEUTRAL = "increase", "decrease", "neutral"
POINT_COLUMNS = [
    "value",
    "centre",
    "lpl",
    "upl",
    "lower_2sigma",
    "upper_2sigma",
    "outside_limits",
    "close_to_limits",
    "relative_to_mean",
    "special_cause_type",
    "point_type",
]
VARIATION_VERDICTS = ("common_cause", "special_cause_improving", "special_cause_concerning", "special_cause_neutral")
ASSURANCE_VERDICTS = ("consistently_passes", "consistently_fails", "hit_and_miss")


@dataclass
class SpcChart:
    """One process-behaviour chart.

    ``points`` has one row per point (index = the labels given, else 0..n-1) and columns
    :data:`POINT_COLUMNS`: the value, the centre line, the lower/upper process limits, the 2-sigma
    lines, whether the point is beyond a limit or "close" to one, its side of the centre line
    (−1, 0, 1), the NHS label of the rule it meets (``"Common Cause"`` when none) and its point type
    (``common_cause``, ``special_cause_improvement``, ``special_cause_concern``,
    ``special_cause_neutral_high``, ``special_cause_neutral_low``). For p′ charts ``value`` and the
    limits are proportions and the frame also has ``numerator``, ``denominator`` and ``z``.
    """

    method: str  # "xmr" or "pprime"
    direction: str  # "increase", "decrease" or "neutral"
    points: pd.DataFrame
    mean: float
    amr: float  # average moving range used for the limits (of z for p′)
    sigma_z: float | None = None  # p′ only
    screened: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def variation(self) -> str:
        """The latest point's type, in the shared vocabulary (:data:`VARIATION_VERDICTS`)."""
        return variation_verdict(self.points["point_type"].iloc[-1])

    def assurance(self, target: float | None) -> str | None:
        """:func:`assurance` against the latest point's limits, in the shared vocabulary."""
        last = self.points.iloc[-1]
        return assurance_verdict(assurance(last["lpl"], last["upl"], target, self.direction))


# --------------------------------------------------------------------------- building blocks
def average_moving_range(values, screen: bool = True) -> float:
    """Mean moving range of ``values``; with ``screen``, MRs >= 3.267 x AMR are dropped once.

    Returns 0.0 for a constant series (see the module docstring) and NaN for fewer than 2 values.
    """
    x = np.asarray(values, dtype=float)
    mr = np.abs(np.diff(x))
    if mr.size == 0:
        return float("nan")
    amr = float(mr.mean())
    if screen and amr > 0:
        amr = float(mr[mr < SCREEN_FACTOR * amr].mean())
    return amr


def trend_run_end(values) -> np.ndarray:
    """+1/−1 on each point that ends a run of 7 strictly rising/falling points, else 0."""
    x = np.asarray(values, dtype=float)
    marker = np.zeros(x.size, dtype=int)
    signs = np.sign(np.diff(x))
    for i in range(RUN_LENGTH - 1, x.size):
        last = signs[i - RUN_LENGTH + 1 : i]
        if last.size == RUN_LENGTH - 1 and last[0] != 0 and np.all(last == last[0]):
            marker[i] = int(last[0])
    return marker


def _spread(marker: np.ndarray) -> np.ndarray:
    """Flag every point of each run whose end is marked (the run's sign on each point)."""
    out = np.zeros(marker.size, dtype=int)
    for i in np.flatnonzero(marker):
        out[i - RUN_LENGTH + 1 : i + 1] = marker[i]
    return out


def shift_run_end(side) -> np.ndarray:
    """+1/−1 on each point that ends 7 consecutive points above/below the centre line, else 0."""
    s = np.asarray(side, dtype=int)
    marker = np.zeros(s.size, dtype=int)
    for i in range(RUN_LENGTH - 1, s.size):
        last = s[i - RUN_LENGTH + 1 : i + 1]
        if last[0] != 0 and np.all(last == last[0]):
            marker[i] = int(last[0])
    return marker


def two_in_three(close, side) -> tuple[np.ndarray, np.ndarray]:
    """The 2-of-3 rule: ``(part_of_signalling_window, flagged)`` as 0/1 arrays.

    A window of 3 consecutive points signals when at least 2 are ``close`` and all 3 have the same
    non-zero ``side``; the close points of a signalling window are flagged.
    """
    c = np.asarray(close, dtype=int)
    s = np.asarray(side, dtype=int)
    part = np.zeros(c.size, dtype=int)
    for j in range(c.size - 2):
        if c[j : j + 3].sum() >= 2 and abs(int(s[j : j + 3].sum())) == 3:
            part[j : j + 3] = 1
    return part, part * c


def assurance(lpl: float, upl: float, target: float | None, direction: str) -> str | None:
    """NHSRplotthedots assurance: ``consistent_pass``, ``consistent_fail``, ``inconsistent`` or None."""
    if target is None or direction == NEUTRAL or not np.isfinite(target):
        return None
    if target > upl:
        return "consistent_fail" if direction == INCREASE else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if direction == INCREASE else "consistent_fail"
    return "inconsistent"


def assurance_verdict(nhs_name: str | None) -> str | None:
    """NHSRplotthedots assurance names to the shared vocabulary (:data:`ASSURANCE_VERDICTS`)."""
    return {
        "consistent_pass": "consistently_passes",
        "consistent_fail": "consistently_fails",
        "inconsistent": "hit_and_miss",
        None: None,
    }[nhs_name]


def variation_verdict(point_type: str) -> str:
    """A point type to the shared vocabulary (:data:`VARIATION_VERDICTS`)."""
    if point_type == "special_cause_improvement":
        return "special_cause_improving"
    if point_type == "special_cause_concern":
        return "special_cause_concerning"
    if point_type.startswith("special_cause_neutral"):
        return "special_cause_neutral"
    return "common_cause"


def _check_direction(direction: str) -> None:
    if direction not in (INCREASE, DECREASE, NEUTRAL):
        raise ValueError(f"direction must be 'increase', 'decrease' or 'neutral', got {direction!r}")


def classify_points(values, centre, lpl, upl, lower_2sigma, upper_2sigma, direction: str) -> pd.DataFrame:
    """Apply the four rules to one chart (limits may vary by point) and return the point table."""
    _check_direction(direction)
    y = np.asarray(values, dtype=float)
    n = y.size
    centre, lpl, upl, l2, u2 = (
        np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (centre, lpl, upl, lower_2sigma, upper_2sigma)
    )
    outside = (y > upl) | (y < lpl)
    side = np.sign(y - centre).astype(int)
    close = ~outside & ((y > u2) | (y < l2))
    trend = _spread(trend_run_end(y))
    _, two = two_in_three(close, side)
    shift = _spread(shift_run_end(side))
    labels, high = [], []
    for i in range(n):
        if outside[i]:
            up = y[i] > upl[i]
            labels.append("Above UCL" if up else "Below LCL")
        elif trend[i]:
            up = trend[i] > 0
            labels.append(f"7 Point Trend ({'Increasing' if up else 'Decreasing'})")
        elif two[i]:
            up = side[i] > 0
            labels.append(f"2 in 3 {'Above' if up else 'Below'} CL")
        elif shift[i]:
            up = shift[i] > 0
            labels.append(f"7 Points {'Above' if up else 'Below'} CL")
        else:
            up = None
            labels.append("Common Cause")
        high.append(up)
    return pd.DataFrame(
        {
            "value": y,
            "centre": centre,
            "lpl": lpl,
            "upl": upl,
            "lower_2sigma": l2,
            "upper_2sigma": u2,
            "outside_limits": outside,
            "close_to_limits": close,
            "relative_to_mean": side,
            "special_cause_type": labels,
            "point_type": [_point_type(h, direction) for h in high],
        }
    )


def _point_type(high: bool | None, direction: str) -> str:
    if high is None:
        return "common_cause"
    if direction == NEUTRAL:
        return "special_cause_neutral_high" if high else "special_cause_neutral_low"
    good = high if direction == INCREASE else not high
    return "special_cause_improvement" if good else "special_cause_concern"


# --------------------------------------------------------------------------- charts
def xmr(
    values, direction: str = INCREASE, screen_outliers: bool = True, fix_after_n_points: int | None = None, labels=None
) -> SpcChart:
    """An XmR chart of ``values`` (in time order, no missing values) with the NHS rules.

    ``direction`` is the improvement direction (``increase``, ``decrease``, ``neutral``);
    ``labels`` (e.g. period ids) become the index of ``points``.
    """
    _check_direction(direction)
    y = np.asarray(values, dtype=float)
    if y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError("an XmR chart needs at least 2 values, none missing")
    base = y[:fix_after_n_points] if fix_after_n_points else y
    mean = float(base.mean())
    amr = average_moving_range(base, screen_outliers)
    half, half2 = LIMIT_FACTOR * amr, 2 / 3 * LIMIT_FACTOR * amr
    points = classify_points(y, mean, mean - half, mean + half, mean - half2, mean + half2, direction)
    if labels is not None:
        points.index = list(labels)
    notes = ["constant series: zero-width limits, every point common cause"] if amr == 0 else []
    return SpcChart("xmr", direction, points, mean, amr, None, screen_outliers, notes)


def pprime(numerators, denominators, direction: str = INCREASE, screen_outliers: bool = True, labels=None) -> SpcChart:
    """A Laney p′ chart of ``numerators / denominators`` (proportions 0–1) with the NHS rules."""
    _check_direction(direction)
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if x.size < 2 or x.size != n.size or not (np.all(np.isfinite(x)) and np.all(n > 0)):
        raise ValueError("a p′ chart needs at least 2 points, each with a positive denominator")
    if np.any((x < 0) | (x > n)):
        raise ValueError("numerators must lie between 0 and their denominators")
    p = x / n
    pbar = float(x.sum() / n.sum())
    sigma_p = np.sqrt(pbar * (1 - pbar) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma_p > 0, (p - pbar) / sigma_p, 0.0)
    amr = average_moving_range(z, screen_outliers)
    sigma_z = amr / D2
    width = sigma_p * sigma_z
    points = classify_points(
        p,
        pbar,
        np.clip(pbar - 3 * width, 0, 1),
        np.clip(pbar + 3 * width, 0, 1),
        np.clip(pbar - 2 * width, 0, 1),
        np.clip(pbar + 2 * width, 0, 1),
        direction,
    )
    points.insert(1, "numerator", x)
    points.insert(2, "denominator", n)
    points["z"] = z
    if labels is not None:
        points.index = list(labels)
    notes = ["every point equals the pooled proportion: zero-width limits"] if amr == 0 else []
    return SpcChart("pprime", direction, points, pbar, amr, sigma_z, screen_outliers, notes)


# --------------------------------------------------------------------------- report summaries
MIN_POINTS = SPC_MIN_POINTS  # fewest points for a verdict (analysis.core.settings)
RULE_WORDS = {  # what the latest point's rule means, in plain words
    "Above UCL": "the latest point is above the upper process limit",
    "Below LCL": "the latest point is below the lower process limit",
    "7 Point Trend (Increasing)": "seven or more points in a row, each higher than the one before",
    "7 Point Trend (Decreasing)": "seven or more points in a row, each lower than the one before",
    "2 in 3 Above CL": "two of three points in a row close to the upper limit",
    "2 in 3 Below CL": "two of three points in a row close to the lower limit",
    "7 Points Above CL": "seven or more points in a row above the centre line",
    "7 Points Below CL": "seven or more points in a row below the centre line",
}
METHOD_NAMES = {"xmr": "XmR chart", "pprime": "Laney p′ chart"}


@dataclass
class SpcSummary:
    """What a report says about one series' process behaviour (the shared contract).

    ``variation`` is one of :data:`VARIATION_VERDICTS`; ``assurance`` one of :data:`ASSURANCE_VERDICTS`
    or None (no comparator, or a neutral measure). ``variation_text`` and ``assurance_text`` are one
    plain sentence each, with their evaluative words from :mod:`analysis.compute.direction`.
    ``chart`` holds the numbers behind them; values shown to readers are ``chart`` values × ``scale``.
    """

    variation: str
    assurance: str | None
    variation_text: str
    assurance_text: str
    comparator_label: str
    method: str = "xmr"
    method_text: str = ""
    chart: SpcChart | None = None
    period_labels: list[str] = field(default_factory=list)
    comparator: float | None = None  # in chart units
    measure_direction: str = "neutral"
    scale: float = 1.0
    unit: str = ""
    subject: str = ""
    # set when a meaning rule overrides the assurance sentence (analysis.compute.meaning.measures): its code,
    # for the claim, and the first-screen words that replace the verdict's icon label
    assurance_rule: str = ""
    assurance_words: str = ""
    # the latest point is itself special cause, so the assurance verdict rests on the process before it: the
    # body says it "may no longer hold", and the tile says it was judged on the quarters before the change
    assurance_before_change: bool = False


def summarise(
    chart: SpcChart,
    measure_direction: str,
    subject: str,
    period_labels: list[str],
    comparator: float | None = None,
    comparator_label: str = "",
    fmt=None,
    scale: float = 1.0,
    unit: str = "",
) -> SpcSummary:
    """Turn a chart into the verdicts and sentences a report prints.

    ``subject`` names the series ("Leicestershire's charge rate"); ``fmt`` formats a display value
    (chart value × ``scale``) in the measure's unit; ``comparator`` is in chart units.
    """
    from analysis.compute import direction as dn

    fmt = fmt or (lambda v: f"{v:g}")
    last = chart.points.iloc[-1]
    variation = chart.variation
    label = last["special_cause_type"]
    high = ("Above" in label or "Increasing" in label) if variation == "special_cause_neutral" else None
    var_text = dn.variation_text(variation, measure_direction, subject, RULE_WORDS.get(label), high)
    assurance_value = chart.assurance(comparator) if comparator_label else None
    limits = f"{fmt(scale * last['lpl'])} to {fmt(scale * last['upl'])}"
    before_change = bool(comparator_label) and assurance_value is not None and variation != "common_cause"
    if comparator_label:
        ass_text = dn.assurance_text(assurance_value, measure_direction, subject, comparator_label, limits)
        if before_change:
            ass_text = (
                f"{ass_text[:-1]}; but the latest point signals a change, so these limits describe the "
                f"process before it and this may no longer hold."
            )
    else:
        ass_text = "There is no comparator for this series, so there is no assurance verdict."
    method_text = (
        f"{METHOD_NAMES[chart.method]} of {len(chart.points)} points, {period_labels[0]} to "
        f"{period_labels[-1]}: centre line {fmt(scale * chart.mean)}, latest process limits {limits}."
    )
    return SpcSummary(
        variation,
        assurance_value,
        var_text,
        ass_text,
        comparator_label,
        chart.method,
        method_text,
        chart,
        list(period_labels),
        comparator,
        measure_direction,
        scale,
        unit,
        subject,
        assurance_before_change=before_change,
    )


def too_few_points_text(subject: str, n: int, period_word: str) -> str:
    """The sentence a report prints instead of a verdict when a series is too short."""
    plural = period_word if n == 1 else f"{period_word}s"
    return (
        f"Only {n} {plural} of {subject} {'is' if n == 1 else 'are'} loaded; a process-behaviour chart needs "
        f"at least {MIN_POINTS}, so this report does not judge whether it has changed."
    )
