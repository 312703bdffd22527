"""Issue 14.1: text a force returns never becomes a live formula in a spreadsheet or CSV people open.

OWASP CSV injection: after normalisation (surrounding whitespace, no-break and zero-width spaces,
newlines removed) a value starting with = + - @ tab or CR is neutralised with a leading ' by every
writer (snapshot CSV, processed CSV, template workbook) and reported on import.
"""

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from test_bad_input import run_casey

from analysis.core.cells import is_formula_like, neutralise_formula, normalise_text
from analysis.intake.import_return import import_tracker
from analysis.intake.template import write_template
from analysis.sources.trackers import COLUMNS

TODAY = dt.date(2024, 10, 15)
ATTACKS = {
    "owner": '\xa0=HYPERLINK("http://evil.example","click")',  # no-break space before the formula
    "evidence": "\n=cmd|' /C calc'!A0",  # newline first
    "actions": "+SUM(1,2)",
    "linked_workstreams": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.mark.parametrize(
    "text, formula",
    [
        ("=1+1", True),
        ("+A1", True),
        ("-2+3", True),
        ("@x", True),
        ("\tx", True),
        ("\r=x", True),
        ("\uff1d1+1", True),
        ("-2", False),
        ("+3.5", False),
        ("1e5", False),
        ("Review done", False),
        ("'=1", False),
    ],
)
def test_formula_like(text, formula):
    assert is_formula_like(text) is formula
    assert neutralise_formula(text) == ("'" + text if formula else text)
    assert neutralise_formula(neutralise_formula(text)) == neutralise_formula(text)  # idempotent


def test_normalise_strips_no_break_zero_width_and_newlines():
    assert normalise_text("\u200b\xa0\n =1+1 \r\n") == "=1+1"
    assert normalise_text(None) == ""


def _csv_return(tmp_path, cells):
    row = {
        "recommendation_id": "1",
        "status": "in_progress",
        "owner": "PSD",
        "evidence": "ok",
        "actions": "",
        "linked_workstreams": "",
        "marking": "OFFICIAL",
        "status_basis": "stated",
        "source": "return",
    }
    row.update(cells)
    path = tmp_path / "return.csv"
    pd.DataFrame([row], columns=COLUMNS).to_csv(path, index=False)
    return path


def test_csv_return_with_formulas_is_stored_as_text_reported_and_never_a_formula_in_the_next_template(
    fixture_data, tmp_path, capsys
):
    path = _csv_return(tmp_path, ATTACKS)
    code, out, err = run_casey(
        ["--data-dir", fixture_data, "import", path, "--force", "leicestershire", "--quarter", "2024-25-Q2"], capsys
    )
    assert code == 0, out + err
    for field in ATTACKS:  # reported, naming file, row and field
        assert any(line.startswith(f"note: {path}: row 2: {field}: starts with") for line in out.splitlines()), out
    snapshot = fixture_data / "raw/trackers/casey-2023/leicestershire/2024-25-Q2.csv"
    stored = pd.read_csv(snapshot, dtype=str, keep_default_na=False).iloc[0]
    for field, attack in ATTACKS.items():
        assert stored[field] == "'" + normalise_text(attack)
    # the next quarter's workbook holds text only, never a formula
    template = write_template("leicestershire", "2024-25-Q3", data_dir=fixture_data, out_dir=tmp_path / "t").path
    ws = openpyxl.load_workbook(template)["Tracker"]
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    for attack in ATTACKS.values():
        assert "'" + normalise_text(attack) in values


def test_template_writes_formula_like_previous_text_as_text(fixture_data, tmp_path):
    """A snapshot placed by hand (not imported) with a bare formula still reaches the workbook as text."""
    path = fixture_data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "evidence"] = ' =WEBSERVICE("http://evil.example")'
    frame.to_csv(path, index=False)
    template = write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path / "t").path
    ws = openpyxl.load_workbook(template)["Tracker"]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert '\'=WEBSERVICE("http://evil.example")' in [c.value for row in ws.iter_rows() for c in row]


def test_processed_tracker_csv_is_neutralised(fixture_data):
    from analysis.run.build import build_trackers

    path = fixture_data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "owner"] = "@evil"
    frame.to_csv(path, index=False)
    assert not build_trackers(fixture_data).problems
    table = pd.read_csv(fixture_data / "processed/trackers/casey-2023.csv", dtype=str, keep_default_na=False)
    assert "'@evil" in set(table["owner"])
    assert not table["owner"].map(is_formula_like).any()


def test_xlsx_return_with_leading_space_formula_text_is_neutralised(fixture_data, tmp_path):
    template = write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path / "t").path
    wb = openpyxl.load_workbook(template)
    ws = wb["Tracker"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("evidence") + 1).value = " =1+1"  # a string with a leading space
    wb.save(tmp_path / "back.xlsx")
    result = import_tracker(tmp_path / "back.xlsx", "leicestershire", "2024-25-Q2", data_dir=fixture_data, today=TODAY)
    assert result.ok, result.problems
    assert [p.field for p in result.formulas] == ["evidence"] and result.formulas[0].row == 2
    stored = pd.read_csv(result.target, dtype=str, keep_default_na=False)
    assert "'=1+1" in set(stored["evidence"])


def test_template_defaults_to_a_folder_away_from_the_reports(fixture_data, monkeypatch, tmp_path):
    monkeypatch.setenv("CASEY_REPORTS_DIR", str(tmp_path / "reports"))
    path = write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data).path
    assert path.parent == fixture_data / "outgoing/templates"
    assert not path.is_relative_to(tmp_path / "reports")
