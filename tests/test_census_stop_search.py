"""Census 2021 by force area, stop and search disparity and sexual-offence charges, checked against the
raw files read independently with the csv module, and the readers (sources.official_stats) on fixtures in the full published layouts."""

import csv
import math
import re
import shutil
from pathlib import Path

import pytest

from analysis.compute import disparity, measure_sections, measures
from analysis.core.periods import Quarter
from analysis.sources import census, stop_search
from analysis.sources.official_stats import LayoutError

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "measures"
FIX = Path(__file__).parent / "fixtures" / "measures"
CENSUS_TABLE = RAW / "census-2021" / "census_2021_pop_ests.from_rda.csv"
LOOKUP = RAW / "census-2021" / "LAD_CSP_PFA_lookup_2022.from_rds.csv"
DERIVED = RAW / "census-2021" / "DERIVED_census2021_ethnicity_by_pfa22.csv"
SUBSET = next((RAW / "stop-search").glob("*.csv"))
OFFENCE_YEAR = RAW / "home-office-outcomes" / "force_offence_year.csv"
S60 = "Section 60 Criminal Justice and Public Order Act 1994"


def _words(section, quarter="2024-25-Q1"):
    """The section's paragraph as the page writes it (present/measure_text, present/fairness_text)."""
    from analysis.present import fairness_text, measure_text

    if section.key_measure == "trust-confidence":
        return fairness_text.paragraph(section, Quarter.of(quarter))[0]
    return measure_text.paragraph(section, Quarter.of(quarter))


def _tree(tmp: Path, census_files=(), stop_search_files=()) -> Path:
    """A data root with the real force registry and registry files, and the given measure files."""
    data = tmp / "data"
    shutil.copytree(ROOT / "data/raw/forces", data / "raw/forces")
    shutil.copytree(RAW / "registry", data / "raw/measures/registry")
    shutil.copytree(RAW / "home-office-outcomes", data / "raw/measures/home-office-outcomes")
    shutil.copytree(RAW / "census-2011", data / "raw/measures/census-2011")
    for folder, files in (("census-2021", census_files), ("stop-search", stop_search_files)):
        (data / "raw/measures" / folder).mkdir(parents=True)
        for item in files:
            source, name = item if isinstance(item, tuple) else (item, item.name)
            shutil.copy(source, data / "raw/measures" / folder / name)
    return data


# --------------------------------------------------------------------------- Census 2021
def _leicestershire_by_csv() -> tuple[int, int]:
    """(total, White) usual residents of the Leicestershire force area, from the LA table and the lookup."""
    with open(LOOKUP, newline="") as f:
        las = {r["LAD22CD"] for r in csv.DictReader(f) if r["PFA22NM"] == "Leicestershire"}
    total = white = 0
    with open(CENSUS_TABLE, newline="") as f:
        for r in csv.DictReader(f):
            if r["Lower Tier Local Authorities Code"] in las:
                n = int(r["Observation"])
                total += n
                white += n if r["Ethnic group (20 categories)"].startswith("White:") else 0
    return total, white


def test_leicestershire_census_2021_is_rederived_from_the_la_table_and_lookup():
    total, white = _leicestershire_by_csv()
    assert total == 1_121_985
    row = disparity.census2021_by_force().set_index("force_id").loc["leicestershire"]
    assert (row["total"], row["white"], row["minority"]) == (total, white, total - white)
    obs = measures.observations().set_index(["force_id", "measure_id", "period"])
    share = obs.loc[("leicestershire", "census_2021_ethnic_minority_share", "2021")]
    assert share["value"] == pytest.approx(100 * (total - white) / total)
    assert share["period_type"] == "census_year" and "Census 2021" in share["source"]
    section = next(
        s
        for s in measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"))
        if s.key_measure == "workforce-representation"
    )
    assert (
        f"Census 2021 put the ethnic minority share of Leicestershire's population at "
        f"{100 * (total - white) / total:.1f}% ({total - white:,} of {total:,} usual residents)"
        in " ".join(_words(section))
    )
    groups = f"Asian {100 * 218_679 / total:.1f}%, Black {100 * 37_231 / total:.1f}%"
    assert f"By broad ethnic group (Census 2021): {groups}" in " ".join(_words(section))


