"""What the last build read (``processed/trackers/<framework>-build-inputs.csv``): refuse stale processed data."""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

from analysis.core import config
from analysis.run.batch.errors import StaleData

csv.field_size_limit(sys.maxsize)

BUILD_INPUT_COLUMNS = ["file", "sha256", "force_id", "quarter", "status", "problem"]


def build_inputs_path(framework: str, data_dir) -> Path:
    """``processed/trackers/<framework>-build-inputs.csv``: every raw tracker-folder file the build saw."""
    return config.processed_dir(data_dir) / "trackers" / f"{framework}-build-inputs.csv"


def tracker_input_files(framework: str, data_dir) -> list[Path]:
    """The files under ``raw/trackers/<framework>/<force>/`` a build reads (trackers and their .meta.yaml)."""
    folder = config.trackers_dir(data_dir) / framework
    if not folder.exists():
        return []
    return sorted(p for p in folder.glob("*/*") if p.is_file() and not p.name.startswith((".", "~$")))


def data_relpath(path: Path, data_dir) -> str:
    root = config.data_dir(data_dir).resolve()
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def check_build_is_current(framework: str, data_dir) -> list[dict]:
    """Refuse stale processed data; return the tracker files the last build rejected.

    Every raw tracker file (and .meta.yaml) must be byte-for-byte what the last build read, else a
    report would show data that no longer matches data/raw (an import with --replace since the
    build, say). Raises :class:`StaleData` naming the changed files.
    """
    path = build_inputs_path(framework, data_dir)
    if not path.exists():
        raise StaleData(
            f"{path} is missing: the processed data was not built by this version; run `casey build` "
            "(or `casey batch --build`)"
        )
    rows = read_csv_rows(path)
    tracker_folder = data_relpath(config.trackers_dir(data_dir) / framework, data_dir) + "/"
    recorded = {row["file"]: row for row in rows if row["file"].startswith(tracker_folder)}
    current = {data_relpath(p, data_dir): p for p in tracker_input_files(framework, data_dir)}
    changed = sorted(f for f in current if f not in recorded or recorded[f]["sha256"] != _file_sha(current[f]))
    removed = sorted(set(recorded) - set(current))
    if changed or removed:
        names = [*(f"{f} changed" for f in changed), *(f"{f} removed" for f in removed)]
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        raise StaleData(
            f"the processed data is older than data/raw ({'; '.join(names[:3])}{more}): "
            "run `casey build` (or `casey batch --build`) first"
        )
    return [row for row in rows if row["status"] == "rejected"]  # trackers and force-supplied measures files


def _file_sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
