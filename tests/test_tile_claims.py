"""The first screen's header, tiles and executive summary are rendered from claims, in plain words (issue 18,
classes 4, 5 and 10): real papermill/nbconvert pages for Leicestershire 2024/25 Q1 and Metropolitan Police
2024/25 Q2, and unit tests of the plain-word mapping and the staleness and incomplete-quarter wording."""

import datetime as dt
import json

import pytest

from analysis.compute import direction as dn
from analysis.compute.meaning import measures as meaning
from analysis.compute.measure_facts import FigureFacts, figure_facts
from analysis.compute.measure_sections import Latest, MeasureSection
from analysis.compute.report_model import load_report
from analysis.core.periods import parse_quarter
from analysis.present import fragments, narrative
from analysis.present.claim_markup import visible_text

PAGES = [
    ("leicestershire", "2024-25-Q1", "internal"),
    ("leicestershire", "2024-25-Q1", "public"),
    ("metropolitan-police", "2024-25-Q2", "internal"),
]
JARGON = ("hit and miss", "common cause", "special cause", "comparator", "meets", "process-behaviour")


def _tiles(report):
    return {m.key_measure: fragments.measure_tile(m, None, None, _facts(report, m)) for m in report.measures}


def _facts(report, section):
    return figure_facts(section, report.quarter, narrative._data_dir(report), report.audience, report.force.id)


@pytest.mark.slow
@pytest.mark.parametrize("force, quarter, audience", PAGES)
def test_header_tiles_and_summary_are_covered_by_the_ledger(real_data, tmp_path, force, quarter, audience):
    from ledger_coverage import uncovered

    from analysis.run.render import checked_job, render_report

    path = render_report(
        checked_job(force, quarter, audience, data_dir=real_data), real_data, tmp_path, engine="inprocess"
    )
    html, ledger = path.read_text(), json.loads(path.with_suffix(".claims.json").read_text())
    parts = {
        "header": ('<dl class="identity">', ("</dl>",)),
        "tiles": ('id="tiles-heading"', ("</section>",)),
        "executive summary": ('<h2 id="summary">', ('<h2 id="charts">', '<h2 id="measures">')),
    }
    for name, (start, ends) in parts.items():
        assert html.count(start) == 1, name
        at = html.index(start)
        piece = html[at : min(html.index(end, at) for end in ends if end in html[at:])]
        assert 'data-claim="' in piece, name
        assert uncovered(piece, ledger) == [], name
    claims = {c["id"]: c for c in ledger["claims"]}
    assert claims["header.quarter"]["value"] == quarter
    tiles = [c for c in ledger["claims"] if c["id"].startswith("tile.")]
    assert tiles and all(c["known_at"] for c in tiles if not c["id"].endswith(".none")), "known_at on every tile claim"
    assert claims["charge_rate.latest"]["known_at"] and claims["key_measures.coverage"]["known_at"]
    first = html.index('id="tiles-heading"')
    words = visible_text(html[first : html.index("</section>", first)]).lower()
    assert not any(word in words for word in JARGON), words


def test_a_stale_figure_says_how_old_it_is_on_its_tile(real_data):
    # Leicestershire 2024/25 Q1 (ends 30 June 2024): the workforce tile shows 2022/23, which ended March 2023
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    tiles = _tiles(report)
    assert "2022/23" in tiles["workforce-representation"]
    assert (
        "Old figure: its period ended March 2023, 15 months before this quarter&#x27;s end"
        in tiles["workforce-representation"]
    )
    assert "18 months before this quarter" in tiles["misconduct-action"]  # calendar 2022
    assert "Old figure" not in tiles["charge-rate"]  # 2023/24 Q3: 6 months, not stale


def test_a_stale_figure_that_states_no_period_says_when_it_was_reported(real_data):
    # Leicestershire's grade 1 response time is a figure a board paper reported on 17 July 2023, with no period
    # of its own: "its period ended July 2023" would claim a period nobody stated
    report = load_report("leicestershire", "2024-25-Q4", data_dir=real_data)
    tile = _tiles(report)["response-times"]
    assert "reported on 17 July 2023" in tile
    assert "Old figure: reported in July 2023, 20 months before this quarter&#x27;s end" in tile
    assert "its period ended" not in tile


