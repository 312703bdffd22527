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

from analysis.run.batch.accept import accept_result
from analysis.run.batch.errors import BatchUsageError, MissingData, StaleData
from analysis.run.batch.executors import (
    EXECUTORS,
    SchedulerUnreachable,
    WorkerMismatch,
    check_workers,
    render_remote,
    worker_identity,
)
from analysis.run.batch.inputs import (
    BUILD_INPUT_COLUMNS,
    build_inputs_path,
    check_build_is_current,
    data_relpath,
    tracker_input_files,
)
from analysis.run.batch.jobs import DEFAULT_TIMEOUT, INFRASTRUCTURE, JobSpec, run_job
from analysis.run.batch.lock import LOCK_NAME, BatchLocked, die_with_main, lock_reports_folder, remove_leftovers
from analysis.run.batch.manifest import (
    MANIFEST,
    MANIFEST_SCHEMA,
    OK_STATUSES,
    is_unchanged,
    manifest_path,
    read_manifest,
)
from analysis.run.batch.plan import (
    AUDIENCES,
    NATIONAL,
    QUARTER_KEYWORDS,
    Plan,
    blocking_reason,
    code_version,
    notebook_path,
    plan,
    resolve_quarters,
    select_forces,
)
from analysis.run.batch.run import (
    DEFAULT_MAX_TASKS_PER_CHILD,
    BatchOptions,
    BatchResult,
    print_summary,
    run_batch,
    summary_line,
)

__all__ = [
    "AUDIENCES",
    "BUILD_INPUT_COLUMNS",
    "DEFAULT_MAX_TASKS_PER_CHILD",
    "DEFAULT_TIMEOUT",
    "EXECUTORS",
    "INFRASTRUCTURE",
    "LOCK_NAME",
    "MANIFEST",
    "MANIFEST_SCHEMA",
    "NATIONAL",
    "OK_STATUSES",
    "QUARTER_KEYWORDS",
    "BatchLocked",
    "BatchOptions",
    "BatchResult",
    "BatchUsageError",
    "JobSpec",
    "MissingData",
    "Plan",
    "SchedulerUnreachable",
    "StaleData",
    "WorkerMismatch",
    "accept_result",
    "blocking_reason",
    "build_inputs_path",
    "check_build_is_current",
    "check_workers",
    "code_version",
    "data_relpath",
    "die_with_main",
    "is_unchanged",
    "lock_reports_folder",
    "manifest_path",
    "notebook_path",
    "plan",
    "print_summary",
    "read_manifest",
    "remove_leftovers",
    "render_remote",
    "resolve_quarters",
    "run_batch",
    "run_job",
    "select_forces",
    "summary_line",
    "tracker_input_files",
    "worker_identity",
]
