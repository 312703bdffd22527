"""Issue 18, class 3 (hindsight): a report for a quarter shows only what was *known* by the quarter's last day.

Every observation and tracker snapshot carries the date it became known (``known_at``): the publication date of
the paper or release it came from, recorded in data/raw (the force-supplied files' ``known_at`` column, the
trackers' ``.meta.yaml`` ``published`` key, ``measures/releases.csv``), or a rule in settings where the source
records none. On the bundled data, Leicestershire's 2023/24 Q1 page used to show figures and a tracker taken from
the Police and Crime Panel pack of 9 October 2023, and charge rates for quarters published months after June 2023.
The expectations are worked from data/raw with the ``csv`` module, not from the package.
"""

import csv
import datetime as dt
import json

import pytest
from conftest import ROOT, make_data_tree
from rederive import period_end

from analysis.compute import measures
from analysis.compute.claims import LEDGER_VERSION, Claim, ClaimLedger
from analysis.compute.report_model import load_report
from analysis.core.periods import Quarter
from analysis.run.build import build_all
from analysis.sources import measure_files, official_stats

RAW = ROOT / "data/raw"
PAST, PAST_END = "2023-24-Q1", dt.date(2023, 6, 30)
PACK = "9 October 2023"  # the LLR Police and Crime Panel pack (seed 003)


def pack_rows() -> list[dict]:
    """The force-supplied rows copied from the 9 October 2023 pack, read from data/raw with csv."""
    rows = []
    for sub in ("local", "workforce"):
        with open(RAW / "measures" / sub / "leicestershire.csv", newline="", encoding="utf-8") as f:
            rows += [r for r in csv.DictReader(f) if PACK in r["source"]]
    return rows


def test_the_2023_24_q1_page_holds_no_figure_from_the_october_2023_pack(real_data):
    pack = pack_rows()
    assert len(pack) > 100 and all(period_end(r["period"], r["period_type"]) <= dt.date(2023, 10, 9) for r in pack)
    shown = measures.observations(real_data, as_at=PAST)
    assert not shown["source"].str.contains(PACK).any()
    report = load_report("leicestershire", PAST, data_dir=real_data)
    assert PACK not in repr(report.measures)  # no section, extra row or comparison rests on the pack
    # the pack's figures are held, for earlier periods, and counted in the "held but left out" line
    assert report.later.observations >= len(pack)


def test_the_2023_24_q1_page_has_no_tracker_first_published_in_october_2023(real_data):
    report = load_report("leicestershire", PAST, data_dir=real_data)
    assert report.snapshot is None and report.rows.empty  # the 19 April 2023 position was published on 9 October
    assert report.later.trackers == 2  # that snapshot (known later) and 2024/25 Q1's
    later = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    assert later.snapshot["known_at"] == "2024-06-30" and later.previous_quarter.id == PAST  # known by then


def test_a_snapshot_published_within_its_quarter_stays(real_data):
    report = load_report("city-of-london", PAST, data_dir=real_data)
    assert report.snapshot is not None and report.snapshot["known_at"] == "2023-05-02"
    assert report.later.trackers == 0


def test_charge_rates_are_shown_only_once_published(real_data):
    """A quarter of Home Office outcomes counts as published at the end of the second quarter after it, so at
    30 June 2023 the latest is October–December 2022 (out in April 2023), not April–June 2023 itself."""
    series = measures.charge_rate_series(real_data, as_at=PAST)
    assert max(series["period"]) == "2022-23-Q3"
    section = next(
        s for s in load_report("leicestershire", PAST, data_dir=real_data).measures if s.key_measure == "charge-rate"
    )
    assert section.latest.period == "2022-23-Q3"
    assert official_stats.release_known_at(dt.date(2023, 6, 30)) == dt.date(2023, 12, 31)


