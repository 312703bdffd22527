"""casey batch on Dask workers that share no folder with the client (issue 19).

Real ``dask scheduler`` and ``dask worker`` processes, each started from its own temporary working
directory with an environment that names no data folder; with ``unshare -m`` the workers also see
empty tmpfs mounts over the repository's data, reports and notebooks folders and over the test's own
data and reports trees, as on a host that has none of them.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from logline import levels, messages

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

    def add_worker(self, preload: Path | None = None) -> subprocess.Popen:
        home = self._home()
        cmd = [str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--no-dashboard", "--nworkers", "1"]
        cmd += ["--preload", str(preload)] if preload else []
        if self.hide is not None:  # as on a host without these folders: empty tmpfs over each
            mounts = " && ".join(f"mount -t tmpfs none '{p}'" for p in self.hide if p.is_dir())
            cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", f'{mounts} && exec "$@"', "sh", *cmd]
        proc = subprocess.Popen(
            cmd, cwd=home, env=_clean_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
