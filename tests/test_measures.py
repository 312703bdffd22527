"""analysis.compute.measures, with its raw files and registry (analysis.sources.measure_files and
measure_registry, analysis.run.build.build_measures), and a smoke test of analysis.present.measure_charts, on the
real raw data.

Each test builds its own data root in a temporary folder holding only the files this
layer owns, so force-supplied files added later cannot change the answers.
"""

import csv
import shutil
from pathlib import Path

import pytest

from analysis.compute import measure_sections, measures, stats
from analysis.core.periods import Quarter
from analysis.sources import measure_files, measure_registry

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
FIX = Path(__file__).parent / "fixtures" / "measures"
OUTCOMES_CSV = REPO_DATA / "raw" / "measures" / "home-office-outcomes" / "force_quarter.csv"


def _words(section, quarter="2024-25-Q1"):
    """The section's paragraph as the page writes it (present/measure_text, present/fairness_text)."""
    from analysis.present import fairness_text, measure_text

    if section.key_measure == "trust-confidence":
        return fairness_text.paragraph(section, Quarter.of(quarter))[0]
    return measure_text.paragraph(section, Quarter.of(quarter))


def _make_root(tmp: Path) -> Path:
    raw = tmp / "data" / "raw"
    shutil.copytree(REPO_DATA / "raw" / "forces", raw / "forces")
    for sub in ("home-office-outcomes", "census-2011", "census-2021", "stop-search"):
        shutil.copytree(REPO_DATA / "raw" / "measures" / sub, raw / "measures" / sub)
    (raw / "measures" / "registry").mkdir(parents=True)
    for name in ("official.yaml", "official-2021.yaml"):
        shutil.copy(REPO_DATA / "raw" / "measures" / "registry" / name, raw / "measures" / "registry")
    return tmp / "data"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return _make_root(tmp_path_factory.mktemp("measures"))


def _raw_rows():
    with open(OUTCOMES_CSV, newline="") as handle:
        return list(csv.DictReader(handle))


def test_official_registry_is_valid_and_covers_every_key_measure(root):
    assert measure_registry.registry_problems(root) == []
    registry = measure_registry.load_registry(root)
    assert {m.key_measure for m in registry.values()} == {k for k, _ in measure_registry.KEY_MEASURES}
    assert set(measures.HEADLINE.values()) <= set(registry)


def test_bad_registry_entry_is_reported(tmp_path):
    data = _make_root(tmp_path)
    (data / "raw" / "measures" / "registry" / "bad.yaml").write_text(
        "measures:\n- id: x\n  key_measure: vibes\n  unit: percent\n"
    )
    with pytest.raises(measure_registry.RegistryError, match="key_measure 'vibes'"):
        measure_registry.load_registry(data)


def test_headline_charge_rate_matches_raw_csv_read_independently(root):
    # Independent check: the 2024/25 Q1 headline = closed_all_t1 / closed_all_assigned from the raw file, for the
    # latest quarter published by 30 June 2024: 2023/24 Q3 (a quarter counts as out two quarters after it ends)
    row = next(r for r in _raw_rows() if r["slug"] == "leicestershire" and r["fy"] == "2023/24" and r["q"] == "3")
    expected = 100 * int(row["closed_all_t1"]) / int(row["closed_all_assigned"])
    section = {
        s.key_measure: s for s in measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"), root)
    }["charge-rate"]
    assert section.latest.value == pytest.approx(expected, abs=1e-9)
    assert (section.latest.numerator, section.latest.denominator) == (
        int(row["closed_all_t1"]),
        int(row["closed_all_assigned"]),
    )
    _p, lo, hi = stats.wilson_interval(int(row["closed_all_t1"]), int(row["closed_all_assigned"]))
    assert (section.latest.lower, section.latest.upper) == pytest.approx((100 * lo, 100 * hi))


def test_national_is_the_43_territorial_forces_without_btp(root):
    rows = [r for r in _raw_rows() if r["fy"] == "2024/25" and r["q"] == "1"]
    territorial = [r for r in rows if r["slug"] != "british-transport-police"]
    assert len(territorial) == 43
    nat = measures.national_series(root)
    got = nat[(nat["period"] == "2024-25-Q1") & (nat["basis"] == "closed")].iloc[0]
    assert got["charges"] == sum(int(r["closed_all_t1"]) for r in territorial)
    assert got["assigned"] == sum(int(r["closed_all_assigned"]) for r in territorial)
    # The provided national file includes BTP: it equals the sum over all 44 rows.
    with open(OUTCOMES_CSV.with_name("national_quarter.csv"), newline="") as handle:
        provided = next(r for r in csv.DictReader(handle) if r["fy"] == "2024/25" and r["q"] == "1")
    assert int(provided["closed_all_t1"]) == sum(int(r["closed_all_t1"]) for r in rows)
    assert int(provided["closed_all_t1"]) > got["charges"]


