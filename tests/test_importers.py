"""analysis.sources.official_stats on small fixtures in the publisher layouts (tests/fixtures/measures/)."""

from pathlib import Path

import pytest

from analysis.sources import official_stats

FIX = Path(__file__).parent / "fixtures" / "measures"
FORMATS = ["csv", "xlsx", "ods"]


def _row(frame, force_id, period):
    hit = frame[(frame["force_id"] == force_id) & (frame["period"] == period)]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.mark.parametrize("ext", FORMATS)
def test_outcomes_charges_and_assigned(ext):
    out = official_stats.read_outcomes(FIX / f"outcomes.{ext}")
    leics = _row(out, "leicestershire", "2024-25-Q1")
    # closed: charges = type 1 rows 3 + 25 = 28; assigned = 3 + 12 + 25 + 7 + 38 = 85
    #   (type 0 "not yet assigned" 40 excluded; sub-type 3a excluded)
    assert (leics["charges_closed"], leics["assigned_closed"]) == (28, 85)
    # recorded: charges = 2 + 20 = 22; assigned = 2 + 10 + 20 + 5 + 30 = 67
    assert (leics["charges_recorded"], leics["assigned_recorded"]) == (22, 67)
    q2 = _row(out, "leicestershire", "2024-25-Q2")
    assert (q2["charges_closed"], q2["assigned_closed"]) == (6, 20)  # 6 + 14


@pytest.mark.parametrize("ext", FORMATS)
def test_outcomes_force_names_map_to_slugs_and_btp_is_dropped(ext):
    out = official_stats.read_outcomes(FIX / f"outcomes.{ext}")
    assert set(out["force_id"]) == {"leicestershire", "metropolitan-police", "city-of-london", "avon-and-somerset"}
    assert (_row(out, "city-of-london", "2024-25-Q1")["assigned_closed"]) == 10  # 'London, City of': 2 + 8
    assert any("British Transport Police" in n for n in out.attrs["notes"])


def test_outcomes_offence_group_filter():
    out = official_stats.read_outcomes(FIX / "outcomes.csv", offence_groups=["sexual OFFENCES"])
    leics = _row(out, "leicestershire", "2024-25-Q1")
    # sexual offences only: charges 3, assigned 3 + 12 = 15
    assert (leics["charges_closed"], leics["assigned_closed"]) == (3, 15)
    assert set(out["force_id"]) == {"leicestershire", "avon-and-somerset"}
    rape = official_stats.read_outcomes(FIX / "outcomes.csv", offence_subgroups=["Rape"])
    assert _row(rape, "avon-and-somerset", "2024-25-Q1")["assigned_closed"] == 60  # 6 + 54


def test_outcomes_missing_columns_error_names_file_and_columns():
    with pytest.raises(official_stats.LayoutError) as err:
        official_stats.read_outcomes(FIX / "outcomes_bad_columns.csv")
    assert err.value.missing == ["Force Name", "Outcome Type"]
    message = str(err.value)
    assert "outcomes_bad_columns.csv" in message and "'Force Name'" in message and "'Outcome Type'" in message


def test_wrong_layout_entirely_names_every_missing_column():
    with pytest.raises(official_stats.LayoutError) as err:
        official_stats.read_outcomes(FIX / "workforce.csv")
    assert "Outcome Type" in err.value.missing and "Force Name" not in err.value.missing


def test_unknown_force_name_raises(tmp_path):
    text = (FIX / "outcomes.csv").read_text().replace("Leicestershire", "Atlantis Constabulary")
    (tmp_path / "o.csv").write_text(text)
    with pytest.raises(official_stats.UnknownForceNameError, match="Atlantis"):
        official_stats.read_outcomes(tmp_path / "o.csv")


@pytest.mark.parametrize("ext", FORMATS)
def test_workforce_reads_both_layouts(ext):
    # CSV is the 2021 layout (Gender, Rank description, Ethnicity + Ethnic group); XLSX/ODS the newer one (Sex, Rank)
    wf = official_stats.read_workforce(FIX / f"workforce.{ext}")
    assert set(wf["force_id"]) == {"leicestershire", "metropolitan-police"}  # BTP dropped
    assert set(wf["year"]) == {2024}
    em = official_stats.workforce_ethnic_minority(wf).set_index("force_id")
    # Leicestershire officers: minority = 200 + 30 + 40 + 10 = 280; stated = 280 + 1800 = 2080; all = 2100
    assert tuple(em.loc["leicestershire", ["ethnic_minority", "stated", "headcount"]]) == (280, 2080, 2100)
    assert tuple(em.loc["metropolitan-police", ["ethnic_minority", "stated"]]) == (1500, 28500)


def test_workforce_all_worker_types():
    wf = official_stats.read_workforce(FIX / "workforce.csv")
    em = official_stats.workforce_ethnic_minority(wf, worker_type=None).set_index("force_id")
    assert em.loc["leicestershire", "ethnic_minority"] == 380  # 280 officers + 100 staff


def test_workforce_without_ethnicity_column_errors():
    with pytest.raises(official_stats.LayoutError) as err:
        official_stats.read_workforce(FIX / "workforce_no_ethnicity.csv")
    assert "Ethnic group" in err.value.missing[0] and "workforce_no_ethnicity.csv" in str(err.value)


def test_ethnic_minority_definition():
    assert official_stats.is_ethnic_minority("White - Irish") is False
    assert official_stats.is_ethnic_minority("Asian or Asian British") is True
    assert official_stats.is_ethnic_minority("Not stated") is None
