"""benchmarks/scale_out.py renders the same reports on the local pool and on LocalClusters of 1 and 2 workers."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_two_forces_on_the_local_pool_and_one_and_two_dask_workers(tmp_path):
    from test_batch import _tree

    data = _tree(tmp_path, measures=True)
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/scale_out.py"), "--forces", "2", "--data-dir", str(data)]
        + ["--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["mode"]: row for row in json.loads(figures.read_text())}
    assert sorted(rows) == ["dask-1", "dask-2", "local"]
    assert [rows[m]["workers"] for m in ("dask-1", "dask-2")] == [1, 2]
    for row in rows.values():
        assert row["rendered"] == row["reports"] == 2 and row["client_cpu_s_per_report"] > 0
        assert row["results_bytes_per_report"] > 10_000  # a page, its notebook and its claims
    assert abs(rows["dask-2"]["bundle_bytes_per_report"] - 2 * rows["dask-1"]["bundle_bytes_per_report"]) <= 2
    assert "bundle_bytes" not in rows["local"]  # the local pool ships nothing
    lines = done.stdout.splitlines()
    assert re.match(r"2 forces, quarter 2024-25-Q1", lines[0])
    assert re.match(r"dask-2  2 worker\(s\): 2/2 rendered in [\d.]+s .*client CPU \d+ ms a report; shipped", lines[3])
