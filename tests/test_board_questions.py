"""Questions for the board and the first screen's pieces, from hand-made report stand-ins."""

from types import SimpleNamespace

import pandas as pd

from analysis.compute.progress import Flag
from analysis.compute.progress import FlagKind as K
from analysis.core.periods import parse_quarter
from analysis.present import board_questions
from analysis.present.board_questions import moved_backwards, questions


def _changes(*moves):
    return pd.DataFrame(
        [
            {
                "recommendation_id": r,
                "previous_status": a,
                "status": b,
                "moved": a != b,
                "newly_evidenced": False,
                "evidence_removed": False,
            }
            for r, a, b in moves
        ]
    )


def report(flags=None, changes=None, has_tracker=True, measures=(), withheld=()):
    return SimpleNamespace(
        framework=SimpleNamespace(item_label="Recommendation"),
        quarter=parse_quarter("2024-25-Q1"),
        previous_quarter=parse_quarter("2023-24-Q1"),
        has_tracker=has_tracker,
        flags=flags or {},
        changes=changes,
        measures=list(measures),
        is_withheld=lambda rec_id: rec_id in withheld,
    )


def test_statuses_that_moved_backwards_are_found_and_not_assessed_is_not_a_step():
    ch = _changes(
        ("1", "complete", "in_progress"),
        ("2", "not_started", "complete"),
        ("3", "in_progress", "not_assessed"),
        ("4", "in_progress", "not_started"),
    )
    assert moved_backwards(ch) == [("1", "complete", "in_progress"), ("4", "in_progress", "not_started")]
    asked = questions(report(changes=ch))
    assert asked[0].reason == "backwards"
    assert (
        "recommendations 1 and 4 (1 from complete to in progress; 4 from in progress to not started)" in asked[0].text
    )
    assert asked[0].links == [("1", "rec-1"), ("4", "rec-4")]


def test_missing_tracker_is_the_first_question():
    asked = questions(report(has_tracker=False))
    assert [q.reason for q in asked] == ["missing-tracker"]
    assert "Why had no tracker for 2024/25 Q1 been received or published by the end of the quarter" in asked[0].text
    assert "latest earlier tracker is for 2023/24 Q1" in asked[0].text


def test_flags_become_questions_and_withheld_recommendations_never_do():
    flags = {
        "1": [Flag(K.EVIDENCE_BLANK), Flag(K.COMPLETE_WITHOUT_EVIDENCE)],
        "2": [Flag(K.EVIDENCE_BLANK)],
        "3": [Flag(K.STALE, "not updated for 4 quarters")],
        "5": [Flag(K.NO_ENTRY)],
        "6": [Flag(K.EVIDENCE_BLANK)],
    }
    asked = questions(report(flags=flags, withheld={"6"}))
    by_reason = {q.reason: q.text for q in asked}
    assert "recommendation 1 is complete? The tracker records no evidence." in by_reason["complete-no-evidence"]
    assert "evidence be recorded for recommendation 2?" in by_reason["blank-evidence"]  # 1 is asked about already
    assert "recommendation 3 not changed for two or more quarters" in by_reason["unchanged"]
    assert "no entry for recommendation 5" in by_reason["no-entry"]
    assert all(" 6" not in q.text for q in asked)


def test_special_cause_concern_from_the_spc_verdict_and_sections_without_spc_are_fine():
    concerning = SimpleNamespace(
        title="Charge rates", key_measure="charge-rate", spc=SimpleNamespace(variation="special_cause_concerning")
    )
    improving = SimpleNamespace(
        title="Response rates and times",
        key_measure="response-times",
        spc=SimpleNamespace(variation="special_cause_improving"),
    )
    old_style = SimpleNamespace(title="Action on misconduct", key_measure="misconduct-action")  # no spc attribute
    asked = questions(report(measures=[concerning, improving, old_style]))
    assert [(q.reason, q.links) for q in asked] == [("special-cause", [("Charge rates", "measure-charge-rate")])]
    assert "unusual change in charge rates" in asked[0].text


