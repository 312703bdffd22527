import pandas as pd
import pytest

from analysis.compute.progress import (
    apply_audience,
    compare,
    flags,
    quarters_since_change,
    recommendation_status,
    report_marking,
    rollup_status,
    summarise,
)
from analysis.core.audience import Audience
from analysis.core.errors import UsageError
from analysis.core.periods import Quarter
from analysis.sources.trackers import COLUMNS


def rows(*entries, quarter="2024-25-Q1"):
    """entries: (id, status, evidence[, marking])"""
    out = []
    for entry in entries:
        rid, status, evidence, *rest = entry
        marking = rest[0] if rest else "OFFICIAL"
        out.append(
            dict(zip(COLUMNS, [rid, status, "Owner", evidence, "act", "", marking, "stated", "src"]), quarter=quarter)
        )
    return pd.DataFrame(out, columns=[*COLUMNS, "quarter"])


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([], None),
        (["complete", "complete"], "complete"),
        (["complete", "not_applicable"], "complete"),
        (["not_applicable"], "not_applicable"),
        (["complete", "not_started"], "in_progress"),
        (["not_started", "not_assessed"], "not_started"),
        (["not_assessed", "not_assessed"], "not_assessed"),
        (["in_progress", "not_assessed"], "in_progress"),
    ],
)
def test_rollup(statuses, expected):
    assert rollup_status(statuses) == expected


def test_recommendation_status_uses_parts_and_catalogue_applicability(casey):
    table = recommendation_status(
        casey, rows(("1", "complete", "done"), ("4.ii", "complete", "x"), ("4.iii", "not_started", ""))
    )
    status = table.set_index("recommendation_id")["status"]
    assert status["1"] == "complete"
    assert status["4"] == "in_progress"
    assert status["5"] == "not_applicable"  # for Government, no row
    assert status["15"] == "not_applicable"  # Mayor's reviews, no row
    assert status["2"] == "not_assessed"  # applicable, no row
    s = summarise(table)
    assert s.applicable == 14 and s.not_applicable == 2
    assert s.counts == {"complete": 1, "in_progress": 1, "not_started": 0, "not_assessed": 12}
    # 4 has a part with blank evidence: not counted as evidenced, and the blank part is named
    assert s.evidenced == 1 and s.partly_evidenced == 1 and s.blank_evidence_parts == ("4.iii",)


def test_compare_finds_moves_and_new_evidence(casey):
    before = recommendation_status(casey, rows(("1", "not_started", ""), ("2", "in_progress", "e")))
    after = recommendation_status(casey, rows(("1", "complete", "done"), ("2", "in_progress", "")))
    change = compare(after, before).set_index("recommendation_id")
    assert change.loc["1", "moved"] and change.loc["1", "previous_status"] == "not_started"
    assert change.loc["1", "newly_evidenced"]
    assert not change.loc["2", "moved"] and change.loc["2", "evidence_removed"]


def test_stale_items_are_flagged_after_two_quarters(casey):
    history = pd.concat(
        [
            rows(("1", "in_progress", "same"), ("2", "in_progress", "old"), quarter="2023-24-Q1"),
            rows(("1", "in_progress", "same"), ("2", "complete", "new"), quarter="2024-25-Q1"),
        ]
    )
    since = quarters_since_change(history, casey, Quarter.of("2024-25-Q1"))
    assert since["1"] == 4 and since["2"] == 0
    table = recommendation_status(casey, history[history.quarter == "2024-25-Q1"])
    found = flags(table, since)
    assert "not updated for 4 quarters" in found["1"]
    assert not any(f.startswith("not updated") for f in found["2"])
    assert found["3"] == ["no entry in the tracker"]


def test_public_audience_withholds_sensitive_rows():
    frame = rows(("1", "complete", "ok"), ("2", "in_progress", "secret", "OFFICIAL-SENSITIVE"))
    kept, withheld = apply_audience(frame, Audience.PUBLIC)
    assert withheld == 1 and kept["recommendation_id"].tolist() == ["1"]
    assert report_marking(frame) == "OFFICIAL-SENSITIVE" and report_marking(kept) == "OFFICIAL"
    with pytest.raises(UsageError, match="'press'"):
        apply_audience(frame, Audience.of("press"))


def test_a_recommendation_with_any_sensitive_row_is_withheld_whole_and_in_no_count(casey):
    from analysis.compute.progress import mark_withheld, withheld_recommendations, without_recommendations

    frame = rows(
        ("1", "complete", "done"),
        ("4", "in_progress", "x"),
        ("4.ii", "complete", "secret", "OFFICIAL-SENSITIVE"),
        ("5", "not_started", "", "OFFICIAL-SENSITIVE"),
    )
    assert withheld_recommendations(casey, frame, Audience.INTERNAL) == []
    withheld = withheld_recommendations(casey, frame, Audience.PUBLIC)
    assert withheld == ["4", "5"]
    kept = without_recommendations(casey, apply_audience(frame, Audience.PUBLIC)[0], withheld)
    assert kept["recommendation_id"].tolist() == ["1"]  # the OFFICIAL part of 4 goes too: it would hint at 4.ii
    table = mark_withheld(recommendation_status(casey, kept), withheld)
    assert table.set_index("recommendation_id").loc[["4", "5"], "status"].tolist() == ["withheld", "withheld"]
    s = summarise(table)
    assert s.withheld == 2 and s.applicable + s.not_applicable + s.withheld == len(casey.recommendations)
    assert flags(table, pd.Series(dtype=float))["4"] == []  # never flagged against the force


def test_flags_name_the_parts_with_blank_evidence_and_parts_not_started(casey):
    table = recommendation_status(
        casey,
        rows(
            ("16.i", "in_progress", "survey"),
            ("16.ii", "in_progress", ""),
            ("16.iv", "not_started", ""),
            ("7", "in_progress", "strategy"),
            ("7.ii", "in_progress", ""),
            ("1", "complete", ""),
        ),
    )
    found = flags(table, pd.Series(dtype=float))
    assert "evidence is blank for parts 16.ii and 16.iv" in found["16"]
    assert "not started for part 16.iv" in found["16"]
    assert "evidence is blank for part 7.ii" in found["7"]
    assert found["1"] == ["evidence is blank", "marked complete without evidence"]
    assert not table.set_index("recommendation_id").loc["16", "has_evidence"]


def test_a_status_first_given_after_a_blank_tracker_is_first_assessed_not_moved(casey):
    before = recommendation_status(casey, rows(("1", "not_assessed", ""), ("2", "not_started", "")))
    after = recommendation_status(casey, rows(("1", "in_progress", "done"), ("2", "in_progress", "e")))
    change = compare(after, before).set_index("recommendation_id")
    assert change.loc["1", "first_assessed"] and not change.loc["1", "moved"]
    assert change.loc["2", "moved"] and not change.loc["2", "first_assessed"]
    assert not change.loc["5", "first_assessed"]  # not applicable: nothing claimed
