"""benchmarks/batch_vs_naive.py prints the fixed costs (issue 24) beside the batch, in one run; `--tiny` keeps it short."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_tiny_run_prints_import_time_and_each_wall_as_a_ratio_to_it(tmp_path):
    from test_batch import _tree

    data = _tree(tmp_path, measures=True)
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/batch_vs_naive.py"), "--tiny", "--forces", "2"]
        + ["--workers", "2", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    imports = float(re.search(r"seaborn \(fresh process, median of 1\): ([\d.]+)s", out)[1])
    for what in ("casey report, one force", "casey batch, one force"):
        wall, ratio = re.search(rf"{what}: ([\d.]+)s = ([\d.]+)x the import time", out).groups()
        # both figures are printed to 2 decimals and the ratio from the unrounded ones: allow that rounding
        assert abs(float(wall) / imports - float(ratio)) <= 0.005 * (1 + float(ratio)) / imports + 0.005
    assert re.search(r"batch of 2: [\d.]+s against import \+ sum of renders / workers \(.*\): [\d.]+x", out)
    assert "FAILED" not in out and "naive" not in out  # the tiny mode skips the naive loop
    assert re.search(r"memory: worker peak RSS", out)
    # the floor runs the notebook's own cells, alone and split over the batch's workers, each as a ratio
    alone = re.search(r"\(c\) floor, the notebook's code run as plain Python: ([\d.]+)s per report in one process", out)
    shared = re.search(r"the same floor in 2 processes at once, as the batch's workers run: ([\d.]+)s per report", out)
    assert alone and shared and float(alone[1]) > 0 and float(shared[1]) > 0
