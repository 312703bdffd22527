"""One report as a job: :class:`JobSpec` (small, picklable, travels to Dask) and :func:`run_job`, run in a worker."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.core import config
from analysis.core.audience import Audience
from analysis.core.settings import REPORT_TIMEOUT_SECONDS
from analysis.run.remote import NOTEBOOK_FILES

DEFAULT_TIMEOUT = REPORT_TIMEOUT_SECONDS

# a report not rendered for a reason that is not its inputs' (a worker lost, on other code, too slow):
# its pages stay as they were, public ones too, and the next run tries again
INFRASTRUCTURE = "infrastructure_failed"


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs for one report; small and picklable (it travels to Dask too)."""

    kind: str  # "force" or "national"
    force: str  # force slug, or "national-overview"
    quarter: str
    audience: Audience
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
        where = config.report_relpath(self.quarter, self.force, self.audience, self.framework)
        return where.relative_to(self.quarter).as_posix()

    def html_path(self) -> Path:
        return Path(self.out_dir) / self.quarter / self.relpath

    @property
    def label(self) -> str:
        return f"{self.quarter} {self.force} ({self.audience})"

    def asked(self) -> dict[str, str]:
        """What the notebook is asked for (a change to any of it renders the page again); not where or how long."""
        return {k: str(getattr(self, k)) for k in ("kind", "force", "quarter", "audience", "framework", "engine")}


_JOBS_IN_THIS_PROCESS = 0


def run_job(spec: JobSpec) -> dict:
    """Render one report. Runs in a worker; never raises: a failure is a result like any other."""
    started = time.perf_counter()
    result = {"key": spec.relpath, "quarter": spec.quarter, "status": "failed", "error": "", "failed_notebook": None}
    try:
        from analysis.run import render

        notebook = Path(spec.notebooks_dir) / NOTEBOOK_FILES[spec.kind] if spec.notebooks_dir else None
        job = render.checked_job(spec.force, spec.quarter, spec.audience, spec.framework, spec.data_dir, spec.kind)
        render.render_report(
            job, spec.data_dir, spec.out_dir, engine=spec.engine, timeout=spec.timeout, notebook=notebook
        )
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
    result["worker_peak_rss_mb"] = peak_rss_mb()
    return result


def peak_rss_mb() -> float | None:
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
    except Exception:  # pragma: no cover - not on Windows
        return None
