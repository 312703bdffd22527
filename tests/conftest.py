"""Shared fixtures: a small data tree built from hand-made trackers plus the real registry and catalogue."""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW_FOLDERS = ("forces", "frameworks", "trackers", "measures")  # what a report reads (no mappings, no outgoing)


def make_data_tree(root: Path, trackers: dict[str, str] | None = None) -> Path:
    """A data root with the real force registry and Casey catalogue, and the given tracker files.

    ``trackers`` maps ``force/quarter.csv`` to a fixture file name under fixtures/trackers.
    """
    raw = root / "raw"
    (raw / "forces").mkdir(parents=True)
    shutil.copy(ROOT / "data/raw/forces/forces.csv", raw / "forces/forces.csv")
    (raw / "frameworks").mkdir()
    shutil.copy(ROOT / "data/raw/frameworks/casey-2023.yaml", raw / "frameworks/casey-2023.yaml")
    for target, source in (trackers or {}).items():
        dest = raw / "trackers/casey-2023" / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "trackers" / source, dest)
    return root


def copy_real_data(data: Path, folders: tuple[str, ...] | None = None, build: bool = False) -> Path:
    """The repository's real ``data/raw`` copied to ``data/raw`` (all of it, or only ``folders``), and built into
    ``data/processed`` (with no problem allowed) when ``build``: the one copy of the bundled data tests change."""
    if folders is None:
        shutil.copytree(ROOT / "data/raw", data / "raw")
    for folder in folders or ():
        shutil.copytree(ROOT / "data/raw" / folder, data / "raw" / folder)
    if build:
        from analysis.run.build import build_all

        assert build_all(data).problems == []
    return data


LEICESTERSHIRE_TWO_SNAPSHOTS = {
    "leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv",
    "leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv",
}
"""The hand-made trackers of :func:`fixture_data` (2024-25 Q1 has a row marked OFFICIAL-SENSITIVE)."""


@pytest.fixture
def fixture_data(tmp_path) -> Path:
    """Leicestershire with two snapshots (2023-24 Q1, 2024-25 Q1) from hand-made trackers."""
    return make_data_tree(tmp_path / "data", LEICESTERSHIRE_TWO_SNAPSHOTS)


@pytest.fixture
def one_sensitive_row(tmp_path) -> Path:
    """Leicestershire's 2024-25 Q1 tracker with two rows, recommendation 3's marked OFFICIAL-SENSITIVE ("covert
    tactic" in its evidence), built."""
    from analysis.run.build import build_all
    from analysis.sources.trackers import COLUMNS

    data = make_data_tree(tmp_path / "data")
    path = data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    path.parent.mkdir(parents=True)
    rows = [
        ["1", "in_progress", "PSD", "e", "a", "", "OFFICIAL", "stated", "doc"],
        ["3", "complete", "CCU", "covert tactic", "", "", "OFFICIAL-SENSITIVE", "stated", "doc"],
    ]
    path.write_text("\n".join(",".join(r) for r in [COLUMNS, *rows]) + "\n")
    assert build_all(data).problems == []
    return data


@pytest.fixture
def casey():
    from analysis.sources.catalogue import load_framework

    return load_framework("casey-2023", ROOT / "data")


def make_measures_tree(root: Path, build: bool = False) -> Path:
    """A data tree with Leicestershire's 2024/25 Q1 fixture tracker and a copy of the real measures data (built into
    ``processed/`` with no problem allowed when ``build``)."""
    from analysis.compute import measures

    make_data_tree(root, {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    shutil.copytree(ROOT / "data/raw/measures", root / "raw/measures")
    measures.clear_caches()
    if build:
        from analysis.run.build import build_all

        assert build_all(root).problems == []
    return root


@pytest.fixture
def measures_tree(tmp_path) -> Path:
    """:func:`make_measures_tree` in this test's folder, not built."""
    return make_measures_tree(tmp_path / "data")


@pytest.fixture(scope="module")
def real_data(tmp_path_factory) -> Path:
    """A copy of the bundled data/raw (forces, frameworks, trackers, measures) built into data/processed: one per
    test module, so a module may change its copy without touching another's."""
    return copy_real_data(tmp_path_factory.mktemp("real") / "data", RAW_FOLDERS, build=True)


def casey_command(data: Path, *args) -> list[str]:
    """The argv of ``casey --data-dir DATA ARGS...`` run as its own process, with this interpreter."""
    return [sys.executable, "-m", "analysis", "--data-dir", str(data), *map(str, args)]
