"""casey batch: planning, input hashes, incremental runs, failure isolation, manifest, Dask."""

import dataclasses
import datetime as dt
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import casey_command

from analysis.core.periods import Quarter
from analysis.run import batch
from analysis.run.batch import BatchOptions, BatchUsageError, read_manifest, run_batch
from analysis.run.build import build_all

ROOT = Path(__file__).resolve().parents[1]
Q = "2024-25-Q1"


def _tree(root: Path, measures: bool = True) -> Path:
    from conftest import make_data_tree

    data = make_data_tree(
        root / "data",
        {
            "leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv",
            "leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv",
        },
    )
    if measures:
        shutil.copytree(ROOT / "data/raw/measures", data / "raw/measures")
    assert build_all(data).problems == []
    return data


@pytest.fixture
def data(tmp_path):
    return _tree(tmp_path, measures=False)


# --------------------------------------------------------------------------- planning (fast)
def test_audiences_match_the_report_module():
    from analysis.compute.report_model import AUDIENCES

    assert batch.AUDIENCES == AUDIENCES


def test_latest_is_the_most_recent_complete_quarter(data):
    got = batch.resolve_quarters(["latest"], "casey-2023", data, today=dt.date(2026, 11, 23))
    assert [q.id for q in got] == ["2026-27-Q2"]
    got = batch.resolve_quarters(["tracker-quarters", "2024/25 Q1"], "casey-2023", data)
    assert [q.id for q in got] == ["2024-25-Q1", "2023-24-Q1"]


def test_forces_by_slug_code_or_name_and_unknown_ones_list_the_choices(data):
    assert batch.select_forces(["E23000021", "cheshire", "City of London"], data) == [
        "leicestershire",
        "cheshire",
        "city-of-london",
    ]
    assert len(batch.select_forces(None, data)) == 43
    with pytest.raises(BatchUsageError, match="unknown force 'atlantis'.*leicestershire"):
        batch.select_forces(["atlantis"], data)


def _hashes(data, out, **kw) -> dict:
    plans = batch.plan(
        [Quarter.of(Q)], ["leicestershire", "cheshire"], ["internal", "public"], "casey-2023", data, out, **kw
    )
    return {s.relpath: s.input_sha256 for s in plans[0].jobs}


def test_input_hash_follows_the_reports_own_inputs(data, tmp_path):
    before = _hashes(data, tmp_path)
    assert len(before) == 6 and len(set(before.values())) == 6  # national + 2 forces, x 2 audiences
    assert _hashes(data, tmp_path) == before  # deterministic
    # a change to Leicestershire's tracker changes its reports and the national overview, not Cheshire's
    table = data / "processed/trackers/casey-2023.csv"
    table.write_text(table.read_text().replace("Values campaign launched", "Values campaign relaunched"))
    after = _hashes(data, tmp_path)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {
        "leicestershire.html",
        "public/leicestershire.html",
        "national-overview.html",
        "public/national-overview.html",
    }
    # the engine is a parameter too
    assert _hashes(data, tmp_path, engine="kernel")["cheshire.html"] != after["cheshire.html"]


def test_processed_data_missing_is_a_usage_error(tmp_path):
    from conftest import make_data_tree

    data = make_data_tree(tmp_path / "data")
    with pytest.raises(batch.MissingData, match="casey build"):
        run_batch(BatchOptions(quarters=[Q], data_dir=str(data), out_dir=str(tmp_path / "out"), progress=False))


def test_cli_usage_errors_exit_2(data, tmp_path):
    from analysis.cli.main import main

    assert main(["--data-dir", str(data), "batch", "--quarter", Q, "--forces", "atlantis", "--out", str(tmp_path)]) == 2
    assert main(["--data-dir", str(data), "batch", "--quarter", "2024-25-Q7", "--out", str(tmp_path)]) == 2
    assert main(["--data-dir", str(data), "batch", "--quarter", Q, "--framework", "nope", "--out", str(tmp_path)]) == 2


