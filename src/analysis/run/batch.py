"""The quarterly run: every force (and the national overview) for a quarter, in parallel.

``casey batch --quarter latest`` plans one job per force × audience (plus a national overview
per audience), skips the jobs whose inputs have not changed since the last run, runs the rest
on a pool of worker processes (or a Dask cluster), and writes:

* ``reports/<quarter>/<force>.html`` (and ``public/``), ``national-overview.html``;
* ``reports/<quarter>/manifest.json``: parameters, code version, input hashes, durations and the
  status of every report (machine-readable; the next run reads it to decide what to skip);
* ``reports/index.html`` and ``reports/<quarter>/index.html``.

Isolation: each job runs in a worker with a fresh notebook namespace (:mod:`analysis.run.engine`);
a job's exception, a notebook error, a time-out or even a crashed worker process marks that job
failed and nothing else. A failed job keeps ``<name>.failed.ipynb`` and never writes HTML.

Incremental: a job's input hash covers its force's processed tracker rows up to the quarter,
its snapshot-index rows, every measures input file, the framework and force registry, the
notebook, the package's source files and templates, and the parameters. Unchanged hash + HTML on
disk = skipped (``--force-rerun`` overrides).

Planning deliberately avoids importing pandas, papermill or matplotlib, so a run with nothing to
do finishes in a fraction of a second; workers import them once (in a fork server).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import analysis
from analysis import __version__
from analysis.core import atomic, config
from analysis.core.errors import (
    EXIT_DATA,
    EXIT_INFRASTRUCTURE,
    EXIT_OK,
    MissingInputs,
    OutputFolderLocked,
    UsageError,
)
from analysis.core.periods import Quarter, latest_complete_quarter
from analysis.core.settings import (
    DASK_CONNECT_TIMEOUT_SECONDS,
    DASK_RETRIES,
    DASK_WORKER_START_SECONDS,
    MAX_TASKS_PER_WORKER,
    REPORT_TIMEOUT_SECONDS,
)
from analysis.run.remote import NOTEBOOK_FILES

# what the run says goes to this logger; only the command line (analysis.cli.logs) decides where it is written
log = logging.getLogger(__name__)

AUDIENCES = config.AUDIENCES
EXECUTORS = ("local", "dask")
NATIONAL = config.NATIONAL_STEM
MANIFEST = "manifest.json"
MANIFEST_SCHEMA = 1
DEFAULT_TIMEOUT = REPORT_TIMEOUT_SECONDS
DEFAULT_MAX_TASKS_PER_CHILD = MAX_TASKS_PER_WORKER
QUARTER_KEYWORDS = ("latest", "tracker-quarters")
OK_STATUSES = ("rendered", "unchanged")
# a report not rendered for a reason that is not its inputs' (a worker lost, on other code, too slow):
# its pages stay as they were, public ones too, and the next run tries again
INFRASTRUCTURE = "infrastructure_failed"

csv.field_size_limit(sys.maxsize)


class BatchUsageError(UsageError):
    """Bad options (unknown force, quarter, framework, executor); the CLI exits 2."""


class MissingData(MissingInputs):
    """The processed tables are not there: run ``casey build`` (or ``casey batch --build``)."""


BatchLocked = OutputFolderLocked  # another ``casey batch`` is writing to the same reports folder


LOCK_NAME = ".casey-batch.lock"


def lock_reports_folder(out_dir):
    """Hold an exclusive lock on the reports folder for this run, or raise :class:`BatchLocked`.

    ``flock`` locks belong to the open file: the kernel drops them when the process ends, however
    it ends (even ``kill -9``), so a crashed run never leaves the folder locked. Returns the open
    file; keep it open for the whole run.
    """
    import fcntl

    root = config.reports_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / LOCK_NAME, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise BatchLocked(
            f"another casey batch ({holder}) is writing to {root}; try again when it has finished"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}, started {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
    handle.flush()
    return handle


def die_with_main(main_pid: int) -> None:
    """Worker initialiser: this worker kills itself as soon as the main ``casey batch`` process is gone.

    A worker's parent is the fork server, which each worker keeps alive (it holds the server's
    "alive" pipe), so a parent-death signal alone never fires; instead a watcher thread waits on a
    pidfd of the main process (Linux 5.3+; elsewhere it polls) and ends the worker when it exits,
    however it exits (even ``kill -9``). The fork server then exits too, having no workers left.
    """
    import select
    import signal
    import threading

    def watch() -> None:
        try:
            handle = os.pidfd_open(main_pid)
            select.select([handle], [], [])  # readable once the process has exited
        except (AttributeError, OSError):  # no pidfd here: poll
            while True:
                try:
                    os.kill(main_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:  # pragma: no cover - the pid was reused by another user's process
                    break
                time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="casey-die-with-main", daemon=True).start()


class StaleData(MissingData):
    """data/raw's tracker files changed since the last build: the processed tables would be stale."""


# --------------------------------------------------------------------------- what the last build read
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
    rows = _read_csv(path)
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


