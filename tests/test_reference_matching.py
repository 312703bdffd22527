"""Free-text recommendation references -> catalogue ids, with scores and a confirmation threshold."""

import re
from pathlib import Path

import pytest

from analysis.intake.reference_matching import DEFAULT_THRESHOLD, match_reference, parse_id

SEED_001 = Path("/work/shared/seeds/001_51b68e02f8166ab9.txt")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("4.ii", "4.ii"),
        ("Rec 4 (ii)", "4.ii"),
        ("Recommendation 16 vii", "16.vii"),
        ("rec. 7", "7"),
        ("1.", "1"),
        ("1)", "1"),
        ("#14", "14"),
        ("4b", "4.ii"),
        ("4(c)", "4.iii"),
        ("11 iii", "11.iii"),
        ("  16.I ", "16.i"),
        ("No. 5", "5"),
    ],
)
def test_ids_and_labels_score_one(casey, text, expected):
    found = match_reference(text, casey)
    assert (found.id, found.score, found.confident) == (expected, 1.0, True)


@pytest.mark.parametrize("text", ["17", "4.v", "Rec 0", "5 (vi)"])
def test_ids_that_do_not_exist_are_not_accepted(casey, text):
    found = match_reference(text, casey)
    assert found.id is None and not found.confident and "there is no recommendation" in found.reason


def test_parse_id_only_reads_labels():
    assert parse_id("Vetting standards should change") is None
    assert parse_id("3. Vetting standards") is None
    assert parse_id("4 ii") == "4.ii"


def test_numbered_paragraph(casey):
    found = match_reference("3. Vetting standards should be changed with immediate effect", casey)
    assert (found.id, found.method, found.confident) == ("3", "numbered", True)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Met should radically reform and respecialise Public Protection and its approach to domestic abuse", "6"),
        (
            "Revoke unequivocally and permanently firearms qualification or 'blue cards' where an officer's values and standards fall short",
            "4.iii",
        ),
        ("Install new external management to oversee the Specialist Training Centre", "4.iv"),
        ("children's strategy", "7"),
    ],
)
def test_clear_wording_is_accepted(casey, text, expected):
    found = match_reference(text, casey)
    assert found.id == expected and found.confident and DEFAULT_THRESHOLD <= found.score <= 1


@pytest.mark.parametrize(
    "text",
    [
        "Improve the canteen menu",
        "Fleet vehicle replacement programme",
        "Bottom-up budget review",
        "Reducing mental health demand on the frontline",
        "Vetting standards should be changed",
    ],
)
def test_unrelated_or_vague_text_is_for_a_person(casey, text):
    found = match_reference(text, casey)
    assert not found.confident and found.method in ("text", "none") and found.reason


def test_blank_and_confirmed(casey):
    assert not match_reference("  ", casey).confident
    confirmed = {"Vetting standards should be changed": "3"}
    found = match_reference(
        "Vetting standards should be changed with immediate effect to guard against abuse", casey, confirmed=confirmed
    )
    assert (found.id, found.method, found.confident) == ("3", "confirmed", True)
    assert not match_reference(
        "Vetting standards should be changed", casey, confirmed={"Vetting standards should be changed": "99"}
    ).confident


@pytest.mark.skipif(not SEED_001.exists(), reason="seeds not available")
def test_seed_001_wording_ranks_the_right_recommendation_first(casey):
    """The City of London response quotes each recommendation: the best text match is always right
    (the catalogue paraphrases, so many need confirming, but none is confidently wrong)."""
    recs = re.findall(r"^(\d+)\.\t([^\t]+)\t", SEED_001.read_text(encoding="utf-8"), re.M)
    checked = 0
    for number, wording in recs:
        if len(wording) < 40:
            continue
        found = match_reference(wording, casey)
        family = found.id.split(".")[0] if found.id else None
        assert family == number, (number, found)
        checked += 1
    assert checked >= 12


def test_match_command(capsys):
    from conftest import ROOT
    from test_bad_input import run_casey

    code, out, _ = run_casey(["--data-dir", ROOT / "data", "match", "Rec 4 (ii)", "Improve the canteen menu"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("accepted\t4.ii") and lines[1].startswith("CONFIRM\t")
