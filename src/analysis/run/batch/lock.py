"""One batch per reports folder: the folder's lock, workers that die with the main process, leftovers of a killed run."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from analysis.core import atomic, config
from analysis.core.errors import OutputFolderLocked

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


def remove_leftovers(out_dir) -> list[Path]:
    """Temporary files and half-run notebooks a killed run left in the reports folder (never read: the
    manifest and pages only ever point at files renamed into place). Call holding the folder's lock."""
    patterns = (atomic.TEMPORARY_PATTERN, f".*{atomic.RUNNING_SUFFIX}")
    return atomic.remove_leftovers(config.reports_dir(out_dir), patterns)