def test_every_force_area_matches_the_derived_file():
    mine = disparity.census2021_by_force().set_index("pfa_code")
    with open(DERIVED, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 43
    for r in rows:
        got = mine.loc[r["PFA22CD"]]
        assert int(r["Total"]) == got["total"], r["PFA22NM"]
        for group in ("Asian", "Black", "Mixed", "White", "Other"):
            assert int(r[f"{group} (broad)"]) == got[group.lower()], (r["PFA22NM"], group)
    national = disparity.census2021_by_force().set_index("force_id").loc[disparity.NATIONAL_ID]
    assert national["total"] == 59_597_578


def test_ts021_bulk_layout_reads_the_same_as_the_custom_export():
    bulk = census.read_ethnic_group_ltla(FIX / "census2021-ts021-ltla.csv")
    custom = census.read_ethnic_group_ltla(CENSUS_TABLE)
    custom = custom[custom["la_code"].isin(set(bulk["la_code"]))]
    key = ["la_code", "category"]
    assert len(bulk) == 9 * 19
    assert (
        bulk.sort_values(key)[["la_code", "category", "broad_group", "count"]].to_numpy().tolist()
        == custom.sort_values(key)[["la_code", "category", "broad_group", "count"]].to_numpy().tolist()
    )
    assert census.ltla_layout(FIX / "census2021-ts021-ltla.csv") == "bulk"
    assert census.ltla_layout(CENSUS_TABLE) == "custom"


def test_a_bulk_file_dropped_in_is_used_with_no_code_change(tmp_path):
    lookup = tmp_path / "lookup.csv"
    with open(LOOKUP, newline="") as f, open(lookup, "w", newline="") as out:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(out, reader.fieldnames)
        writer.writeheader()
        writer.writerows(r for r in reader if r["PFA22CD"] == "E23000021")
    data = _tree(tmp_path, [(lookup, "LAD_CSP_PFA_lookup_2022.csv"), FIX / "census2021-ts021-ltla.csv"])
    table = disparity.census2021_by_force(data).set_index("force_id")
    assert table.loc["leicestershire", "total"] == 1_121_985


def test_bad_census_rows_name_file_row_and_field(tmp_path):
    bad = tmp_path / "ltla.csv"
    lines = CENSUS_TABLE.read_text().splitlines()[:4]
    lines[2] = lines[2].rsplit(",", 1)[0] + ",lots"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"ltla.csv: row 3: Observation: not a count: 'lots'"):
        census.read_ethnic_group_ltla(bad)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(LayoutError, match="other.csv is not in the ONS Census 2021 ethnic group"):
        census.read_ethnic_group_ltla(other)


# --------------------------------------------------------------------------- stop and search importer
def test_full_layout_fixture_reads_every_row_group_and_split():
    table = stop_search.read_stop_search(FIX / "stop-and-search-2006-2023.csv")
    assert len(table) == 17
    assert set(table["ethnicity_type"]) == {"All", "ONS 2001 16+1", "ONS 2011 5+1", "ONS 2021 5+1"}
    assert set(table["legislation_type"]) == {"All", S60}
    city = table[table["geography"] == "London, City of"].iloc[0]
    assert city["force_id"] == "city-of-london" and math.isnan(city["population"]) and city["searches"] == 232
    assert table.loc[table["geography"].str.startswith("All"), "force_id"].isna().all()
    assert table.loc[table["geography"] == "British Transport Police", "force_id"].iloc[0] == "british-transport-police"
    assert table.loc[table["geography"] == "Avon & Somerset", "force_id"].iloc[0] == "avon-and-somerset"
    assert sorted(table["period"].unique()) == ["2018-19", "2019-20", "2022-23"]


