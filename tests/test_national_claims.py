"""The national overview's claims ledger, re-derived independently with the csv module (not the package).

Quarters: 2023-24 Q1 (a past quarter: two forces' trackers, later data held), 2024-25 Q1 (one force's tracker
this quarter, one from an earlier quarter) and 2025-26 Q4 (the last quarter of the bundled charge-rate data:
nothing later is held). Each claim checked here is recomputed from data/raw (charge rates, trackers, stop and
search) or data/processed (the observations table), and its numbers must also be in the sentence that makes it.
"""

import csv
import datetime as dt
import itertools
import json
import math
import re
from collections import Counter

import pytest
from conftest import ROOT
from htmlcheck import Page
from rederive import period_end, published_quarter, qkey, quarter_end, snapshot_known
from test_claims import raw_tracker_rollup

from analysis.compute import overview_model
from analysis.present import national
from analysis.run.build import build_all

RAW = ROOT / "data/raw"
PAST, MIDDLE, LAST = "2023-24-Q1", "2024-25-Q1", "2025-26-Q4"
QUARTERS = [PAST, MIDDLE, LAST]
OUTCOMES = RAW / "measures/home-office-outcomes/force_quarter.csv"
STOP_SEARCH = next((RAW / "measures/stop-search").glob("*.csv"))
# quarters the outcomes source gives as near-empty for Greater Manchester (its PROVENANCE): not real rates
GAPS = {("greater-manchester", f"2019/20:{q}") for q in ("2", "3", "4")}
SPC_QUARTERS, SPC_MIN_POINTS = 20, 12  # the force reports' charge-rate chart: last 20 quarters, 12 for a verdict


@pytest.fixture(scope="module")
def ledgers(real_data):
    return {q: national.national_claims(overview_model.load_overview(q, data_dir=real_data)) for q in QUARTERS}


# --- independent derivations (csv only) -------------------------------------------------------------------


def territorial() -> list[str]:
    with open(RAW / "forces/forces.csv", newline="") as f:
        return [row["force_id"] for row in csv.DictReader(f)]


def outcome_rows() -> list[dict]:
    with open(OUTCOMES, newline="") as f:
        return list(csv.DictReader(f))


def outcome_quarter(row: dict) -> tuple[int, int]:
    return int(row["fy"][:4]), int(row["q"])


def raw_national(quarter: str) -> tuple[int, int]:
    forces = set(territorial())
    rows = [r for r in outcome_rows() if r["slug"] in forces and outcome_quarter(r) == qkey(quarter)]
    rows = [r for r in rows if int(r["closed_all_assigned"] or 0) > 0]
    return sum(int(r["closed_all_t1"]) for r in rows), sum(int(r["closed_all_assigned"]) for r in rows)


def tracker_quarters(known_by: str | None = None) -> dict[str, list[str]]:
    """Force -> the quarters of its raw tracker files (with ``known_by``: only those published by that quarter's end,
    from each .meta.yaml's ``published``)."""
    folder = RAW / "trackers/casey-2023"
    out = {}
    for d in (d for d in folder.iterdir() if d.is_dir()):
        quarters = sorted(p.stem for p in d.glob("*.csv"))
        if known_by:
            quarters = [q for q in quarters if snapshot_known((d / f"{q}.meta.yaml").read_text(), known_by)]
        out[d.name] = quarters
    return out