# --------------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs for one report; small and picklable (it travels to Dask too)."""

    kind: str  # "force" or "national"
    force: str  # force slug, or "national-overview"
    quarter: str
    audience: str
    framework: str
    data_dir: str
    out_dir: str
    engine: str = "inprocess"
    timeout: float | None = DEFAULT_TIMEOUT
    input_sha256: str = ""
    notebooks_dir: str = ""  # empty: the repository's notebooks (a Dask worker runs the copies it was sent)

    @property
    def relpath(self) -> str:
        """Where the HTML goes, relative to ``<out>/<quarter>/``; also the manifest key."""
        parts = []
        if self.framework != config.DEFAULT_FRAMEWORK:
            parts.append(self.framework)
        if self.audience == "public":
            parts.append("public")
        return "/".join([*parts, f"{self.force}.html"])

    def html_path(self) -> Path:
        return Path(self.out_dir) / self.quarter / self.relpath

    @property
    def label(self) -> str:
        return f"{self.quarter} {self.force} ({self.audience})"


_JOBS_IN_THIS_PROCESS = 0


def run_job(spec: JobSpec) -> dict:
    """Render one report. Runs in a worker; never raises: a failure is a result like any other."""
    started = time.perf_counter()
    result = {"key": spec.relpath, "quarter": spec.quarter, "status": "failed", "error": "", "failed_notebook": None}
    try:
        from analysis.run import render

        notebook = Path(spec.notebooks_dir) / NOTEBOOK_FILES[spec.kind] if spec.notebooks_dir else None
        how = {"engine": spec.engine, "timeout": spec.timeout, "notebook": notebook}
        if spec.kind == "national":
            job = render.checked_national_job(spec.quarter, spec.audience, spec.framework, spec.data_dir)
            render.render_national(job, spec.data_dir, spec.out_dir, **how)
        else:
            job = render.checked_job(spec.force, spec.quarter, spec.audience, spec.framework, spec.data_dir)
            render.render_report(job, spec.data_dir, spec.out_dir, **how)
        result["status"] = "rendered"
    except Exception as exc:
        result["error"] = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        result["timed_out"] = bool(getattr(exc, "timed_out", False))
        failed = getattr(exc, "failed_notebook", None)
        if failed:
            result["failed_notebook"] = str(failed)
    result["duration_s"] = round(time.perf_counter() - started, 3)
    global _JOBS_IN_THIS_PROCESS
    _JOBS_IN_THIS_PROCESS += 1
    result["worker_pid"] = os.getpid()
    result["worker_job_number"] = _JOBS_IN_THIS_PROCESS
    result["worker_peak_rss_mb"] = _peak_rss_mb()
    return result


def _peak_rss_mb() -> float | None:
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
    except Exception:  # pragma: no cover - not on Windows
        return None


# --------------------------------------------------------------------------- planning (light: csv + hashlib only)
def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _forces(data_dir) -> list[dict]:
    return _read_csv(config.forces_file(data_dir))


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
            rejected = [r for r in _read_csv(inputs) if r["status"] == "rejected"] if inputs.exists() else []
            for row in [*_read_csv(index), *rejected]:
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


def _sha(*chunks) -> str:
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
    return config.report_notebook() if kind == "force" else config.NOTEBOOKS_DIR / "national_overview.ipynb"


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


SENSITIVE_MARKING = "OFFICIAL-SENSITIVE"  # analysis.sources.trackers.SENSITIVE (not imported: planning stays light)


def _audience_rows(rows: list[dict], audience: str) -> list[dict]:
    """The rows a report for ``audience`` depends on. For the public, a withheld row counts only by its id and
    quarter (which recommendation is withheld), so the public manifest says nothing of its text, owner or status,
    and a change to a withheld row does not change a public report's inputs."""
    if audience != "public":
        return rows
    return [
        r
        if r.get("marking") != SENSITIVE_MARKING
        else {"recommendation_id": r.get("recommendation_id", ""), "quarter": r.get("quarter", ""), "withheld": "1"}
        for r in rows
    ]


def _snapshot_fields(row: dict, audience: str) -> list:
    """A snapshot index row as a report for ``audience`` sees it: the public never sees the raw file's hash
    nor its row count (both change with withheld rows); the public report's content is covered by its visible rows."""
    return [v for k, v in row.items() if not (audience == "public" and k in ("sha256", "rows"))]


@dataclass
class Plan:
    quarter: Quarter
    jobs: list[JobSpec]
    inputs: dict[str, dict]  # relpath -> component hashes (for the manifest)
    with_tracker: list[str] = field(default_factory=list)  # forces with a tracker snapshot for this quarter
    blocked: dict[str, str] = field(default_factory=dict)  # relpath -> why it must not be rendered (invalid input)


