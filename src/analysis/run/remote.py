"""What travels between the ``casey batch`` client and Dask workers on other hosts (issue 19).

A worker host has the package installed and nothing else: no data folder, no reports folder, no
repository checkout, no paths in common with the client. So

* **inputs go out as one bundle**: the data root the reports read (``processed/`` and ``raw/``
  without the force-submitted tracker files, which only the build reads) and the two report
  notebooks, as one deterministic tar archive named by its sha256. The client sends it once per
  run as a task every report depends on (the scheduler can rerun it if every worker holding it is
  lost); each worker unpacks it once into its own temporary folder (:func:`materialise`);
* **results come back as bytes**: the rendered HTML, executed notebook and claims ledger (or the
  failed notebook), each with its sha256 (:func:`collect_outputs`). The worker renders into a
  temporary folder it removes afterwards, and the paths of that folder and of its bundle are put
  back to the client's own (:func:`relocate`), so a page is byte for byte what the client's own pool
  would have written. The client checks the hashes and writes the files (``batch.accept_result``).

Nothing here imports pandas, papermill or Dask: the client builds a bundle in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from analysis.core import config

# raw tracker files are what the build reads; the reports read the processed tables built from them
BUNDLE_LEFT_OUT = ("raw/trackers",)
NOTEBOOK_FILES = {"force": "force_report.ipynb", "national": "national_overview.ipynb"}
OUTPUT_SUFFIXES = (".claims.json", ".html", ".ipynb", ".failed.ipynb")
_UNPACK_LOCK = threading.Lock()


class InfrastructureError(RuntimeError):
    """Not the report's inputs: a worker lost, unable to unpack its inputs, on other code, or too slow."""


@dataclass(frozen=True)
class Bundle:
    """One run's inputs for every report, content-addressed (the tar archive's sha256)."""

    sha256: str
    archive: bytes
    files: int

    def __repr__(self) -> str:  # the archive is megabytes: never print it in a log or traceback
        return f"Bundle({self.sha256[:12]}, {len(self.archive)} bytes, {self.files} files)"


def _bundle_members(data_dir) -> list[tuple[str, Path]]:
    root = config.data_dir(data_dir)
    members = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or any(part.startswith((".", "~$")) for part in path.relative_to(root).parts):
            continue  # locks, temporary files, editor droppings
        if any(rel == left or rel.startswith(left + "/") for left in BUNDLE_LEFT_OUT):
            continue
        members.append((f"data/{rel}", path))
    for name in NOTEBOOK_FILES.values():
        members.append((f"notebooks/{name}", config.NOTEBOOKS_DIR / name))
    return members


def make_bundle(data_dir) -> Bundle:
    """The archive a worker needs: same files, same bytes -> same archive and sha256."""
    buffer = io.BytesIO()
    members = _bundle_members(data_dir)
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in members:
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(path.stat().st_mtime)
            tar.addfile(info, io.BytesIO(data))
    archive = buffer.getvalue()
    return Bundle(hashlib.sha256(archive).hexdigest(), archive, len(members))


def bundle_cache() -> Path:
    """Where a worker keeps unpacked bundles: its own temporary folder (``$TMPDIR``)."""
    return Path(tempfile.gettempdir()) / "casey-bundles"


def materialise(bundle: Bundle) -> Path:
    """Unpack ``bundle`` once per worker host (``<cache>/<sha256>/data`` and ``/notebooks``); its root.

    Checked against its sha256 first; unpacked beside the final folder and renamed into place, so a
    half-unpacked bundle is never used. Raises :class:`InfrastructureError` when it cannot be done.
    """
    target = bundle_cache() / bundle.sha256
    if (target / "notebooks").is_dir():
        return target
    with _UNPACK_LOCK:
        if (target / "notebooks").is_dir():
            return target
        if hashlib.sha256(bundle.archive).hexdigest() != bundle.sha256:
            raise InfrastructureError(f"the input bundle {bundle.sha256[:12]} arrived damaged (hash differs)")
        try:
            bundle_cache().mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{bundle.sha256[:12]}-", dir=bundle_cache()))
            with tarfile.open(fileobj=io.BytesIO(bundle.archive), mode="r") as tar:
                tar.extractall(staging, filter="data")
            try:
                os.rename(staging, target)
            except OSError:  # another process on this host unpacked it first
                shutil.rmtree(staging, ignore_errors=True)
                if not (target / "notebooks").is_dir():
                    raise
        except OSError as exc:
            raise InfrastructureError(f"could not unpack the input bundle into {bundle_cache()}: {exc}") from exc
    return target


def relocate(data: bytes, suffix: str, mapping: dict[str, str]) -> bytes:
    """``data`` with each worker-local path in ``mapping`` replaced by the client's.

    The worker's folders are random temporary names, so a plain replacement cannot hit anything
    else. Paths appear JSON-escaped in notebooks and HTML-escaped in pages; longest first, so a
    folder inside another is replaced whole.
    """
    escape = (lambda s: json.dumps(s)[1:-1]) if suffix.endswith((".ipynb", ".json")) else html.escape
    for worker_path in sorted(mapping, key=len, reverse=True):
        data = data.replace(escape(worker_path).encode("utf-8"), escape(mapping[worker_path]).encode("utf-8"))
    return data


def collect_outputs(html_path: Path, mapping: dict[str, str]) -> dict[str, dict]:
    """The files a render left beside ``html_path``, relocated, as ``{suffix: {"sha256", "data"}}``."""
    found = {}
    for suffix in OUTPUT_SUFFIXES:
        path = html_path.with_suffix(suffix)
        if path.is_file():
            data = relocate(path.read_bytes(), suffix, mapping)
            found[suffix] = {"sha256": hashlib.sha256(data).hexdigest(), "data": data}
    return found


def checked_outputs(files: dict[str, dict]) -> dict[str, bytes]:
    """The bytes of each returned file after checking its sha256 (raises :class:`InfrastructureError`)."""
    checked = {}
    for suffix, item in files.items():
        if suffix not in OUTPUT_SUFFIXES:
            raise InfrastructureError(f"a worker returned an unexpected file kind {suffix!r}")
        if hashlib.sha256(item["data"]).hexdigest() != item["sha256"]:
            raise InfrastructureError(f"the {suffix} a worker returned arrived damaged (hash differs)")
        checked[suffix] = item["data"]
    return checked