def test_the_first_screen_speaks_plain_words_and_agrees_with_the_body(real_data):
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    charge = next(m for m in report.measures if m.key_measure == "charge-rate")
    tile = _tiles(report)["charge-rate"]
    assert charge.spc.variation == "common_cause" and charge.spc.assurance == "hit_and_miss"
    assert "No sign of change" in tile and "Could be above or below the England and Wales rate" in tile
    assert not any(word in visible_text(tile).lower() for word in JARGON)
    assert "hit and miss" in charge.spc.assurance_text  # the exact term stays in the body
    met = load_report("metropolitan-police", "2024-25-Q2", data_dir=real_data)
    met_tile = _tiles(met)["charge-rate"]
    assert "Below the England and Wales rate in each of the last 6 quarters" in met_tile
    # the summary's charge-rate claim and the tile state the same figure
    ledger = fragments.report_claims(report)
    assert ledger.get("charge_rate.latest").value == ledger.get("tile.charge-rate.value").value
    assert ledger.get("charge_rate.latest").known_at == ledger.get("tile.charge-rate.value").known_at == "2024-06-30"


def test_plain_variation_and_assurance_words():
    assert dn.plain_variation_words("common_cause", "higher_is_better") == "No sign of change"
    assert dn.plain_variation_words(None, "higher_is_better") == "Too few figures to judge change"
    assert dn.plain_variation_words("special_cause_improving", "lower_is_better") == "A real change, for the better"
    assert dn.plain_variation_words("special_cause_concerning", "higher_is_better") == "A real change, for the worse"
    assert "neither better nor worse" in dn.plain_variation_words("special_cause_neutral", "neutral", True)
    name = "the England and Wales rate"
    # "consistently passes" is said the way the body says it: above where higher is better, never "meets"
    assert dn.plain_assurance_words("consistently_passes", "increase", name) == f"Consistently above {name}"
    assert dn.plain_assurance_words("consistently_passes", "decrease", name) == f"Consistently below {name}"
    assert dn.plain_assurance_words("consistently_fails", "increase", name) == f"Consistently below {name}"
    assert dn.plain_assurance_words("hit_and_miss", "increase", name) == f"Could be above or below {name}"
    assert dn.reading_tile_words("too_wide_recent_run", "below", 6, "below", name) == (
        f"Below {name} in each of the last 6 quarters"
    )
    assert dn.reading_tile_words("latest_contradicts", "above", run_comparator=name).endswith(f"above {name}")


def _facts_for(period_end, quarter, measure_id="charge_rate_recorded"):
    q = parse_quarter(quarter)
    return FigureFacts(
        "2024-09-30",
        "raw/x.csv",
        (),
        20,
        period_end,
        meaning.staleness(period_end, q.end),
        meaning.figure_incomplete(measure_id, period_end, q),
    )


def test_a_recorded_basis_figure_among_the_recent_quarters_says_they_are_incomplete():
    latest = Latest(8.0, None, None, "percent", "2024-25-Q1", "quarter", "2024/25 Q1", "s")
    section = MeasureSection(
        "charge-rate", "Charge rates", True, "charge_rate_recorded", "Charge rate (offences recorded)", latest=latest
    )
    tile = fragments.measure_tile(section, "official", None, _facts_for(dt.date(2024, 6, 30), "2024-25-Q1"))
    assert "Recent quarters still incomplete" in tile and "tile-stale" in tile
    old = _facts_for(dt.date(2022, 6, 30), "2024-25-Q1")  # 2022/23 Q1: outcomes long since in
    assert not old.incomplete and old.staleness.stale and old.staleness.months == 24
    closed = _facts_for(dt.date(2024, 6, 30), "2024-25-Q1", "charge_rate_closed")
    assert not closed.incomplete  # the closed basis is the verdict's basis: never undercounted this way
    assert "Old figure: its period ended June 2022, 24 months" in fragments.measure_tile(section, None, None, old)


def test_render_and_ledger_calls_give_the_same_first_screen(real_data):
    from analysis.compute.claims import ClaimLedger

    report = load_report("metropolitan-police", "2024-25-Q2", data_dir=real_data)
    assert fragments.first_screen(report) == fragments.first_screen(report, ClaimLedger())
    assert fragments.header(report) == fragments.header(report, ClaimLedger())


def test_a_tile_is_no_firmer_than_its_body_when_the_latest_point_is_itself_a_change(real_data):
    # Metropolitan Police 2026/27 Q2: limits wholly below the England and Wales rate, but the latest quarter
    # (2025/26 Q4) is above the upper process limit; the body says the verdict "may no longer hold", so the tile
    # may not say a bare "Consistently below"
    report = load_report("metropolitan-police", "2026-27-Q2", data_dir=real_data)
    section = next(m for m in report.measures if m.key_measure == "charge-rate")
    assert section.spc.variation == "special_cause_improving" and section.spc.assurance == "consistently_fails"
    assert "may no longer hold" in section.spc.assurance_text
    tile = _tiles(report)["charge-rate"]
    assert "Consistently below the England and Wales rate, judged on the quarters before the latest change" in tile
    assert dn.plain_assurance_words("hit_and_miss", "increase", "X") == "Could be above or below X"
