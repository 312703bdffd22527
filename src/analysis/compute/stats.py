"""Small, documented statistics for the key measures (pure functions, no I/O).

Choices, stated once so the report can repeat them:

* Proportions get **Wilson score intervals** (Wilson 1927): unlike the simple
  ``p ± z·se`` interval they stay inside 0–1 and behave at small counts.
* A change between two rates is called significant when the **Newcombe hybrid
  score interval** for the difference (Newcombe 1998, method 10) excludes zero.
  It is built from the two Wilson intervals, so "significant only when the
  intervals say so" holds, but it is not as conservative as asking whether the
  two Wilson intervals overlap (non-overlap implies significance; overlap does
  not imply no difference). The two samples are assumed independent.
* Funnel plots (Spiegelhalter 2005) use the **normal approximation to the
  binomial**: ``target ± z·sqrt(phi·target·(1−target)/n)``. With the thousands of
  outcomes a force closes in a quarter this matches the exact binomial limits to
  a small fraction of a percentage point. ``phi`` is an optional multiplicative
  over-dispersion factor (Spiegelhalter 2005, section 6), estimated from
  winsorised z-scores by :func:`overdispersion`.
* Ratios of two rates get a **Katz log interval** (Katz et al. 1978).
* Trends are ordinary least squares with a t-based interval for the slope; a
  year of parity is projected only when that interval excludes zero and points
  towards the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as _st

from analysis.core.settings import CONFIDENCE, FUNNEL_LEVELS, OVERDISPERSION_WINSOR, PROJECTION_HORIZON_YEARS


@lru_cache(maxsize=64)  # a handful of levels, asked for thousands of times a run
def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(_st.norm.ppf(1 - (1 - confidence) / 2))


def _scalar_or_array(value):
    """Return a Python float for 0-d input, else the numpy array."""
    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def wilson_interval(successes, n, confidence: float = CONFIDENCE):
    """Wilson score interval for ``successes`` out of ``n``.

    Returns ``(p, lower, upper)`` as proportions (0–1). Works element-wise on
    numpy arrays or pandas Series; ``n == 0`` (or missing) gives NaN.
    """
    z = _z(confidence)
    x = np.asarray(successes, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any((x < 0) | (x > n_arr)):
        raise ValueError("successes must lie between 0 and n")
    with np.errstate(divide="ignore", invalid="ignore"):
        n_safe = np.where(n_arr > 0, n_arr, np.nan)
        p = x / n_safe
        z2 = z * z
        denom = 1 + z2 / n_safe
        centre = (p + z2 / (2 * n_safe)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n_safe + z2 / (4 * n_safe**2))
        lower, upper = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return _scalar_or_array(p), _scalar_or_array(lower), _scalar_or_array(upper)


@dataclass(frozen=True)
class RateComparison:
    """The difference ``now − then`` between two proportions (0–1 scale)."""

    now: float
    then: float
    difference: float
    lower: float
    upper: float
    significant: bool
    confidence: float
    method: str = "Newcombe hybrid score interval for a difference of proportions"

    @property
    def direction(self) -> str:
        """'up', 'down' or 'no change' (ignores significance; read ``significant`` too)."""
        return "up" if self.difference > 0 else "down" if self.difference < 0 else "no change"


def compare(now_x, now_n, then_x, then_n, confidence: float = CONFIDENCE) -> RateComparison:
    """Compare two independent proportions with a Newcombe (1998) interval.

    ``significant`` is True when the interval for the difference excludes 0.
    """
    p1, l1, u1 = wilson_interval(now_x, now_n, confidence)
    p2, l2, u2 = wilson_interval(then_x, then_n, confidence)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    significant = bool(lower > 0 or upper < 0)
    return RateComparison(p1, p2, d, lower, upper, significant, confidence)


def funnel_limits(target_p: float, n_values, levels=FUNNEL_LEVELS, phi: float = 1.0) -> dict:
    """Control limits for a proportion funnel plot around ``target_p``.

    Normal approximation to the binomial (see module docstring), optionally
    widened by an over-dispersion factor ``phi`` (>= 1). Returns
    ``{level: (lower, upper)}`` with arrays shaped like ``n_values``, clipped to 0–1.
    """
    if not 0 <= target_p <= 1:
        raise ValueError("target_p must be a proportion between 0 and 1")
    n = np.asarray(n_values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(phi * target_p * (1 - target_p) / n)
    out = {}
    for level in levels:
        z = _z(level)
        out[level] = (
            _scalar_or_array(np.clip(target_p - z * sd, 0, 1)),
            _scalar_or_array(np.clip(target_p + z * sd, 0, 1)),
        )
    return out


def funnel_z(x, n, target_p: float):
    """The z-score of each unit against the target, on the binomial scale."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _scalar_or_array((x / n - target_p) / np.sqrt(target_p * (1 - target_p) / n))


