"""raw -> processed: validate every tracker and write the combined tables reports read, then the key measures.

A bad tracker is reported and left out; it never stops the other forces' data being built.
Output is deterministic: the same raw data gives byte-identical processed files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core import atomic, config
from analysis.run.batch import BUILD_INPUT_COLUMNS, build_inputs_path, data_relpath, tracker_input_files
from analysis.sources import measure_files
from analysis.sources.catalogue import FrameworkError, available_frameworks, load_framework
from analysis.sources.trackers import (
    TRACKER_COLUMNS,
    Problem,
    TrackerError,
    discover,
    file_sha256,
    read_raw,
    validate_frame,
)

SNAPSHOT_COLUMNS = [
    "framework",
    "force_id",
    "quarter",
    "as_of",
    "document",
    "dated_because",
    "source_file",
    "sha256",
    "rows",
    "known_at",  # when the snapshot's document became known (issue 18): as_at keeps a snapshot only once known
    "known_because",
]
TRACKER_TABLE_COLUMNS = ["framework", "force_id", "quarter", "as_of", *TRACKER_COLUMNS, "item_order"]


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    snapshots: int = 0


def _relative(path: Path, data_dir) -> str:
    try:
        return Path(path).resolve().relative_to(config.data_dir(data_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


def _short(problem: Problem, count: int) -> str:
    where = f"row {problem.row}" if isinstance(problem.row, int) else problem.row
    extra = f"; {count - 1} more problem(s)" if count > 1 else ""
    return f"{where}: {problem.field}: {problem.message}"[:200] + extra


def build_trackers(data_dir=None) -> BuildResult:
    result = BuildResult()
    out_dir = config.processed_dir(data_dir) / "trackers"
    snapshots, problems = discover(data_dir=data_dir)
    result.problems.extend(problems)
    for fw_id, snaps in _by_framework(snapshots, result, data_dir).items():
        _build_framework(fw_id, snaps, problems, out_dir, result, data_dir)
    return result


def _by_framework(snapshots, result: BuildResult, data_dir) -> dict[str, list]:
    """The snapshots of each framework on disk; one for a framework with no file is a problem."""
    by_framework: dict[str, list] = {fw: [] for fw in available_frameworks(data_dir)}
    for snap in snapshots:
        if snap.framework not in by_framework:
            result.problems.append(
                Problem(str(snap.path), "file", "path", f"no framework file {snap.framework}.yaml for this folder")
            )
            continue
        by_framework[snap.framework].append(snap)
    return by_framework


def _build_framework(fw_id: str, snaps: list, problems: list[Problem], out_dir: Path, result: BuildResult, data_dir):
    """Validate one framework's snapshots, write its tracker table, snapshot index and build-inputs record."""
    seen = {
        data_relpath(p, data_dir): {"force_id": p.parent.name, "quarter": "", "status": "read", "problem": ""}
        for p in tracker_input_files(fw_id, data_dir)
    }
    for problem in problems:  # a file in the wrong place: its force (by folder) is held back, every quarter
        key = data_relpath(Path(problem.file), data_dir)
        if key in seen:
            seen[key].update(status="rejected", problem=_short(problem, 1))
    try:
        framework = load_framework(fw_id, data_dir)
    except FrameworkError as exc:
        result.problems.append(Problem(fw_id, "file", "framework", str(exc)))
        return
    order = {item_id: i for i, item_id in enumerate(framework.ids)}
    tables, index_rows = [], []
    for snap in snaps:
        try:
            frame, file_problems = validate_frame(read_raw(snap.path), framework, str(snap.path))
        except TrackerError as exc:
            file_problems = exc.problems
        key = data_relpath(snap.path, data_dir)
        if file_problems:
            result.problems.extend(file_problems)
            seen[key].update(
                quarter=snap.quarter, status="rejected", problem=_short(file_problems[0], len(file_problems))
            )
            continue
        seen[key].update(quarter=snap.quarter, status="used")
        frame = frame.assign(framework=fw_id, force_id=snap.force_id, quarter=snap.quarter, as_of=snap.as_of)
        frame["item_order"] = frame["recommendation_id"].map(order)
        tables.append(frame[TRACKER_TABLE_COLUMNS])
        index_rows.append(_index_row(fw_id, snap, len(frame), data_dir))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=TRACKER_TABLE_COLUMNS)
    table = table.sort_values(["force_id", "quarter", "item_order"], kind="stable")
    index = pd.DataFrame(index_rows, columns=SNAPSHOT_COLUMNS).sort_values(["force_id", "quarter"], kind="stable")
    result.written.append(atomic.write_csv(out_dir / f"{fw_id}.csv", table))
    result.written.append(atomic.write_csv(out_dir / f"{fw_id}-snapshots.csv", index))
    result.snapshots += len(index)
    record = pd.DataFrame(
        [{"file": f, "sha256": file_sha256(config.data_dir(data_dir) / f), **row} for f, row in sorted(seen.items())],
        columns=BUILD_INPUT_COLUMNS,
    )
    result.written.append(atomic.write_csv(build_inputs_path(fw_id, data_dir), record))


