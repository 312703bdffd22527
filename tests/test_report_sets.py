"""casey batch runs several frameworks in one call, from --framework or a report-sets file."""

from __future__ import annotations

import importlib
import shutil

import pytest
from conftest import ROOT

from analysis.core.errors import EXIT_DATA, EXIT_OK, EXIT_USAGE, UsageError
from analysis.run import batch
from analysis.run.report_sets import ReportSet, batch_options, expand_frameworks, load_report_sets

cli_main = importlib.import_module("analysis.cli.main")


@pytest.fixture
def two_frameworks(fixture_data):
    shutil.copy(ROOT / "data/raw/frameworks/etp-2023.yaml", fixture_data / "raw/frameworks/")
    return fixture_data


def test_all_and_names(two_frameworks):
    assert expand_frameworks(["all"], two_frameworks) == ["casey-2023", "etp-2023"]
    assert expand_frameworks(["etp-2023", "all"], two_frameworks) == ["etp-2023", "casey-2023"]
    with pytest.raises(UsageError, match="unknown framework 'nope'; available: casey-2023, etp-2023"):
        expand_frameworks(["nope"], two_frameworks)


def test_the_bundled_report_sets_are_what_make_reports_rendered_before():
    sets = load_report_sets(ROOT / "data/raw/report-sets.yaml", ROOT / "data")
    assert sets == [ReportSet("casey-2023", ("internal", "public"), ("tracker-quarters",))]
    assert "--report-sets data/raw/report-sets.yaml" in (ROOT / "Makefile").read_text()


def test_bad_report_sets_name_file_set_and_field(tmp_path, two_frameworks):
    path = tmp_path / "sets.yaml"
    path.write_text("report_sets:\n  - framework: casey-2023\n  - framework: etp-2023\n    audiences: [press]\n")
    with pytest.raises(UsageError, match=r"sets.yaml: report set 2: field 'audiences': unknown \['press'\]"):
        load_report_sets(path, two_frameworks)
    path.write_text("report_sets:\n  - framework: all\n    quarter: latest\n")
    with pytest.raises(UsageError, match=r"report set 1: unknown field\(s\) \['quarter'\]"):
        load_report_sets(path, two_frameworks)


def test_each_set_becomes_its_own_batch(two_frameworks):
    base = batch.BatchOptions(forces=["leicestershire"], workers=1)
    sets = [
        ReportSet("casey-2023", ("internal", "public"), ("2024-25-Q1",)),
        ReportSet("etp-2023", ("internal",), ("latest",)),
    ]
    got = batch_options(base, sets)
    assert [(o.framework, o.audiences, o.quarters, o.forces) for o in got] == [
        ("casey-2023", ["internal", "public"], ["2024-25-Q1"], ["leicestershire"]),
        ("etp-2023", ["internal"], ["latest"], ["leicestershire"]),
    ]


def test_cli_runs_every_framework_and_keeps_the_worst_exit_code(monkeypatch, two_frameworks, tmp_path):
    seen = []

    def fake_run_batch(options):
        seen.append((options.framework, options.audiences, options.quarters))
        return batch.BatchResult(
            {"x": {"status": "failed"}} if options.framework == "casey-2023" else {}, [], None, 0.0
        )

    monkeypatch.setattr(batch, "run_batch", fake_run_batch)
    argv = [
        "--data-dir",
        str(two_frameworks),
        "batch",
        "--framework",
        "all",
        "--quarter",
        "2024-25-Q1",
        "--audience",
        "internal",
        "--out",
        str(tmp_path),
    ]
    assert cli_main.main(argv) == EXIT_DATA
    assert seen == [("casey-2023", ["internal"], ["2024-25-Q1"]), ("etp-2023", ["internal"], ["2024-25-Q1"])]
    sets = tmp_path / "sets.yaml"
    sets.write_text("report_sets:\n  - framework: etp-2023\n    audiences: internal\n    quarters: [latest]\n")
    seen.clear()
    assert cli_main.main(["--data-dir", str(two_frameworks), "batch", "--report-sets", str(sets)]) == EXIT_OK
    assert seen == [("etp-2023", ["internal"], ["latest"])]
    assert cli_main.main(["--data-dir", str(two_frameworks), "batch", "--framework", "nope"]) == EXIT_USAGE