def overdispersion(x, n, target_p: float, winsor: float = OVERDISPERSION_WINSOR) -> float:
    """Spiegelhalter's multiplicative over-dispersion factor ``phi`` (never below 1).

    ``phi`` is the mean of squared z-scores after winsorising the top and bottom
    ``winsor`` share, so a few extreme units do not inflate it.
    """
    z = np.asarray(funnel_z(x, n, target_p), dtype=float).ravel()
    z = z[np.isfinite(z)]
    if z.size == 0:
        return 1.0
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    return max(1.0, float(np.mean(np.clip(z, lo, hi) ** 2)))


def classify_funnel(x, n, target_p: float, levels=FUNNEL_LEVELS, phi: float = 1.0):
    """Where each unit falls: 'within', 'above 95%', 'above 99.8%', 'below 95%', 'below 99.8%'.

    A unit outside the outer limit is reported at that (stricter) level only.
    Missing or zero ``n`` gives 'no data'. Scalars in, a string out; arrays in, a list out.
    """
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    ns = np.atleast_1d(np.asarray(n, dtype=float))
    ordered = sorted(levels)
    result = []
    for xi, ni in zip(xs, ns):
        if not np.isfinite(ni) or ni <= 0 or not np.isfinite(xi):
            result.append("no data")
            continue
        p = xi / ni
        label = "within"
        for level in ordered:  # inner to outer, so the outermost breach wins
            lo, hi = funnel_limits(target_p, ni, (level,), phi)[level]
            if p > hi:
                label = f"above {_pct_label(level)}"
            elif p < lo:
                label = f"below {_pct_label(level)}"
        result.append(label)
    return result[0] if scalar else result


def _pct_label(level: float) -> str:
    return f"{level * 100:g}%"


def representation_ratio(workforce_share, population_share):
    """Workforce share ÷ population share (1 = parity; below 1 = under-represented)."""
    w = np.asarray(workforce_share, dtype=float)
    p = np.asarray(population_share, dtype=float)
    if np.any(p <= 0):
        raise ValueError("population_share must be positive")
    return _scalar_or_array(w / p)


def relative_rate(a_x, a_n, b_x, b_n, confidence: float = CONFIDENCE):
    """Rate ratio (a_x/a_n) ÷ (b_x/b_n) with a Katz log-scale interval.

    ``se(log RR) = sqrt(1/a_x − 1/a_n + 1/b_x − 1/b_n)``; returns ``(rr, lower, upper)``.
    Zero counts give NaN limits (the log interval is undefined).
    """
    a_x, a_n, b_x, b_n = (np.asarray(v, dtype=float) for v in (a_x, a_n, b_x, b_n))
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = (a_x / a_n) / (b_x / b_n)
        se = np.sqrt(1 / a_x - 1 / a_n + 1 / b_x - 1 / b_n)
        ok = (a_x > 0) & (b_x > 0)
        lower = np.where(ok, np.exp(np.log(rr) - z * se), np.nan)
        upper = np.where(ok, np.exp(np.log(rr) + z * se), np.nan)
    return _scalar_or_array(rr), _scalar_or_array(lower), _scalar_or_array(upper)


@dataclass(frozen=True)
class TrendResult:
    """A straight-line trend and, only when the data support it, a year of parity."""

    slope: float  # units of ``values`` per year
    slope_lower: float
    slope_upper: float
    intercept: float
    n_points: int
    parity_year: float | None
    reason: str | None  # why no projection was made (None when parity_year is given)

    @property
    def significant(self) -> bool:
        return self.slope_lower > 0 or self.slope_upper < 0


def trend_to_parity(
    years,
    values,
    target: float,
    confidence: float = CONFIDENCE,
    horizon_years: float = PROJECTION_HORIZON_YEARS,
) -> TrendResult:
    """Fit ``value = a + b·year`` and project when the line reaches ``target``.

    A year of parity is returned only when (1) the slope's interval excludes
    zero, (2) the slope points towards the target, and (3) the projected year is
    no more than ``horizon_years`` after the last observation. Otherwise
    ``parity_year`` is None and ``reason`` says why.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    nan = float("nan")
    if x.size < 3 or np.ptp(x) == 0:
        return TrendResult(nan, nan, nan, nan, int(x.size), None, "there are too few periods to fit a trend")
    fit = _st.linregress(x, y)
    half = float(_st.t.ppf(1 - (1 - confidence) / 2, x.size - 2)) * fit.stderr
    slope, lo, hi = float(fit.slope), float(fit.slope - half), float(fit.slope + half)

    def result(parity, reason):
        return TrendResult(slope, lo, hi, float(fit.intercept), int(x.size), parity, reason)

    if lo <= 0 <= hi:
        return result(
            None,
            "the trend does not support a projection: the change per year is not statistically different from zero",
        )
    # A straight line crosses the target once: if the gap from the latest fitted
    # value to the target has the opposite sign to the slope, it crossed in the past.
    gap = target - (fit.intercept + fit.slope * x.max())
    if gap == 0 or (gap > 0) != (slope > 0):
        return result(
            None,
            "no projection is made: the fitted trend line crossed the target before the latest period and is moving away from it",
        )
    parity = float((target - fit.intercept) / fit.slope)
    if parity - x.max() > horizon_years:
        return result(
            None,
            f"the trend does not support a projection: at this rate parity is more than {horizon_years:g} years away",
        )
    return result(parity, None)