def plan(
    quarters: list[Quarter],
    forces: list[str],
    audiences: list[str],
    framework: str,
    data_dir,
    out_dir,
    engine: str = "inprocess",
    national: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
    rejected: list[dict] | None = None,
) -> list[Plan]:
    """One :class:`Plan` per quarter: the jobs with their input hashes (no rendering yet)."""
    for audience in audiences:
        if audience not in AUDIENCES:
            raise BatchUsageError(f"unknown audience {audience!r}; choose one of: {', '.join(AUDIENCES)}")
    frameworks = sorted(p.stem for p in config.frameworks_dir(data_dir).glob("*.yaml"))
    if framework not in frameworks:
        raise BatchUsageError(f"unknown framework {framework!r}; available: {', '.join(frameworks)}")
    table_path, index_path = _tracker_tables(framework, data_dir)
    rows, index_rows = _read_csv(table_path), _read_csv(index_path)
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
                seen = _audience_rows(mine, audience)
                parts = {
                    "tracker_rows": _sha(*(json.dumps(list(r.values()), ensure_ascii=False) for r in seen)),
                    "tracker_row_count": len(seen),
                    "later_snapshots": later,
                    "snapshot_rows": _sha(
                        *(json.dumps(_snapshot_fields(r, audience), ensure_ascii=False) for r in snaps)
                    ),
                    **dict(shared.items()),
                    "notebook": notebooks[kind],
                    "code": code,
                    "parameters": _sha(
                        json.dumps(
                            {
                                "kind": kind,
                                "force": force,
                                "quarter": quarter.id,
                                "audience": audience,
                                "framework": framework,
                                "engine": engine,
                            },
                            sort_keys=True,
                        )
                    ),
                }
                digest = _sha(*(f"{k}={v}" for k, v in sorted(parts.items())))
                spec = JobSpec(
                    kind, force, quarter.id, audience, framework, data_root, out_root, engine, timeout, digest
                )
                jobs.append(spec)
                inputs[spec.relpath] = parts
                reason = blocking_reason(kind, force, quarter, rejected or [])
                if reason:
                    blocked[spec.relpath] = reason
        submitted = sorted({r["force_id"] for r in index_rows if r["quarter"] == quarter.id})
        plans.append(Plan(quarter, jobs, inputs, submitted, blocked))
    return plans


# --------------------------------------------------------------------------- manifest
def manifest_path(out_dir, quarter: str) -> Path:
    return config.reports_dir(out_dir) / quarter / MANIFEST


def read_manifest(out_dir, quarter: str) -> dict:
    path = manifest_path(out_dir, quarter)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if data.get("schema") == MANIFEST_SCHEMA else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict) -> Path:
    return atomic.write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def is_unchanged(spec: JobSpec, previous: dict) -> bool:
    entry = (previous.get("reports") or {}).get(spec.relpath)
    return bool(
        entry
        and entry.get("status") in OK_STATUSES
        and entry.get("input_sha256") == spec.input_sha256
        and spec.html_path().exists()
    )


# --------------------------------------------------------------------------- executors
def _local_results(specs: list[JobSpec], workers: int, max_tasks_per_child: int | None, data_dir: str):
    """Yield ``(spec, result)`` as jobs finish, on a process pool forked from a warm fork server.

    A worker that dies (segfault, out of memory) breaks a ``ProcessPoolExecutor``; the jobs it took
    down are retried on a fresh pool, and a job that breaks a pool twice is run alone and, if it
    crashes again, reported as failed. Nobody else's report is lost.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    os.environ.setdefault("MPLBACKEND", "agg")
    os.environ["CASEY_PRELOAD_DATA_DIR"] = data_dir
    try:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["analysis.run._preload"])
    except ValueError:  # pragma: no cover - no fork server on this platform
        ctx = mp.get_context("spawn")
    # Workers are recycled by starting a new pool every ``workers * max_tasks_per_child`` reports
    # (forking from the warm server costs ~0.1 s), not by ProcessPoolExecutor's own
    # max_tasks_per_child: on Python 3.11 that can deadlock when a retiring worker exits
    # (CPython gh-115634), which a 88-report run hit.
    chunk = workers * max_tasks_per_child if max_tasks_per_child else None
    pending, crashes = list(specs), {}
    while pending:
        shared = [s for s in pending if crashes.get(s, 0) < 2]
        groups = [shared[i : i + (chunk or len(shared))] for i in range(0, len(shared), chunk or max(1, len(shared)))]
        groups += [[s] for s in pending if crashes.get(s, 0) >= 2]
        pending = []
        for group in groups:
            pool = ProcessPoolExecutor(
                max_workers=max(1, min(workers, len(group))),
                mp_context=ctx,
                initializer=die_with_main,
                initargs=(os.getpid(),),
            )
            try:
                futures = {pool.submit(run_job, spec): spec for spec in group}
                for future in as_completed(futures):
                    spec = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        crashes[spec] = crashes.get(spec, 0) + 1
                        if len(group) == 1:  # it ran alone and still took its worker down
                            result = _failure(
                                spec, "the worker process died while rendering this report (crash or out of memory)"
                            )
                        else:
                            pending.append(spec)
                            continue
                    except Exception as exc:
                        result = _failure(spec, f"{type(exc).__name__}: {exc}")
                    yield spec, result
            except GeneratorExit:  # the caller stopped (Ctrl-C): do not wait for queued reports
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True)


class SchedulerUnreachable(BatchUsageError):
    """``--scheduler`` names no Dask scheduler that answers (closed port, wrong address); exit 2."""


class WorkerMismatch(BatchUsageError):
    """A Dask worker cannot run this client's code (another version, or no package at all); exit 2."""


def worker_identity() -> dict:
    """Run on each Dask worker on connect: the package version and source hash it would render with."""
    version = code_version()
    return {"package_version": version["package_version"], "source_sha256": version["source_sha256"]}


def _release(version: str) -> str:
    """A version without setuptools-scm's dirty-tree date (``.d20261207``): that names the state of a checkout's
    files, data folders included (hidden on a worker with none), not the code; the source hash checks the code."""
    return re.sub(r"\.d\d{8}$", "", version)


