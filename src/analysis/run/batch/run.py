"""The run: options, plan, skip what is unchanged, render the rest, write manifests and the index, say how it went."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core import atomic, config
from analysis.core.audience import Audience
from analysis.core.errors import EXIT_DATA, EXIT_INFRASTRUCTURE, EXIT_OK
from analysis.core.periods import Quarter, latest_complete_quarter
from analysis.core.settings import MAX_TASKS_PER_WORKER
from analysis.run.batch.accept import accept_result, failure_result
from analysis.run.batch.errors import BatchUsageError
from analysis.run.batch.executors import (
    EXECUTORS,
    dask_results,
    inline_results,
    local_results,
    start_pool_server,
)
from analysis.run.batch.inputs import check_build_is_current
from analysis.run.batch.jobs import DEFAULT_TIMEOUT, INFRASTRUCTURE, peak_rss_mb
from analysis.run.batch.lock import lock_reports_folder, remove_leftovers
from analysis.run.batch.manifest import is_unchanged, manifest_entry, read_manifest, write_manifests
from analysis.run.batch.plan import AUDIENCES, Plan, code_version, plan, resolve_quarters, select_forces, sha256_of

# what the run says goes to this logger; only the command line (analysis.cli.logs) decides where it is written
log = logging.getLogger(__package__)

DEFAULT_MAX_TASKS_PER_CHILD = MAX_TASKS_PER_WORKER


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


def renders_in_this_process(options: BatchOptions, reports: int) -> bool:
    """One report to render on the local executor with no ``--workers`` asked for: it renders in the calling
    process (no fork server to start and import the stack, no worker to fork). ``--workers N`` forces the pool."""
    return options.executor == "local" and options.workers is None and reports <= 1


def _where_it_renders(options: BatchOptions, reports: int, workers: int, inline: bool) -> str:
    if inline:
        return "; in this process"
    return f"; {min(workers, reports)} {options.executor} worker(s)"


def _may_use_the_pool(options: BatchOptions, quarters: list[Quarter], forces: list[str], previous: dict) -> bool:
    """Before planning: whether this run will likely render on the local pool (more than one report could be
    planned, and some would be rendered: a rerun, a first run, or a quarter whose last run had other code).
    A warm run with nothing to do then starts no fork server; a run this misjudges starts it after planning.
    ``previous``: each quarter's last manifest."""
    if options.executor != "local":
        return False
    possible = len(quarters) * len(options.audiences) * (len(forces) + int(options.national))
    if renders_in_this_process(options, possible):
        return False
    if options.force_rerun:
        return True
    source = code_version()["source_sha256"]
    for quarter in quarters:
        last = previous[quarter.id]
        if ((last.get("run") or {}).get("code_version") or {}).get("source_sha256") != source:
            return True
    return False


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
                result = failure_result(spec, p.blocked[spec.relpath])
                entries[f"{spec.quarter}/{spec.relpath}"] = manifest_entry(spec, parts_of[spec], result, None)
                log.error(
                    "FAIL %s/%s: %s",
                    spec.quarter,
                    spec.relpath,
                    p.blocked[spec.relpath],
                    extra={"report": f"{spec.quarter}/{spec.relpath}", "status": "failed"},
                )
            elif not options.force_rerun and is_unchanged(spec, previous[p.quarter.id]):
                entries[f"{spec.quarter}/{spec.relpath}"] = manifest_entry(
                    spec, parts_of[spec], None, prev_reports.get(spec.relpath)
                )
            else:
                to_run.append(spec)
    return to_run, entries, parts_of


def _render_all(
    to_run: list, parts_of: dict, entries: dict, options: BatchOptions, workers: int, err, inline: bool
) -> bool:
    """Render the jobs (longest first) in parallel, or in this process when ``inline``, recording each entry;
    True if interrupted."""
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
        results = dask_results(to_run, workers, options.scheduler, options.data_dir, options.timeout)
    elif inline:
        results = inline_results(to_run)
    else:
        results = local_results(to_run, workers, options.max_tasks_per_child, str(config.data_dir(options.data_dir)))
    try:
        for spec, result in results:
            entry = manifest_entry(spec, parts_of[spec], accept_result(spec, result), None)
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
            "data_dir_sha256": sha256_of(str(config.data_dir(options.data_dir))),
            "out_dir_sha256": sha256_of(str(config.reports_dir(options.out_dir))),
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
        "main_peak_rss_mb": peak_rss_mb(),
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
    previous = {q.id: read_manifest(options.out_dir, q.id) for q in quarters}
    if _may_use_the_pool(options, quarters, forces, previous):  # its imports run beside the planning below
        start_pool_server(str(config.data_dir(options.data_dir)))
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

    to_run, entries, parts_of = _triage(plans, previous, options)
    inline = bool(to_run) and renders_in_this_process(options, len(to_run))
    if options.verbose:
        total = sum(len(p.jobs) for p in plans)
        log.info(
            f"{total} report(s) planned for {', '.join(p.quarter.id for p in plans)}: {len(to_run)} to render, "
            f"{total - len(to_run)} unchanged (skipped)"
            + ("" if not to_run else _where_it_renders(options, len(to_run), workers, inline))
        )
    interrupted = _render_all(to_run, parts_of, entries, options, workers, err, inline) if to_run else False

    for key, entry in entries.items():  # a public page whose update failed must not stay published
        if entry["status"] == "failed" and Audience.of(entry["audience"]).is_public:
            atomic.withdraw_page(config.reports_dir(options.out_dir) / key)

    run = _run_record(options, started_at, started, interrupted, latest, forces, 1 if inline else workers)
    run["parameters"]["in_calling_process"] = inline
    manifests = write_manifests(plans, previous, entries, run, options.out_dir)
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
        rows.append(f"  {'report':<{width}}  " + "  ".join(f"{a.value:<18}" for a in audiences))
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
