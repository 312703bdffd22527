"""The one step on the client every result goes through; a failure as a result."""

from __future__ import annotations

from analysis.core import atomic
from analysis.run.batch.jobs import INFRASTRUCTURE, JobSpec


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
        return failure_result(spec, f"the returned files cannot be used: {exc}", INFRASTRUCTURE)
    return result


def failure_result(spec: JobSpec, message: str, status: str = "failed") -> dict:
    return {
        "key": spec.relpath,
        "quarter": spec.quarter,
        "status": status,
        "error": message,
        "failed_notebook": None,
        "duration_s": None,
    }