def check_workers(client, mine: dict | None = None) -> list[str]:
    """Refuse the run, before any task, if a worker runs other code than this client; the workers' addresses."""
    mine = mine or worker_identity()
    try:
        client.wait_for_workers(1, timeout=DASK_CONNECT_TIMEOUT_SECONDS)
    except TimeoutError:
        raise SchedulerUnreachable(
            f"the Dask scheduler has no workers after {DASK_CONNECT_TIMEOUT_SECONDS:g}s: start `dask worker` on a host"
        ) from None
    theirs = client.run(worker_identity, on_error="return")
    for address, found in sorted(theirs.items()):
        if isinstance(found, BaseException):
            raise WorkerMismatch(
                f"Dask worker {address} cannot run casey ({type(found).__name__}: {found}): install "
                f"casey-progress {mine['package_version']} there, as on this client"
            )
        if _release(found["package_version"]) != _release(mine["package_version"]):
            raise WorkerMismatch(
                f"Dask worker {address} runs casey-progress {found['package_version']}, this client "
                f"{mine['package_version']}: install the same version on every worker"
            )
        if found["source_sha256"] != mine["source_sha256"]:
            raise WorkerMismatch(
                f"Dask worker {address} runs casey-progress {found['package_version']} built from other source files "
                f"(source sha256 {found['source_sha256'][:12]}, this client {mine['source_sha256'][:12]}): "
                "install the same build on every worker"
            )
    return sorted(theirs)


