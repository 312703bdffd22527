"""casey batch on Dask workers that share no folder with the client (issue 19).

Real ``dask scheduler`` and ``dask worker`` processes, each started from its own temporary working
directory with an environment that names no data folder; with ``unshare -m`` the workers also see
empty tmpfs mounts over the repository's data, reports and notebooks folders and over the test's own
data and reports trees, as on a host that has none of them.
"""

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from logline import levels, messages

from analysis.core.settings import DASK_CONNECT_TIMEOUT_SECONDS
from analysis.run.batch import BatchOptions, SchedulerUnreachable, WorkerMismatch, read_manifest, run_batch

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
Q = "2024-25-Q1"
FORCES = ["leicestershire", "cheshire"]


def _unshare_problem() -> str:
    """Why workers cannot run in their own mount namespace here ('' when they can)."""
    if shutil.which("unshare") is None:
        return "no unshare command (util-linux)"
    if os.geteuid() != 0:
        return "not root: mounting tmpfs in a new mount namespace needs CAP_SYS_ADMIN"
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /mnt"], capture_output=True
    )
    return "" if done.returncode == 0 else f"unshare -m cannot mount tmpfs here (CAP_SYS_ADMIN): {done.stderr!r}"


def _clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEY_", "PYTHON", "PYTEST"))}
    return {**env, "TMPDIR": str(home), "HOME": str(home)}


