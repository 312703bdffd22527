"""analysis.compute.stats against values worked by hand (arithmetic in the comments)."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.compute import stats

Z95 = 1.959964  # norm.ppf(0.975)


def test_wilson_30_of_100():
    # p = 0.3, z^2 = 3.841459, 1 + z^2/n = 1.0384146
    # centre = (0.3 + 3.841459/200) / 1.0384146 = 0.3192073 / 1.0384146 = 0.307399
    # half   = 1.959964 * sqrt(0.3*0.7/100 + 3.841459/40000) / 1.0384146
    #        = 1.959964 * sqrt(0.0021 + 0.00009604) / 1.0384146 = 1.959964 * 0.046862 / 1.0384146 = 0.088450
    # -> (0.218949, 0.395849)
    p, lo, hi = stats.wilson_interval(30, 100)
    assert p == pytest.approx(0.3)
    assert lo == pytest.approx(0.218949, abs=1e-5)
    assert hi == pytest.approx(0.395849, abs=1e-5)


def test_wilson_is_vectorised_and_handles_zero_n():
    p, lo, hi = stats.wilson_interval(pd.Series([30, 0, 5]), pd.Series([100, 0, 5]))
    assert lo[0] == pytest.approx(0.218949, abs=1e-5)
    assert math.isnan(p[1]) and math.isnan(lo[1])
    # 5 of 5: p = 1, the upper limit is exactly 1 and the lower limit is n/(n+z^2) = 5/8.841459 = 0.565518
    assert hi[2] == pytest.approx(1.0) and lo[2] == pytest.approx(0.565518, abs=1e-5)


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        stats.wilson_interval(11, 10)


def test_compare_newcombe_30_vs_20_of_100_not_significant():
    # Wilson 20/100: centre (0.2 + 0.0192073)/1.0384146 = 0.211099;
    #   half 1.959964*sqrt(0.0016 + 0.00009604)/1.0384146 = 0.077731 -> (0.133368, 0.288830)
    # d = 0.1; L = 0.1 - sqrt((0.3-0.218949)^2 + (0.288830-0.2)^2) = 0.1 - sqrt(0.0065693+0.0078908) = -0.020250
    #          U = 0.1 + sqrt((0.395849-0.3)^2 + (0.2-0.133368)^2) = 0.1 + sqrt(0.0091872+0.0044398) = 0.216735
    c = stats.compare(30, 100, 20, 100)
    assert c.difference == pytest.approx(0.1)
    assert c.lower == pytest.approx(-0.020250, abs=1e-5)
    assert c.upper == pytest.approx(0.216735, abs=1e-5)
    assert c.significant is False
    assert c.direction == "up"


def test_compare_significant_with_large_samples():
    # 3000/10000 vs 2000/10000: the interval is roughly 0.1 +/- 1.96*sqrt(.21/1e4+.16/1e4) = 0.1 +/- 0.0119
    c = stats.compare(3000, 10000, 2000, 10000)
    assert c.significant is True
    assert c.lower == pytest.approx(0.1 - 0.0119, abs=5e-4)


def test_funnel_limits_p01_n400():
    # sd = sqrt(0.1*0.9/400) = 0.015
    # 95%:   0.1 +/- 1.959964*0.015 = 0.1 +/- 0.029399 -> (0.070601, 0.129399)
    # 99.8%: z = 3.090232; 0.1 +/- 0.046353 -> (0.053647, 0.146353)
    limits = stats.funnel_limits(0.1, 400)
    assert limits[0.95] == pytest.approx((0.070601, 0.129399), abs=1e-5)
    assert limits[0.998] == pytest.approx((0.053647, 0.146353), abs=1e-5)


def test_funnel_limits_widen_with_phi():
    # phi = 4 doubles the sd: 0.1 +/- 2*0.029399
    _lo, hi = stats.funnel_limits(0.1, 400, levels=(0.95,), phi=4)[0.95]
    assert hi == pytest.approx(0.1 + 2 * 0.029399, abs=1e-5)


def test_classify_funnel():
    # n = 400, target 0.1: 60/400 = 0.15 > 0.146353 -> above 99.8%; 53/400 = 0.1325 -> above 95% only;
    # 40/400 = 0.1 within; 27/400 = 0.0675 < 0.070601 -> below 95%; 20/400 = 0.05 -> below 99.8%
    assert stats.classify_funnel(60, 400, 0.1) == "above 99.8%"
    got = stats.classify_funnel([53, 40, 27, 20], [400, 400, 400, 400], 0.1)
    assert got == ["above 95%", "within", "below 95%", "below 99.8%"]
    assert stats.classify_funnel([5], [0], 0.1) == ["no data"]


def test_overdispersion_is_one_when_units_agree_and_large_when_not():
    assert stats.overdispersion([40, 40, 40], [400, 400, 400], 0.1) == 1.0
    # z for 60/400 and 20/400 is +/-0.05/0.015 = +/-3.3333; for 40/400 it is 0.
    # winsorising 3 values at 10%/90% quantiles (-2.6667, 2.6667): mean of squares = 2*7.1111/3 = 4.7407
    assert stats.overdispersion([60, 40, 20], [400, 400, 400], 0.1) == pytest.approx(4.7407, abs=1e-3)


def test_representation_ratio():
    # 7% of the workforce against 14% of the population: 0.07 / 0.14 = 0.5
    assert stats.representation_ratio(0.07, 0.14) == pytest.approx(0.5)
    assert list(stats.representation_ratio(np.array([0.1, 0.2]), np.array([0.2, 0.2]))) == [0.5, 1.0]
    with pytest.raises(ValueError):
        stats.representation_ratio(0.1, 0)


def test_relative_rate_katz():
    # RR = (30/100)/(20/100) = 1.5; se(log RR) = sqrt(1/30 - 1/100 + 1/20 - 1/100) = sqrt(0.063333) = 0.251661
    # log 1.5 = 0.405465; +/- 1.959964*0.251661 = 0.493248 -> exp(-0.087783) = 0.915961, exp(0.898713) = 2.456437
    rr, lo, hi = stats.relative_rate(30, 100, 20, 100)
    assert rr == pytest.approx(1.5)
    assert lo == pytest.approx(0.915961, abs=1e-5)
    assert hi == pytest.approx(2.456437, abs=1e-5)


def test_relative_rate_zero_count_has_no_interval():
    rr, lo, hi = stats.relative_rate(0, 100, 20, 100)
    assert rr == 0 and math.isnan(lo) and math.isnan(hi)


YEARS = [2020, 2021, 2022, 2023, 2024]


def test_trend_to_parity_projects_a_significant_trend():
    # y = 1, 2.1, 2.9, 4.2, 4.8; xbar = 2022, ybar = 3; Sxy = 4+0.9+0+1.2+3.6 = 9.7; Sxx = 10 -> slope 0.97
    # fitted at 2020: 3 - 2*0.97 = 1.06; residuals -0.06, 0.07, -0.10, 0.23, -0.14; SSE = 0.091
    # se = sqrt(0.091/3/10) = 0.055076; t(0.975, 3) = 3.182446 -> half 0.175276 -> CI (0.794724, 1.145276)
    # parity with 10: 2020 + (10 - 1.06)/0.97 = 2020 + 9.216495 = 2029.216495
    t = stats.trend_to_parity(YEARS, [1, 2.1, 2.9, 4.2, 4.8], target=10)
    assert t.slope == pytest.approx(0.97)
    assert (t.slope_lower, t.slope_upper) == pytest.approx((0.794724, 1.145276), abs=1e-5)
    assert t.parity_year == pytest.approx(2029.216495, abs=1e-5)
    assert t.reason is None and t.significant


def test_trend_does_not_support_a_projection_when_slope_not_significant():
    # y = 1, 3, 2, 5, 4: Sxy = 4+0+0+2+2 = 8 -> slope 0.8; residuals -0.4, 0.8, -1, 1.2, -0.6; SSE = 3.6
    # se = sqrt(3.6/3/10) = 0.346410; half = 3.182446*0.346410 = 1.102432 -> CI (-0.302432, 1.902432) includes 0
    t = stats.trend_to_parity(YEARS, [1, 3, 2, 5, 4], target=10)
    assert t.slope == pytest.approx(0.8)
    assert t.slope_lower == pytest.approx(-0.302432, abs=1e-5)
    assert t.parity_year is None
    assert "does not support a projection" in t.reason


def test_trend_moving_away_or_too_far_gives_no_projection():
    rising = [1, 2.1, 2.9, 4.2, 4.8]
    away = stats.trend_to_parity(YEARS, rising, target=0)  # rising but the target is below
    assert away.parity_year is None and "moving away" in away.reason
    far = stats.trend_to_parity(YEARS, rising, target=100)  # (100-1.06)/0.97 = 102 years away
    assert far.parity_year is None and "more than 25 years" in far.reason
    few = stats.trend_to_parity([2020, 2021], [1, 2], target=3)
    assert few.parity_year is None and "too few" in few.reason