def render_remote(spec: JobSpec, bundle, source_sha256: str, client_version: str = "") -> dict:
    """A Dask task: render one report from the shipped bundle into a temporary folder; return its files.

    Raises :class:`~analysis.run.remote.InfrastructureError` (so Dask retries it) for what is not the
    report's fault; a report's own failure is a result like any other, with its failed notebook."""
    import importlib
    import shutil
    import tempfile
    from dataclasses import replace

    from analysis.run import remote

    if worker_identity()["source_sha256"] != source_sha256:  # a worker that joined after the check on connect
        raise remote.InfrastructureError(f"this worker runs other code than the client (pid {os.getpid()})")
    if client_version:  # the same source (hash checked above): the page names the client's version, whose
        analysis.pin_version(client_version)  # checkout is clean where a worker's hidden folders look "dirty"
    root = remote.materialise(bundle)
    work = Path(tempfile.mkdtemp(prefix="casey-render-"))
    try:
        local = replace(spec, data_dir=str(root / "data"), out_dir=str(work), notebooks_dir=str(root / "notebooks"))
        importlib.import_module("analysis.run._preload")  # imports: the worker's start, not the report's time
        result = run_job(local)  # in this thread the engine stops a slow report between cells (no signal here)
        if result.get("timed_out"):  # too slow on this worker: retried, then reported as the cluster's failure
            raise remote.InfrastructureError(
                f"{spec.label}: the report took longer than {spec.timeout:g}s on Dask worker pid {os.getpid()}"
            )
        mapping = {
            str(root / "data"): spec.data_dir,
            str(work): spec.out_dir,
            str(root / "notebooks"): str(config.NOTEBOOKS_DIR),
        }
        result["files"] = remote.collect_outputs(local.html_path(), mapping)
        result["failed_notebook"] = None  # the client says where it keeps it
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _connect(scheduler: str | None, workers: int):
    """A Dask client (and the LocalCluster it started, if no scheduler was named); one-line errors."""
    import logging

    from distributed import Client, LocalCluster

    if not scheduler:
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        return Client(cluster), cluster
    quiet = logging.getLogger("distributed")
    level, quiet.level = quiet.level, logging.CRITICAL  # the one line below says it; no traceback in the log
    try:
        return Client(scheduler, timeout=f"{DASK_CONNECT_TIMEOUT_SECONDS}s"), None
    except (OSError, ValueError, TypeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SchedulerUnreachable(
            f"no Dask scheduler answers at {scheduler!r} ({reason}); check --scheduler or $CASEY_DASK_SCHEDULER"
        ) from None
    finally:
        quiet.level = level


_DASK_POLL_SECONDS = 1.0  # how often the client looks whether the cluster still has a worker


def _carry(bundle):
    """A Dask task that hands on the input bundle: every report depends on it, and the scheduler can rerun it."""
    return bundle


def _stall_limit(timeout: float | None) -> float | None:
    """Seconds the client waits with no report finished before it stops the run: each report is stopped by its
    worker after ``timeout`` and tried ``DASK_RETRIES + 1`` times, so something finishes within that unless a
    worker is stuck where its own limit cannot reach (one cell that never ends), allowing a cold worker its start."""
    return timeout * (DASK_RETRIES + 1) + DASK_WORKER_START_SECONDS if timeout else None


def _no_workers_left(client, seen: set) -> str:
    """The one line for a cluster whose every worker is gone: the scheduler and the workers it had."""
    lost = ", ".join(sorted(seen)) or "none ever joined"
    return (
        f"the Dask scheduler at {client.scheduler.address} has had no workers for "
        f"{DASK_CONNECT_TIMEOUT_SECONDS:g}s (lost: {lost}); start `dask worker` again and rerun"
    )


def _dask_results(specs: list[JobSpec], workers: int, scheduler: str | None, data_dir, timeout: float | None):
    """Yield ``(spec, result)`` from a Dask cluster: ``scheduler`` address, or a LocalCluster.

    Connecting, checking the workers' code and shipping the inputs happen at the first ``next()``, before
    any report is submitted. A task that raises (worker lost, inputs not unpackable, other code) is
    retried by Dask, and a lost worker's tasks are rerun by the scheduler on the others; a report still running
    after ``timeout`` seconds is stopped by its worker at its next cell and retried. If it still fails, no report
    finishes for :func:`_stall_limit` seconds, or the scheduler has had no worker for
    ``DASK_CONNECT_TIMEOUT_SECONDS``, its result says :data:`INFRASTRUCTURE`, which never touches its pages."""
    from distributed import wait
    from distributed.client import FuturesCancelledError

    from analysis.run import remote

    client, cluster = _connect(scheduler, workers)
    try:
        mine = worker_identity()
        check_workers(client, mine)
        # a task, not scattered data: scattered data lost with the last worker that held it cancels every
        # report waiting on it, whereas the scheduler keeps a task's spec and reruns it on a worker left
        bundle = remote.make_bundle(data_dir)
        shipped = client.submit(_carry, bundle, pure=False, key=f"casey-bundle-{bundle.sha256[:16]}-{time.time_ns()}")
        futures = {
            client.submit(
                render_remote,
                spec,
                shipped,
                mine["source_sha256"],
                mine["package_version"],
                pure=False,
                retries=DASK_RETRIES,
                key=f"casey-{spec.quarter}-{spec.relpath}-{os.getpid()}-{time.time_ns()}",
            ): spec
            for spec in specs
        }
        pending, last_done, workerless_since = set(futures), time.monotonic(), None
        seen = set(client.scheduler_info().get("workers", {}))
        stall = _stall_limit(timeout)
        while pending:
            try:
                done, pending = wait(pending, timeout=_DASK_POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except FuturesCancelledError:  # the scheduler forgot some (a lost input): each is a result
                done = {f for f in pending if f.status in ("cancelled", "error", "finished")}
                pending -= done
            now = time.monotonic()
            stopped = None
            if done:
                last_done = now
            elif stall and now - last_done > stall:
                stopped = f"no report finished within {stall:g}s on the cluster"
            else:
                workers_now = set(client.scheduler_info().get("workers", {}))
                seen |= workers_now
                workerless_since = None if workers_now else (workerless_since or now)
                if workerless_since and now - workerless_since > DASK_CONNECT_TIMEOUT_SECONDS:
                    stopped = _no_workers_left(client, seen)
            if stopped:
                client.cancel(list(pending))
                for future in pending:
                    yield futures[future], _failure(futures[future], stopped, INFRASTRUCTURE)
                return
            for future in done:
                spec = futures[future]
                try:
                    yield spec, future.result()
                except Exception as exc:  # KilledWorker, lost connection, InfrastructureError after retries...
                    reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
                    yield spec, _failure(spec, f"{type(exc).__name__}: {reason}".rstrip(": "), INFRASTRUCTURE)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def accept_result(spec: JobSpec, result: dict) -> dict:
    """The one step on the client every result goes through, from the local pool or from Dask.

    A Dask result brings its files as bytes: checked against their sha256 and written atomically into
    the client's reports folder, in the order a local render writes them (claims, page, notebook), the
    failed notebook kept as ``<name>.failed.ipynb``. A local worker has already written its files."""
    from analysis.run import remote

    files = result.pop("files", None)
    if files is None or result["status"] == INFRASTRUCTURE:
        return result
    html = spec.html_path()
    try:
        outputs = remote.checked_outputs(files)
        html.parent.mkdir(parents=True, exist_ok=True)
        if result["status"] == "rendered":
            claims = html.with_suffix(".claims.json")
            if ".claims.json" in outputs:  # first: a page on disk always has the claims of the same run beside it
                atomic.write_bytes(claims, outputs[".claims.json"])
            else:
                claims.unlink(missing_ok=True)
            atomic.write_together({html: outputs[".html"], html.with_suffix(".ipynb"): outputs[".ipynb"]})
            html.with_suffix(".failed.ipynb").unlink(missing_ok=True)
        elif ".failed.ipynb" in outputs:
            result["failed_notebook"] = str(
                atomic.write_bytes(html.with_suffix(".failed.ipynb"), outputs[".failed.ipynb"])
            )
    except (remote.InfrastructureError, KeyError) as exc:
        return _failure(spec, f"the returned files cannot be used: {exc}", INFRASTRUCTURE)
    return result


def _failure(spec: JobSpec, message: str, status: str = "failed") -> dict:
    return {
        "key": spec.relpath,
        "quarter": spec.quarter,
        "status": status,
        "error": message,
        "failed_notebook": None,
        "duration_s": None,
    }


# --------------------------------------------------------------------------- the run
@dataclass
class BatchOptions:
    quarters: list[str] = field(default_factory=lambda: ["latest"])
    forces: list[str] | None = None
    audiences: list[str] = field(default_factory=lambda: list(AUDIENCES))
    framework: str = config.DEFAULT_FRAMEWORK
    data_dir: str | None = None
    out_dir: str | None = None
    workers: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    engine: str = "inprocess"
    force_rerun: bool = False
    national: bool = True
    timeout: float | None = DEFAULT_TIMEOUT
    max_tasks_per_child: int | None = DEFAULT_MAX_TASKS_PER_CHILD
    progress: bool | None = None  # None: a bar when stderr is a terminal
    verbose: bool = False  # plan lines, one line per report and the summary table; else failures and one line
    today: dt.date | None = None


@dataclass
class BatchResult:
    entries: dict[str, dict]  # "<quarter>/<relpath>" -> manifest entry
    manifests: list[Path]
    index: Path | None
    duration_s: float

    @property
    def failed(self) -> list[dict]:
        return [e for e in self.entries.values() if e["status"] == "failed"]

    @property
    def infrastructure_failed(self) -> list[dict]:
        return [e for e in self.entries.values() if e["status"] == INFRASTRUCTURE]

    @property
    def exit_code(self) -> int:
        """1 when a report's inputs failed it (a person must look); else 75 when the cluster did (try again)."""
        if self.failed:
            return EXIT_DATA
        return EXIT_INFRASTRUCTURE if self.infrastructure_failed else EXIT_OK

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries.values() if e["status"] == status)


def _entry(spec: JobSpec, parts: dict, result: dict | None, previous: dict | None) -> dict:
    base = {
        "kind": spec.kind,
        "force": spec.force,
        "audience": spec.audience,
        "framework": spec.framework,
        "html": spec.relpath,
        "notebook": spec.relpath[:-5] + ".ipynb",
        "input_sha256": spec.input_sha256,
        "inputs": parts,
    }
    if result is None:  # unchanged: keep what the run that rendered it recorded
        prev = previous or {}
        return {
            **base,
            "status": "unchanged",
            "duration_s": 0.0,
            "rendered_at": prev.get("rendered_at"),
            "render_duration_s": prev.get("render_duration_s"),
            "error": "",
            "worker_pid": prev.get("worker_pid"),
            "worker_job_number": prev.get("worker_job_number"),
            "worker_peak_rss_mb": prev.get("worker_peak_rss_mb"),
        }
    entry = {
        **base,
        "status": result["status"],
        "duration_s": result.get("duration_s"),
        "error": result.get("error", ""),
        "worker_pid": result.get("worker_pid"),
        "worker_job_number": result.get("worker_job_number"),
        "worker_peak_rss_mb": result.get("worker_peak_rss_mb"),
    }
    if result["status"] == "rendered":
        entry["rendered_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        entry["render_duration_s"] = result.get("duration_s")
    else:
        failed = result.get("failed_notebook")
        if failed:
            try:
                failed = Path(failed).relative_to(Path(spec.out_dir) / spec.quarter).as_posix()
            except ValueError:
                pass
        entry["failed_notebook"] = failed  # a failed report is always retried: only ok statuses are skipped
    return entry


def _checked_workers(options: BatchOptions) -> int:
    """Reject an unknown executor or engine, or fewer than one worker; the number of workers to use."""
    if options.executor not in EXECUTORS:
        raise BatchUsageError(f"unknown executor {options.executor!r}; choose one of: {', '.join(EXECUTORS)}")
    if options.engine not in ("inprocess", "kernel"):
        raise BatchUsageError(f"unknown engine {options.engine!r}; choose inprocess or kernel")
    workers = options.workers or os.cpu_count() or 1
    if workers < 1:
        raise BatchUsageError("--workers must be at least 1")
    if options.timeout is not None and options.timeout < 0:
        raise BatchUsageError("--timeout must be 0 (no limit) or a number of seconds")
    return workers


def _say_plan(plans: list[Plan], options: BatchOptions, latest: Quarter) -> None:
    """With -v: the latest complete quarter and, per quarter, which forces have a tracker."""
    if not options.verbose:
        return
    if "latest" in options.quarters:
        log.info("latest complete quarter: %s (%s, %s)", latest.id, latest.label, latest.months)
    for p in plans:
        log.info(
            f"{p.quarter.id}: {len(p.with_tracker)} of {len(select_forces(None, options.data_dir))} forces have a tracker "
            f"for this quarter"
            + (f" ({', '.join(p.with_tracker)})" if 0 < len(p.with_tracker) <= 5 else "")
            + ("; key measures are shown at their latest published period up to it" if p.quarter == latest else ""),
            extra={"quarter": p.quarter.id, "forces_with_tracker": len(p.with_tracker)},
        )


def _triage(plans: list[Plan], previous: dict, options: BatchOptions) -> tuple[list, dict, dict]:
    """Split the planned jobs: blocked by invalid input (failed now), unchanged (skipped), or to render."""
    to_run, entries, parts_of = [], {}, {}
    for p in plans:
        for spec in p.jobs:
            parts_of[spec] = p.inputs[spec.relpath]
            prev_reports = previous[p.quarter.id].get("reports") or {}
            if spec.relpath in p.blocked:  # invalid input: keep the last good output, never re-render
                result = _failure(spec, p.blocked[spec.relpath])
                entries[f"{spec.quarter}/{spec.relpath}"] = _entry(spec, parts_of[spec], result, None)
                log.error(
                    "FAIL %s/%s: %s",
                    spec.quarter,
                    spec.relpath,
                    p.blocked[spec.relpath],
                    extra={"report": f"{spec.quarter}/{spec.relpath}", "status": "failed"},
                )
            elif not options.force_rerun and is_unchanged(spec, previous[p.quarter.id]):
                entries[f"{spec.quarter}/{spec.relpath}"] = _entry(
                    spec, parts_of[spec], None, prev_reports.get(spec.relpath)
                )
            else:
                to_run.append(spec)
    return to_run, entries, parts_of


def _render_all(to_run: list, parts_of: dict, entries: dict, options: BatchOptions, workers: int, err) -> bool:
    """Render the jobs (longest first) in parallel, recording each entry; True if interrupted."""
    # longest first: national overviews, then forces with trackers (they have more to draw)
    to_run.sort(key=lambda s: (s.kind != "national", -parts_of[s]["tracker_row_count"]))
    from tqdm import tqdm

    show_bar = err.isatty() if options.progress is None else options.progress
    bar = tqdm(
        total=len(to_run),
        desc="casey batch",
        unit="report",
        file=err,
        disable=not show_bar,
        dynamic_ncols=True,
        leave=True,
    )
    if options.executor == "dask":
        results = _dask_results(to_run, workers, options.scheduler, options.data_dir, options.timeout)
    else:
        results = _local_results(to_run, workers, options.max_tasks_per_child, str(config.data_dir(options.data_dir)))
    try:
        for spec, result in results:
            entry = _entry(spec, parts_of[spec], accept_result(spec, result), None)
            entries[f"{spec.quarter}/{spec.relpath}"] = entry
            mark = {"rendered": "ok  ", INFRASTRUCTURE: "INFRA"}.get(entry["status"], "FAIL")
            line = f"{mark} {spec.quarter}/{spec.relpath} ({entry['duration_s'] or 0:.1f}s)"
            if entry["status"] == "failed":
                kept = entry.get("failed_notebook")
                line += f": {entry['error']}" + (f" (notebook kept: {kept})" if kept else "")
            elif entry["status"] == INFRASTRUCTURE:
                line += f": not rendered, the cluster failed ({entry['error']}); its pages are kept as they were"
            if options.verbose or entry["status"] != "rendered":  # a failure is always said, as it happens
                # the command line's handler writes through tqdm.write, so the bar is redrawn below the line
                log.log(
                    logging.INFO if entry["status"] == "rendered" else logging.ERROR,
                    "%s",
                    line,
                    extra={
                        "report": f"{spec.quarter}/{spec.relpath}",
                        "status": entry["status"],
                        "duration_s": entry["duration_s"],
                    },
                )
            bar.set_postfix_str(spec.force, refresh=False)
            bar.update(1)
    except KeyboardInterrupt:
        results.close()
        return True
    finally:
        bar.close()
    return False


def _write_manifests(plans: list[Plan], previous: dict, entries: dict, run: dict, out_dir) -> list[Path]:
    """One manifest per quarter: this run's entries over the earlier runs' (other forces stay listed)."""
    manifests = []
    for p in plans:
        reports = dict(previous[p.quarter.id].get("reports") or {})
        for spec in p.jobs:
            key = f"{spec.quarter}/{spec.relpath}"
            if key in entries:
                reports[spec.relpath] = entries[key]
        counts = {
            s: sum(1 for r in reports.values() if r.get("status") == s)
            for s in ("rendered", "unchanged", "failed", INFRASTRUCTURE)
        }
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "quarter": p.quarter.id,
            "quarter_label": p.quarter.label,
            "run": {**run, "counts": counts},
            "reports": dict(sorted(reports.items(), key=lambda kv: (kv[1].get("kind") != "national", kv[0]))),
        }
        manifests.append(_write_json(manifest_path(out_dir, p.quarter.id), manifest))
    return manifests


def _run_record(
    options: BatchOptions,
    started_at,
    started: float,
    interrupted: bool,
    latest: Quarter,
    forces: list[str],
    workers: int,
) -> dict:
    """The manifest's ``run`` block (without the counts, which are per quarter)."""
    return {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - started, 3),
        "interrupted": interrupted,
        "parameters": {
            "quarters_requested": options.quarters,
            "latest_complete_quarter": latest.id,
            "forces": forces if options.forces else "all",
            "audiences": options.audiences,
            # the folders as digests: the manifest sits beside published pages, the server's paths do not
            "framework": options.framework,
            "data_dir_sha256": _sha(str(config.data_dir(options.data_dir))),
            "out_dir_sha256": _sha(str(config.reports_dir(options.out_dir))),
            "executor": options.executor,
            "scheduler": options.scheduler,
            "workers": workers,
            "engine": options.engine,
            "force_rerun": options.force_rerun,
            "national": options.national,
            "timeout_s": options.timeout,
            "max_tasks_per_child": options.max_tasks_per_child,
        },
        "code_version": code_version(),
        "main_peak_rss_mb": _peak_rss_mb(),
    }


