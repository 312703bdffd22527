"""The Excel template: layout, dropdowns, protection, identity, pre-fill, and a clean round trip."""

import openpyxl
import pytest

from analysis.intake.template import (
    CONTEXT_COLUMNS,
    LISTS_SHEET,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    read_template_identity,
    write_template,
)
from analysis.sources.trackers import MARKINGS, STATUSES, read_raw


@pytest.fixture
def template(fixture_data, tmp_path):
    return write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path / "out")


def test_template_is_named_and_prefilled_from_the_latest_earlier_snapshot(template, tmp_path):
    assert template.path == tmp_path / "out" / "leicestershire-2024-25-Q2-tracker.xlsx"
    assert template.previous.quarter == "2024-25-Q1"
    assert template.prefilled == 4  # the fixture snapshot has rows for 1, 2, 3 and 6
    frame = read_raw(template.path)
    assert list(frame.columns) == TEMPLATE_COLUMNS
    first = frame.set_index("recommendation_id").loc["1"]
    assert first["status"] == "complete" and first["previous_status"] == "complete"
    assert first["evidence"].startswith("Misconduct review finished") and first["status_basis"] == "stated"
    assert "misconduct" in first["casey_summary"].lower()
    untouched = frame.set_index("recommendation_id").loc["7"]
    assert untouched["status"] == "" and untouched["marking"] == "OFFICIAL"


def test_one_row_per_applicable_item(template, casey):
    ids = list(read_raw(template.path)["recommendation_id"])
    applicable = [i.id for i in casey.items if i.applies_beyond_met]
    assert ids == applicable  # the fixture's earlier rows (1, 2, 3, 6) are applicable anyway
    assert "4.ii" in ids and "4.i" not in ids and "5.iii" not in ids


def test_sheets_dropdowns_protection_and_layout(template):
    wb = openpyxl.load_workbook(template.path)
    assert wb.sheetnames[:2] == ["Tracker", "Instructions"] and wb[LISTS_SHEET].sheet_state == "hidden"
    ws = wb["Tracker"]
    assert ws.freeze_panes == "B2"
    assert ws.protection.sheet
    header = [c.value for c in ws[1]]
    col = {name: openpyxl.utils.get_column_letter(header.index(name) + 1) for name in header}
    validations = {str(dv.sqref).split(":")[0][0]: dv for dv in ws.data_validations.dataValidation}
    for name in ("status", "marking", "status_basis"):
        dv = validations[col[name]]
        assert dv.type == "list" and dv.showErrorMessage
    lists = wb[LISTS_SHEET]
    assert [lists.cell(row=r, column=1).value for r in range(2, 2 + len(STATUSES))] == STATUSES
    assert [lists.cell(row=r, column=2).value for r in range(2, 2 + len(MARKINGS))] == MARKINGS
    context = ws[f"{col['casey_summary']}2"]
    editable = ws[f"{col['evidence']}2"]
    assert context.protection.locked and not editable.protection.locked
    assert context.fill.fgColor.rgb.endswith("EDEDED")
    required = {ws.cell(row=1, column=header.index(n) + 1).fill.fgColor.rgb[-6:] for n in REQUIRED_COLUMNS}
    optional = ws.cell(row=1, column=header.index("owner") + 1).fill.fgColor.rgb[-6:]
    assert len(required) == 1 and optional not in required
    assert ws.column_dimensions[col["evidence"]].width >= 40
    assert any("Sending it back" == c.value for c in wb["Instructions"]["A"])
    assert set(CONTEXT_COLUMNS) <= set(header)


def test_identity_is_recorded(template):
    assert read_template_identity(template.path) == {
        "framework": "casey-2023",
        "force": "leicestershire",
        "quarter": "2024-25-Q2",
        "template_version": "1",
    }


def test_no_earlier_snapshot_gives_an_empty_template(fixture_data, tmp_path):
    result = write_template("city-of-london", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path)
    assert result.previous is None and result.prefilled == 0
    assert (read_raw(result.path)["status"] == "").all()


def test_template_command(fixture_data, tmp_path, capsys):
    from test_bad_input import run_casey

    code, out, err = run_casey(
        ["--data-dir", fixture_data, "template", "--force", "E23000021", "--quarter", "2024/25 Q2", "--out", tmp_path],
        capsys,
    )
    assert code == 0 and "leicestershire-2024-25-Q2-tracker.xlsx" in out and "pre-filled from 2024-25-Q1" in out
    code, out, err = run_casey(
        ["--data-dir", fixture_data, "template", "--force", "atlantis", "--quarter", "2024-25-Q2", "--out", tmp_path],
        capsys,
    )
    assert code == 2 and "unknown force 'atlantis'" in err and "Traceback" not in out + err
    code, out, err = run_casey(
        [
            "--data-dir",
            fixture_data,
            "template",
            "--force",
            "leicestershire",
            "--quarter",
            "2024-25-Q5",
            "--out",
            tmp_path,
        ],
        capsys,
    )
    assert code == 2 and "not a financial quarter" in err


def test_validate_accepts_an_untouched_returned_template(tmp_path, capsys):
    """`casey validate` on a template skips its grey context columns (only data columns are checked)."""
    from conftest import make_data_tree

    from analysis.cli.main import main
    from analysis.intake.template import write_template

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    result = write_template("leicestershire", "2024-25-Q2", "casey-2023", data, tmp_path / "out")
    code = main(["--data-dir", str(data), "validate", str(result.path)])
    out = capsys.readouterr().out
    assert "unexpected column" not in out
    assert code in (0, 1)