def test_dropping_the_whole_file_in_extends_the_measure(tmp_path):
    before = disparity.stop_search_disparity(_tree(tmp_path / "a", stop_search_files=[SUBSET]))
    data = _tree(tmp_path / "b", stop_search_files=[SUBSET, FIX / "stop-and-search-2006-2023.csv"])
    after = disparity.stop_search_disparity(data)
    key = ["force_id", "period"]
    # the subset's years are unchanged: rows in both files are kept once
    old = after.merge(before[key], on=key)
    assert old[["ratio", "unknown_share"]].round(12).equals(before[["ratio", "unknown_share"]].round(12))
    leics = after.set_index(key).loc[("leicestershire", "2019-20")]
    assert leics["ratio"] == pytest.approx((400 / 20_000) / (3000 / 750_000))  # 5.0
    assert leics["census_year"] == "2011" and leics["ethnicity_type"] == "ONS 2011 5+1"
    assert leics["unknown_share"] == pytest.approx(100 * 1000 / 6000)
    national = after.set_index(key).loc[(disparity.NATIONAL_ID, "2019-20")]
    assert national["ratio"] == pytest.approx((100_000 / 2e6) / (300_000 / 48e6))  # 8.0
    s60 = disparity.stop_search_disparity(data, legislation=S60).set_index(key).loc[("leicestershire", "2022-23")]
    assert s60["ratio"] == pytest.approx((10 / 37_231) / (20 / 812_992))
    obs = measures.observations(data)
    assert (
        (obs["measure_id"] == "stop_search_black_white_ratio")
        & (obs["period"] == "2019-20")
        & (obs["force_id"] == "leicestershire")
    ).any()


def test_every_group_and_classification_gets_a_rate_from_the_whole_file(tmp_path):
    data = _tree(tmp_path, stop_search_files=[SUBSET, FIX / "stop-and-search-2006-2023.csv"])
    groups = disparity.stop_search_group_rates(data).set_index(["force_id", "period", "ethnicity_type", "ethnicity"])
    asian = groups.loc[("leicestershire", "2019-20", "ONS 2011 5+1", "Asian")]
    assert asian["rate"] == pytest.approx(1000 * 1000 / 200_000)
    assert asian["ratio_to_white"] == pytest.approx((1000 / 200_000) / (3000 / 750_000))  # 1.25
    assert groups.loc[("avon-and-somerset", "2018-19", "ONS 2001 16+1", "Indian"), "rate"] == pytest.approx(
        1000 * 21 / 12_248
    )
    assert math.isnan(groups.loc[("leicestershire", "2019-20", "ONS 2011 5+1", "Unknown"), "rate"])
    black = groups.loc[("leicestershire", "2022-23", "ONS 2021 5+1", "Black")]
    ratio = (
        disparity.stop_search_disparity(data)
        .set_index(["force_id", "period"])
        .loc[("leicestershire", "2022-23"), "ratio"]
    )
    assert black["ratio_to_white"] == pytest.approx(ratio)


def test_files_that_disagree_are_named(tmp_path):
    changed = tmp_path / "changed.csv"
    changed.write_text(
        SUBSET.read_text().replace(",Leicestershire,Police Force Area,508,", ",Leicestershire,Police Force Area,509,")
    )
    with pytest.raises(
        ValueError,
        match=r"changed.csv row \d+ and stop-and-search.*row \d+|stop-and-search.*"
        r"row \d+ and changed.csv row \d+",
    ):
        stop_search.read_stop_search_files([SUBSET, changed])


def test_a_bad_number_names_file_row_and_field(tmp_path):
    bad = tmp_path / "ss.csv"
    lines = SUBSET.read_text().splitlines()
    lines[3] = lines[3].replace(",Police Force Area,57189,", ",Police Force Area,many,")
    bad.write_text("\n".join(lines[:5]) + "\n")
    with pytest.raises(ValueError, match=r"ss.csv: row 4: searches: not a number: 'many'"):
        stop_search.read_stop_search(bad)