def _refresh_index(entries: dict, plans: list[Plan], out_dir, data_dir=None) -> Path | None:
    """Rewrite the index pages when a report changed or an index is missing."""
    changed = any(e["status"] != "unchanged" for e in entries.values())
    root = config.reports_dir(out_dir)
    if (
        changed
        or not (root / "index.html").exists()
        or any(not (root / p.quarter.id / "index.html").exists() for p in plans)
    ):
        from analysis.run.site_index import write_index

        return write_index(out_dir, data_dir)
    return None


def remove_leftovers(out_dir) -> list[Path]:
    """Temporary files and half-run notebooks a killed run left in the reports folder (never read: the
    manifest and pages only ever point at files renamed into place). Call holding the folder's lock."""
    patterns = (atomic.TEMPORARY_PATTERN, f".*{atomic.RUNNING_SUFFIX}")
    return atomic.remove_leftovers(config.reports_dir(out_dir), patterns)


def run_batch(options: BatchOptions, err=None) -> BatchResult:
    """Plan, skip what is unchanged, render the rest in parallel, write manifests and the index.

    What it says goes to the ``analysis.run.batch`` logger (failures at ERROR, the rest at INFO; the plan,
    one line per report and the status table only with ``options.verbose``); the progress bar goes to
    ``err`` (default stderr). One batch per reports folder at a time: a second one raises
    :class:`OutputFolderLocked`."""
    workers = _checked_workers(options)
    lock = lock_reports_folder(options.out_dir)
    try:
        atomic.refuse_linked_folders(config.reports_dir(options.out_dir))
        remove_leftovers(options.out_dir)
        return _run_locked(options, err, workers)
    finally:
        lock.close()


