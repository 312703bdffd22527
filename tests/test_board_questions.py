"""Questions for the board and the first screen's pieces, from hand-made report stand-ins."""

from types import SimpleNamespace

import pandas as pd

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
    assert "Why was no tracker submitted for 2024/25 Q1" in asked[0].text
    assert "latest earlier tracker is for 2023/24 Q1" in asked[0].text


def test_flags_become_questions_and_withheld_recommendations_never_do():
    flags = {
        "1": ["evidence is blank", "marked complete without evidence"],
        "2": ["evidence is blank"],
        "3": ["not updated for 4 quarters"],
        "5": ["no entry in the tracker"],
        "6": ["evidence is blank"],
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
    flags = {str(i): ["evidence is blank"] for i in range(1, 4)} | {"4": ["marked complete without evidence"]}
    flags |= {"5": ["not updated for 2 quarters"], "6": ["no entry in the tracker"]}
    ch = _changes(("7", "complete", "not_started"))
    asked = questions(report(flags=flags, changes=ch, has_tracker=True))
    assert len(asked) == board_questions.MAX_QUESTIONS == 5
    assert asked[0].reason == "backwards"