def laney_assurance(slug: str, quarter: str) -> tuple[str | None, float, float]:
    """A Laney p′ chart of the force's closed-basis charge rate (last 20 quarters up to ``quarter``, moving ranges of z
    screened at 3.267 x their mean) and the assurance verdict for the national rate against the latest limits."""
    rows = [
        r
        for r in outcome_rows()
        if r["slug"] == slug
        and outcome_quarter(r) <= qkey(quarter)
        and int(r["closed_all_assigned"] or 0) > 0
        and (slug, f"{r['fy']}:{r['q']}") not in GAPS
    ]
    rows = sorted(rows, key=outcome_quarter)[-SPC_QUARTERS:]
    if len(rows) < SPC_MIN_POINTS:
        return None, math.nan, math.nan
    x = [int(r["closed_all_t1"]) for r in rows]
    n = [int(r["closed_all_assigned"]) for r in rows]
    pbar = sum(x) / sum(n)
    sigma = [math.sqrt(pbar * (1 - pbar) / ni) for ni in n]
    z = [(xi / ni - pbar) / s for xi, ni, s in zip(x, n, sigma)]
    mr = [abs(b - a) for a, b in itertools.pairwise(z)]
    amr = sum(mr) / len(mr)
    kept = [m for m in mr if m < 3.267 * amr]
    sigma_z = (sum(kept) / len(kept)) / 1.128
    lower = max(0.0, pbar - 3 * sigma[-1] * sigma_z)
    upper = min(1.0, pbar + 3 * sigma[-1] * sigma_z)
    charges, assigned = raw_national(quarter)
    target = charges / assigned
    verdict = "consistently_fails" if target > upper else "consistently_passes" if target < lower else "hit_and_miss"
    return verdict, 100 * lower, 100 * upper


def stop_search_year(quarter: str) -> str:
    """The latest financial year published by the quarter's end: a year's figures come out by 31 October after
    it ends (docs/assumptions.md)."""
    with open(STOP_SEARCH, newline="") as f:
        years = {row["time"] for row in csv.DictReader(f)}
    published = [y for y in years if dt.date(int(y[:4]) + 1, 10, 31) <= quarter_end(quarter)]
    return max(published)


def raw_stop_search(year: str) -> dict[str, dict]:
    with open(STOP_SEARCH, newline="") as f:
        return {
            row["Ethnicity"]: row
            for row in csv.DictReader(f)
            if (row["time"], row["geography"], row["legislation_type"]) == (year, "All - excluding BTP", "All")
        }


# --- tests -----------------------------------------------------------------------------------------------


def test_quarter_end():
    assert [quarter_end(q) for q in ("2023-24-Q1", "2023-24-Q3", "2025-26-Q4")] == [
        dt.date(2023, 6, 30),
        dt.date(2023, 12, 31),
        dt.date(2026, 3, 31),
    ]


@pytest.mark.parametrize("quarter", QUARTERS)
def test_submission_claims_match_the_raw_tracker_files(ledgers, quarter):
    files = tracker_quarters(quarter)
    submitted = sorted(f for f, quarters in files.items() if quarter in quarters)
    with_snapshot = sorted(f for f, quarters in files.items() if any(qkey(q) <= qkey(quarter) for q in quarters))
    forces = len(territorial())
    claim = ledgers[quarter].get("summary.submitted")
    assert (claim.value, claim.comparator) == (len(submitted), forces)
    assert sorted(claim.detail["submitted"]) == submitted
    assert sorted(claim.detail["with_snapshot_forces"]) == with_snapshot
    assert claim.sentence.startswith(f"{len(submitted)} of {forces} forces submitted a tracker")
    assert f"; {len(with_snapshot)} ha" in claim.sentence
    section = ledgers[quarter].get("submissions.submitted")
    assert (section.value, section.comparator) == (len(submitted), forces)


@pytest.mark.parametrize("quarter", QUARTERS)
def test_tracker_totals_match_the_raw_trackers(ledgers, quarter):
    latest = {}
    for force, quarters in tracker_quarters(quarter).items():
        upto = [q for q in quarters if qkey(q) <= qkey(quarter)]
        if upto:
            latest[force] = max(upto, key=qkey)
    for snapshot in set(latest.values()):
        forces = sorted(f for f, q in latest.items() if q == snapshot)
        rollups = [raw_tracker_rollup(f, snapshot) for f in forces]
        complete = sum(r["counts"]["complete"] for r in rollups)
        applicable = sum(r["applicable"] for r in rollups)
        evidenced = sum(r["evidenced"] for r in rollups)
        claim = ledgers[quarter].get(f"trackers.{snapshot}")
        assert (claim.value, claim.comparator, claim.detail["evidenced"]) == (complete, applicable, evidenced)
        assert sorted(claim.detail["forces"]) == forces
        assert f"{complete} of {applicable} applicable recommendations" in claim.sentence
        assert f"{evidenced} ({round(100 * evidenced / applicable)}%)" in claim.sentence
    assert len([c for c in ledgers[quarter].ids() if c.startswith("trackers.")]) == len(set(latest.values()))


