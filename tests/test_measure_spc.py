"""Process-behaviour verdicts, funnel wording and 'as at the quarter' in the key-measure sections.

Expected numbers are re-derived here from the raw CSV with the csv module, not with the package.
"""

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.compute import measure_sections, measures, spc
from analysis.core import periods, settings
from analysis.core.periods import Quarter, parse_quarter

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
OUTCOMES_CSV = REPO_DATA / "raw" / "measures" / "home-office-outcomes" / "force_quarter.csv"


def _words(section, quarter="2024-25-Q1"):
    """The section's paragraph as the page writes it (present/measure_text, present/fairness_text)."""
    from analysis.present import fairness_text, measure_text

    if section.key_measure == "trust-confidence":
        return fairness_text.paragraph(section, Quarter.of(quarter))[0]
    return measure_text.paragraph(section, Quarter.of(quarter))


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """The official data plus Leicestershire's force-supplied files (the repository's own)."""
    data = tmp_path_factory.mktemp("spc") / "data"
    shutil.copytree(REPO_DATA / "raw" / "forces", data / "raw" / "forces")
    shutil.copytree(REPO_DATA / "raw" / "measures", data / "raw" / "measures")
    return data


def _section(root, force, quarter, key="charge-rate"):
    return next(s for s in measure_sections.measure_sections(force, Quarter.of(quarter), root) if s.key_measure == key)


def _raw_closed(force_name):
    with open(OUTCOMES_CSV, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["force"] == force_name]
    return {
        f"{r['fy'].replace('/', '-')}-Q{r['q']}": (int(r["closed_all_t1"]), int(r["closed_all_assigned"])) for r in rows
    }


def test_charge_rate_p_prime_chart_uses_the_last_20_quarters_up_to_the_report(root):
    # a 2024/25 Q3 report: 2024/25 Q1 is the latest quarter published by its end (two quarters after it ends)
    section = _section(root, "leicestershire", "2024-25-Q3")
    chart = section.spc.chart
    assert chart.method == "pprime" and len(chart.points) == settings.SPC_QUARTERS
    assert chart.points.index[-1] == "2024-25-Q1" and chart.points.index[0] == "2019-20-Q2"
    raw = _raw_closed("Leicestershire")
    charges = sum(raw[p][0] for p in chart.points.index)
    assigned = sum(raw[p][1] for p in chart.points.index)
    assert chart.mean == pytest.approx(charges / assigned, rel=1e-12)  # pooled p-bar
    assert section.spc.variation in spc.VARIATION_VERDICTS
    assert section.spc.assurance in spc.ASSURANCE_VERDICTS
    assert "England and Wales rate for 2024/25 Q1" in section.spc.comparator_label


def test_city_of_london_2023_24_q1_reads_true(root):
    """The issue's example: 14.3%, about twice the national 7.3%. No straight line, no 'reach the rate'."""
    from analysis.present.measure_text import section_sentences

    section = _section(root, "city-of-london", "2023-24-Q1")
    text = " ".join(section_sentences(section, Quarter.of("2023-24-Q1")))
    assert "would reach" not in text and "fitted trend" not in text and "significant" not in text
    assert "City of London is above it, which is better" in text
    # its p′ limits lie wholly above the national rate, so the assurance is 'consistently passes'
    assert section.spc.assurance == "consistently_passes"
    assert "consistently be above the England and Wales rate" in section.spc.assurance_text


def test_leicestershire_2024_25_q1_below_the_national_rate_is_not_called_good_news(root):
    from analysis.present.measure_text import section_sentences

    section = _section(root, "leicestershire", "2024-25-Q3")  # its latest published quarter is 2024/25 Q1
    text = " ".join(section_sentences(section, Quarter.of("2024-25-Q3")))
    assert "Leicestershire is below it, which is worse" in text
    assert "moving away" not in text and "crossed the target" not in text


def test_funnel_says_what_it_cannot_see_for_a_small_force(root):
    small = _section(root, "city-of-london", "2023-24-Q1")
    assert small.funnel.cannot_see
    lo, hi = small.funnel.limits_95
    from analysis.present.measure_text import section_sentences

    sentence = next(s for s in section_sentences(small, Quarter.of("2023-24-Q1")) if "funnel limits" in s)
    assert "can see little" in sentence and f"{lo:.1f}% to {hi:.1f}%" in sentence
    assert "not statistically significant" not in sentence
    large = _section(root, "leicestershire", "2024-25-Q1")
    assert not large.funnel.cannot_see
    assert "can see little" not in " ".join(section_sentences(large, Quarter.of("2024-25-Q1")))
    assert "inside the 95% funnel limits" in " ".join(section_sentences(large, Quarter.of("2024-25-Q1")))


