"""Issue 24: a report rendered alone in the calling process and one rendered in the pool are the same bytes.

`casey report` and a `casey batch` that renders one report run the notebook in the calling process; with
`--workers` the batch renders it in a worker forked from the preloaded fork server. The page and the claims
ledger must not depend on which (timestamps, durations and the package version aside, as in
`scripts/compare_reports.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from compare_reports import normalise

Q = "2024-25-Q1"
CASEY = Path(sys.executable).parent / "casey"


def _casey(data: Path, *args: str) -> None:
    env = {**os.environ, "MPLBACKEND": "agg"}
    done = subprocess.run(
        [str(CASEY), "--data-dir", str(data), *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_one_force_alone_and_in_the_pool_gives_the_same_page_and_claims(tmp_path):
    from test_batch import _tree

    data = _tree(tmp_path, measures=True)
    one = ["batch", "--quarter", Q, "--forces", "leicestershire", "--audience", "internal", "--no-national"]
    _casey(data, *one, "--no-progress", "--out", str(tmp_path / "alone"))
    _casey(data, *one, "--no-progress", "--workers", "1", "--out", str(tmp_path / "pool"))
    _casey(data, "report", "--force", "leicestershire", "--quarter", Q, "--out", str(tmp_path / "report"))

    ran = {
        name: json.loads((tmp_path / name / Q / "manifest.json").read_text())["run"]["parameters"]
        for name in ("alone", "pool")
    }
    assert ran["alone"]["in_calling_process"] is True and ran["pool"]["in_calling_process"] is False
    for suffix in (".html", ".claims.json"):
        pooled = normalise((tmp_path / "pool" / Q / f"leicestershire{suffix}").read_bytes())
        assert len(pooled) > 1000
        for alone in ("alone", "report"):
            assert normalise((tmp_path / alone / Q / f"leicestershire{suffix}").read_bytes()) == pooled, (alone, suffix)