def test_a_file_in_another_layout_is_refused(tmp_path):
    bad = tmp_path / "ss.csv"
    bad.write_text(SUBSET.read_text().replace("population_by_ethnicity", "population"))
    with pytest.raises(
        LayoutError,
        match="ss.csv is not in the Ethnicity facts and figures stop and search "
        ".*missing column.*'population_by_ethnicity'",
    ):
        stop_search.read_stop_search(bad)


# --------------------------------------------------------------------------- independent re-derivation
def raw_2022_23(geography: str) -> dict:
    """Black / White / Unknown counts and populations for one geography in 2022/23, read with csv."""
    out = {}
    with open(SUBSET, newline="") as f:
        for r in csv.DictReader(f):
            if (r["geography"], r["time"], r["legislation_type"]) == (geography, "2022/23", "All"):
                out[r["Ethnicity"]] = r
    return out


def katz(a_x, a_n, b_x, b_n):
    ratio = (a_x / a_n) / (b_x / b_n)
    se = math.sqrt(1 / a_x - 1 / a_n + 1 / b_x - 1 / b_n)
    return ratio, ratio * math.exp(-1.959964 * se), ratio * math.exp(1.959964 * se)


FORCES = [
    ("leicestershire", "Leicestershire"),
    ("metropolitan-police", "Metropolitan Police"),
    ("cumbria", "Cumbria"),
    ("durham", "Durham"),
    ("dyfed-powys", "Dyfed-Powys"),
    ("west-midlands", "West Midlands"),
]


def expected_sentence(geography: str) -> tuple[str, str]:
    rows = raw_2022_23(geography)
    b, w, u = rows["Black"], rows["White"], rows["Unknown"]
    ratio, lo, hi = katz(
        int(b["number_of_stop_and_searches"]),
        int(b["population_by_ethnicity"]),
        int(w["number_of_stop_and_searches"]),
        int(w["population_by_ethnicity"]),
    )
    known = int(
        b[
            "total_number_of_stop_and_search_carried_out_in_this_year_in_this_area_excluding_cases_where"
            "_the_ethnicity_was_unreported"
        ]
    )
    unknown = int(u["number_of_stop_and_searches"])
    return (
        f"Black residents were searched at {ratio:.2f} times the rate of White residents (95% confidence "
        f"interval {lo:.2f} to {hi:.2f}",
        f"The ethnicity of {100 * unknown / (known + unknown):.1f}% of {geography}'s {known + unknown:,} searches "
        f"in 2022/23 was not recorded ({unknown:,})",
    )


@pytest.mark.parametrize("force_id, geography", FORCES)
def test_ratio_rederived_with_csv_matches_the_section(force_id, geography):
    ratio_text, unrecorded_text = expected_sentence(geography)
    section = measure_sections.stop_search_fairness(force_id, Quarter.of("2024-25-Q1"))
    text = " ".join(_words(section))
    assert ratio_text in text and unrecorded_text in text
    assert section.latest.period == "2022-23" and "by the end of 2024/25 Q1: 2022/23" in text
    assert "Fairness indicator, not the review's own measure" in text


def test_met_unrecorded_share_is_about_thirty_percent():
    section = measure_sections.stop_search_fairness("metropolitan-police", Quarter.of("2024-25-Q1"))
    text = " ".join(_words(section))
    assert (
        "The ethnicity of 29.5% of Metropolitan Police's 175,277 searches in 2022/23 was not recorded (51,694)" in text
    )
    assert "(England and Wales: 20.3% not recorded)" in text


def test_national_ratio_rederived_with_csv():
    ratio_text, _ = expected_sentence("All - excluding BTP")
    nat = ratio_text.split(" times")[0].rsplit(" ", 1)[1]
    section = measure_sections.stop_search_fairness("leicestershire", Quarter.of("2024-25-Q1"))
    assert f"Across England and Wales (the 43 territorial forces) the ratio was {nat}" in " ".join(_words(section))
    assert nat == "4.07"


def test_city_of_london_says_there_is_no_resident_rate():
    section = measure_sections.stop_search_fairness("city-of-london", Quarter.of("2024-25-Q1"))
    text = " ".join(_words(section))
    assert section.has_data and "no rate per 1,000 residents" in text and "No Black/White rate ratio" in text
    rows = raw_2022_23("London, City of")
    assert f"recorded {int(rows['Black']['number_of_stop_and_searches']):,} searches" in text


