"""Issue 20.2 and 20.3: .ods wherever .xlsx is accepted (same limits, messages and formula rules), and cell types read
from the file: an Excel or LibreOffice *text* cell starting with "=" is text (stored with a leading ' and noted), a
real formula without a saved value is refused. The files are in the bad-input corpus (LibreOffice-written where
named so; see tests/fixtures/bad_inputs/make_bad_inputs.py)."""

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_cli import run

from analysis.intake.import_return import import_tracker
from analysis.sources import measure_files
from analysis.sources.trackers import read_raw

CORPUS = Path(__file__).resolve().parent / "fixtures" / "bad_inputs"
TODAY = dt.date(2024, 10, 15)


def _corpus_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bad_inputs", CORPUS / "make_bad_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_libreoffice_ods_reads_as_the_same_table_as_the_csv_it_was_made_from(tmp_path):
    source = tmp_path / "source.csv"
    source.write_text(_corpus_script().csv_text())
    pd.testing.assert_frame_equal(read_raw(CORPUS / "libreoffice_ok.ods"), read_raw(source))


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("xlsx_inline_text_starting_with_equals.xlsx", {"evidence": "'=1+1", "actions": "'=cmd|' /C calc'!A0"}),
        ("xlsx_shared_text_starting_with_equals.xlsx", {"evidence": "'=1+1"}),
        ("libreoffice_text_starting_with_equals.ods", {"evidence": '\'=HYPERLINK("http://evil.example","x")'}),
    ],
)
def test_a_text_cell_starting_with_equals_is_imported_as_text_with_a_leading_quote(
    fixture_data, tmp_path, name, stored
):
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    result = import_tracker(path, "leicestershire", "2024-25-Q2", data_dir=fixture_data, today=TODAY)
    assert result.ok, result.problems
    assert {p.field for p in result.formulas} == set(stored)  # each noted, naming file, row and field
    snapshot = pd.read_csv(result.target, dtype=str, keep_default_na=False)
    for field, text in stored.items():
        assert text in set(snapshot[field])


def test_a_formula_with_a_saved_value_is_read_as_its_value():
    frame = read_raw(CORPUS / "xlsx_formula_saved_value.xlsx")
    assert frame.at[0, "status"] == "in_progress"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "formulas.xlsx",
            'row 2: status: holds the formula \'=IF(TRUE,"complete","in_progress")\' with no saved value',
        ),
        ("libreoffice_formula_no_value.ods", 'row 2: status: holds the formula \'of:=IF(TRUE();"in_progress"'),
    ],
)
def test_a_formula_without_a_saved_value_is_refused_in_both_formats(name, message, capsys, fixture_data):
    code, out, _ = run(capsys, "--data-dir", str(fixture_data), "validate", str(CORPUS / name))
    assert code == 1 and f"{CORPUS / name}: {message}" in out


def test_an_ods_snapshot_in_data_raw_is_built(capsys, fixture_data):
    """casey build reads an .ods placed in data/raw as it reads the .csv it came from."""
    folder = fixture_data / "raw/trackers/casey-2023/leicestershire"
    (folder / "2024-25-Q1.csv").unlink()
    shutil.copy(CORPUS / "libreoffice_ok.ods", folder / "2024-25-Q1.ods")
    code, out, err = run(capsys, "--data-dir", str(fixture_data), "build")
    assert code == 0, out + err
    built = pd.read_csv(fixture_data / "processed/trackers/casey-2023.csv", dtype=str, keep_default_na=False)
    quarter = built[built["quarter"] == "2024-25-Q1"]
    assert list(quarter["recommendation_id"]) == ["1", "4.ii", "16.i"]
    assert list(quarter["marking"]) == ["OFFICIAL", "OFFICIAL", "OFFICIAL-SENSITIVE"]


def test_an_ods_return_imports_and_replaces_an_ods_snapshot(capsys, fixture_data, tmp_path):
    folder = fixture_data / "raw/trackers/casey-2023/leicestershire"
    shutil.copy(CORPUS / "libreoffice_ok.ods", folder / "2024-25-Q2.ods")
    argv = ["--data-dir", str(fixture_data), "import", str(CORPUS / "libreoffice_ok.ods")]
    code, out, err = run(capsys, *argv, "--force", "leicestershire", "--quarter", "2024-25-Q2")
    assert code == 2 and "2024-25-Q2.ods already exists; give --replace" in err
    code, out, err = run(capsys, *argv, "--force", "leicestershire", "--quarter", "2024-25-Q2", "--replace")
    assert code == 0, out + err
    assert not (folder / "2024-25-Q2.ods").exists() and (folder / "2024-25-Q2.csv").exists()
    assert list((folder / ".replaced").glob("2024-25-Q2.*.ods"))


def test_a_measures_file_is_read_by_the_same_bounded_reader(measures_tree):
    """Force-supplied measures files go through the tracker reader: sniffed, size-limited, blank lines skipped with
    the file's row numbers kept."""

    path = measures_tree / "raw/measures/local/leicestershire.csv"
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join([lines[0], "", lines[1].replace(lines[1].split(",")[3], "no_such_measure", 1), *lines[2:]])
    )
    problems = [str(p) for p in measure_files.check_local(path, measures_tree)[1]]
    assert problems == [f"{path}: row 3: measure_id: 'no_such_measure' is not in the measure registry"]
    path.write_bytes((CORPUS / "xlsx_named_csv.csv").read_bytes())
    problems = [str(p) for p in measure_files.check_local(path, measures_tree)[1]]
    assert problems == [
        f"{path}: file: format: this is a zip file (an Excel workbook?) with a .csv name; save it as CSV, or name it .xlsx"
    ]


@pytest.mark.parametrize(
    ("column", "text", "message"),
    [
        ("value", "nan", "'nan' is not a number"),
        ("value", "inf", "'inf' is not a number"),
        ("value", "-Infinity", "'-Infinity' is not a number"),
        ("numerator", "1e308", "'1e308' is not a count from 0 to 1,000,000,000,000"),
        ("numerator", "-5", "'-5' is not a count from 0"),
        ("denominator", "-1", "'-1' is not a count from 0"),
        ("denominator", "0", "'0': a denominator of 0 gives no rate"),
    ],
)
def test_impossible_figures_in_a_measures_file_refuse_it(measures_tree, column, text, message):

    path = measures_tree / "raw/measures/local/leicestershire.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, column] = text
    frame.to_csv(path, index=False)
    problems = [str(p) for p in measure_files.check_local(path, measures_tree)[1]]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: row 2: {column}: {message}"), problems
