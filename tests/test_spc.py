"""analysis.compute.spc against every published test vector in tests/fixtures/spc/vectors-public.json.

The vectors come from NHSRplotthedots (XmR rules, assurance) and PowerBI-SPC (p′ limits, assurance
boundaries); see tests/fixtures/spc/README.md. Each is checked with its own tolerance.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from analysis.compute import spc

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "spc" / "vectors-public.json").read_text())["vectors"]
BY_METHOD = {}
for _v in VECTORS:
    BY_METHOD.setdefault(_v["method"], []).append(_v)


def _close(actual, expected, tol):
    if "rel" in tol:
        return math.isclose(actual, expected, rel_tol=tol["rel"], abs_tol=1e-12)
    return abs(actual - expected) <= tol["abs"]


def _xmr_groups(vector):
    """(input values, expected dict, options) for each facet/rebase group of an xmr vector."""
    opts = vector["options"]
    if "groups" in vector["input"]:
        return [(g["values"], e, opts) for g, e in zip(vector["input"]["groups"], vector["expected"]["groups"])]
    return [(vector["input"]["values"], vector["expected"], opts)]


XMR_CASES = [
    pytest.param(values, expected, opts, v["direction"], v["tolerance"], id=f"{v['id']}-{i}")
    for v in BY_METHOD["xmr"]
    for i, (values, expected, opts) in enumerate(_xmr_groups(v))
]


def test_every_public_vector_is_used():
    used = {"xmr", "pprime", "assurance", "rule_trend_run_end_marker", "rule_two_in_three"}
    assert {v["method"] for v in VECTORS} <= used


@pytest.mark.parametrize("values, expected, opts, direction, tol", XMR_CASES)
def test_xmr_matches_nhsr(values, expected, opts, direction, tol):
    chart = spc.xmr(
        values,
        direction,
        screen_outliers=opts.get("screen_outliers", True),
        fix_after_n_points=opts.get("fix_after_n_points"),
    )
    pts = chart.points
    assert _close(chart.mean, expected["mean"], tol)
    assert _close(chart.amr, expected["amr_used"], tol)
    for ours, theirs in (
        ("lpl", "lpl"),
        ("upl", "upl"),
        ("lower_2sigma", "lower_2sigma"),
        ("upper_2sigma", "upper_2sigma"),
    ):
        assert _close(pts[ours].iloc[0], expected[theirs], tol), ours
    assert pts["outside_limits"].tolist() == expected["outside_limits"]
    assert pts["close_to_limits"].tolist() == expected["close_to_limits"]
    assert pts["relative_to_mean"].tolist() == expected["relative_to_mean"]
    assert pts["special_cause_type"].tolist() == expected["special_cause_type"]
    assert pts["point_type"].tolist() == expected["point_type"]
    nhs_to_ours = {
        "common_cause": "common_cause",
        "special_cause_improvement": "special_cause_improving",
        "special_cause_concern": "special_cause_concerning",
    }
    assert chart.variation == nhs_to_ours[expected["variation"]]


@pytest.mark.parametrize("case", BY_METHOD["rule_trend_run_end_marker"][0]["cases"], ids=lambda c: str(c["input"]))
def test_trend_rule_marker(case):
    assert spc.trend_run_end(case["input"]).tolist() == case["expected_run_end"]


@pytest.mark.parametrize(
    "case", BY_METHOD["rule_trend_run_end_marker"][0]["computed_end_to_end"], ids=lambda c: str(c["input"])
)
def test_trend_rule_end_to_end(case):
    chart = spc.xmr(case["input"], "increase")
    assert chart.points["special_cause_type"].tolist() == case["special_cause_type_computed"]
    lim = case["limits_computed"]
    assert chart.mean == pytest.approx(lim["mean"], abs=1e-12)
    assert chart.points["lpl"].iloc[0] == pytest.approx(lim["lpl"], abs=1e-12)
    assert chart.points["upl"].iloc[0] == pytest.approx(lim["upl"], abs=1e-12)


@pytest.mark.parametrize("case", BY_METHOD["rule_two_in_three"][0]["cases"], ids=lambda c: f"{c['close']}{c['side']}")
def test_two_in_three_rule(case):
    part, flagged = spc.two_in_three(case["close"], case["side"])
    if "expected_window_hit" in case:
        assert part.tolist() == case["expected_window_hit"]
    if "expected_flagged" in case:
        assert flagged.tolist() == case["expected_flagged"]


def _assurance_cases():
    for v in BY_METHOD["assurance"]:
        if "cases" in v.get("input", {}):
            for i, c in enumerate(v["input"]["cases"]):
                for direction in ("increase", "decrease", "neutral"):
                    yield pytest.param(
                        c["lpl"],
                        c["upl"],
                        c["target"],
                        direction,
                        v["expected"][direction][i],
                        id=f"{v['id']}-{i}-{direction}",
                    )
                yield pytest.param(
                    c["lpl"], c["upl"], None, "increase", v["expected"]["no_target"], id=f"{v['id']}-{i}-no-target"
                )
        else:
            for i, c in enumerate(v["cases"]):
                yield pytest.param(c["lpl"], c["upl"], c["target"], c["direction"], c["expected"], id=f"{v['id']}-{i}")


@pytest.mark.parametrize("lpl, upl, target, direction, expected", list(_assurance_cases()))
def test_assurance(lpl, upl, target, direction, expected):
    assert spc.assurance(lpl, upl, target, direction) == expected


@pytest.mark.parametrize("vector", BY_METHOD["pprime"], ids=lambda v: v["id"])
def test_pprime_matches_powerbi_spc(vector):
    inp, exp, tol = vector["input"], vector["expected"], vector["tolerance"]["abs_percent_units"]
    chart = spc.pprime(inp["numerators"], inp["denominators"], "increase")
    pts = chart.points
    assert chart.mean == pytest.approx(exp["centre"], abs=1e-12)
    assert chart.sigma_z == pytest.approx(exp["sigma_z"], rel=1e-9)
    assert chart.amr == pytest.approx(exp["mean_mr_z"], rel=1e-9)
    assert np.allclose(pts["z"], exp["z"], rtol=1e-9)
    for column, key in (
        ("upl", "upper_3sigma_percent"),
        ("upper_2sigma", "upper_2sigma_percent"),
        ("lower_2sigma", "lower_2sigma_percent"),
        ("lpl", "lower_3sigma_percent"),
    ):
        assert np.all(np.abs(100 * pts[column].to_numpy() - np.array(exp[key])) < tol), column


def test_pprime_without_screening_differs_only_when_a_jump_is_screened():
    # the NHS accidents data has no moving range of z at or above 3.267 x AMR, so the choice makes no difference
    inp = BY_METHOD["pprime"][0]["input"]
    on = spc.pprime(inp["numerators"], inp["denominators"], screen_outliers=True)
    off = spc.pprime(inp["numerators"], inp["denominators"], screen_outliers=False)
    assert on.sigma_z == pytest.approx(off.sigma_z)
    jump = list(inp["numerators"])
    jump[10] = int(inp["denominators"][10] * 0.5)  # one wild week
    assert (
        spc.pprime(jump, inp["denominators"]).sigma_z
        < spc.pprime(jump, inp["denominators"], screen_outliers=False).sigma_z
    )


def test_constant_series_is_common_cause_with_zero_width_limits():
    chart = spc.xmr([5.0] * 12, "increase")
    assert chart.amr == 0
    assert (chart.points["upl"] == 5).all() and (chart.points["lpl"] == 5).all()
    assert set(chart.points["point_type"]) == {"common_cause"}
    assert chart.variation == "common_cause"
    assert chart.assurance(5.0) == "hit_and_miss"
    assert chart.assurance(4.0) == "consistently_passes"
    assert chart.notes


def test_decreasing_direction_swaps_improvement_and_concern():
    values = [10, 10.5, 9.5, 10.2, 9.8, 10.1, 9.9, 10, 10.3, 9.7, 10.1, 25]
    up, down, flat = (spc.xmr(values, d) for d in ("increase", "decrease", "neutral"))
    assert up.variation == "special_cause_improving"
    assert down.variation == "special_cause_concerning"
    assert flat.variation == "special_cause_neutral"
    assert flat.points["point_type"].iloc[-1] == "special_cause_neutral_high"


def test_falling_trend_flags_every_point_of_a_long_run():
    values = [20, 21, 20, 19, 18, 17, 16, 15, 14, 13, 14, 15, 14]
    types = spc.xmr(values, "decrease").points["special_cause_type"].tolist()
    # 8 falls from 21 to 13: points 1..9 form one run longer than 7
    assert all(t in ("7 Point Trend (Decreasing)", "Below LCL", "Above UCL") for t in types[1:10])


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        spc.xmr([1.0], "increase")
    with pytest.raises(ValueError):
        spc.xmr([1.0, float("nan"), 2.0], "increase")
    with pytest.raises(ValueError):
        spc.xmr([1.0, 2.0], "up")
    with pytest.raises(ValueError):
        spc.pprime([5, 20], [10, 10])
