"""Planning: the forces and quarters asked for, and each report's input hashes (light: csv + hashlib only)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from analysis import __version__
from analysis.core import config
from analysis.core.audience import Audience
from analysis.core.errors import UsageError
from analysis.core.periods import Quarter, latest_complete_quarter
from analysis.run.batch.errors import BatchUsageError, MissingData
from analysis.run.batch.inputs import build_inputs_path, read_csv_rows
from analysis.run.batch.jobs import DEFAULT_TIMEOUT, JobSpec
from analysis.run.remote import NOTEBOOK_FILES
from analysis.sources import markings

AUDIENCES = config.AUDIENCES

NATIONAL = config.NATIONAL_STEM

QUARTER_KEYWORDS = ("latest", "tracker-quarters")


def blocking_reason(kind: str, force: str, quarter: Quarter, rejected: list[dict]) -> str:
    """Why a report must not be rendered: a tracker it depends on is invalid (empty when none is)."""
    for row in rejected:
        if kind == "force" and row["force_id"] != force:
            continue
        if row["quarter"] and not _not_after(row["quarter"], quarter):
            continue  # a later quarter's bad tracker does not touch this report
        return (
            f"not rendered: {row['file']} is invalid ({row['problem']}); fix it and rebuild. "
            "The previous internal report is kept; the public one is withdrawn"
        )
    return ""


def _forces(data_dir) -> list[dict]:
    return read_csv_rows(config.forces_file(data_dir))


def select_forces(keys: list[str] | None, data_dir) -> list[str]:
    """Force slugs for ``--forces`` (slug, ONS code or name, as ``casey report`` accepts); all if empty."""
    registry = _forces(data_dir)
    if not keys:
        return [row["force_id"] for row in registry]
    chosen = []
    for key in keys:
        needle = str(key).strip().lower()
        match = [r["force_id"] for r in registry if needle in (r["force_id"], r["pfa_code"].lower(), r["name"].lower())]
        if not match:
            choices = ", ".join(r["force_id"] for r in registry)
            raise BatchUsageError(f"unknown force {key!r}; choose a slug or ONS code from: {choices}")
        if match[0] not in chosen:
            chosen.append(match[0])
    return chosen


def _tracker_tables(framework: str, data_dir) -> tuple[Path, Path]:
    folder = config.processed_dir(data_dir) / "trackers"
    table, index = folder / f"{framework}.csv", folder / f"{framework}-snapshots.csv"
    for path in (table, index):
        if not path.exists():
            raise MissingData(f"{path} is missing: run `casey build` first (or `casey batch --build`)")
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle), [])
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise MissingData(f"{path} is damaged ({exc}): run `casey build`") from exc
        if not {"force_id", "quarter"} <= set(header):
            raise MissingData(f"{path} is damaged (no force_id and quarter columns): run `casey build`")
    return table, index


def resolve_quarters(values: list[str], framework: str, data_dir, today: dt.date | None = None) -> list[Quarter]:
    """``latest`` = the most recent complete quarter; ``tracker-quarters`` = every quarter with a tracker."""
    found: list[Quarter] = []
    for value in values:
        if value == "latest":
            found.append(latest_complete_quarter(today))
        elif value == "tracker-quarters":
            _, index = _tracker_tables(framework, data_dir)
            inputs = build_inputs_path(framework, data_dir)  # quarters whose tracker was rejected count too
            rejected = [r for r in read_csv_rows(inputs) if r["status"] == "rejected"] if inputs.exists() else []
            for row in [*read_csv_rows(index), *rejected]:
                try:
                    found.append(Quarter.of(row["quarter"]))
                except ValueError:
                    continue
        else:
            quarter = Quarter.of(value)
            if quarter.start > (today or dt.date.today()):
                raise BatchUsageError(
                    f"{quarter.id} starts on {quarter.start.isoformat()}, after today: "
                    "there is nothing to report yet; check --quarter"
                )
            found.append(quarter)
    return sorted(set(found), reverse=True)


def sha256_of(*chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk if isinstance(chunk, bytes) else str(chunk).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _files_sha(paths, name=str) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(name(Path(path)).encode())
        digest.update(b"\x00")
        digest.update(Path(path).read_bytes())
        digest.update(b"\x00")
    return digest.hexdigest()


def code_version() -> dict:
    """The package version and a hash of every source file and template it ships."""
    files = sorted(
        p
        for p in config.PACKAGE_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(config.PACKAGE_DIR).as_posix().encode())
        digest.update(b"\x00")
        digest.update(path.read_bytes())
    return {
        "package_version": __version__,
        "source_sha256": digest.hexdigest(),
        "source_files": len(files),
        "python": ".".join(map(str, sys.version_info[:3])),
    }


def notebook_path(kind: str) -> Path:
    return config.NOTEBOOKS_DIR / NOTEBOOK_FILES[kind]


def _shared_inputs(framework: str, data_dir) -> dict:
    """Hashes of the inputs every report of a run shares (paths relative to the data root)."""
    root = config.data_dir(data_dir)
    measures = []
    for folder in (config.measures_raw_dir(data_dir), config.processed_dir(data_dir) / "measures"):
        if folder.exists():
            measures += sorted(p for p in folder.rglob("*") if p.is_file())
    rel = lambda p: p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)  # noqa: E731
    return {
        "framework": _files_sha([config.frameworks_dir(data_dir) / f"{framework}.yaml"], rel),
        "forces": _files_sha([config.forces_file(data_dir)], rel),
        "measures": _files_sha(measures, rel),
        "measures_files": len(measures),
    }


def _not_after(text: str, quarter: Quarter) -> bool:
    """Rows up to ``quarter``; a row whose quarter does not parse counts everywhere (the report that
    reads it fails and says why; planning must not)."""
    try:
        return Quarter.of(text) <= quarter
    except ValueError:
        return True


def _audience_rows(rows: list[dict], audience: Audience) -> list[dict]:
    """The rows a report for ``audience`` depends on. For the public, a withheld row counts only by its id and
    quarter (which recommendation is withheld), so the public manifest says nothing of its text, owner or status,
    and a change to a withheld row does not change a public report's inputs."""
    if not audience.is_public:
        return rows
    return [
        r
        if markings.is_public(r)
        else {"recommendation_id": r.get("recommendation_id", ""), "quarter": r.get("quarter", ""), "withheld": "1"}
        for r in rows
    ]