# --------------------------------------------------------------------------- real runs (slow)
@pytest.mark.slow
def test_incremental_runs_manifest_and_index(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="analysis")  # what run_batch says goes to logging, not to stdout
    data = _tree(tmp_path)
    out = tmp_path / "reports"
    options = {
        "quarters": [Q],
        "forces": ["leicestershire", "cheshire"],
        "data_dir": str(data),
        "out_dir": str(out),
        "workers": 2,
        "progress": False,
        "verbose": True,
    }

    first = run_batch(BatchOptions(**options))
    assert first.exit_code == 0 and first.count("rendered") == 6
    folder = out / Q
    for name in ("national-overview", "leicestershire", "cheshire"):
        assert (folder / f"{name}.html").exists() and (folder / f"public/{name}.html").exists()
    manifest = read_manifest(out, Q)
    assert manifest["run"]["parameters"]["workers"] == 2 and manifest["run"]["code_version"]["source_sha256"]
    entry = manifest["reports"]["leicestershire.html"]
    assert entry["status"] == "rendered" and entry["duration_s"] > 0 and len(entry["input_sha256"]) == 64
    assert set(entry["inputs"]) >= {"tracker_rows", "snapshot_rows", "measures", "notebook", "code", "parameters"}
    assert next(iter(manifest["reports"])) == "national-overview.html"
    national = (folder / "national-overview.html").read_text()
    assert "1 of 43 forces submitted a tracker for 2024/25 Q1" in national
    index = (folder / "index.html").read_text()
    assert index.index("national-overview.html") < index.index("cheshire.html")
    assert (out / "index.html").exists()
    printed = "\n".join(caplog.messages)
    assert "6 rendered, 0 unchanged, 0 failed" in printed and "national-overview" in printed

    mtimes = {p: p.stat().st_mtime_ns for p in folder.rglob("*.html")}
    second = run_batch(BatchOptions(**options))
    assert second.count("unchanged") == 6 and second.count("rendered") == 0 and second.duration_s < 2
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.html")} == mtimes
    assert read_manifest(out, Q)["reports"]["leicestershire.html"]["rendered_at"] == entry["rendered_at"]

    # change Leicestershire's tracker: only its reports and the national overview are rendered again
    raw = data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    raw.write_text(raw.read_text().replace("Values", "Core values"))
    assert build_all(data).problems == []
    third = run_batch(BatchOptions(**options))
    rendered = {k.split("/", 1)[1] for k, e in third.entries.items() if e["status"] == "rendered"}
    assert rendered == {
        "leicestershire.html",
        "public/leicestershire.html",
        "national-overview.html",
        "public/national-overview.html",
    }

    forced = run_batch(BatchOptions(**options, force_rerun=True))
    assert forced.count("rendered") == 6


@pytest.mark.slow
def test_one_failing_force_spoils_nothing_else(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="analysis")
    data = _tree(tmp_path, measures=False)
    # corrupt Cheshire's line of the snapshot index: its report cannot be built, the others can
    index = data / "processed/trackers/casey-2023-snapshots.csv"
    lines = index.read_text().splitlines()
    bad = lines[1].replace("leicestershire", "cheshire").replace("2023-24-Q1", "2023-24-Q9", 1)
    index.write_text("\n".join([lines[0], bad, *lines[1:]]) + "\n")
    out = tmp_path / "reports"
    options = BatchOptions(
        quarters=[Q],
        forces=["cheshire", "leicestershire", "bedfordshire"],
        audiences=["internal"],
        data_dir=str(data),
        out_dir=str(out),
        workers=2,
        national=False,
        progress=False,
    )
    result = run_batch(dataclasses.replace(options, verbose=True))
    assert result.exit_code == 1
    statuses = {e["html"]: e["status"] for e in result.entries.values()}
    assert statuses == {"cheshire.html": "failed", "leicestershire.html": "rendered", "bedfordshire.html": "rendered"}
    folder = out / Q
    assert not (folder / "cheshire.html").exists() and (folder / "cheshire.failed.ipynb").exists()
    assert "SENSITIVE-TOKEN-7731" in (folder / "leicestershire.html").read_text()
    entry = read_manifest(out, Q)["reports"]["cheshire.html"]
    assert (
        entry["status"] == "failed"
        and "2023-24-Q9" in entry["error"]
        and entry["failed_notebook"] == "cheshire.failed.ipynb"
    )
    printed = "\n".join(caplog.messages)
    assert "FAILED cheshire.html" in printed and "2 rendered, 0 unchanged, 1 failed" in printed
    assert any(r.levelno == logging.ERROR and r.getMessage().startswith("FAILED cheshire.html") for r in caplog.records)
    caplog.clear()
    # a failed report is retried next time; the good ones are not
    again = run_batch(options)
    assert {e["html"]: e["status"] for e in again.entries.values()}["cheshire.html"] == "failed"
    assert again.count("unchanged") == 2
    # quiet (the default): the failure as it happens, then the one summary line; nothing about the good reports
    lines = caplog.messages
    assert [r.levelname for r in caplog.records] == ["ERROR", "INFO"]
    assert (
        len(lines) == 2
        and lines[0].startswith(f"FAIL {Q}/cheshire.html")
        and "notebook kept: cheshire.failed.ipynb" in lines[0]
    )
    assert lines[1].startswith("0 rendered, 2 unchanged, 1 failed") and lines[1].endswith(
        f"index: {out / 'index.html'}"
    )