@pytest.mark.parametrize("quarter", QUARTERS)
def test_national_charge_rate_matches_the_raw_outcomes_table(ledgers, quarter):
    claim = ledgers[quarter].get("summary.charge_rate")
    data = published_quarter(quarter)  # the latest quarter published by the quarter's end
    charges, assigned = raw_national(data)
    rate = 100 * charges / assigned
    assert claim.window == data
    assert (claim.detail["numerator"], claim.detail["denominator"]) == (charges, assigned)
    assert claim.value == pytest.approx(rate, abs=1e-3)
    assert f"charge rate (closed basis) was {rate:.1f}%" in claim.sentence
    assert ledgers[quarter].get("spc.assurance").comparator == pytest.approx(rate, abs=1e-3)
    assert f"({rate:.1f}%)" in ledgers[quarter].get("spc.assurance").sentence


@pytest.mark.parametrize("quarter", QUARTERS)
def test_assurance_verdicts_match_a_laney_chart_worked_from_the_raw_table(ledgers, quarter):
    ledger = ledgers[quarter]
    verdicts = Counter()
    for force in territorial():
        claim = ledger.get(f"spc.force.{force}")
        verdict, lower, upper = laney_assurance(force, published_quarter(quarter))
        assert claim.value == verdict, force
        verdicts[verdict] += 1
        if verdict is None:
            continue
        assert claim.detail["lower_limit_pct"] == pytest.approx(lower, abs=1e-3), force
        assert claim.detail["upper_limit_pct"] == pytest.approx(upper, abs=1e-3), force
        words = {
            "consistently_fails": "Consistently below the England and Wales rate",
            "consistently_passes": "Consistently above the England and Wales rate",
            "hit_and_miss": "Hit and miss",
        }[verdict]
        # the verdict is stated unless the latest rate lies on the other side of the national rate (class 2)
        assert (words in claim.sentence) == claim.detail["stated"], force
    summary = ledger.get("spc.assurance")
    assert summary.detail["verdicts"] == {k: v for k, v in verdicts.items() if k}
    phrases = {
        "consistently_passes": "consistently above the England and Wales rate",
        "consistently_fails": "consistently below the England and Wales rate",
        "hit_and_miss": "hit and miss (the national rate lies inside the limits)",
    }
    for verdict, n in summary.value.items():
        assert f"{phrases[verdict]}: {n} force{'' if n == 1 else 's'}" in summary.sentence
    assert sum(summary.value.values()) + len(summary.detail["not_stated"]) == sum(summary.detail["verdicts"].values())


def test_the_cases_include_forces_consistently_below_the_national_rate(ledgers):
    below = [
        c
        for q in QUARTERS
        for c in ledgers[q].claims
        if c.id.startswith("spc.force.") and c.value == "consistently_fails"
    ]
    assert below and all(
        ("Consistently below the England and Wales rate" in c.sentence) == c.detail["stated"] for c in below
    )


@pytest.mark.parametrize("quarter", QUARTERS)
def test_the_disparity_ratio_matches_the_raw_stop_search_table(ledgers, quarter):
    year = stop_search_year(quarter)
    rows = raw_stop_search(year)
    black, white, unknown = rows["Black"], rows["White"], rows["Unknown"]
    black_rate = int(black["number_of_stop_and_searches"]) / int(black["population_by_ethnicity"])
    white_rate = int(white["number_of_stop_and_searches"]) / int(white["population_by_ethnicity"])
    ratio = black_rate / white_rate
    known = int(
        black[
            "total_number_of_stop_and_search_carried_out_in_this_year_in_this_area_excluding_cases_where_the_ethnicity_was_unreported"
        ]
    )
    unknown_share = (
        100 * int(unknown["number_of_stop_and_searches"]) / (known + int(unknown["number_of_stop_and_searches"]))
    )
    claim = ledgers[quarter].get("fairness.national_ratio")
    assert claim.window == year.replace("/", "-")
    assert claim.value == pytest.approx(ratio, abs=1e-3)
    assert claim.detail["black_searches"] == int(black["number_of_stop_and_searches"])
    assert claim.detail["white_population"] == int(white["population_by_ethnicity"])
    assert claim.detail["unknown_share_pct"] == pytest.approx(unknown_share, abs=1e-3)
    # "the latest year published" alone would claim that no later year had been published anywhere: the
    # bundled series ends with 2022/23, while later years were published before the latest quarters
    assert claim.sentence.startswith(f"Of the years loaded here, {year} is the latest published by the end of")
    assert f"searched at {ratio:.2f} times the rate of White residents" in claim.sentence
    assert f"{unknown_share:.1f}% of searches" in claim.sentence