def test_a_year_is_not_shown_before_it_was_published(tmp_path):
    later = tmp_path / "later.csv"
    lines = [l for l in SUBSET.read_text().splitlines() if ",2022/23," in l and ",Leicestershire," in l]
    later.write_text(
        SUBSET.read_text().splitlines()[0] + "\n" + "\n".join(l.replace("2022/23", "2023/24") for l in lines) + "\n"
    )
    data = _tree(tmp_path, [CENSUS_TABLE, LOOKUP], [SUBSET, later])
    assert (
        measure_sections.stop_search_fairness("leicestershire", Quarter.of("2024-25-Q1"), data).latest.period
        == "2022-23"
    )
    assert (
        measure_sections.stop_search_fairness("leicestershire", Quarter.of("2024-25-Q2"), data).latest.period
        == "2022-23"
    )
    assert (
        measure_sections.stop_search_fairness("leicestershire", Quarter.of("2024-25-Q3"), data).latest.period
        == "2023-24"
    )


def test_national_fairness_table_is_alphabetical_not_ranked():
    table = measure_sections.national_fairness_table(Quarter.of("2024-25-Q1"))
    forces = table[table["force_id"] != disparity.NATIONAL_ID]
    assert len(forces) == 43 and list(forces["force_name"]) == sorted(forces["force_name"])
    assert table.iloc[-1]["force_id"] == disparity.NATIONAL_ID and set(table["period"]) == {"2022-23"}
    assert math.isnan(table.set_index("force_id").loc["city-of-london", "ratio"])


# --------------------------------------------------------------------------- sexual-offence charges (16.v proxy)
def test_sexual_offence_charges_rederived_with_csv_and_named_as_a_proxy():
    with open(OFFENCE_YEAR, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["offence_group"] == "Sexual offences"]
    mine = {r["fy"]: int(r["closed_charge"]) for r in rows if r["slug"] == "leicestershire"}
    national = sum(
        int(r["closed_charge"]) for r in rows if r["fy"] == "2022/23" and r["slug"] != "british-transport-police"
    )
    section = next(
        s
        for s in measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"))
        if s.key_measure == "rape-to-court"
    )
    text = " ".join(_words(section))
    # the last year published by 30 June 2024: 2023/24 ended before it but came out only after (known-at)
    assert section.latest.period == "2022-23"
    assert f"charged or summonsed {mine['2022/23']:,} sexual offences" in text
    assert f"({mine['2021/22']:,})" in text and f"{national:,} sexual offences in 2022/23" in text
    assert "all sexual offences, not only adult rape; charges, not cases reaching court" in text
    assert "Proxy, not the review's measure" in text and "%" not in text  # a count: no rate invented


def test_registry_entries_carry_coverage_direction_and_proxy_note():
    import yaml

    entries = yaml.safe_load((RAW / "registry" / "official-2021.yaml").read_text())["measures"]
    assert len(entries) == 6
    for entry in entries:
        assert entry["coverage"] in {"official", "force-supplied", "proxy"} and entry["direction"]
        assert (entry["coverage"] == "proxy") == bool(entry.get("proxy_note"))
    notes = {e["id"]: e.get("proxy_note") for e in entries}
    assert notes["sexual_offence_charges_closed"] == (
        "all sexual offences, not only adult rape; charges, not cases reaching court"
    )


def test_the_fairness_indicator_leads_and_force_supplied_trust_figures_follow():
    """Issue 18 class 10: the section's figure is the fairness indicator for every force (it was Leicestershire's
    own victim survey for Leicestershire alone); the force's own trust figures follow it."""
    section = next(
        s
        for s in measure_sections.measure_sections("leicestershire", Quarter.of("2024-25-Q1"))
        if s.key_measure == "trust-confidence"
    )
    assert section.has_data and not section.force_supplied
    assert section.measure_id == "stop_search_black_white_ratio" and section.latest.period == "2022-23"
    text = " ".join(_words(section))
    assert text.index("Fairness indicator, not") < text.index("The most recent figure loaded for Leicestershire")
    assert section.figure == "stop_search_caterpillar"
    assert "da_victim_confidence" in {e["measure_id"] for e in section.extra}
    met = next(
        s
        for s in measure_sections.measure_sections("metropolitan-police", Quarter.of("2024-25-Q1"))
        if s.key_measure == "trust-confidence"
    )
    assert met.measure_id == "stop_search_black_white_ratio" and not met.force_supplied