def test_force_supplied_monthly_series_gets_an_xmr_chart_and_short_ones_say_so(root):
    section = _section(root, "leicestershire", "2024-25-Q1")
    monthly = next(e for e in section.extra if e["measure_id"] == "dvpn_to_dvpo_conversion")
    assert monthly["spc"].method == "xmr" and len(monthly["spc"].chart.points) == 24
    assert monthly["spc"].variation_text in " ".join(_words(section))
    assert any(
        s.startswith("Too short for a process-behaviour chart") and "VAWG recorded crime volume (4 years)" in s
        for s in _words(section)
    )
    names = [kwargs["summary"].subject for name, kwargs in section.extra_figures if name == "spc_chart"]
    assert "Leicestershire's DVPN to DVPO conversion" in names


def test_short_headline_series_gets_a_plain_sentence_not_a_verdict(root):
    section = _section(root, "leicestershire", "2024-25-Q1", "response-times")
    assert section.spc is None
    assert any("a process-behaviour chart needs at least 12" in s for s in _words(section))


def test_as_at_drops_every_later_period(root):
    quarter = parse_quarter("2023-24-Q1")
    obs = measures.observations(root, as_at=quarter.id)
    ends = [periods.period_end(p, t) for p, t in zip(obs["period"], obs["period_type"])]
    assert max(ends) <= quarter.end
    assert len(obs) < len(measures.observations(root))
    assert measures.later_periods(root, as_at=quarter.id) and not measures.later_periods(root, as_at=None)
    series = measures.charge_rate_series(root, as_at=quarter.id)
    # a quarter counts as published two quarters after it ends (settings.OFFICIAL_RELEASE_QUARTERS_AFTER)
    assert max(parse_quarter(p).index for p in series["period"]) == quarter.index - 2
    national = measures.national_series(root, as_at=quarter.id)
    assert max(parse_quarter(p).index for p in national["period"]) == quarter.index - 2


@pytest.mark.parametrize("force", ["leicestershire", "city-of-london"])
def test_no_section_of_a_past_quarter_holds_a_later_period(root, force):
    quarter = parse_quarter("2023-24-Q1")
    for section in measure_sections.measure_sections(force, quarter, root):
        for e in section.extra:
            assert periods.period_end(e["period"], e["period_type"]) <= quarter.end, e["title"]
        if section.latest is not None:
            assert periods.period_end(section.latest.period, section.latest.period_type) <= quarter.end
        if section.spc is not None:
            assert parse_quarter(section.spc.chart.points.index[-1]).index <= quarter.index


def test_national_series_is_cached_and_callers_cannot_change_the_cache(root):
    first = measures.national_series(root)
    first.loc[:, "charges"] = -1
    again = measures.national_series(root)
    assert (again["charges"] > 0).all()
    assert measures._national_cached.cache_info().hits >= 1


def _history(values):
    periods = [f"{2010 + i}-{(11 + i) % 100:02d}" for i in range(len(values))]
    return pd.DataFrame({"period": periods, "period_type": "financial_year", "value": values})


def test_parity_projection_needs_eight_points_and_movement_towards_parity():
    from analysis.compute.measure_sections import MeasureSection
    from analysis.present.measure_text import parity_text

    def projected(values):
        trend, interval = measure_sections._parity_projection(_history(values))
        section = MeasureSection("workforce-representation", "t", True, measure_title="Representation ratio")
        section.force_name, section.points, section.trend, section.parity_interval = "X", len(values), trend, interval
        return trend, parity_text(section)

    trend, text = projected([0.5, 0.55, 0.6])
    assert trend is None and "3 points are loaded and a projection needs at least 8" in text
    towards = [0.50, 0.53, 0.57, 0.60, 0.62, 0.66, 0.69, 0.72]
    trend, text = projected(towards)
    assert trend.parity_year is not None and "X's representation ratio would reach parity around" in text
    assert "95% interval" in text
    away = [0.72, 0.69, 0.66, 0.62, 0.60, 0.57, 0.53, 0.50]
    trend, text = projected(away)
    assert trend.parity_year is None and text.startswith("No year of parity is projected")


def test_special_cause_latest_point_qualifies_the_assurance():
    values = [10, 10.5, 9.5, 10.2, 9.8, 10.1, 9.9, 10, 10.3, 9.7, 10.1, 25]
    chart = spc.xmr(values, "increase")
    summary = spc.summarise(chart, "higher_is_better", "The rate", [str(i) for i in range(12)], 5.0, "the target (5)")
    assert summary.variation == "special_cause_improving" and summary.assurance == "consistently_passes"
    assert "may no longer hold" in summary.assurance_text