@pytest.mark.parametrize("quarter", QUARTERS)
def test_reasons_to_look_at_a_force_match_the_raw_data(ledgers, quarter):
    reasons = [c for c in ledgers[quarter].claims if c.id.startswith("look_at.") and c.id.count(".") == 2]
    assert reasons
    by_slug = {(r["slug"], outcome_quarter(r)): r for r in outcome_rows()}
    for claim in reasons:
        _, force, kind = claim.id.split(".")
        if kind == "spc_concern":  # the same verdict as the force's row of the verdicts table
            row = ledgers[quarter].get(f"spc.force.{force}")
            assert claim.value == row.detail["variation"] == "special_cause_concerning"
        elif kind == "low_evidence":
            rollup = raw_tracker_rollup(force, claim.window)
            assert (claim.value, claim.comparator) == (rollup["applicable"] - rollup["evidenced"], rollup["applicable"])
            assert f"{claim.value} of {claim.comparator} applicable" in claim.sentence
        elif kind.startswith("funnel_"):
            basis = kind.split("_")[1]
            row = by_slug[(force, qkey(claim.window))]
            charges, assigned = int(row[f"{basis}_all_t1"]), int(row[f"{basis}_all_assigned"])
            assert (claim.detail["numerator"], claim.detail["denominator"]) == (charges, assigned)
            assert claim.value == pytest.approx(100 * charges / assigned, abs=1e-3)
            assert f"{100 * charges / assigned:.1f}%" in claim.sentence
    summary = ledgers[quarter].get("summary.look_at")
    assert summary.value == len({c.id.split(".")[1] for c in reasons})


@pytest.mark.parametrize("quarter", [PAST, MIDDLE])
def test_a_past_quarter_says_in_one_line_that_later_data_are_held(real_data, ledgers, quarter):
    claim = ledgers[quarter].get("as_at.later_data")
    end = quarter_end(quarter)
    every = sum(len(q) for q in tracker_quarters().values())
    known = sum(qkey(q) <= qkey(quarter) for quarters in tracker_quarters(quarter).values() for q in quarters)
    later_trackers = every - known  # for later quarters, or published after this one's end
    with open(real_data / "processed/measures/observations.csv", newline="") as f:
        later_obs = sum(
            period_end(r["period"], r["period_type"]) > end or r["known_at"] > end.isoformat()
            for r in csv.DictReader(f)
        )
    assert later_obs > 0
    assert claim.value == {"observations": later_obs, "tracker_snapshots": later_trackers}
    assert claim.comparator == end.isoformat()
    label = f"{quarter[:4]}/{quarter[5:7]} Q{quarter[-1]}"
    assert claim.sentence.startswith("Figures")
    assert f"for periods after the end of {label} ({end.day} {end:%B %Y}) or published after it" in claim.sentence
    assert ("forces' trackers" in claim.sentence) == bool(later_trackers)
    assert "are held but left out" in claim.sentence
    # it names no later period, and no claim of the ledger rests on one
    text = json.dumps(ledgers[quarter].to_dict({}))
    for found in re.findall(r"\b(20\d\d)[-/](\d\d)[- ]Q([1-4])\b", text):
        assert (int(found[0]), int(found[2])) <= qkey(quarter), found