def _run_locked(options: BatchOptions, err, workers: int) -> BatchResult:
    err = err or sys.stderr
    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    forces = select_forces(options.forces, options.data_dir)
    quarters = resolve_quarters(options.quarters, options.framework, options.data_dir, options.today)
    rejected = check_build_is_current(options.framework, options.data_dir)
    plans = plan(
        quarters,
        forces,
        options.audiences,
        options.framework,
        options.data_dir,
        options.out_dir,
        options.engine,
        options.national,
        options.timeout,
        rejected,
    )
    latest = latest_complete_quarter(options.today)
    _say_plan(plans, options, latest)

    previous = {p.quarter.id: read_manifest(options.out_dir, p.quarter.id) for p in plans}
    to_run, entries, parts_of = _triage(plans, previous, options)
    if options.verbose:
        total = sum(len(p.jobs) for p in plans)
        log.info(
            f"{total} report(s) planned for {', '.join(p.quarter.id for p in plans)}: {len(to_run)} to render, "
            f"{total - len(to_run)} unchanged (skipped)"
            + (f"; {min(workers, len(to_run))} {options.executor} worker(s)" if to_run else "")
        )
    interrupted = _render_all(to_run, parts_of, entries, options, workers, err) if to_run else False

    for key, entry in entries.items():  # a public page whose update failed must not stay published
        if entry["status"] == "failed" and entry["audience"] == "public":
            atomic.withdraw_page(config.reports_dir(options.out_dir) / key)

    run = _run_record(options, started_at, started, interrupted, latest, forces, workers)
    manifests = _write_manifests(plans, previous, entries, run, options.out_dir)
    index = _refresh_index(entries, plans, options.out_dir, options.data_dir)
    result = BatchResult(entries, manifests, index, round(time.perf_counter() - started, 3))
    if options.verbose:
        print_summary(result, plans)
    log.info(
        "%s",
        summary_line(result, config.reports_dir(options.out_dir) / "index.html"),
        extra={
            "counts": {s: result.count(s) for s in ("rendered", "unchanged", "failed", INFRASTRUCTURE)},
            "duration_s": result.duration_s,
        },
    )
    if interrupted:
        raise KeyboardInterrupt
    return result


