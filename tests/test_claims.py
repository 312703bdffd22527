"""The claims ledger, re-derived independently from data/raw with the csv module (not the package).

Forces and quarters: City of London (a small force, about twice the national rate), Leicestershire
2024-25 Q1 (below the national rate), Leicestershire and City of London 2023-24 Q1 (past quarters),
and forces without a tracker for a past quarter. Each claim's numbers are recomputed here from the
raw CSV files and must also appear in the sentence that makes the claim.
"""

import csv
import json
from collections import Counter

import pytest
import yaml
from conftest import ROOT
from htmlcheck import Page
from rederive import published_quarter, snapshot_known

from analysis.compute.report_model import load_report
from analysis.present import narrative

RAW = ROOT / "data/raw"
CASES = [
    ("city-of-london", "2023-24-Q1"),
    ("leicestershire", "2024-25-Q1"),
    ("leicestershire", "2023-24-Q1"),
    ("avon-and-somerset", "2024-25-Q1"),
    ("west-midlands", "2022-23-Q3"),
]


# --- independent derivations (csv and yaml only) ------------------------------------------------


def raw_charge_rate(slug: str, quarter: str) -> tuple[int, int]:
    fy, q = f"{quarter[:4]}/{quarter[5:7]}", quarter[-1]
    with open(RAW / "measures/home-office-outcomes/force_quarter.csv", newline="") as f:
        for row in csv.DictReader(f):
            if (row["slug"], row["fy"], row["q"]) == (slug, fy, q):
                return int(row["closed_all_t1"]), int(row["closed_all_assigned"])
    raise AssertionError(f"no row for {slug} {quarter}")