def test_no_more_than_the_maximum():
    flags = {str(i): [Flag(K.EVIDENCE_BLANK)] for i in range(1, 4)} | {"4": [Flag(K.COMPLETE_WITHOUT_EVIDENCE)]}
    flags |= {"5": [Flag(K.STALE, "not updated for 2 quarters")], "6": [Flag(K.NO_ENTRY)]}
    ch = _changes(("7", "complete", "not_started"))
    asked = questions(report(flags=flags, changes=ch, has_tracker=True))
    assert len(asked) == board_questions.MAX_QUESTIONS == 5
    assert asked[0].reason == "backwards"


def test_blank_evidence_in_some_parts_names_the_parts_not_the_whole_recommendation():
    flags = {"7": [Flag(K.EVIDENCE_BLANK, parts=("7.ii",))], "16": [Flag(K.EVIDENCE_BLANK, parts=("16.ii", "16.iv"))]}
    (asked,) = questions(report(flags=flags))
    assert asked.text.startswith("When will evidence be recorded for 7.ii, 16.ii and 16.iv?"), asked.text
    assert "blank for these parts" in asked.text and "Their evidence is blank" not in asked.text
    assert asked.links == [("7", "rec-7"), ("16", "rec-16")]


def test_what_changed_counts_first_assessments_apart_from_changes():
    from analysis.present.fragments import what_changed

    ch = _changes(("1", "not_assessed", "in_progress"), ("2", "not_assessed", "in_progress"))
    ch["moved"] = False
    ch["first_assessed"] = True
    r = report(changes=ch)
    r.framework.item_label_plural = "Recommendations"
    lines = what_changed(r)
    assert (
        lines[0] == "Since 2023/24 Q1: 0 recommendations changed status. 2 recommendations assessed for the first time."
    )


def test_a_tile_never_prints_nan_and_labels_a_proxy_once():
    from analysis.compute.measure_sections import Latest, MeasureSection
    from analysis.present.fragments import measure_tile

    latest = Latest(float("nan"), None, None, "ratio", "2021-22", "financial_year", "2021/22", "source")
    section = MeasureSection("trust-confidence", "Trust and confidence in the police", True, latest=latest)
    html = measure_tile(section, "proxy")
    assert "nan" not in html.lower() and "No figure can be given for this force for 2021/22" in html
    latest = Latest(3.14, 2.9, 3.4, "ratio", "2022-23", "financial_year", "2022/23", "source")
    section = MeasureSection(
        "trust-confidence",
        "Trust and confidence in the police",
        True,
        measure_title="Stop and search disparity, Black to White (fairness indicator)",
        latest=latest,
    )
    html = measure_tile(section, "proxy")
    assert "(fairness indicator)" in html and "(proxy)" not in html


def test_a_whole_recommendation_among_parts_is_named_by_its_id_and_called_an_entry():
    flags = {
        "4": [Flag(K.ACTIONS_BLANK, parts=("4.iii", "4.iv"))],
        "7": [Flag(K.ACTIONS_BLANK, parts=("the recommendation as a whole", "7.ii"))],
        "14": [Flag(K.ACTIONS_BLANK)],
    }
    (asked,) = questions(report(flags=flags))
    assert asked.text == (
        "What actions are planned for 4.iii, 4.iv, 7, 7.ii and 14, and who owns them? "
        "The tracker's actions are blank for these entries."
    )
    assert asked.reason == "blank-actions" and {c.subject for c in asked.covers} == {"4", "7", "14"}


def test_more_kinds_than_fit_are_counted_in_the_last_question():
    flags = {
        "1": [Flag(K.COMPLETE_WITHOUT_EVIDENCE)],
        "2": [Flag(K.EVIDENCE_BLANK)],
        "3": [Flag(K.ACTIONS_BLANK)],
        "4": [Flag(K.NO_ENTRY)],
        "5": [Flag(K.PART_NOT_STARTED, parts=("5.i",))],
        "6": [Flag(K.STALE, "not updated for 3 quarters")],
    }
    asked = questions(report(flags=flags, changes=_changes(("7", "complete", "in_progress"))))
    assert len(asked) == board_questions.MAX_QUESTIONS and asked[-1].reason == "more-flags"
    covered = {c.subject for q in asked for c in q.covers}
    assert covered == {"1", "2", "3", "4", "5", "6", "7"}  # none dropped
    assert asked[-1].text.startswith("Which of the 3 further matters the page flags will be dealt with first")
