"""benchmarks/history_growth.py makes longer histories that the pipeline accepts, and never touches data/raw."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import shutil

from conftest import RAW_FOLDERS, ROOT, copy_real_data

from analysis.run.build import build_all


def _bench():
    spec = importlib.util.spec_from_file_location("history_growth", ROOT / "benchmarks/history_growth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fys(path, column):
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted({row[column] for row in csv.DictReader(handle)})


def test_twelve_years_prepends_nine_synthetic_years_and_still_builds(tmp_path):
    bench = _bench()
    before = hashlib.sha256((ROOT / "data/raw/measures/home-office-outcomes/force_quarter.csv").read_bytes()).digest()
    data = copy_real_data(tmp_path / "data", RAW_FOLDERS)
    real_first = _fys(data / "raw/measures/home-office-outcomes/force_quarter.csv", "fy")[0]
    stop_search = next((data / "raw/measures/stop-search").glob("*.csv"))
    assert _fys(stop_search, "time") == ["2020/21", "2021/22", "2022/23"]

    added = bench.extend(data / "raw", 12)

    assert added["force_quarter.csv"] > 0 and added["local/leicestershire.csv"] > 0
    assert _fys(stop_search, "time")[0] == "2011/12"  # 3 bundled + 9 synthetic years
    assert _fys(data / "raw/measures/home-office-outcomes/force_quarter.csv", "fy")[0] == bench._fy_back(real_first, 9)
    assert "Not real data" in (data / "raw/SYNTHETIC.md").read_text()
    assert build_all(data).problems == []
    after = hashlib.sha256((ROOT / "data/raw/measures/home-office-outcomes/force_quarter.csv").read_bytes()).digest()
    assert before == after  # the repository's data is never written


def test_three_years_is_the_bundled_data_unchanged(tmp_path):
    bench = _bench()
    shutil.copytree(ROOT / "data/raw/measures", tmp_path / "raw/measures")
    assert bench.extend(tmp_path / "raw", 3) == {}
    assert not (tmp_path / "raw/SYNTHETIC.md").exists()
