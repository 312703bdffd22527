"""``reports/<quarter>/manifest.json``: what each report was made from and how its run went."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.core import atomic, config
from analysis.run.batch.jobs import INFRASTRUCTURE, JobSpec

if TYPE_CHECKING:
    from analysis.run.batch.plan import Plan


MANIFEST = "manifest.json"

MANIFEST_SCHEMA = 1

OK_STATUSES = ("rendered", "unchanged")


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


def manifest_entry(spec: JobSpec, parts: dict, result: dict | None, previous: dict | None) -> dict:
    base = {
        "kind": spec.kind,
        "force": spec.force,
        "audience": spec.audience.value,
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


def write_manifests(plans: list[Plan], previous: dict, entries: dict, run: dict, out_dir) -> list[Path]:
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
