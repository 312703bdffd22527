"""Where the jobs run: a local process pool forked from a warm fork server, or a Dask cluster."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import analysis
from analysis.core import config
from analysis.core.settings import DASK_CONNECT_TIMEOUT_SECONDS, DASK_RETRIES, DASK_WORKER_START_SECONDS
from analysis.run.batch.accept import failure_result
from analysis.run.batch.errors import BatchUsageError
from analysis.run.batch.jobs import INFRASTRUCTURE, JobSpec, run_job
from analysis.run.batch.lock import die_with_main
from analysis.run.batch.plan import code_version

EXECUTORS = ("local", "dask")


def _pool_context(data_dir: str):
    """The multiprocessing context of the local pool: a fork server that imports the stack once (``_preload``)."""
    import multiprocessing as mp

    os.environ.setdefault("MPLBACKEND", "agg")
    os.environ["CASEY_PRELOAD_DATA_DIR"] = data_dir
    try:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["analysis.run._preload"])
    except ValueError:  # pragma: no cover - no fork server on this platform
        ctx = mp.get_context("spawn")
    return ctx


def start_pool_server(data_dir: str) -> None:
    """Start the local pool's fork server now, so it imports the stack while this process is still planning.

    The server is a separate process: its imports (about 2 s) run beside the planning, not after it. Starting
    it again is a no-op, and a server nobody forks from exits with this process."""
    if _pool_context(data_dir).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def inline_results(specs: list[JobSpec]):
    """Yield ``(spec, result)`` rendering each job in this process, one after another: no pool, no fork server.

    For a batch that renders one report, starting a fork server that imports the stack, then a worker, costs
    more than the report. ``run_job`` never raises, so a report's failure is still a result; what this gives up
    is the pool's guard against a crash of the process itself (a segfault takes the command with it)."""
    from analysis.run import lean

    os.environ.setdefault("MPLBACKEND", "agg")
    lean.prepare()
    for spec in specs:
        yield spec, run_job(spec)


def local_results(specs: list[JobSpec], workers: int, max_tasks_per_child: int | None, data_dir: str):
    """Yield ``(spec, result)`` as jobs finish, on a process pool forked from a warm fork server.

    A worker that dies (segfault, out of memory) breaks a ``ProcessPoolExecutor``; the jobs it took
    down are retried on a fresh pool, and a job that breaks a pool twice is run alone and, if it
    crashes again, reported as failed. Nobody else's report is lost.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx = _pool_context(data_dir)
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
                            result = failure_result(
                                spec, "the worker process died while rendering this report (crash or out of memory)"
                            )
                        else:
                            pending.append(spec)
                            continue
                    except Exception as exc:
                        result = failure_result(spec, f"{type(exc).__name__}: {exc}")
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
    files, data folders included (hidden on a worker with none), not the code; the source hash checks the code.

    At a tag a dirty checkout is not "0.2.0.d…" but the next guess, "0.2.1.dev0+g<commit>.d…" (distance 0 from the
    tag): that is the tag itself, so it reads as "0.2.0" (a worker whose data folders are hidden sees its checkout
    as dirty, the client does not)."""
    version = re.sub(r"\.d\d{8}$", "", version)
    at_tag = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)\.dev0\+g[0-9a-f]+", version)
    if at_tag and int(at_tag[3]) > 0:
        return f"{at_tag[1]}.{at_tag[2]}.{int(at_tag[3]) - 1}"
    return version


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


def dask_results(specs: list[JobSpec], workers: int, scheduler: str | None, data_dir, timeout: float | None):
    """Yield ``(spec, result)`` from a Dask cluster: ``scheduler`` address, or a LocalCluster.

    Connecting, checking the workers' code and shipping the inputs happen at the first ``next()``, before
    any report is submitted. A task that raises (worker lost, inputs not unpackable, other code) is
    retried by Dask, and a lost worker's tasks are rerun by the scheduler on the others; a report still running
    after ``timeout`` seconds is stopped by its worker at its next cell and retried. If it still fails, no report
    finishes for :func:`_stall_limit` seconds, or the scheduler has had no worker for
    ``DASK_CONNECT_TIMEOUT_SECONDS``, its result says :data:`INFRASTRUCTURE`, which never touches its pages."""
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
        yield from _as_finished(client, futures, timeout)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _as_finished(client, futures: dict, timeout: float | None):
    """Yield ``(spec, result)`` for each submitted report as it finishes; when no report has finished for
    :func:`_stall_limit` seconds, or the scheduler has had no worker for ``DASK_CONNECT_TIMEOUT_SECONDS``,
    cancel the rest and yield each as :data:`INFRASTRUCTURE`."""
    from distributed import wait
    from distributed.client import FuturesCancelledError

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
                yield futures[future], failure_result(futures[future], stopped, INFRASTRUCTURE)
            return
        for future in done:
            spec = futures[future]
            try:
                yield spec, future.result()
            except Exception as exc:  # KilledWorker, lost connection, InfrastructureError after retries...
                reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
                yield spec, failure_result(spec, f"{type(exc).__name__}: {reason}".rstrip(": "), INFRASTRUCTURE)
