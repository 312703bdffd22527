"""`casey report` runs its kernel with CurveZMQ-encrypted sockets, so ipykernel's "running over TCP without
encryption" warning never reaches the user (issue 21.2)."""

import subprocess
import sys
from pathlib import Path

import pytest

from analysis.run import render

BIN = Path(sys.executable).parent


def test_the_kernel_manager_asks_for_encryption_when_the_kernelspec_offers_it():
    manager = render._papermill_kwargs("kernel", render.KERNEL_NAME, None)["kernel_manager_class"]()
    assert manager.transport_encryption == "auto"


@pytest.mark.slow
def test_casey_report_prints_no_unencrypted_transport_warning(tmp_path):
    from conftest import make_data_tree

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    assert (
        subprocess.run([BIN / "casey", "--data-dir", data, "build"], capture_output=True, timeout=300).returncode == 0
    )
    cmd = [BIN / "casey", "--data-dir", data, "report", "--force", "leicestershire", "--quarter", "2024-25-Q1"]
    done = subprocess.run([*cmd, "--out", tmp_path / "out"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out/2024-25-Q1/leicestershire.html").exists()
    assert "without encryption" not in done.stderr and "WARNING" not in done.stderr, done.stderr
