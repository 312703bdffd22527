"""Issue 14.5, 14.8, 14.9, 14.11: bounded work, locks, workers die with their parent, no traceback, one validator."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import casey_command
from logline import messages
from test_bad_input import run_casey
from test_batch import Q, _tree

from analysis.core.audience import Audience
from analysis.intake.template import write_template
from analysis.run import batch

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- 14.9: no traceback, helpful errors
def test_missing_data_dir_is_a_usage_error(tmp_path, capsys):
    code, out, err = run_casey(["--data-dir", tmp_path / "nonexistent", "build"], capsys)
    assert code == 2 and "--data-dir" in err and "no such folder" in err and "Traceback" not in out + err


def test_quarter_that_has_not_started_is_a_usage_error(fixture_data, tmp_path, capsys):
    code, _, err = run_casey(
        [
            "--data-dir",
            fixture_data,
            "report",
            "--force",
            "leicestershire",
            "--quarter",
            "2031-32-Q1",
            "--out",
            tmp_path,
        ],
        capsys,
    )
    assert code == 2 and "2031-32-Q1 starts on 2031-04-01, after today" in err
    code, _, err = run_casey(
        ["--data-dir", fixture_data, "batch", "--quarter", "2031-32-Q1", "--out", tmp_path], capsys
    )
    assert code == 2 and "after today" in err


@pytest.mark.parametrize(
    "option, value", [("--timeout", "-5"), ("--workers", "0"), ("--timeout", "nan"), ("--max-tasks-per-child", "-1")]
)
def test_bad_numbers_are_usage_errors(option, value, capsys):
    with pytest.raises(SystemExit) as stop:
        run_casey(["batch", option, value], capsys)
    assert stop.value.code == 2
    assert f"argument {option}: '{value}'" in capsys.readouterr().err


def test_unwritable_outputs_give_one_line_not_a_traceback(tmp_path, capsys):
    data = _tree(tmp_path, measures=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run_casey(["--data-dir", data, "batch", "--quarter", Q, "--out", blocker / "reports"], capsys)
    assert (
        code == 1
        and "Traceback" not in out + err
        and messages(err)[0].startswith("casey: could not read or write")
        and "a-file" in err
    )
    code, out, err = run_casey(
        ["--data-dir", data, "template", "--force", "leicestershire", "--quarter", Q, "--out", blocker], capsys
    )
    assert code == 1 and "Traceback" not in out + err


def test_unwritable_processed_folder_gives_one_line(tmp_path, capsys):
    data = _tree(tmp_path, measures=False)
    table = data / "processed/trackers/casey-2023.csv"
    table.unlink()
    table.mkdir()  # cannot be replaced by a file, even by root
    code, out, err = run_casey(["--data-dir", data, "build"], capsys)
    assert (
        code == 1
        and "Traceback" not in out + err
        and messages(err)[0].startswith("casey: could not read or write")
        and "casey-2023" in err
    )


def test_damaged_processed_file_names_the_file_and_says_run_casey_build(tmp_path, capsys):
    data = _tree(tmp_path, measures=False)
    table = data / "processed/trackers/casey-2023-snapshots.csv"
    table.write_text("garbage\n\x01\x02\n")
    code, _out, err = run_casey(["--data-dir", data, "batch", "--quarter", Q, "--out", tmp_path / "out"], capsys)
    assert code == 2 and str(table) in err and "run `casey build`" in err
    from analysis.compute.report_model import MissingProcessedData, load_report

    with pytest.raises(MissingProcessedData, match="damaged.*casey build"):
        load_report("leicestershire", Q, data_dir=data)


# --------------------------------------------------------------------------- 14.5: bounded work
def test_validate_dev_zero_is_refused_at_once(capsys):
    started = time.perf_counter()
    code, out, _err = run_casey(["validate", "/dev/zero"], capsys)
    assert code == 1 and "/dev/zero: file: path: not a regular file" in out
    assert time.perf_counter() - started < 5


def test_oversized_files_rows_and_cells_are_refused_before_reading_everything(tmp_path, capsys):
    from analysis.sources import trackers

    header = ",".join(trackers.COLUMNS) + "\n"
    row = "1,complete,PSD,{},,,OFFICIAL,stated,x\n"
    big_cell = tmp_path / "big_cell.csv"
    big_cell.write_text(header + row.format("x" * (trackers.MAX_CELL_CHARS + 1)))
    many_rows = tmp_path / "many_rows.csv"
    many_rows.write_text(header + row.format("ok") * (trackers.MAX_ROWS + 1))
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as handle:
        handle.truncate(trackers.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    code, out, _ = run_casey(["validate", big_cell, many_rows, huge], capsys)
    assert code == 1
    assert f"{big_cell}: row 2: evidence: {trackers.MAX_CELL_CHARS + 1} characters" in out
    assert f"{many_rows}: file: rows: {trackers.MAX_ROWS + 1} rows" in out
    assert f"{huge}: file: size: larger than 20 MB" in out


def test_xlsx_with_a_huge_cell_is_refused_from_its_zip_directory(tmp_path, capsys):
    import zipfile

    from analysis.sources import trackers

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", "a" * (trackers.MAX_UNZIPPED_BYTES + 1))
    assert path.stat().st_size < 1_000_000
    started = time.perf_counter()
    code, out, _ = run_casey(["validate", path], capsys)
    assert code == 1 and f"{path}: file: size:" in out and "once unzipped" in out
    assert time.perf_counter() - started < 5


# --------------------------------------------------------------------------- 14.11: one validator, one answer
def test_validate_accepts_the_template_import_accepts(fixture_data, tmp_path, capsys):
    import openpyxl

    template = write_template("leicestershire", "2024-25-Q2", data_dir=fixture_data, out_dir=tmp_path).path
    wb = openpyxl.load_workbook(template)
    ws = wb["Tracker"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("status") + 1).value = "complete"
    wb.save(tmp_path / "back.xlsx")
    args = ["--force", "leicestershire", "--quarter", "2024-25-Q2", "--dry-run"]
    imported, out, err = run_casey(["--data-dir", fixture_data, "import", tmp_path / "back.xlsx", *args], capsys)
    assert imported == 0, out + err
    validated, out, err = run_casey(["--data-dir", fixture_data, "validate", tmp_path / "back.xlsx"], capsys)
    assert validated == 0, out + err
    # and a problem the import finds, validate finds too
    ws.cell(row=3, column=header.index("status") + 1).value = "finished"
    wb.save(tmp_path / "bad.xlsx")
    imported, _out_i, err_i = run_casey(["--data-dir", fixture_data, "import", tmp_path / "bad.xlsx", *args], capsys)
    validated, out_v, _err_v = run_casey(["--data-dir", fixture_data, "validate", tmp_path / "bad.xlsx"], capsys)
    assert imported == validated == 1
    assert "row 3: status: 'finished'" in err_i and "row 3: status: 'finished'" in out_v


# --------------------------------------------------------------------------- 14.8: locks and crashes
def test_a_second_batch_into_the_same_folder_is_refused(tmp_path, capsys):
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    held = batch.lock_reports_folder(out)
    try:
        code, _, err = run_casey(["--data-dir", data, "batch", "--quarter", Q, "--out", out], capsys)
    finally:
        held.close()
    assert code == 75 and f"another casey batch (pid {os.getpid()}" in err
    with pytest.raises(batch.BatchLocked):  # the lock is per folder and exclusive, also within one process
        with batch.lock_reports_folder(out):
            batch.lock_reports_folder(out)


def _casey(data, out, *extra):
    return casey_command(
        data,
        "batch",
        "--quarter",
        Q,
        "--forces",
        "leicestershire",
        "cheshire",
        "bedfordshire",
        "--no-progress",
        "--workers",
        "2",
        "--out",
        str(out),
        *extra,
    )


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigkill_of_the_batch_kills_its_workers_and_the_next_run_completes(tmp_path):
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    main = subprocess.Popen(_casey(data, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and len(workers) < 3:  # the fork server and at least two workers
        workers = _descendants(main.pid)
        time.sleep(0.05)
    assert len(workers) >= 3, "the batch never started its workers"
    main.send_signal(signal.SIGKILL)
    main.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    survivors = [p for p in workers if _alive(p)]
    for pid in survivors:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], "worker processes outlived the killed batch"
    (out / Q).mkdir(parents=True, exist_ok=True)
    (out / Q / ".cheshire.html.x1y2z3.tmp").write_text("what a killed write leaves")
    again = subprocess.run(_casey(data, out), capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list(out.rglob(".*.tmp")) and not list(out.rglob(".*.running.ipynb")), "leftovers survived"
    manifest = batch.read_manifest(out, Q)
    expected = {"national-overview.html", "leicestershire.html", "cheshire.html", "bedfordshire.html"}
    expected |= {f"public/{name}" for name in expected}
    assert set(manifest["reports"]) == expected
    assert {e["status"] for e in manifest["reports"].values()} <= {"rendered", "unchanged"}
    assert all((out / Q / key).exists() for key in expected)
    assert not list(out.rglob("*.running.ipynb")) and not list(out.rglob(".*.tmp"))


@pytest.mark.slow
def test_two_batches_at_once_into_one_folder(tmp_path):
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    runs = [
        subprocess.Popen(
            _casey(data, out, "--audience", "internal"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [(r.wait(timeout=300), *r.communicate()) for r in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 75], results
    refused = next(err for code, _, err in results if code == 75)
    assert "another casey batch" in refused
    manifest = batch.read_manifest(out, Q)
    assert set(manifest["reports"]) == {
        "national-overview.html",
        "leicestershire.html",
        "cheshire.html",
        "bedfordshire.html",
    }


@pytest.mark.slow
def test_disk_full_while_writing_a_report_leaves_no_running_notebook(tmp_path, monkeypatch):
    from analysis.run import render

    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"

    def disk_full(nb, audience):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "to_html", disk_full)
    # the in-process engine's IPython shell replaces __main__ here; put it back for later tests' fork servers
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    job = render.checked_job("leicestershire", Q, "internal", data_dir=data)
    with pytest.raises(OSError, match="No space left"):
        render.render_report(job, data, out, engine="inprocess")
    assert not list(out.rglob("*.running.ipynb")) and not list(out.rglob("*.html"))
    result = batch.run_job(
        batch.JobSpec("force", "leicestershire", Q, Audience.INTERNAL, "casey-2023", str(data), str(out))
    )
    assert result["status"] == "failed" and "No space left" in result["error"]
    assert not list(out.rglob("*.running.ipynb"))


def test_report_out_to_a_file_gives_one_line(fixture_data, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run_casey(
        ["--data-dir", fixture_data, "report", "--force", "leicestershire", "--quarter", Q, "--out", blocker], capsys
    )
    assert (
        code == 1
        and "Traceback" not in out + err
        and messages(err)[0].startswith("casey: could not read or write")
        and "a-file" in err
    )
