"""The tracker side of force pages says what the bundled data show (issue 18, classes 7 and 8).

Class 7: every flag of concern the page shows (blank actions or evidence, parts not started, a charge rate
outside the funnel limits) yields a board question or is counted in one. Class 8: "gained evidence" counts
recommendations that record evidence now and recorded none before (re-derived here from the raw CSV files
with the csv module), and a recommendation whose status changed kind (not assessed, now not applicable) is
never "unchanged".
"""

import csv

import pytest
from conftest import ROOT

from analysis.compute.report_model import load_report
from analysis.present import fragments, narrative
from analysis.present.board_questions import questions

RAW = ROOT / "data/raw"
TRACKER_PAGES = [("leicestershire", "2024-25-Q1"), ("leicestershire", "2023-24-Q1"), ("city-of-london", "2023-24-Q1")]
MET = ("metropolitan-police", "2024-25-Q1")  # no tracker; charge rate below the 99.8% funnel limit


def _raw(force, quarter):
    with open(RAW / f"trackers/casey-2023/{force}/{quarter}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _evidenced_recs(rows) -> set[str]:
    """Recommendations with evidence in at least one row that is not 'not applicable'."""
    return {
        r["recommendation_id"].split(".")[0] for r in rows if r["status"] != "not_applicable" and r["evidence"].strip()
    }


def test_gained_evidence_counts_recommendations_with_evidence_now_and_none_before(real_data):
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    gained = _evidenced_recs(_raw("leicestershire", "2024-25-Q1")) - _evidenced_recs(
        _raw("leicestershire", "2023-24-Q1")
    )
    assert len(gained) == 14  # 12 fully evidenced and 7 and 16, evidenced for some parts: the page said 12
    assert set(report.change.gained_evidence) == gained
    assert set(report.change.gained_evidence_partly) == {"7", "16"}
    lines = fragments.what_changed(report)
    assert lines[1].startswith(f"{len(gained)} recommendations gained evidence where 2023/24 Q1 recorded none"), lines
    assert f"and {len(gained)} recommendations gained evidence" in narrative.executive_summary(report)[2]


def test_not_assessed_then_not_applicable_now_is_not_called_unchanged(real_data):
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    before = {r["recommendation_id"]: r["status"] for r in _raw("leicestershire", "2023-24-Q1")}
    now = {r["recommendation_id"]: r["status"] for r in _raw("leicestershire", "2024-25-Q1")}
    reclassified = sorted(
        (i for i in now if "." not in i and before.get(i) == "not_assessed" and now[i] == "not_applicable"), key=int
    )
    assert reclassified == ["5", "15"]
    for rec_id in reclassified:
        text = narrative.change_text(report, rec_id)
        assert "unchanged" not in text.lower(), text
        assert text.startswith(
            "Now treated as not applicable to the force; the 2023/24 Q1 snapshot had it as not assessed"
        )
    assert [i for i, _ in report.change.reclassified] == reclassified
    assert "2 recommendations (5 and 15) now treated as not applicable." in fragments.what_changed(report)[0]
    for rec in report.framework.recommendations:  # "unchanged" only where the status really is the same
        row = report.changes.set_index("recommendation_id").loc[rec.id]
        if narrative.change_text(report, rec.id).startswith("Status unchanged"):
            assert row["status"] == row["previous_status"], rec.id


def _asked_about(asked) -> set[tuple[str, str]]:
    return {(c.subject, c.flag) for q in asked for c in q.covers}


@pytest.mark.parametrize("force, quarter", [*TRACKER_PAGES, MET])
def test_every_flag_the_page_shows_yields_a_board_question_or_is_counted_in_one(real_data, force, quarter):
    report = load_report(force, quarter, data_dir=real_data)
    shown = {(rec_id, f.kind.value) for rec_id, found in report.flags.items() for f in found}
    charge = next(m for m in report.measures if m.key_measure == "charge-rate")
    if charge.funnel is not None and charge.funnel.classification != "within":
        shown.add(("charge-rate", "funnel_outside"))
    asked = questions(report)
    assert shown <= _asked_about(asked), shown - _asked_about(asked)
    assert len(asked) <= 5


def test_leicestershire_is_asked_about_blank_actions_and_the_part_not_started(real_data):
    asked = questions(load_report("leicestershire", "2024-25-Q1", data_dir=real_data))
    texts = {q.reason: q.text for q in asked}
    assert texts["blank-actions"].startswith("What actions are planned for 4.iv, 16.v and 16.vi")
    assert "16.iv" in texts["parts-behind"] and "not started" in texts["parts-behind"]


def test_a_charge_rate_below_the_funnel_is_asked_about_without_a_tracker(real_data):
    report = load_report(*MET, data_dir=real_data)
    charge = next(m for m in report.measures if m.key_measure == "charge-rate")
    assert charge.funnel.classification == "below 99.8%"  # the computed funnel result the question reads
    asked = questions(report)
    assert [q.reason for q in asked][:2] == ["missing-tracker", "funnel-outside"]
    assert (
        "charge rates lying below the range expected around the England and Wales rate (outside the 99.8% funnel limit"
        in asked[1].text
    )
    assert asked[1].links == [(charge.title, "measure-charge-rate")]


def test_the_ledger_holds_each_board_question_and_what_it_covers(real_data):
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    ledger = fragments.report_claims(report)
    asked = questions(report)
    for n, q in enumerate(asked, 1):
        claim = ledger.get(f"board.q{n}")
        assert claim.sentence == q.text and claim.rule == f"meaning.tracker.concerns:{q.reason}"
        assert {(c["subject"], c["flag"]) for c in claim.value} == {(c.subject, c.flag) for c in q.covers}
    assert ledger.get("changed.evidence").value == 14
    assert ledger.get("rec.5.change").rule == "meaning.tracker.status_change:reclassified_not_applicable"


def test_the_public_page_ledger_quotes_no_withheld_entry(one_sensitive_row):
    import json

    data = one_sensitive_row
    internal = fragments.report_claims(load_report("leicestershire", "2024-25-Q1", "internal", data_dir=data))
    public = fragments.report_claims(load_report("leicestershire", "2024-25-Q1", "public", data_dir=data))
    assert "covert tactic" in internal.get("entry.3").sentence
    assert "covert" not in json.dumps(public.to_dict({})) and "entry.3" not in public.ids()


@pytest.mark.slow
@pytest.mark.parametrize(
    "force, quarter, audience",
    [("leicestershire", "2024-25-Q1", "internal"), ("leicestershire", "2024-25-Q1", "public"), (*MET, "internal")],
)
def test_rendered_tracker_sections_are_covered_by_the_ledger(real_data, tmp_path, force, quarter, audience):
    """A real papermill and nbconvert render: every number and verdict in the tracker's sections (first-screen
    status mix, what changed, board questions; executive summary; recommendations) comes from a claim."""
    import json

    from ledger_coverage import uncovered

    from analysis.run.render import checked_job, render_report

    html_path = render_report(
        checked_job(force, quarter, audience, data_dir=real_data), real_data, tmp_path, engine="inprocess"
    )
    html = html_path.read_text()
    ledger = json.loads(html_path.with_suffix(".claims.json").read_text())
    sections = {
        "first screen (status, changes, questions)": ('<div class="glance">', ('id="tiles-heading"',)),
        "executive summary": ('<h2 id="summary">', ('<h2 id="charts">', '<h2 id="measures">')),
        "recommendations": ('<h2 id="recommendations">', ('<h2 id="sources">',)),
    }
    for name, (start, ends) in sections.items():
        assert html.count(start) == 1, name
        at = html.index(start)
        piece = html[at : min(html.index(end, at) for end in ends if end in html[at:])]
        assert len(piece) > 200, name
        assert uncovered(piece, ledger) == [], name


def test_a_recommendation_evidenced_for_some_parts_only_says_so_in_its_change_line(real_data):
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    assert narrative.change_text(report, "7").endswith(
        "Evidence recorded for the first time for some parts; others are still blank."
    )
    assert narrative.change_text(report, "4").endswith("Evidence recorded for the first time.")  # every part evidenced
