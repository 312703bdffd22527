import pandas as pd
import pytest

from analysis.sources.trackers import COLUMNS, TrackerError, load_tracker, read_raw, validate_frame

HEADER = ",".join(COLUMNS)
GOOD = "1,in_progress,PSD,Some evidence,Some action,,OFFICIAL,stated,Doc"


def write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(path, casey):
    with pytest.raises(TrackerError) as info:
        load_tracker(path, casey)
    return [str(p) for p in info.value.problems]


def test_good_tracker_loads_and_normalises(tmp_path, casey):
    path = write(tmp_path, f"{HEADER}\n 4.ii , In Progress ,PSD,e,a,,official,Stated,Doc\n")
    frame = load_tracker(path, casey)
    assert frame.iloc[0][["recommendation_id", "status", "marking", "status_basis"]].tolist() == [
        "4.ii",
        "in_progress",
        "OFFICIAL",
        "stated",
    ]


def test_each_problem_names_file_row_and_field(tmp_path, casey):
    text = f"{HEADER}\n{GOOD}\n99,in_progress,PSD,e,a,,OFFICIAL,stated,Doc\n2,finished,PSD,e,a,,SECRET,guessed,\n1,complete,PSD,e,a,,OFFICIAL,stated,Doc\n"
    found = problems_of(write(tmp_path, text), casey)
    name = str(tmp_path / "t.csv")
    assert f"{name}: row 3: recommendation_id: '99' is not a casey-2023 recommendation id" in found
    assert any(p.startswith(f"{name}: row 4: status: 'finished'") for p in found)
    assert any(p.startswith(f"{name}: row 4: marking: 'SECRET'") for p in found)
    assert any(p.startswith(f"{name}: row 4: status_basis:") for p in found)
    assert any(p.startswith(f"{name}: row 4: source:") for p in found)
    assert f"{name}: row 5: recommendation_id: '1' appears more than once" in found


def test_missing_and_renamed_columns(tmp_path, casey):
    header = HEADER.replace("evidence", "Evidence notes")
    found = problems_of(write(tmp_path, f"{header}\n{GOOD}\n"), casey)
    assert any("header: evidence: required column is missing" in p for p in found)
    assert any("header: Evidence notes: unexpected column" in p for p in found)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_windows_and_bom_encodings_load(tmp_path, casey, encoding):
    path = write(tmp_path, f"{HEADER}\n1,in_progress,PSD,Café – £5k budget,a,,OFFICIAL,stated,Doc\n", encoding=encoding)
    assert load_tracker(path, casey).iloc[0]["evidence"] == "Café – £5k budget"


def test_empty_html_and_headerless_files(tmp_path, casey):
    assert "the file is empty" in problems_of(write(tmp_path, "  \n"), casey)[0]
    assert "looks like HTML" in problems_of(write(tmp_path, "<!DOCTYPE html><html><body>login</body></html>"), casey)[0]
    assert "no rows" in problems_of(write(tmp_path, HEADER + "\n"), casey)[0]


def test_xlsx_loads_and_corrupt_xlsx_is_reported(tmp_path, casey):
    frame = pd.DataFrame([GOOD.split(",")], columns=COLUMNS)
    path = tmp_path / "t.xlsx"
    frame.to_excel(path, index=False, sheet_name="Tracker")
    assert load_tracker(path, casey).iloc[0]["owner"] == "PSD"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:200])
    assert "not a readable Excel workbook" in problems_of(broken, casey)[0]


def test_blank_rows_are_ignored(tmp_path, casey):
    frame, problems = validate_frame(read_raw(write(tmp_path, f"{HEADER}\n{GOOD}\n,,,,,,,,\n")), casey, "x")
    assert problems == [] and len(frame) == 1


def test_bundled_trackers_are_valid():
    # build into a copy so the repo's processed folder is untouched
    import shutil
    import tempfile

    from conftest import ROOT

    from analysis.run.build import build_trackers

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "data/raw", f"{tmp}/raw")
        result = build_trackers(tmp)
    assert result.problems == []
    assert result.snapshots >= 3


def test_row_numbers_count_blank_lines_as_the_file_does(tmp_path, casey):
    text = f"{HEADER}\n{GOOD}\n,,,,,,,,\n\n2,finished,PSD,e,a,,OFFICIAL,stated,Doc\n"
    found = problems_of(write(tmp_path, text), casey)
    assert found == [
        f"{tmp_path / 't.csv'}: row 5: status: 'finished' must be one of not_started, in_progress, complete, not_applicable, not_assessed"
    ]


def test_the_optional_status_reason_is_kept_and_checked(tmp_path, casey):
    header = HEADER + ",status_reason"
    ok = load_tracker(write(tmp_path, f"{header}\n{GOOD},Training done; no charter yet\n"), casey)
    assert ok.iloc[0]["status_reason"] == "Training done; no charter yet"
    assert load_tracker(write(tmp_path, f"{HEADER}\n{GOOD}\n", "old.csv"), casey).iloc[0]["status_reason"] == ""
    long_reason = "x" * 300
    found = problems_of(
        write(
            tmp_path,
            f'{header}\n{GOOD},{long_reason}\n2,in_progress,HR,e,a,,OFFICIAL,stated,Doc,"one\ntwo"\n',
            "bad.csv",
        ),
        casey,
    )
    name = str(tmp_path / "bad.csv")
    assert any(p.startswith(f"{name}: row 2: status_reason: ") and "longer than 220" in p for p in found)
    assert any(p.startswith(f"{name}: row 3: status_reason: ") and "more than one line" in p for p in found)