def test_missing_quarters_are_missing_not_zero(root):
    obs = measures.observations(root)

    def value(force, period, measure):
        hit = obs[(obs.force_id == force) & (obs.period == period) & (obs.measure_id == measure)]
        assert len(hit) == 1
        return hit.iloc[0]

    zero = value("leicestershire", "2014-15-Q1", "charge_rate_recorded")  # all-zero recorded basis
    assert zero.isna()["value"] and "missing, not zero" in zero["note"]
    for basis in ("closed", "recorded"):
        gap = value("greater-manchester", "2019-20-Q3", f"charge_rate_{basis}")
        assert gap.isna()["value"] and "gap" in gap["note"]
    nat = measures.national_series(root)
    note = nat[(nat.period == "2019-20-Q3") & (nat.basis == "closed")].iloc[0]
    assert note["forces_included"] == 42 and "greater-manchester" in note["note"]


def test_census_share_and_names(root):
    census = measure_files.census_table(root)
    assert len(census) == 43 and census["force_id"].notna().all()
    obs = measures.observations(root)
    leics = obs[(obs.force_id == "leicestershire") & (obs.measure_id == "census_2011_ethnic_minority_share")].iloc[0]
    # Leicestershire 2011: (All - White) / All, read from the raw CSV
    with open(REPO_DATA / "raw/measures/census-2011/force-demographics.csv", newline="") as handle:
        raw = next(r for r in csv.DictReader(handle) if r["PFA16NM"] == "Leicestershire")
    total, white = int(raw[measure_files.CENSUS_ALL]), int(raw[measure_files.CENSUS_WHITE])
    assert leics["value"] == pytest.approx(100 * (total - white) / total)


def test_build_is_deterministic_and_atomic(tmp_path):
    from analysis.run.build import build_measures

    data = _make_root(tmp_path)
    first = {p.name: p.read_bytes() for p in build_measures(data)}
    assert set(first) == {"observations.csv", "charge_rate_force_quarter.csv", "national.csv"}
    measures.clear_caches()
    second = {p.name: p.read_bytes() for p in build_measures(data)}
    assert first == second
    out_dir = data / "processed" / "measures"
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(first)  # no temp files left
    header = first["observations.csv"].decode().splitlines()[0]
    assert header == ",".join(measure_files.OBS_COLUMNS)
    series = first["charge_rate_force_quarter.csv"].decode().splitlines()
    assert len(series) == 1 + 43 * 48 * 2


def test_force_supplied_and_open_data_files_are_loaded(tmp_path):
    data = _make_root(tmp_path)
    m = data / "raw" / "measures"
    (m / "local").mkdir()
    (m / "local" / "leicestershire.csv").write_text(  # named for its force; a registered measure id
        "force_id,period,period_type,measure_id,numerator,denominator,value,unit,source,note\n"
        "leicestershire,2023-07,month,call_999_answered_within_10s,5,10,50,percent,Force paper,made up\n"
    )
    (m / "home-office-outcomes" / "open-data").mkdir()
    shutil.copy(FIX / "outcomes.ods", m / "home-office-outcomes" / "open-data")
    (m / "home-office-workforce").mkdir()
    shutil.copy(FIX / "workforce.xlsx", m / "home-office-workforce")
    obs = measures.observations(data).set_index(["force_id", "measure_id", "period"])
    assert obs.loc[("leicestershire", "call_999_answered_within_10s", "2023-07"), "value"] == 50
    # rape charge rate from the fixture: Leicestershire 3 of 15 closed = 20%
    assert obs.loc[("leicestershire", "rape_charge_rate_closed", "2024-25-Q1"), "value"] == pytest.approx(20)
    # officers 280/2080 = 13.4615%; ratio = that / Census 2021 share
    share = obs.loc[("leicestershire", "workforce_ethnic_minority_share_officers", "2023-24"), "value"]
    assert share == pytest.approx(100 * 280 / 2080)
    census = obs.loc[("leicestershire", "census_2021_ethnic_minority_share", "2021"), "value"]
    assert census == pytest.approx(100 * 308_993 / 1_121_985)
    ratio = obs.loc[("leicestershire", "workforce_representation_ratio_officers", "2023-24"), "value"]
    assert ratio == pytest.approx(share / census)