def test_the_latest_quarter_says_nothing_of_later_data(real_data, ledgers):
    last = max((outcome_quarter(r) for r in outcome_rows()), default=None)
    assert last == qkey(LAST)  # the bundled charge-rate data ends at the last quarter tested
    assert "as_at.later_data" in ledgers[LAST].ids()  # its last two quarters were published after it
    overview = overview_model.load_overview("2026-27-Q2", data_dir=real_data)  # by whose end all of it was out
    assert not overview.later.exist
    assert "held but left out" not in Page(national.provenance(overview)).text


@pytest.mark.slow
def test_render_writes_the_national_claims_beside_the_html(real_data, tmp_path):
    from test_as_at_reports import later_labels

    from analysis.core.config import NATIONAL_STEM
    from analysis.run.render import checked_job, render_report

    for quarter, audience in ((PAST, "internal"), (LAST, "public")):
        job = checked_job(NATIONAL_STEM, quarter, audience, data_dir=real_data, kind="national")
        html = render_report(job, real_data, tmp_path / "reports", engine="inprocess")
        ledger = json.loads(html.with_suffix(".claims.json").read_text())
        assert ledger["report"] == {"force_id": "national-overview", "quarter": quarter, "audience": audience}
        page = Page(html.read_text()).text
        for claim in ledger["claims"]:  # every claimed sentence is on the page, as the page says it
            assert " ".join(claim["sentence"].split()) in page, claim["id"]
        by_id = {c["id"]: c for c in ledger["claims"]}
        assert by_id["summary.charge_rate"]["detail"]["numerator"] == raw_national(published_quarter(quarter))[0]
        assert "held but left out" in page  # both quarters: LAST's own last quarters were published after it
        if quarter == PAST:
            assert later_labels(page, months=False) == []
        else:
            assert not re.search(r"\b2026/27\b", page)


def test_the_public_ledger_carries_nothing_withheld(tmp_path):
    """Leicestershire's 2024-25 Q1 fixture has one OFFICIAL-SENSITIVE row (recommendation 6): the public overview
    counts without it, and its ledger holds none of its text."""
    from conftest import make_data_tree

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    assert build_all(data).problems == []
    internal = national.national_claims(overview_model.load_overview(MIDDLE, "internal", data_dir=data))
    public = national.national_claims(overview_model.load_overview(MIDDLE, "public", data_dir=data))
    text = json.dumps(public.to_dict({}))
    assert "SENSITIVE-TOKEN" not in text and "covert" not in text
    assert "SENSITIVE-TOKEN" not in json.dumps(internal.to_dict({}))  # counts and keys only, even internally
    assert public.get(f"trackers.{MIDDLE}").comparator == internal.get(f"trackers.{MIDDLE}").comparator - 1
    assert public.get("summary.withheld").value == 1 and "summary.withheld" not in internal.ids()


# --- issue 18: what the overview's numbers are made to say (each failed on the bundled data before its fix) ----


def outside_the_limits(ledger) -> set[str]:
    """Every force the page puts outside the outer funnel limits: charge rate (either basis), stop and search."""
    found = set()
    for claim_id in ("funnel.closed.99.8", "funnel.recorded.99.8", "fairness.outside"):
        if claim_id in ledger.ids():
            detail = ledger.get(claim_id).detail
            found |= set(detail["above"]) | set(detail["below"])
    return found


@pytest.mark.parametrize("quarter", QUARTERS)
def test_class_8_every_force_the_page_puts_outside_the_limits_is_a_force_to_look_at(ledgers, quarter):
    """Merseyside's stop and search ratio is outside the 99.8% limits in 2024/25 Q1 and 2025/26 Q4; the list of
    forces to look at left it out."""
    ledger = ledgers[quarter]
    looked = set(ledger.get("summary.look_at").detail["forces"])
    assert outside_the_limits(ledger) <= looked
    assert ledger.get("summary.look_at").value == len(looked)
    if quarter != PAST:
        assert "merseyside" in ledger.get("fairness.outside").detail["below"]
        assert "look_at.merseyside.fairness_outside" in ledger.ids()