def test_a_force_without_an_unknown_row_says_the_share_is_not_given(tmp_path):
    lines = [l for l in SUBSET.read_text().splitlines() if not (",Unknown," in l and ",Durham," in l)]
    partial = tmp_path / "partial.csv"
    partial.write_text("\n".join(lines) + "\n")
    data = _tree(tmp_path, [CENSUS_TABLE, LOOKUP], [(partial, "ss.csv")])
    text = " ".join(_words(measure_sections.stop_search_fairness("durham", Quarter.of("2024-25-Q1"), data)))
    assert "does not give the number of Durham's searches in 2022/23 whose ethnicity was not recorded" in text
    assert not re.search(r"\bnan\b", text)


def test_ratio_funnel_classes_on_the_log_scale():
    se = 0.1
    z = 1.959964
    ratio = 2 * math.exp(3.2 * se)  # 3.2 standard errors above a target of 2
    lower, upper = ratio * math.exp(-z * se), ratio * math.exp(z * se)
    assert disparity.log_ratio_se([lower], [upper])[0] == pytest.approx(se)
    assert disparity.classify_ratio_funnel([ratio], [lower], [upper], 2.0) == ["above 99.8%"]
    assert disparity.classify_ratio_funnel([ratio], [lower], [upper], 2.0, phi=2.0) == ["above 95%"]  # z 2.26
    assert disparity.classify_ratio_funnel([ratio], [lower], [upper], 2.0, phi=4.0) == ["within"]  # z 1.6
    assert disparity.classify_ratio_funnel([2 / ratio * 2], [lower], [upper], 2.0) == ["below 99.8%"]
    assert disparity.classify_ratio_funnel([float("nan")], [float("nan")], [float("nan")], 2.0) == ["no ratio"]


def test_national_table_places_forces_on_the_widened_funnel():
    table = measure_sections.national_fairness_table(Quarter.of("2024-25-Q1")).set_index("force_id")
    assert table["phi"].iloc[0] > 1  # forces vary far more than chance: limits are widened
    assert table.loc["city-of-london", "funnel"] == "no ratio"
    assert table.loc["metropolitan-police", "funnel"] == "below 99.8%"  # 2.88 (2.84 to 2.91) against 4.07
    met = " ".join(_words(measure_sections.stop_search_fairness("metropolitan-police", Quarter.of("2024-25-Q1"))))
    assert "Metropolitan Police is below the 99.8% funnel limit" in met
    leics = " ".join(_words(measure_sections.stop_search_fairness("leicestershire", Quarter.of("2024-25-Q1"))))
    assert table.loc["leicestershire", "funnel"] == "within"  # 3.14 against 4.07, with limits widened (phi > 1)
    assert "Leicestershire is inside the funnel limits." in leics


@pytest.mark.parametrize("force_id", ["metropolitan-police", "durham", "city-of-london", None])
def test_disparity_funnel_draws_for_a_force_a_small_force_and_none(force_id):
    from analysis.present import measure_charts

    fig, alt = measure_charts.stop_search_caterpillar(force_id, "2022-23")
    assert fig.axes[0].get_yscale() == "log" and "funnel plot" in fig.axes[0].get_title().lower()
    if force_id == "metropolitan-police":
        assert "Metropolitan Police is highlighted at 2.88" in alt
    elif force_id == "city-of-london":
        assert "City of London has no ratio for 2022/23" in alt
    elif force_id is None:
        assert "2 of 42 forces lie outside the widened 99.8% limits" in alt
