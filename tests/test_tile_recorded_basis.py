"""Issue 18, class 5 on the first screen, on the bundled data: no tile judges recorded-basis quarters that are
still filling in.

On the bundled data the case arises on every force page of both tracker quarters: the recorded-basis charge
rate's latest quarter (2023/24 Q3 for 2024/25 Q1, 2022/23 Q3 for 2023/24 Q1) is among the last
``RECORDED_INCOMPLETE_QUARTERS``, so the body says it is not judged. The charge-rate tile must then judge the
closed basis (never undercounted this way), with no recorded-basis figure behind its verdict. (No tile on the
bundled data shows a recorded-basis figure, so the tile's own "still incomplete" line is tested on a
constructed section in ``tests/test_tile_claims.py``.)
"""

import pytest

from analysis.compute.meaning import measures as meaning
from analysis.compute.report_model import load_report
from analysis.core.periods import parse_quarter
from analysis.present import fragments, measure_text

CASES = [
    (force, quarter) for quarter in ("2023-24-Q1", "2024-25-Q1") for force in ("leicestershire", "metropolitan-police")
]


@pytest.mark.parametrize("force, quarter", CASES)
def test_the_charge_rate_tile_judges_the_closed_basis_when_the_recorded_one_is_incomplete(real_data, force, quarter):
    report = load_report(force, quarter, data_dir=real_data)
    ledger = fragments.report_claims(report)
    recorded = ledger.get("measure.charge_rate.other.charge_rate_recorded")
    # the case occurs here: the body leaves the recorded basis unjudged
    assert meaning.recorded_incomplete(parse_quarter(recorded.window), report.quarter)
    assert recorded.rule == measure_text.INCOMPLETE_RULE and "not judged for change" in recorded.sentence
    tile = {c.id.removeprefix("tile.charge-rate."): c for c in ledger.claims if c.id.startswith("tile.charge-rate.")}
    section = next(m for m in report.measures if m.key_measure == "charge-rate")
    assert section.measure_id == "charge_rate_closed"
    assert tile["measure"].sentence == "Charge rate (investigations closed in the quarter)"
    assert {"variation", "assurance"} <= set(tile)  # the tile does judge: on the closed basis
    assert not meaning.figure_incomplete(section.measure_id, parse_quarter(tile["value"].window).end, report.quarter)
    assert "incomplete" not in tile
    assert not any("recorded" in str(c.source_rows) or "recorded in the quarter" in c.sentence for c in tile.values())


def test_no_chart_draws_a_verdict_the_text_withholds_on_incomplete_recorded_quarters(real_data):
    # Leicestershire 2026/27 Q2: the text says the recorded-basis charge rate is not judged (its latest quarters are
    # still filling in); its process-behaviour chart, with special-cause markers and a verdict in its alt text, was
    # drawn beside that sentence
    from analysis.compute.report_model import load_report
    from analysis.present.measure_text import section_sentences

    report = load_report("leicestershire", "2026-27-Q2", data_dir=real_data)
    section = next(m for m in report.measures if m.key_measure == "charge-rate")
    text = " ".join(section_sentences(section, report.quarter))
    assert "(offences recorded in the quarter) is not judged for change" in text
    titles = [kwargs.get("title", "") for _, kwargs in section.extra_figures]
    assert not any("offences recorded" in t.lower() for t in titles), titles
    assert any("investigations closed" in t.lower() for t in titles)  # the judged basis keeps its chart