def _index_row(fw_id: str, snap, rows: int, data_dir) -> dict:
    """The snapshot index row of a valid snapshot: where it came from, its hash, and when it became known."""
    return {
        "framework": fw_id,
        "force_id": snap.force_id,
        "quarter": snap.quarter,
        "as_of": snap.as_of,
        "document": str(snap.meta.get("document", "")),
        "dated_because": " ".join(str(snap.meta.get("dated_because", "")).split()),
        "source_file": _relative(snap.path, data_dir),
        "sha256": file_sha256(snap.path),
        "rows": rows,
        "known_at": snap.known_at,
        "known_because": snap.known_because,
    }


def build_and_report(data_dir=None) -> BuildResult:
    """``casey build``: build everything, log each problem (WARNING) and a one-line summary (INFO)."""
    import logging
    import time

    log = logging.getLogger(__name__)
    started = time.perf_counter()
    result = build_all(data_dir)
    for problem in result.problems:
        log.warning("%s", problem)
    log.info(
        "built %d processed files from %d valid tracker snapshots in %.1fs; %d problem(s)",
        len(result.written),
        result.snapshots,
        time.perf_counter() - started,
        len(result.problems),
        extra={"problems": len(result.problems)},
    )
    return result


def build_all(data_dir=None) -> BuildResult:
    """Everything ``casey build`` does: trackers, then the key measures."""
    result = build_trackers(data_dir)
    if config.measures_raw_dir(data_dir).exists():
        bad = measure_files.local_problems(data_dir)  # a bad force-supplied file is left out and holds back its force
        result.problems.extend(bad)
        result.written.extend(build_measures(data_dir))
        _record_rejected_measures(bad, data_dir)
    return result


def _record_rejected_measures(problems: list[Problem], data_dir) -> None:
    """Add rejected force-supplied measures files to every framework's build record: the batch holds
    back that force's reports (every quarter), as it does for a rejected tracker."""
    files: dict[str, list[Problem]] = {}
    for problem in problems:
        files.setdefault(problem.file, []).append(problem)
    if not files:
        return
    rows = [
        {
            "file": data_relpath(Path(f), data_dir),
            "sha256": file_sha256(Path(f)),
            "force_id": measure_files.file_owner(Path(f), data_dir) or Path(f).stem,
            "quarter": "",
            "status": "rejected",
            "problem": _short(found[0], len(found)),
        }
        for f, found in sorted(files.items())
    ]
    for fw_id in available_frameworks(data_dir):
        path = build_inputs_path(fw_id, data_dir)
        if path.exists():
            record = pd.read_csv(path, dtype=str, keep_default_na=False)
            record = pd.concat([record, pd.DataFrame(rows, columns=BUILD_INPUT_COLUMNS)], ignore_index=True)
            atomic.write_csv(path, record)


# --------------------------------------------------------------------------- key measures
def _fmt(value) -> str:
    """Fixed formatting: blank for missing, integers without decimals, else up to 6 decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _to_csv_text(frame: pd.DataFrame) -> str:
    formatted = frame.apply(lambda col: col.map(_fmt))
    return formatted.to_csv(index=False, lineterminator="\n")


def build_measures(data_dir=None) -> list[Path]:
    """Write observations.csv, charge_rate_force_quarter.csv and national.csv atomically.

    Output is sorted and formatted with fixed rules, so rebuilding from the same
    inputs gives byte-identical files.
    """
    from analysis.compute import measures  # imported only when the measures are built, as before the split

    out_dir = config.processed_dir(data_dir) / "measures"
    obs = measures.observations(data_dir)
    series = measures.charge_rate_series(data_dir)
    national = measures.national_series(data_dir)
    pct = {"rate": "rate_pct", "lower": "lower_pct", "upper": "upper_pct"}
    for frame in (series, national):
        for col in pct:
            frame[col] = frame[col] * 100
    series = series.rename(columns=pct)[
        ["force_id", "period", "basis", "charges", "assigned", "rate_pct", "lower_pct", "upper_pct", "note"]
    ]
    national = national.rename(columns=pct)[
        [
            "force_id",
            "period",
            "basis",
            "charges",
            "assigned",
            "rate_pct",
            "lower_pct",
            "upper_pct",
            "forces_included",
            "note",
        ]
    ]
    outputs = {
        "observations.csv": obs,
        "charge_rate_force_quarter.csv": series.sort_values(["force_id", "basis", "period"]),
        "national.csv": national.sort_values(["basis", "period"]),
    }
    return [atomic.write_text(out_dir / name, _to_csv_text(frame)) for name, frame in outputs.items()]