def test_every_processed_observation_has_a_known_at_on_or_after_its_period_end(real_data):
    with open(real_data / "processed/measures/observations.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["known_at"] for r in rows)
    early = [r for r in rows if dt.date.fromisoformat(r["known_at"]) < period_end(r["period"], r["period_type"])]
    assert early == []
    census = {r["known_at"] for r in rows if r["measure_id"] == "census_2021_ethnic_minority_share"}
    assert census == {"2022-11-29"}  # measures/releases.csv


@pytest.mark.parametrize("quarter", ["2023-24-Q1", "2024-25-Q1", "2025-26-Q4"])
def test_as_at_keeps_only_rows_known_and_ended_by_the_quarter_end(real_data, quarter):
    from analysis.core.periods import parse_quarter

    end = parse_quarter(quarter).end
    with open(real_data / "processed/measures/observations.csv", newline="") as f:
        expected = sum(
            period_end(r["period"], r["period_type"]) <= end and dt.date.fromisoformat(r["known_at"]) <= end
            for r in csv.DictReader(f)
        )
    shown = measures.observations(real_data, as_at=quarter)
    assert len(shown) == expected
    assert measures.later_observations(real_data, quarter) == len(measures.observations(real_data)) - expected


def test_a_bad_known_at_names_file_row_and_field(measures_tree):
    path = measures_tree / "raw/measures/local/leicestershire.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].rsplit(",", 1)[0] + ",9/10/2023"
    text[2] = text[2].rsplit(",", 1)[0] + ",2019-06-30"  # before the end of its period (calendar 2020)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    _, problems = measure_files.check_local(path, measures_tree)
    found = {(p.row, p.field): p.message for p in problems}
    assert "'9/10/2023' is not a date" in found[(2, "known_at")]
    assert "before the period ends (2020-12-31)" in found[(3, "known_at")]


def test_a_blank_known_at_takes_the_quarter_after_its_period(measures_tree):
    path = measures_tree / "raw/measures/local/leicestershire.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ","  # calendar 2019: the quarter after December 2019 ends 31 March 2020
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, problems = measure_files.check_local(path, measures_tree)
    assert problems == [] and frame["known_at"].iloc[0] == "2020-03-31"


def test_a_bad_published_date_in_a_meta_file_is_refused_naming_it(tmp_path):
    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    meta = data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.meta.yaml"
    meta.write_text("as_of: 2024-06-01\npublished: June 2024\n", encoding="utf-8")
    problems = build_all(data).problems
    assert [(p.field, p.file) for p in problems] == [("published", str(meta))]
    meta.write_text("as_of: 2024-06-01\npublished: 2024-05-01\n", encoding="utf-8")
    assert "before as_of" in build_all(data).problems[0].message


def test_a_return_with_no_published_date_counts_in_its_own_quarter(fixture_data):
    assert build_all(fixture_data).problems == []
    report = load_report("leicestershire", PAST, data_dir=fixture_data)
    assert report.snapshot["known_at"] == "2023-06-30" and "no published date" in report.snapshot["known_because"]


def test_a_bad_release_date_names_row_and_field(tmp_path):
    folder = tmp_path / "raw/measures"
    folder.mkdir(parents=True)
    (folder / "releases.csv").write_text("source,measure_ids,published,basis\nONS,x,29/11/2022,why\n")
    with pytest.raises(ValueError, match="row 2: published: '29/11/2022' is not a date"):
        official_stats.read_releases(tmp_path)


def test_claims_carry_known_at_and_the_ledger_says_its_version():
    ledger = ClaimLedger()
    ledger.add(Claim("a", "A sentence.", 1, known_at="2023-10-09"))
    ledger.add(Claim("b", "Another.", 2))  # a claim made before known_at existed still writes
    out = json.loads(json.dumps(ledger.to_dict({"force": "x"})))
    assert LEDGER_VERSION == 2 and out["version"] == 2
    assert [c["known_at"] for c in out["claims"]] == ["2023-10-09", ""]


def test_a_year_of_sexual_offence_charges_counts_only_once_published():
    """Issue 18 class 3: the 2023/24 outcomes (published, by the release rule, at the end of 2024/25 Q2) were on
    Leicestershire's 2024/25 Q1 page (332 charges) and in that quarter's overview."""
    from analysis.compute.measure_sections import sexual_offences_proxy_section
    from analysis.compute.overview_model import _sexual_offences
    from analysis.core.periods import parse_quarter

    q1 = sexual_offences_proxy_section("leicestershire", Quarter.of("2024-25-Q1"))
    assert q1.latest.period == "2022-23" and q1.latest.value == 309
    from analysis.present.measure_text import paragraph

    assert "Latest year published by the end of 2024/25 Q1: 2022/23." in paragraph(q1, Quarter.of("2024-25-Q1"))
    assert sexual_offences_proxy_section("leicestershire", Quarter.of("2024-25-Q2")).latest.period == "2023-24"
    assert list(_sexual_offences(parse_quarter("2024-25-Q1"), None).columns) == ["2021-22", "2022-23"]