@pytest.mark.slow
def test_workers_are_recycled_without_hanging(tmp_path):
    """max_tasks_per_child=1: a fresh pool per `workers` reports (ProcessPoolExecutor's own option can deadlock on 3.11)."""
    data = _tree(tmp_path, measures=False)
    result = run_batch(
        BatchOptions(
            quarters=[Q],
            forces=["cheshire", "dorset", "kent"],
            audiences=["internal"],
            data_dir=str(data),
            out_dir=str(tmp_path / "out"),
            workers=2,
            national=False,
            progress=False,
            max_tasks_per_child=1,
        )
    )
    assert result.count("rendered") == 3
    assert len({e["worker_pid"] for e in result.entries.values()}) >= 2


@pytest.mark.slow
def test_cli_exit_code_and_summary(tmp_path):
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    cmd = casey_command(
        data,
        "batch",
        "--quarter",
        Q,
        "--forces",
        "cheshire",
        "--audience",
        "internal",
        "--no-national",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # not on a terminal (cron): no bar, no per-report lines, one line with its UTC time and level, ending with
    # where the index is
    assert done.stdout.splitlines() == [done.stdout.strip()] and "cheshire" not in done.stdout
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO 1 rendered, 0 unchanged, 0 failed in ", done.stdout), (
        done.stdout
    )
    assert done.stdout.strip().endswith(f"index: {out / 'index.html'}") and "casey batch" not in done.stderr
    again = subprocess.run([*cmd, "-v"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "0 rendered, 1 unchanged, 0 failed" in again.stdout
    assert "cheshire" in again.stdout and "report(s) planned" in again.stdout
    assert json.loads((out / Q / "manifest.json").read_text())["reports"]["cheshire.html"]["status"] == "unchanged"


@pytest.mark.slow
def test_dask_executor_on_a_local_cluster(tmp_path):
    from distributed import LocalCluster

    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_batch(
            BatchOptions(
                quarters=[Q],
                forces=["leicestershire", "cheshire"],
                audiences=["internal"],
                data_dir=str(data),
                out_dir=str(out),
                executor="dask",
                scheduler=cluster.scheduler_address,
                national=False,
                progress=False,
            )
        )
    assert result.exit_code == 0 and result.count("rendered") == 2
    assert "SENSITIVE-TOKEN-7731" in (out / Q / "leicestershire.html").read_text()
    assert "SENSITIVE-TOKEN-7731" not in (out / Q / "cheshire.html").read_text()
    assert read_manifest(out, Q)["run"]["parameters"]["executor"] == "dask"


def test_quarter_index_has_one_row_per_report_with_both_versions(tmp_path):
    from analysis.run.site_index import write_index

    folder = tmp_path / "reports" / "2024-25-Q1"
    (folder / "public").mkdir(parents=True)
    for path in (
        "leicestershire.html",
        "public/leicestershire.html",
        "national-overview.html",
        "cheshire.failed.ipynb",
    ):
        (folder / path).write_text("x")
    write_index(tmp_path / "reports")
    page = (folder / "index.html").read_text()
    assert page.count("<tr>") == 1 + 3  # header, national overview, Leicestershire, Cheshire (failed)
    assert (
        '<a href="leicestershire.html" aria-label="Leicestershire, internal version">Internal</a> · '
        '<a href="public/leicestershire.html" aria-label="Leicestershire, public version">Public</a>'
    ) in page
    assert page.index("National overview") < page.index("Leicestershire")
    assert "Cheshire" in page and "failed" in page