def raw_national_rate(quarter: str) -> float:
    with open(RAW / "forces/forces.csv", newline="") as f:
        territorial = {row["force_id"] for row in csv.DictReader(f)}
    fy, q = f"{quarter[:4]}/{quarter[5:7]}", quarter[-1]
    charges = assigned = 0
    with open(RAW / "measures/home-office-outcomes/force_quarter.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["slug"] in territorial and (row["fy"], row["q"]) == (fy, q) and row["closed_all_assigned"]:
                charges += int(row["closed_all_t1"])
                assigned += int(row["closed_all_assigned"])
    return 100 * charges / assigned


def raw_tracker_rollup(force: str, quarter: str) -> dict:
    """Status counts and evidence coverage per recommendation, from the raw CSV and framework YAML."""
    framework = yaml.safe_load((RAW / "frameworks/casey-2023.yaml").read_text())
    with open(RAW / f"trackers/casey-2023/{force}/{quarter}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    statuses, evidenced, blank = {}, 0, []
    for rec in framework["recommendations"]:
        mine = [r for r in rows if r["recommendation_id"].split(".")[0] == rec["id"]]
        live = [r for r in mine if r["status"] != "not_applicable"]
        states = {r["status"] for r in live}
        if not mine:
            met_only = not rec["applies_beyond_met"] and all(
                not p.get("applies_beyond_met", True) for p in rec.get("parts") or []
            )
            status = "not_applicable" if met_only else "not_assessed"
        elif not live:
            status = "not_applicable"
        elif len(states) == 1:
            status = states.pop()
        elif states & {"complete", "in_progress"}:
            status = "in_progress"
        else:
            status = "not_started"
        statuses[rec["id"]] = status
        if status != "not_applicable":
            blanks = [r["recommendation_id"] for r in live if not r["evidence"].strip()]
            blank += blanks
            evidenced += bool(live) and not blanks
    applicable = {k: v for k, v in statuses.items() if v != "not_applicable"}
    return {
        "counts": Counter(applicable.values()),
        "applicable": len(applicable),
        "evidenced": evidenced,
        "blank": blank,
    }


# --- tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("force, quarter", CASES)
def test_charge_rate_claim_matches_the_raw_outcomes_table(real_data, force, quarter):
    ledger = narrative.report_claims(load_report(force, quarter, data_dir=real_data))
    claim = ledger.get("charge_rate.latest")
    data = published_quarter(quarter)
    assert claim.window == data  # the latest quarter published by the report quarter's end, never a later one
    charges, assigned = raw_charge_rate(force, data)
    rate, national = 100 * charges / assigned, raw_national_rate(data)
    assert (claim.detail["numerator"], claim.detail["denominator"]) == (charges, assigned)
    assert claim.value == pytest.approx(rate, abs=1e-3)
    assert claim.comparator == pytest.approx(national, abs=1e-3)
    assert f"{rate:.1f}%" in claim.sentence and f"{charges:,} of {assigned:,}" in claim.sentence
    assert claim.source_rows == (f"slug={force}; fy={data[:4]}/{data[5:7]}; q={data[-1]}",)


def test_the_cases_cover_forces_above_and_below_the_national_rate():
    sides = set()
    for force, quarter in CASES:
        charges, assigned = raw_charge_rate(force, published_quarter(quarter))
        sides.add(100 * charges / assigned > raw_national_rate(published_quarter(quarter)))
    assert sides == {True, False}


@pytest.mark.parametrize(
    "force, quarter",
    [  # snapshots on file and published by the quarter's end (Leicestershire 2023/24 Q1's was published in October)
        c
        for c in CASES
        if (RAW / f"trackers/casey-2023/{c[0]}/{c[1]}.csv").exists()
        and snapshot_known((RAW / f"trackers/casey-2023/{c[0]}/{c[1]}.meta.yaml").read_text(), c[1])
    ],
)
def test_tracker_claims_match_the_raw_tracker(real_data, force, quarter):
    ledger = narrative.report_claims(load_report(force, quarter, data_dir=real_data))
    expected = raw_tracker_rollup(force, quarter)
    assert ledger.get("tracker.applicable").value == expected["applicable"]
    for status in ("complete", "in_progress", "not_started", "not_assessed"):
        assert ledger.get(f"tracker.status.{status}").value == expected["counts"][status], status
    evidenced = ledger.get("tracker.evidenced")
    assert (evidenced.value, evidenced.comparator) == (expected["evidenced"], expected["applicable"])
    assert evidenced.detail["blank_evidence"] == expected["blank"]
    assert f"{expected['evidenced']} of the {expected['applicable']} applicable" in evidenced.sentence
    position = ledger.get("tracker.status.complete").sentence
    assert (
        f"{expected['counts']['complete']} {'is' if expected['counts']['complete'] == 1 else 'are'} complete"
        in position
    )
    assert evidenced.source_file == f"raw/trackers/casey-2023/{force}/{quarter}.csv"
    with open(RAW / f"trackers/casey-2023/{force}/{quarter}.csv", newline="", encoding="utf-8") as f:
        raw_rows = [r for r in csv.DictReader(f) if r["status"] != "not_applicable"]
    if any("." in r["recommendation_id"] for r in raw_rows):  # parts answered on their own rows
        rows_claim = ledger.get("tracker.rows")
        assert rows_claim.value == dict(Counter(r["status"] for r in raw_rows))
        assert (
            f"{rows_claim.value.get('complete', 0)} {'is' if rows_claim.value.get('complete') == 1 else 'are'} complete"
            in rows_claim.sentence
        )


@pytest.mark.slow
def test_render_writes_the_claims_beside_each_html(real_data, tmp_path):
    from analysis.run.render import checked_job, render_report

    for audience in ("internal", "public"):
        job = checked_job("city-of-london", "2023-24-Q1", audience, data_dir=real_data)
        html = render_report(job, real_data, tmp_path / "reports", engine="inprocess")
        sidecar = html.with_suffix(".claims.json")
        ledger = json.loads(sidecar.read_text())
        assert ledger["report"] == {"force_id": "city-of-london", "quarter": "2023-24-Q1", "audience": audience}
        by_id = {c["id"]: c for c in ledger["claims"]}
        page = " ".join(Page(html.read_text()).text.split())
        assert (
            by_id["charge_rate.latest"]["detail"]["numerator"]
            == raw_charge_rate("city-of-london", published_quarter("2023-24-Q1"))[0]
        )
        for claim in ledger["claims"]:  # every claimed sentence is in the page's text
            assert " ".join(claim["sentence"].split()) in page, claim["id"]


def test_public_claims_carry_no_withheld_rows(one_sensitive_row):
    data = one_sensitive_row
    internal = narrative.report_claims(load_report("leicestershire", "2024-25-Q1", "internal", data_dir=data))
    public = narrative.report_claims(load_report("leicestershire", "2024-25-Q1", "public", data_dir=data))
    assert "3" in internal.get("tracker.applicable").source_rows
    text = json.dumps(public.to_dict({}))
    assert "3" not in public.get("tracker.applicable").source_rows and "covert" not in text
    assert public.get("tracker.status.complete").value == 0 and internal.get("tracker.status.complete").value == 1
