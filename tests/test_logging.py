"""The casey command logs through stdlib logging (issue 21.6): levels and UTC times off a terminal, one JSON
object per line with --log-format json, the message alone on a terminal; importing the package configures nothing."""

import datetime as dt
import json
import logging
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from logline import levels, messages

from analysis.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
Q = "2024-25-Q1"


def _json_lines(text: str) -> list[dict]:
    records = [json.loads(line) for line in text.splitlines()]  # every line, or the test fails here
    for record in records:
        when = dt.datetime.fromisoformat(record["time"])
        assert when.utcoffset() == dt.timedelta(0), record  # UTC, with its offset written out
        assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=30), record
        assert record["level"] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") and record["logger"]
    return records


def test_importing_the_package_configures_no_logging():
    code = (
        "import logging, analysis, analysis.cli, analysis.cli.logs, analysis.run.batch, analysis.run.build\n"
        "package = logging.getLogger('analysis')\n"
        "assert package.handlers == [] and package.level == logging.NOTSET, package.handlers\n"
        "assert logging.getLogger().handlers == [] and logging.getLogger().level == logging.WARNING\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_command_removes_its_handler_when_it_returns(fixture_data, capsys):
    package = logging.getLogger("analysis")
    before = (list(package.handlers), package.level)
    assert main(["--data-dir", str(fixture_data), "report", "--force", "gotham", "--quarter", Q]) == 2
    assert (list(package.handlers), package.level) == before
    capsys.readouterr()


def test_text_off_a_terminal_has_utc_time_and_level(fixture_data, capsys):
    assert main(["--data-dir", str(fixture_data), "report", "--force", "gotham", "--quarter", Q]) == 2
    err = capsys.readouterr().err
    assert levels(err) == ["ERROR"] and messages(err)[0].startswith("casey: unknown force 'gotham'")


@pytest.mark.parametrize("where", ["before", "after"])
def test_json_errors_parse_and_carry_level_and_time(fixture_data, capsys, where):
    args = ["report", "--force", "gotham", "--quarter", Q]
    argv = ["--log-format", "json", "--data-dir", str(fixture_data), *args]
    if where == "after":  # `casey report ... --log-format json` works too
        argv = ["--data-dir", str(fixture_data), *args, "--log-format", "json"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    (record,) = _json_lines(captured.err)
    assert record["level"] == "ERROR" and record["message"].startswith("casey: unknown force 'gotham'")
    assert captured.out == ""


def test_the_environment_chooses_json_and_a_bad_value_is_a_usage_error(fixture_data, capsys, monkeypatch):
    monkeypatch.setenv("CASEY_LOG_FORMAT", "json")
    assert main(["--data-dir", str(fixture_data), "report", "--force", "gotham", "--quarter", Q]) == 2
    assert _json_lines(capsys.readouterr().err)[0]["level"] == "ERROR"
    monkeypatch.setenv("CASEY_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit) as stop:
        main(["list"])
    assert stop.value.code == 2 and "CASEY_LOG_FORMAT='xml'" in capsys.readouterr().err


def test_on_a_terminal_the_message_stands_alone(fixture_data):
    """The human view: what a person at a terminal sees has no time or level in front of it."""
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [BIN / "casey", "--data-dir", str(fixture_data), "report", "--force", "gotham", "--quarter", Q],
            stdin=subprocess.DEVNULL,
            stdout=secondary,
            stderr=secondary,
            timeout=120,
        )
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the other end closed: everything has been read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(primary)
    text = seen.decode().replace("\r\n", "\n").strip()
    assert done.returncode == 2 and text.startswith("casey: unknown force 'gotham'"), text
    assert levels(text) == [None]


@pytest.mark.slow
def test_batch_logs_json_lines_with_the_summary_counts(tmp_path):
    from conftest import make_data_tree

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    out = tmp_path / "reports"
    cmd = [BIN / "casey", "--data-dir", str(data), "batch", "--build", "--quarter", Q, "--forces", "leicestershire"]
    cmd += ["--audience", "internal", "--no-national", "--workers", "1", "--out", str(out), "--log-format", "json"]
    done = subprocess.run([*cmd, "-v"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    records = _json_lines(done.stdout)
    assert _json_lines(done.stderr) == []  # nothing failed: nothing at WARNING or above
    assert records[0]["message"].startswith("built ") and records[0]["problems"] == 0
    (report,) = [r for r in records if r.get("report") == f"{Q}/leicestershire.html"]
    assert report["level"] == "INFO" and report["status"] == "rendered" and report["duration_s"] > 0
    summary = [r for r in records if "counts" in r]
    assert len(summary) == 1 and summary[0] is records[-1]
    assert summary[0]["counts"] == {"rendered": 1, "unchanged": 0, "failed": 0, "infrastructure_failed": 0}
    assert summary[0]["message"].startswith("1 rendered, 0 unchanged, 0 failed in ")

    # a failure is an ERROR record on stderr, the summary still the last line on stdout
    raw = data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    raw.write_text(raw.read_text().replace("in_progress", "finished", 1))
    failed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1
    errors = _json_lines(failed.stderr)
    assert {r["level"] for r in errors} <= {"WARNING", "ERROR"}
    assert any(r["level"] == "ERROR" and r.get("status") == "failed" for r in errors), errors
    assert _json_lines(failed.stdout)[-1]["counts"]["failed"] == 1