def print_summary(result: BatchResult, plans: list[Plan]) -> None:
    """One row per force (and the national overview): status and seconds per audience, one record per quarter."""
    for p in plans:
        rows = []
        audiences = list(dict.fromkeys(s.audience for s in p.jobs))
        names = list(dict.fromkeys(s.force for s in p.jobs))
        width = max([len(n) for n in names] + [6])
        rows.append(f"{p.quarter.id} ({p.quarter.label})")
        rows.append(f"  {'report':<{width}}  " + "  ".join(f"{a:<18}" for a in audiences))
        for name in names:
            cells = []
            for audience in audiences:
                spec = next((s for s in p.jobs if s.force == name and s.audience == audience), None)
                entry = result.entries.get(f"{spec.quarter}/{spec.relpath}") if spec else None
                if entry is None:
                    cells.append(f"{'not run':<18}")
                elif entry["status"] == "unchanged":
                    cells.append(f"{'unchanged':<18}")
                else:
                    cells.append(f"{entry['status'] + ' ' + format(entry['duration_s'] or 0, '.1f') + 's':<18}")
            rows.append(f"  {name:<{width}}  " + "  ".join(cells))
        log.info("%s", "\n".join(rows), extra={"quarter": p.quarter.id})
    for entry in result.failed:
        kept = f" (notebook kept: {entry['failed_notebook']})" if entry.get("failed_notebook") else ""
        log.error("FAILED %s: %s%s", entry["html"], entry["error"], kept, extra={"report": entry["html"]})
    for entry in result.infrastructure_failed:
        log.error(
            "NOT RENDERED (infrastructure) %s: %s", entry["html"], entry["error"], extra={"report": entry["html"]}
        )
    log.info("manifest: %s", ", ".join(str(m) for m in result.manifests))


def summary_line(result: BatchResult, index_html: Path) -> str:
    """The one line a scheduled run always ends with: the counts, then where to look."""
    infra = len(result.infrastructure_failed)
    return (
        f"{result.count('rendered')} rendered, {result.count('unchanged')} unchanged, {len(result.failed)} failed"
        + (f", {infra} not rendered because the cluster failed (pages kept; run again)" if infra else "")
        + f" in {result.duration_s:.1f}s; index: {index_html}"
    )
