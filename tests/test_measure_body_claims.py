"""Issue 18, part "body": the key-measure sections and the provenance section of a force page come from claims.

Real pages (papermill + nbconvert) for Leicestershire 2024/25 Q1 and Metropolitan Police 2024/25 Q2: inside
``section.measure`` elements and the provenance piece, no text with a digit or verdict word is left uncovered.
And two meaning rules on the bundled data: a stale verdict says how old it is (class 4); a verdict on recent
recorded-basis quarters is not drawn, and the sentence says why (class 5).
"""

import json

import pytest
from bs4 import BeautifulSoup
from ledger_coverage import uncovered

from analysis.compute.report_model import load_report
from analysis.present import measure_text


def _claims(data, force, quarter, key):
    report = load_report(force, quarter, "internal", data_dir=data)
    section = next(m for m in report.measures if m.key_measure == key)
    return {c.id: c for c in measure_text.sentence_claims(section, report.quarter, report.force.id)}


def test_a_stale_verdict_says_how_old_it_is(real_data):
    # Leicestershire 2024/25 Q1: "DVPN to DVPO conversion shows special-cause variation in the worse direction
    # ... a concern to look into" is about March 2023, 15 months before the end of the quarter (class 4)
    claim = _claims(real_data, "leicestershire", "2024-25-Q1", "charge-rate")[
        "measure.charge_rate.other.dvpn_to_dvpo_conversion"
    ]
    assert "a concern to look into" not in claim.sentence  # a current alarm about a 15-month-old point
    assert "a concern at the time; no later figure is loaded" in claim.sentence
    assert "as of March 2023, 15 months before the end of 2024/25 Q1" in claim.sentence
    assert "not a current reading" in claim.sentence
    assert claim.rule == measure_text.STALE_RULE and claim.known_at


def test_no_verdict_rests_on_incomplete_recorded_basis_quarters(real_data):
    # Metropolitan Police 2024/25 Q1: the recorded-basis charge rate "in the worse direction ... a concern", its
    # latest quarter 2023/24 Q3 among the last RECORDED_INCOMPLETE_QUARTERS (outcomes still coming in; class 5)
    claim = _claims(real_data, "metropolitan-police", "2024-25-Q1", "charge-rate")[
        "measure.charge_rate.other.charge_rate_recorded"
    ]
    assert "worse direction" not in claim.sentence and "concern" not in claim.sentence
    assert (
        "Metropolitan Police's charge rate (offences recorded in the quarter) is not judged for change"
        in claim.sentence
    )
    assert "undercounted; the charge rate of closed investigations is the one judged" in claim.sentence
    assert claim.rule == measure_text.INCOMPLETE_RULE


def test_a_current_closed_basis_verdict_has_no_caveat(real_data):
    claims = _claims(real_data, "leicestershire", "2024-25-Q1", "charge-rate")
    variation = claims["measure.charge_rate.variation"]
    assert "not a current reading" not in variation.sentence and "undercounted" not in variation.sentence
    assert variation.rule.startswith("spc.variation:")


def _body(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    parts = [str(s) for s in soup.select("section.measure")]
    sources = soup.find(id="sources")
    assert parts and sources is not None
    return "".join(parts) + str(sources.parent)


@pytest.mark.slow
@pytest.mark.parametrize("force,quarter", [("leicestershire", "2024-25-Q1"), ("metropolitan-police", "2024-25-Q2")])
def test_measure_sections_and_provenance_are_covered(real_data, tmp_path, force, quarter):
    from analysis.run.render import checked_job, render_report

    for audience in ("internal", "public"):
        job = checked_job(force, quarter, audience, data_dir=real_data)
        html = render_report(job, real_data, tmp_path / audience, engine="inprocess")
        ledger = json.loads(html.with_suffix(".claims.json").read_text())
        page = html.read_text()
        assert 'class="provenance"' in page and "SHA-256" in page
        assert uncovered(_body(page), ledger) == []
