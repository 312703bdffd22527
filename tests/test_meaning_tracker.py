"""The tracker's meaning rules (analysis.compute.meaning.tracker): what counts as a change, as gained
evidence, and as a concern a board question must ask about."""

from types import SimpleNamespace

import pytest

from analysis.compute.meaning import tracker as meaning
from analysis.compute.meaning.tracker import ConcernKind, EvidenceChange, StatusChange
from analysis.compute.progress import Flag, FlagKind


@pytest.mark.parametrize(
    "before, now, kind",
    [
        ("in_progress", "in_progress", StatusChange.UNCHANGED),
        ("not_assessed", "not_assessed", StatusChange.UNCHANGED),
        (None, "not_assessed", StatusChange.UNCHANGED),  # no row then, nothing to judge now: nothing happened
        ("not_started", "complete", StatusChange.MOVED),
        ("complete", "in_progress", StatusChange.MOVED),
        ("not_assessed", "in_progress", StatusChange.FIRST_ASSESSED),
        (float("nan"), "complete", StatusChange.FIRST_ASSESSED),  # no row in the earlier snapshot
        ("not_assessed", "not_applicable", StatusChange.RECLASSIFIED_NOT_APPLICABLE),  # Leicestershire 5 and 15
        ("in_progress", "not_applicable", StatusChange.RECLASSIFIED_NOT_APPLICABLE),
        ("in_progress", "not_assessed", StatusChange.NO_LONGER_ASSESSED),
        ("not_applicable", "in_progress", StatusChange.FIRST_ASSESSED),
        ("not_applicable", "not_applicable", StatusChange.UNCHANGED),
    ],
)
def test_status_change(before, now, kind):
    assert meaning.status_change(before, now) is kind


def test_a_different_status_is_never_unchanged():
    statuses = [None, "not_assessed", "not_applicable", "not_started", "in_progress", "complete"]
    for before in statuses:
        for now in statuses:
            unassessed = {None, "not_assessed"}
            same = before == now or (before in unassessed and now in unassessed)
            assert (meaning.status_change(before, now) is StatusChange.UNCHANGED) == same, (before, now)


def test_evidence_is_gained_on_any_evidence_where_there_was_none():
    assert meaning.evidence_change(False, True) is EvidenceChange.GAINED  # even if some parts stay blank
    assert meaning.evidence_change(True, True) is EvidenceChange.NONE
    assert meaning.evidence_change(True, False) is EvidenceChange.REMOVED
    assert meaning.evidence_change(False, False) is EvidenceChange.NONE


def test_every_flag_kind_is_a_concern_and_withheld_ones_are_not_counted():
    assert set(meaning.FROM_FLAG) == set(FlagKind)
    flags = {
        "4": [Flag(FlagKind.ACTIONS_BLANK, parts=("4.iv",))],
        "16": [Flag(FlagKind.EVIDENCE_BLANK, parts=("16.ii",)), Flag(FlagKind.PART_NOT_STARTED, parts=("16.iv",))],
        "9": [Flag(FlagKind.NO_ENTRY)],
    }
    found = meaning.flag_concerns(flags, lambda rec_id: rec_id == "9")
    assert [(c.kind, c.subject, c.parts) for c in found] == [
        (ConcernKind.BLANK_ACTIONS, "4", ("4.iv",)),
        (ConcernKind.BLANK_EVIDENCE, "16", ("16.ii",)),
        (ConcernKind.PARTS_BEHIND, "16", ("16.iv",)),
    ]
    assert list(meaning.by_kind(found)) == [
        ConcernKind.BLANK_EVIDENCE,
        ConcernKind.BLANK_ACTIONS,
        ConcernKind.PARTS_BEHIND,
    ]


@pytest.mark.parametrize(
    "classification, concern",
    [("within", False), (None, False), ("", False), ("below 99.8%", True), ("above 95%", True), ("no ratio", False)],
)
def test_a_rate_outside_the_funnel_on_either_side_is_a_concern(classification, concern):
    found = meaning.funnel_concern("charge-rate", classification)
    assert (found is not None) == concern
    if found:
        assert found.kind is ConcernKind.FUNNEL_OUTSIDE and found.detail == classification


def test_measure_concerns_read_the_computed_funnel_and_spc_results():
    sections = [
        SimpleNamespace(key_measure="charge-rate", funnel=SimpleNamespace(classification="below 99.8%"), spc=None),
        SimpleNamespace(key_measure="x", funnel=None, spc=SimpleNamespace(variation="special_cause_concerning")),
        SimpleNamespace(key_measure="y", funnel=None, spc=SimpleNamespace(variation="special_cause_improving")),
        SimpleNamespace(key_measure="z"),  # no computed results at all
    ]
    assert [(c.kind, c.subject) for c in meaning.measure_concerns(sections)] == [
        (ConcernKind.FUNNEL_OUTSIDE, "charge-rate"),
        (ConcernKind.SPECIAL_CAUSE, "x"),
    ]
