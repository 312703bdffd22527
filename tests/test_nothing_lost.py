"""An interrupted run leaves the previous good output intact; a second framework renders through the same notebook."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, casey_command, make_data_tree
from htmlcheck import Page

from analysis.run.build import build_all
from analysis.run.render import checked_job, render_report

pytestmark = pytest.mark.slow


def test_killed_report_run_keeps_the_previous_report(tmp_path):
    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    assert build_all(data).problems == []
    out = tmp_path / "reports"
    html = render_report(checked_job("leicestershire", "2024-25-Q1", data_dir=data), data, out)
    before = html.read_bytes()
    notebook_before = html.with_suffix(".ipynb").read_bytes()

    process = subprocess.Popen(
        casey_command(data, "report", "--force", "leicestershire", "--quarter", "2024-25-Q1", "--out", str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(1.5)  # papermill is starting the kernel or executing cells by now
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert html.read_bytes() == before
    assert html.with_suffix(".ipynb").read_bytes() == notebook_before


def test_killed_build_leaves_whole_files(tmp_path):
    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    shutil.copytree(ROOT / "data/raw/measures", data / "raw/measures")
    assert build_all(data).problems == []
    before = {p: p.read_bytes() for p in (data / "processed").rglob("*.csv")}
    for delay in (0.3, 0.8, 1.3):
        process = subprocess.Popen(
            [sys.executable, "-m", "analysis", "--data-dir", str(data), "build"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.kill()
        process.wait()
        after = {p: p.read_bytes() for p in (data / "processed").rglob("*.csv")}
        assert after == before  # same inputs, so a whole file is byte-identical; a torn one would differ


def test_second_framework_renders_through_the_same_notebook(tmp_path):
    data = make_data_tree(tmp_path / "data")
    shutil.copy(ROOT / "data/raw/frameworks/etp-2023.yaml", data / "raw/frameworks/")
    shutil.copytree(ROOT / "data/raw/trackers/etp-2023", data / "raw/trackers/etp-2023")
    assert build_all(data).problems == []
    html = render_report(
        checked_job("leicestershire", "2023-24-Q1", framework="etp-2023", data_dir=data), data, tmp_path / "out"
    )
    assert html == tmp_path / "out/2023-24-Q1/etp-2023/leicestershire.html"
    text = Page(html.read_text()).text
    for letter in "abcdefg":
        assert f"Panel recommendation {letter}:" in text
    assert "Recommendation 16" not in text