def _snapshot_fields(row: dict, audience: Audience) -> list:
    """A snapshot index row as a report for ``audience`` sees it: the public never sees the raw file's hash
    nor its row count (both change with withheld rows); the public report's content is covered by its visible rows."""
    return [v for k, v in row.items() if not (audience.is_public and k in ("sha256", "rows"))]


@dataclass
class Plan:
    quarter: Quarter
    jobs: list[JobSpec]
    inputs: dict[str, dict]  # relpath -> component hashes (for the manifest)
    with_tracker: list[str] = field(default_factory=list)  # forces with a tracker snapshot for this quarter
    blocked: dict[str, str] = field(default_factory=dict)  # relpath -> why it must not be rendered (invalid input)


def _check_choices(audiences: list[Audience | str], framework: str, data_dir) -> list[Audience]:
    """The audiences asked for (the CLI's or a report-sets file's strings) as Audiences; refuse an unknown
    audience or a framework with no file in data/raw/frameworks."""
    try:
        checked = [Audience.of(a) for a in audiences]
    except UsageError as exc:
        raise BatchUsageError(str(exc)) from None
    frameworks = sorted(p.stem for p in config.frameworks_dir(data_dir).glob("*.yaml"))
    if framework not in frameworks:
        raise BatchUsageError(f"unknown framework {framework!r}; available: {', '.join(frameworks)}")
    return checked


def _row_hashes(rows: list[dict], snapshots: list[dict], later: int, audience: Audience) -> dict:
    """The tracker rows and snapshot-index rows a report for ``audience`` sees, hashed and counted."""
    seen = _audience_rows(rows, audience)
    return {
        "tracker_rows": sha256_of(*(json.dumps(list(r.values()), ensure_ascii=False) for r in seen)),
        "tracker_row_count": len(seen),
        "later_snapshots": later,
        "snapshot_rows": sha256_of(*(json.dumps(_snapshot_fields(r, audience), ensure_ascii=False) for r in snapshots)),
    }


def _parameters_sha(**parameters) -> str:
    return sha256_of(json.dumps(parameters, sort_keys=True))


def plan(
    quarters: list[Quarter],
    forces: list[str],
    audiences: list[Audience | str],
    framework: str,
    data_dir,
    out_dir,
    engine: str = "inprocess",
    national: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
    rejected: list[dict] | None = None,
) -> list[Plan]:
    """One :class:`Plan` per quarter: the jobs with their input hashes (no rendering yet)."""
    audiences = _check_choices(audiences, framework, data_dir)
    table_path, index_path = _tracker_tables(framework, data_dir)
    rows, index_rows = read_csv_rows(table_path), read_csv_rows(index_path)
    shared = _shared_inputs(framework, data_dir)
    code = code_version()["source_sha256"]
    notebooks = {kind: _files_sha([notebook_path(kind)], lambda p: p.name) for kind in ("force", "national")}
    data_root, out_root = str(config.data_dir(data_dir)), str(config.reports_dir(out_dir))
    plans = []
    for quarter in quarters:
        upto = [r for r in rows if _not_after(r["quarter"], quarter)]
        idx_upto = [r for r in index_rows if _not_after(r["quarter"], quarter)]
        idx_later = [r["force_id"] for r in index_rows if not _not_after(r["quarter"], quarter)]
        jobs, inputs, blocked = [], {}, {}
        work = [("national", NATIONAL)] if national else []
        work += [("force", f) for f in forces]
        for kind, force in work:
            mine = upto if kind == "national" else [r for r in upto if r["force_id"] == force]
            snaps = idx_upto if kind == "national" else [r for r in idx_upto if r["force_id"] == force]
            # a report says (in one line) whether later trackers are held, and its claims count them
            later = len(idx_later) if kind == "national" else idx_later.count(force)
            for audience in audiences:
                spec = JobSpec(kind, force, quarter.id, audience, framework, data_root, out_root, engine, timeout)
                parts = {
                    **_row_hashes(mine, snaps, later, audience),
                    **shared,
                    "notebook": notebooks[kind],
                    "code": code,
                    "parameters": _parameters_sha(**spec.asked()),
                }
                spec = replace(spec, input_sha256=sha256_of(*(f"{k}={v}" for k, v in sorted(parts.items()))))
                jobs.append(spec)
                inputs[spec.relpath] = parts
                reason = blocking_reason(kind, force, quarter, rejected or [])
                if reason:
                    blocked[spec.relpath] = reason
        submitted = sorted({r["force_id"] for r in index_rows if r["quarter"] == quarter.id})
        plans.append(Plan(quarter, jobs, inputs, submitted, blocked))
    return plans