@pytest.mark.parametrize("quarter", QUARTERS)
def test_class_2_no_row_states_a_verdict_its_latest_rate_contradicts(ledgers, quarter):
    """'Consistently below the England and Wales rate' was printed beside a latest rate above it: on the figures
    known by each quarter's end, Greater Manchester (2023/24 Q1) and Surrey (2024/25 Q1), and more in 2025/26 Q4."""
    rows = [c for c in ledgers[quarter].claims if re.fullmatch(r"spc\.force\.[a-z-]+", c.id)]
    assert len(rows) == len(territorial())
    contradicted = []
    for claim in rows:
        rate, national = claim.detail["rate_pct"], claim.comparator
        if (claim.value == "consistently_fails" and rate > national) or (
            claim.value == "consistently_passes" and rate < national
        ):
            contradicted.append(claim.id.split(".")[-1])
            assert "Consistently" not in claim.sentence and claim.sentence.startswith("Not stated"), claim.id
            assert claim.detail["stated"] is False
        if "Consistently below" in claim.sentence:
            assert rate < national, claim.id
        if "Consistently above" in claim.sentence:
            assert rate > national, claim.id
    expected = {PAST: {"greater-manchester"}, MIDDLE: {"surrey"}}
    if quarter in expected:
        assert set(contradicted) == expected[quarter]
    assert sorted(contradicted) == sorted(ledgers[quarter].get("spc.assurance").detail["not_stated"])


@pytest.mark.parametrize("quarter", QUARTERS)
def test_class_6_many_forces_moving_together_gets_the_same_caution_either_way(ledgers, quarter):
    """Before the fix, 2023/24 Q1's many forces of concern drew 'look first for a common cause' while 2025/26 Q4's
    many improving forces drew nothing (on the figures known by each quarter's end; 2024/25 Q1 has neither)."""
    ledger = ledgers[quarter]
    counts, forces = ledger.get("spc.variation").value, ledger.get("spc.variation").comparator
    for direction in ("concerning", "improving"):
        n = counts.get(f"special_cause_{direction}", 0)
        claim_id = f"spc.moving_together.{direction}"
        assert (claim_id in ledger.ids()) == (n > forces / 3), (quarter, direction, n)
        if claim_id in ledger.ids():
            claim = ledger.get(claim_id)
            assert (
                claim.sentence.startswith(f"{n} of {forces} forces")
                and "look first for a common cause" in claim.sentence
            )
    expected = {PAST: "concerning", LAST: "improving"}.get(quarter)
    if expected:
        assert f"spc.moving_together.{expected}" in ledger.ids()


@pytest.mark.slow
@pytest.mark.parametrize(
    "quarter, audience", [(PAST, "internal"), (MIDDLE, "internal"), (MIDDLE, "public"), (LAST, "public")]
)
def test_every_figure_and_verdict_on_the_rendered_overview_is_a_claim_in_its_ledger(
    real_data, tmp_path, quarter, audience
):
    """The real notebook through papermill and nbconvert: 100% of the page's numbers and verdicts come from its
    ledger (tests/ledger_coverage.py), both audiences, a past quarter, the middle one and the last."""
    from ledger_coverage import uncovered

    from analysis.core.config import NATIONAL_STEM
    from analysis.run.render import checked_job, render_report

    html = render_report(
        checked_job(NATIONAL_STEM, quarter, audience, data_dir=real_data, kind="national"),
        real_data,
        tmp_path / "reports",
        engine="inprocess",
    )
    ledger = json.loads(html.with_suffix(".claims.json").read_text())
    page = html.read_text()
    assert uncovered(page, ledger) == []
    assert page.count("data-claim=") > 400  # tables included, not only the paragraphs


@pytest.mark.parametrize("quarter", [PAST, MIDDLE])
def test_the_quarter_without_charge_rates_is_said_as_known_at_its_end(ledgers, quarter):
    # "not published yet" read as a claim about today: the figures were published later (the bundle holds them)
    claim = ledgers[quarter].get("summary.measure_quarter")
    assert claim.sentence.startswith(
        f"Charge-rate figures for {claim.window.replace('-', '/', 1).replace('-', ' ')} had not been published by "
        "the end of the quarter"
    )
    assert "yet" not in claim.sentence