def test_sections_order_sentences_and_no_data_text(root):
    sections = measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"), root)
    assert [s.key_measure for s in sections] == [k for k, _ in measure_registry.KEY_MEASURES]
    by_key = {s.key_measure: s for s in sections}
    charge = by_key["charge-rate"]
    # the latest quarter published by 30 June 2024 (two quarters after it ends), and the page says it is not the quarter
    from analysis.present.measure_text import no_data_text, section_sentences, trend_text

    assert charge.has_data and charge.latest.period == "2023-24-Q3"
    assert _words(charge)[0].startswith("No charge rate for Leicestershire for 2024/25 Q1 had been published")

    shown = section_sentences(charge, Quarter.of("2024-25-Q1"))
    assert not any("significant" in c for c in shown)  # one standard: the process chart
    assert charge.spc.variation_text in _words(charge) and charge.spc.assurance_text in _words(charge)
    labels = [c.label for c in charge.comparisons]
    assert labels == ["the previous quarter", "the same quarter a year earlier", "England and Wales"]
    assert [c.significant for c in charge.comparisons[:2]] == [None, None]
    assert charge.funnel.n_forces == 43 and charge.funnel.phi >= 1
    assert charge.trend is None and not trend_text(charge)  # no straight-line projection for a charge rate
    disparity = by_key["misconduct-disparity"]
    assert not disparity.has_data and "Police misconduct, England and Wales" in no_data_text(
        disparity, Quarter.of("2024-25-Q1")
    )
    workforce = by_key["workforce-representation"]
    from analysis.present.measure_text import context_sentence

    assert "Census 2021 put" in context_sentence(workforce.census, workforce.force_name)


def test_latest_falls_back_to_the_most_recent_quarter_before(root):
    charge = measure_sections.measure_sections("greater-manchester", Quarter.of("2019-20-Q3"), root)[3]
    assert charge.latest.period == "2019-20-Q1"  # Q2 and Q3 are a known gap
    first = _words(charge, "2019-20-Q3")[0]
    assert first.startswith("No charge rate for Greater Manchester for 2019/20 Q3 had been published")
    assert "the latest quarter with one published by then is 2019/20 Q1. In 2019/20 Q1 (" in first


def test_national_table_is_alphabetical_with_funnel_classes(root):
    table = measure_sections.national_measure_table(Quarter.of("2024-25-Q1"), root)
    assert len(table) == 43
    assert list(table["force_name"]) == sorted(table["force_name"])
    assert set(table["funnel"]) <= {"within", "above 95%", "above 99.8%", "below 95%", "below 99.8%"}
    # widened limits can only move forces towards 'within'
    assert (table["funnel"] == "within").sum() >= (table["funnel_unadjusted"] == "within").sum()


def test_charts_return_figure_and_alt_text(root):
    from analysis.present import measure_charts

    section = measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"), root)[3]
    drawn = measure_charts.draw_section(section)
    assert len(drawn) >= 2  # the funnel, the p′ chart, then any other series long enough for one
    for fig, alt in drawn[:2]:
        assert fig.axes[0].get_ylabel() == "Charge rate (%)" and "Leicestershire" in alt
    assert "Laney p′ chart" in drawn[1][1] and "Variation verdict" in drawn[1][1]
    fig, alt = measure_charts.chart_representation("leicestershire", data_dir=root)
    assert "Population" in alt and "No officer ethnicity data" in alt


def test_representation_ratio_sentence_uses_the_census_share():
    """15.8% of joiners from ethnic minorities (seed 003) against the Census 2021 share for Leicestershire,
    labelled as the joiners' ratio."""
    import csv

    census = REPO_DATA / "raw/measures/census-2021"
    with open(census / "LAD_CSP_PFA_lookup_2022.from_rds.csv", newline="") as f:
        las = {r["LAD22CD"] for r in csv.DictReader(f) if r["PFA22CD"] == "E23000021"}
    total = white = 0
    with open(census / "census_2021_pop_ests.from_rda.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["Lower Tier Local Authorities Code"] in las and r["Ethnic group (20 categories) Code"] != "-8":
                total += int(r["Observation"])
                white += int(r["Observation"]) if r["Ethnic group (20 categories)"].startswith("White") else 0
    expected = 0.158 / ((total - white) / total)  # about 0.158 / 0.275 = 0.57
    section = next(
        s
        for s in measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"), REPO_DATA)
        if s.key_measure == "workforce-representation"
    )
    assert f"joiners' representation ratio of {expected:.2f}" in " ".join(_words(section))


def test_a_short_charge_rate_series_counts_every_quarter_loaded():
    """The "too few points" sentence gives the quarters loaded (section.points), not the latest quarter plus the
    comparisons that happen to exist: five quarters with a gap before the latest once read "Only 2 quarters"."""
    from analysis.compute.measure_sections import Comparison, Latest, MeasureSection
    from analysis.present.measure_text import paragraph

    section = MeasureSection("charge-rate", "Charge rate", True, "charge_rate_closed", kind="charge_rate")
    section.force_name, section.points = "Testshire", 5
    section.latest = Latest(9.5, 9.0, 10.0, "percent", "2024-25-Q1", "quarter", "2024/25 Q1", "s", 95, 1000)
    section.comparisons = [Comparison("the previous quarter", "2023/24 Q4", 9.0, 0.5, "m")]
    text = paragraph(section, Quarter.of("2024-25-Q1"))
    assert text[0].startswith("In 2024/25 Q1 (April–June 2024), Testshire charged or summonsed 9.5%")
    assert text[1].startswith("Only 5 quarters of Testshire's charge rate are loaded")