class Cluster:
    """A scheduler and workers as subprocesses, each in its own temporary working directory."""

    def __init__(self, hide: list[Path] | None = None):
        self.hide, self.procs, self.homes = hide, [], []
        home = self._home()
        file = home / "scheduler.json"
        self.procs.append(
            subprocess.Popen(
                [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
                + ["--scheduler-file", str(file)],
                cwd=home,
                env=_clean_env(home),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for _ in range(300):
            if file.exists() and file.stat().st_size:
                break
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]

    def _home(self) -> Path:
        home = Path(tempfile.mkdtemp(prefix="casey-dask-host-"))
        self.homes.append(home)
        return home

    def add_worker(self, preload: Path | None = None, nanny: bool = True, env: dict | None = None) -> subprocess.Popen:
        """A ``dask worker``; ``nanny=False``: no nanny process restarts it when it is killed (a host gone)."""
        home = self._home()
        cmd = [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-dashboard", "--nworkers", "1"]
        cmd += ["--preload", str(preload)] if preload else []
        cmd += [] if nanny else ["--no-nanny"]
        if self.hide is not None:  # as on a host without these folders: empty tmpfs over each
            mounts = " && ".join(f"mount -t tmpfs none '{p}'" for p in self.hide if p.is_dir())
            cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", f'{mounts} && exec "$@"', "sh", *cmd]
        proc = subprocess.Popen(
            cmd, cwd=home, env={**_clean_env(home), **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.procs.append(proc)
        return proc

    def wait_for(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(n, timeout=120)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for home in self.homes:
            shutil.rmtree(home, ignore_errors=True)


def _normalised(path: Path, out: Path) -> bytes:
    """A file's bytes with what differs between any two runs taken out: times, the random id papermill
    gives its injected cell, and the reports folder (the two runs write to two folders)."""
    text = path.read_text(encoding="utf-8").replace(str(out), "<out>")
    text = re.sub(r'"(start_time|end_time|duration)": [^,\n]+', r'"\1": "<t>"', text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time>", text)
    text = re.sub(r'"id": "[0-9a-f]{8}"', '"id": "<id>"', text)
    return text.encode()


def _options(data, out, **kw) -> BatchOptions:
    return BatchOptions(
        quarters=[Q], forces=FORCES, data_dir=str(data), out_dir=str(out), national=False, progress=False, **kw
    )


def _assert_same_outputs(local_out: Path, dask_out: Path) -> None:
    made = sorted(p.relative_to(local_out).as_posix() for p in (local_out / Q).rglob("*") if p.is_file())
    got = sorted(p.relative_to(dask_out).as_posix() for p in (dask_out / Q).rglob("*") if p.is_file())
    assert got == made and f"{Q}/manifest.json" in got and f"{Q}/index.html" in got
    assert (dask_out / "index.html").exists()
    for rel in made:
        if rel.endswith(".html") and "index" not in rel:  # the pages themselves: byte for byte
            assert (dask_out / rel).read_bytes() == (local_out / rel).read_bytes(), rel
        elif not rel.endswith("manifest.json"):
            assert _normalised(dask_out / rel, dask_out) == _normalised(local_out / rel, local_out), rel


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["unshare", "temp-cwd"])
def test_workers_without_the_data_or_reports_folders_render_what_the_local_pool_renders(tmp_path, isolation):
    if isolation == "unshare" and _unshare_problem():
        pytest.skip(_unshare_problem())
    from test_batch import _tree

    data = _tree(tmp_path, measures=True)
    local_out, dask_out = tmp_path / "local", tmp_path / "dask"
    assert run_batch(_options(data, local_out, workers=2)).exit_code == 0
    hide = [ROOT / "data", ROOT / "reports", ROOT / "notebooks", tmp_path] if isolation == "unshare" else None
    cluster = Cluster(hide)
    try:
        cluster.add_worker()
        cluster.add_worker()
        cluster.wait_for(2)
        result = run_batch(_options(data, dask_out, executor="dask", scheduler=cluster.address))
    finally:
        cluster.close()
    assert result.exit_code == 0 and result.count("rendered") == 4, result.entries
    _assert_same_outputs(local_out, dask_out)
    manifest = read_manifest(dask_out, Q)
    assert manifest["run"]["parameters"]["executor"] == "dask"
    assert {e["status"] for e in manifest["reports"].values()} == {"rendered"}
    assert not list(dask_out.rglob("*.tmp")) and not list(dask_out.rglob("*.failed.ipynb"))


@pytest.mark.slow
def test_a_worker_on_another_package_version_is_refused_before_any_task_naming_both(tmp_path):
    from test_batch import _tree

    data = _tree(tmp_path, measures=False)
    preload = tmp_path / "other_version.py"
    preload.write_text("import analysis\nanalysis.__version__ = '0.0.1-other'\n")
    cluster = Cluster()
    try:
        cluster.add_worker(preload)
        cluster.wait_for(1)
        with pytest.raises(WorkerMismatch, match=r"runs casey-progress 0\.0\.1-other, this client \S+\d"):
            run_batch(_options(data, tmp_path / "out", executor="dask", scheduler=cluster.address))
    finally:
        cluster.close()
    assert not (tmp_path / "out" / Q).exists()  # nothing rendered, no manifest


def test_a_closed_scheduler_address_is_one_line_and_exit_2(tmp_path):
    from test_batch import _tree

    data = _tree(tmp_path, measures=False)
    with pytest.raises(SchedulerUnreachable, match="no Dask scheduler answers at 'tcp://127.0.0.1:9'"):
        run_batch(_options(data, tmp_path / "out", executor="dask", scheduler="tcp://127.0.0.1:9"))
    done = subprocess.run(
        [BIN / "casey", "--data-dir", str(data), "batch", "--quarter", Q, "--forces", "cheshire", "--no-national"]
        + ["--executor", "dask", "--scheduler", "nonsense::address", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert messages(done.stderr)[0].startswith("casey: no Dask scheduler answers at 'nonsense::address'")
    assert levels(done.stderr) == ["ERROR"]


def test_casey_dask_scheduler_at_a_closed_port_is_the_same_one_line_as_the_flag(tmp_path):
    from test_batch import _tree

    data = _tree(tmp_path, measures=False)
    cmd = [BIN / "casey", "--data-dir", str(data), "batch", "--quarter", Q, "--forces", "cheshire", "--no-national"]
    cmd += ["--executor", "dask", "--out", str(tmp_path / "out")]
    closed = "tcp://127.0.0.1:9"
    by_env = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "CASEY_DASK_SCHEDULER": closed}
    )
    by_flag = subprocess.run(cmd + ["--scheduler", closed], capture_output=True, text=True, timeout=120)
    assert by_env.returncode == by_flag.returncode == 2, by_env.stderr
    assert messages(by_env.stderr) == messages(by_flag.stderr) and by_env.stderr.count("\n") == 1, by_env.stderr
    assert messages(by_env.stderr)[0].startswith(f"casey: no Dask scheduler answers at '{closed}'")
    assert "$CASEY_DASK_SCHEDULER" in by_env.stderr
    assert not (tmp_path / "out" / Q).exists()


# --------------------------------------------------------------------------- a worker lost, a report too slow
MARK_STARTED = '''
import os
from pathlib import Path

from distributed import WorkerPlugin


class MarkStarted(WorkerPlugin):
    """Touch <markers>/<pid>.started when this worker starts rendering a report (not the bundle task)."""

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and str(key).startswith("casey-") and "-bundle-" not in str(key):
            (Path(os.environ["CASEY_TEST_MARKERS"]) / f"{os.getpid()}.started").touch()


async def dask_setup(worker):
    await worker.plugin_add(MarkStarted(), name="casey-test-mark-started")
'''
RUN_LIMIT_SECONDS = 150  # a run that has not ended by then hangs: the test fails instead of blocking CI


def _run_in_thread(options: BatchOptions) -> threading.Thread:
    """``run_batch`` in a daemon thread; its result (or exception) lands in ``thread.outcome``."""

    def run() -> None:
        try:
            thread.outcome = run_batch(options)
        except BaseException as exc:
            thread.outcome = exc

    thread = threading.Thread(target=run, name="casey-batch-under-test", daemon=True)
    thread.outcome = None
    thread.start()
    return thread


def _finished(thread: threading.Thread):
    thread.join(RUN_LIMIT_SECONDS)
    assert not thread.is_alive(), f"casey batch on Dask had not ended after {RUN_LIMIT_SECONDS}s (hangs)"
    if isinstance(thread.outcome, BaseException):
        raise thread.outcome
    return thread.outcome


def _kill_the_first_worker_to_start(markers: Path, workers: list[subprocess.Popen]) -> int:
    """Wait for a worker to start a report, SIGKILL it (no nanny brings it back: a host gone); its pid."""
    deadline = time.monotonic() + RUN_LIMIT_SECONDS
    while not list(markers.glob("*.started")):
        assert time.monotonic() < deadline, "no worker started a report"
        time.sleep(0.05)
    pid = int(sorted(markers.glob("*.started"))[0].name.split(".")[0])
    assert pid in {w.pid for w in workers}  # --no-nanny: the worker is the process we started
    os.kill(pid, signal.SIGKILL)
    return pid


def _summary(caplog) -> str:
    return [r.getMessage() for r in caplog.records if r.name == "analysis.run.batch" and " in " in r.getMessage()][-1]


def _stale_public_page(out: Path, force: str) -> bytes:
    page = out / Q / "public" / f"{force}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_bytes(b"<html>last quarter's published page</html>")
    return page.read_bytes()


def _marking_workers(tmp_path, caplog):
    """A small data tree, a reports folder, and a way to start workers that mark each report they start
    (so a test can kill one mid-run): (data, out, markers, start_worker)."""
    from test_batch import _tree

    caplog.set_level(logging.INFO, logger="analysis.run.batch")
    data, out, markers = _tree(tmp_path, measures=False), tmp_path / "out", tmp_path / "markers"
    markers.mkdir()
    plugin = tmp_path / "mark_started.py"
    plugin.write_text(MARK_STARTED)

    def start_worker(cluster):
        return cluster.add_worker(plugin, nanny=False, env={"CASEY_TEST_MARKERS": str(markers)})

    return data, out, markers, start_worker


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_report_and_withdraws_nothing(tmp_path, caplog):
    data, out, markers, start_worker = _marking_workers(tmp_path, caplog)
    forces = ["leicestershire", "cheshire", "kent"]
    old = {force: _stale_public_page(out, force) for force in forces}
    cluster = Cluster()
    try:
        workers = [start_worker(cluster) for _ in range(2)]
        cluster.wait_for(2)
        options = _options(data, out, executor="dask", scheduler=cluster.address)
        options.forces = forces
        run = _run_in_thread(options)
        killed = _kill_the_first_worker_to_start(markers, workers)
        result = _finished(run)
    finally:
        cluster.close()
    assert result.exit_code == 0 and result.count("rendered") == 6, result.entries
    reports = read_manifest(out, Q)["reports"]
    assert sorted(reports) == sorted(f"{a}{f}.html" for f in forces for a in ("", "public/"))
    assert {e["status"] for e in reports.values()} == {"rendered"}
    assert killed not in {e["worker_pid"] for e in reports.values()}  # its report was rerun on the other worker
    for force in forces:  # every public page is there, and it is this run's, not last quarter's
        page = (out / Q / "public" / f"{force}.html").read_bytes()
        assert page != old[force] and b"<html" in page and (out / Q / f"{force}.html").exists()
    assert not list(out.rglob("*.failed.ipynb")) and not list(out.rglob("*.tmp"))
    assert _summary(caplog).startswith("6 rendered, 0 unchanged, 0 failed in "), _summary(caplog)


@pytest.mark.slow
def test_the_last_worker_killed_ends_the_run_as_the_clusters_failure_keeping_every_page(tmp_path, caplog):
    data, out, markers, start_worker = _marking_workers(tmp_path, caplog)
    old = {force: _stale_public_page(out, force) for force in FORCES}
    cluster = Cluster()
    try:
        workers = [start_worker(cluster)]
        cluster.wait_for(1)
        run = _run_in_thread(_options(data, out, executor="dask", scheduler=cluster.address))
        _kill_the_first_worker_to_start(markers, workers)
        started = time.monotonic()
        result = _finished(run)
        waited = time.monotonic() - started
    finally:
        cluster.close()
    assert result.exit_code == 75 and result.count("infrastructure_failed") == 4, result.entries
    assert waited < DASK_CONNECT_TIMEOUT_SECONDS + 15  # the no-worker stop, not the 900 s report limit
    for entry in read_manifest(out, Q)["reports"].values():
        assert entry["status"] == "infrastructure_failed"
        assert "has had no workers for" in entry["error"] and cluster.address in entry["error"]
    for force in FORCES:  # not withdrawn, not replaced
        assert (out / Q / "public" / f"{force}.html").read_bytes() == old[force]
    assert not list(out.rglob("*.failed.ipynb"))
    assert _summary(caplog).startswith("0 rendered, 0 unchanged, 0 failed, 4 not rendered because the cluster failed")


@pytest.mark.slow
def test_a_report_over_the_time_limit_in_a_dask_worker_is_the_clusters_failure_and_keeps_its_pages(tmp_path):
    """A Dask worker runs reports in a thread, where the engine's signal cannot stop them: the worker's own
    limit does, the report is retried, then listed as not rendered for the cluster's reason, pages kept."""
    from distributed import LocalCluster
    from test_batch import _tree

    data, out = _tree(tmp_path, measures=True), tmp_path / "out"
    old = _stale_public_page(out, "leicestershire")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        options = _options(data, out, executor="dask", scheduler=cluster.scheduler_address, timeout=0.2)
        options.forces = ["leicestershire"]
        result = _finished(_run_in_thread(options))
    assert result.exit_code == 75 and result.count("infrastructure_failed") == 2, result.entries
    assert not result.failed  # not the force's inputs
    for entry in read_manifest(out, Q)["reports"].values():
        assert entry["status"] == "infrastructure_failed"
        assert re.search(r"the report took longer than 0\.2s on Dask worker pid \d+", entry["error"]), entry["error"]
    assert (out / Q / "public/leicestershire.html").read_bytes() == old
    assert not (out / Q / "leicestershire.html").exists() and not list(out.rglob("*.failed.ipynb"))


def test_the_inprocess_engine_stops_a_slow_notebook_between_cells_off_the_main_thread(tmp_path):
    """Where a Dask worker runs a report (not the main thread, so no SIGALRM) the time limit still holds."""
    import nbformat
    import papermill as pm

    from analysis.run.engine import ENGINE_NAME

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time; time.sleep(0.3)")] * 4)
    nbformat.write(notebook, tmp_path / "slow.ipynb")
    outcome = {}

    def run(limit) -> None:
        try:
            pm.execute_notebook(
                str(tmp_path / "slow.ipynb"),
                None,
                engine_name=ENGINE_NAME,
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=limit,
            )
            outcome[limit] = "finished"
        except TimeoutError as exc:
            outcome[limit] = str(exc)

    for limit in (0.5, 5):
        thread = threading.Thread(target=run, args=(limit,))
        thread.start()
        thread.join(30)
    assert outcome == {0.5: "the notebook took longer than 0.5s", 5: "finished"}
