"""casey import: template round trip, change summary, never overwriting, mappings and reference matching."""

import datetime as dt
import shutil

import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from test_bad_input import run_casey

from analysis.intake.import_return import MappingError, import_tracker, load_mapping
from analysis.intake.template import write_template
from analysis.sources.trackers import TRACKER_COLUMNS, load_tracker

TODAY = dt.date(2024, 10, 15)  # after 2024-25 Q2 (July-September 2024)


def edit_template(path, changes, out):
    """Set cells in the Tracker sheet: changes maps (recommendation_id, column) -> value."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        rid = ws.cell(row=r, column=1).value
        for (target, column), value in changes.items():
            if rid == target:
                ws.cell(row=r, column=header.index(column) + 1).value = value
    wb.save(out)
    return out


@pytest.fixture
def returned(fixture_data, tmp_path):
    template = write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path / "out").path
    changes = {
        ("1", "status"): "in_progress",  # complete -> in_progress
        ("2", "evidence"): None,  # evidence now blank
        **{("6", c): None for c in ("status", "owner", "evidence", "actions", "linked_workstreams")},  # row removed
        ("8", "status"): "Not Started",  # a new row, normalised
        ("8", "actions"): "Plan a Peelian principles workshop",
    }
    return edit_template(template, changes, tmp_path / "returned.xlsx")


def target(data, quarter="2024-25-Q2", force="leicestershire"):
    return data / "raw/trackers/casey-2023" / force / f"{quarter}.csv"


def test_round_trip_writes_a_valid_snapshot_and_summarises_changes(fixture_data, returned, casey):
    result = import_tracker(returned, "leicestershire", "2024-25-Q2", data_dir=fixture_data, today=TODAY)
    assert result.ok, result.problems
    frame = load_tracker(target(fixture_data), casey)
    assert list(frame.columns) == TRACKER_COLUMNS
    assert list(frame["recommendation_id"]) == ["1", "2", "3", "8"]
    assert frame.set_index("recommendation_id").at["8", "status"] == "not_started"
    assert (frame["source"] == "Leicestershire return for 2024/25 Q2").all()  # the file name never reaches a report
    summary = result.summary
    assert summary.previous_quarter == "2024-25-Q1"
    assert ("1", "complete", "in_progress") in summary.status_moves
    assert summary.newly_blank_evidence == ["2"]
    assert summary.removed_rows == ["6"] and summary.added_rows == ["8"]
    assert ("1", "complete", "in_progress") in summary.recommendation_moves
    meta = yaml.safe_load(target(fixture_data).with_name("2024-25-Q2.meta.yaml").read_text())
    assert meta["as_of"] == dt.date(2024, 9, 30)  # imported after the quarter: its last day
    assert meta["document"] == "Leicestershire return for 2024/25 Q2" and meta["imported_from"] == "returned.xlsx"
    assert "not imported" in meta["notes"]


def test_as_of_is_today_inside_the_quarter(fixture_data, returned):
    import_tracker(returned, "leicestershire", "2024-25-Q2", data_dir=fixture_data, today=dt.date(2024, 9, 2))
    meta = yaml.safe_load(target(fixture_data).with_name("2024-25-Q2.meta.yaml").read_text())
    assert meta["as_of"] == dt.date(2024, 9, 2)


def test_never_overwrites_without_replace_and_keeps_the_replaced_file(fixture_data, returned, capsys):
    existing = target(fixture_data, "2024-25-Q1")
    before = existing.read_bytes()
    code, out, err = run_casey(
        ["--data-dir", fixture_data, "import", returned, "--force", "leicestershire", "--quarter", "2024-25-Q1"], capsys
    )
    # the template is for Q2, so it is refused for Q1 whatever is on disk
    assert code == 1 and "template for quarter 2024-25-Q2" in err
    csv = returned.with_suffix(".csv")
    load = pd.read_excel(returned, sheet_name="Tracker", dtype=str).fillna("")
    load.to_csv(csv, index=False)
    code, out, err = run_casey(
        ["--data-dir", fixture_data, "import", csv, "--force", "leicestershire", "--quarter", "2024-25-Q1"], capsys
    )
    assert code == 2 and "already exists; give --replace" in err and "Traceback" not in out + err
    assert existing.read_bytes() == before
    code, out, err = run_casey(
        [
            "--data-dir",
            fixture_data,
            "import",
            csv,
            "--force",
            "leicestershire",
            "--quarter",
            "2024-25-Q1",
            "--replace",
        ],
        capsys,
    )
    assert code == 0, err
    kept = list((existing.parent / ".replaced").glob("2024-25-Q1.*.csv"))
    assert len(kept) == 1 and kept[0].read_bytes() == before
    assert existing.read_bytes() != before
    assert "kept the replaced file" in out and "changes since 2023-24-Q1" in out


def test_dry_run_writes_nothing(fixture_data, returned, capsys):
    code, out, _err = run_casey(
        [
            "--data-dir",
            fixture_data,
            "import",
            returned,
            "--force",
            "leicestershire",
            "--quarter",
            "2024-25-Q2",
            "--dry-run",
        ],
        capsys,
    )
    assert code == 0 and "status moves (1): 1 complete -> in_progress" in out and "rows removed (1): 6" in out
    assert not target(fixture_data).exists()


def test_rows_are_numbered_as_the_file_numbers_them(fixture_data, tmp_path):
    template = write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path).path
    edit_template(template, {("9", "status"): "finished", ("9", "evidence"): "x"}, template)
    row = next(
        r for r, rid in enumerate(pd.read_excel(template, dtype=str)["recommendation_id"], start=2) if rid == "9"
    )
    result = import_tracker(template, "leicestershire", "2024-25-Q2", data_dir=fixture_data, today=TODAY)
    assert [str(p) for p in result.problems] == [
        f"{template}: row {row}: status: 'finished' must be one of not_started, in_progress, complete, not_applicable, not_assessed"
    ]
    assert not target(fixture_data).exists()


def test_canonical_csv_with_friendly_headings(fixture_data, tmp_path):
    path = tmp_path / "return.csv"
    path.write_text(
        "Recommendation ID,Status,Owner,Evidence,Actions,Linked Workstreams,Marking,Status Basis\n4.ii,Complete,Firearms,Re-vetted,,,official,stated\n",
        encoding="utf-8",
    )
    result = import_tracker(path, "city-of-london", "2024-25-Q2", data_dir=fixture_data, today=TODAY)
    assert result.ok, result.problems
    assert result.summary.previous_quarter is None
    assert (
        load_tracker(
            target(fixture_data, force="city-of-london"),
            __import__("analysis.sources.catalogue", fromlist=["load_framework"]).load_framework(
                "casey-2023", fixture_data
            ),
        ).iloc[0]["marking"]
        == "OFFICIAL"
    )


def test_usage_errors(fixture_data, returned, capsys):
    for args, message in [
        (["--force", "atlantis", "--quarter", "2024-25-Q2"], "unknown force"),
        (["--force", "leicestershire", "--quarter", "Q2"], "not a financial quarter"),
        (["--force", "leicestershire", "--quarter", "2099-00-Q1"], "after today"),
        (["--force", "leicestershire", "--quarter", "2024-25-Q2", "--mapping", "nope"], "unknown mapping 'nope'"),
        (["--force", "leicestershire", "--quarter", "2024-25-Q2", "--framework", "nope"], "unknown framework"),
    ]:
        code, out, err = run_casey(["--data-dir", fixture_data, "import", returned, *args], capsys)
        assert code == 2 and message in err and "Traceback" not in out + err, (args, err)


# --- mappings --------------------------------------------------------------------------------


@pytest.fixture
def mapped_data(fixture_data):
    shutil.copytree(ROOT / "data/raw/mappings", fixture_data / "raw/mappings")
    return fixture_data


def seed000_return(tmp_path, rows):
    frame = pd.DataFrame(rows, columns=["Met Recommendation", "Leicestershire Evidence", "Actions", "Status"])
    path = tmp_path / "leics-own-layout.csv"
    frame.to_csv(path, index=False)
    return path


def test_seed000_layout_imports_through_its_mapping(mapped_data, tmp_path):
    path = seed000_return(
        tmp_path,
        [
            ["Create a misconduct process fit for purpose", "Misconduct process reviewed", "Train new chairs", "Green"],
            ["Rec 4 (ii)", "Enhanced vetting for specialist teams", "", "Amber"],
            ["Cleaning up the Met", "", "", ""],  # a section heading row: skipped
            [
                "The Met should radically reform and respecialise Public Protection and its approach to domestic abuse",
                "Signal team set up",
                "Recruit DCs",
                "amber",
            ],
        ],
    )
    result = import_tracker(
        path, "leicestershire", "2024-25-Q2", data_dir=mapped_data, mapping="leicestershire-2024", today=TODAY
    )
    assert result.ok, [str(p) for p in result.problems]
    assert list(result.frame["recommendation_id"]) == ["1", "4.ii", "6"]
    assert list(result.frame["status"]) == ["complete", "in_progress", "in_progress"]
    methods = {m.id: m.method for _, m in result.matches}
    assert methods == {"1": "confirmed", "4.ii": "id", "6": "text"}


def test_low_confidence_matches_are_listed_not_accepted(mapped_data, tmp_path):
    path = seed000_return(
        tmp_path,
        [
            ["Vetting standards should be changed to guard against predators", "Vetting reviewed", "", "Amber"],
            ["Rec 17", "x", "", "Amber"],
        ],
    )
    result = import_tracker(
        path, "leicestershire", "2024-25-Q2", data_dir=mapped_data, mapping="leicestershire-2024", today=TODAY
    )
    text = [str(p) for p in result.problems]
    assert len(text) == 2 and not target(mapped_data).exists()
    assert text[0].startswith(f"{path}: row 2: recommendation_id: 'Vetting standards") and "not accepted" in text[0]
    assert text[1].startswith(f"{path}: row 3: recommendation_id: 'Rec 17': no match; there is no recommendation 17")
    # a person confirms the first; the second is corrected in the file
    mapping_file = tmp_path / "confirmed.yaml"
    doc = yaml.safe_load((mapped_data / "raw/mappings/leicestershire-2024.yaml").read_text())
    doc["references"]["confirmed"]["Vetting standards should be changed to guard"] = "3"
    mapping_file.write_text(yaml.safe_dump(doc))
    path.write_text(path.read_text().replace("Rec 17", "Rec 16 (i)"))
    result = import_tracker(
        path, "leicestershire", "2024-25-Q2", data_dir=mapped_data, mapping=mapping_file, today=TODAY
    )
    assert result.ok and list(result.frame["recommendation_id"]) == ["3", "16.i"]


def test_seed001_layout_matches_numbers_with_the_wording(mapped_data, tmp_path):
    path = tmp_path / "colp.csv"
    pd.DataFrame(
        [
            [
                "1.",
                "The misconduct process is not fit for purpose.",
                "PSD",
                "PSD is fit for purpose.",
                "Amber",
                "Operation Hood",
            ],
            [
                "",
                "The Met should radically reform and respecialise Public Protection and its approach to domestic abuse",
                "Public Protection",
                "Reviewed",
                "Green",
                "",
            ],
        ],
        columns=[
            "Baroness Casey Review 'Cleaning up the MET'",
            "Recommendation &/or Area for Improvement",
            "Force Task Owner",
            "Force Progress & Response",
            "Status",
            "Linked Workstreams",
        ],
    ).to_csv(path, index=False)
    result = import_tracker(
        path, "city-of-london", "2024-25-Q2", data_dir=mapped_data, mapping="city-of-london-2023", today=TODAY
    )
    assert result.ok, [str(p) for p in result.problems]
    rows = result.frame.set_index("recommendation_id")
    assert (
        list(rows.index) == ["1", "6"]
        and rows.at["1", "owner"] == "PSD"
        and rows.at["1", "linked_workstreams"] == "Operation Hood"
    )
    assert (
        rows.at["6", "status"] == "complete" and rows.at["1", "marking"] == "OFFICIAL" and rows.at["1", "actions"] == ""
    )


def test_bundled_mappings_load_and_bad_mappings_are_usage_errors(mapped_data, tmp_path):
    for name in ("leicestershire-2024", "city-of-london-2023"):
        assert load_mapping(name, mapped_data).match
    bad = tmp_path / "bad.yaml"
    for text, message in [
        ("columns: {rec: A}", "not a tracker column"),
        ("colums: {status: A}", "unknown key"),
        ("columns: {status: A}\nreferences: {threshold: 2}", "threshold"),
        ("[1, 2]", "expected a mapping"),
    ]:
        bad.write_text(text)
        with pytest.raises(MappingError, match=message):
            load_mapping(bad, mapped_data)
