"""Write files so that a crash or a failed run never leaves a half-written output.

Each writer writes a temporary file in the destination folder and renames it into place
(``os.replace`` is atomic on one filesystem), so readers see the old file or the new one.
Files get the permissions an ordinary ``open()`` would give (0666 less the umask), not the
0600 of ``mkstemp``, so a web server or a colleague can read the reports the umask allows.
:func:`write_together` writes several files as one unit: every temporary file is complete on
disk before the first rename, so a full disk leaves all the old files, never a mix.
No pandas import here: the batch planner uses this module and must start fast.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from analysis.core.cells import neutralise_frame
from analysis.core.errors import UsageError


class LinkedFolder(UsageError):
    """A folder inside the reports folder is a symbolic link: writing there would write outside it."""


def refuse_linked_folders(root) -> None:
    """Refuse a reports folder holding a linked folder (``reports/2024-25-Q1 -> /elsewhere``), naming the link.

    A linked *file* is harmless (a write replaces the link itself), but a file written into a linked folder
    lands outside the reports folder; ``root`` itself may be a link (where the user chose to put the reports)."""
    for folder, subfolders, _files in os.walk(root):  # os.walk never descends into a linked folder
        for name in subfolders:
            path = Path(folder) / name
            if path.is_symlink():
                raise LinkedFolder(
                    f"{path} is a symbolic link to {os.readlink(path)}; casey never writes through a link out of "
                    "the reports folder: replace the link with a real folder"
                )


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not thread-safe, but only at write time)
    os.umask(mask)
    return mask


# A temporary file is named ".<final name>.<random>.tmp" beside its destination.
TEMPORARY_PATTERN = ".*.tmp"
# a notebook being executed, beside its report (analysis.run.render); named here so that cleaning up after a
# killed run (run.batch.remove_leftovers) need not import the rendering stack, which takes seconds
RUNNING_SUFFIX = ".running.ipynb"


def remove_leftovers(folder, patterns=(TEMPORARY_PATTERN,)) -> list[Path]:
    """Delete what killed writers left under ``folder``: files matching ``patterns`` (temporary files are
    never renamed into place, so nothing reads them). Only while no writer can be at work there: the batch
    calls it holding the folder's lock. Returns what was removed."""
    removed = []
    for pattern in patterns:
        for leftover in sorted(Path(folder).rglob(pattern)):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return removed


def _temporary(path: Path, data: bytes) -> str:
    """A complete, synced temporary copy of ``data`` beside ``path``; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_PATTERN[2:], dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not exc.filename:
            exc.filename = str(path)  # a full disk fails the write, whose error names no file
        raise
    return tmp


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    tmp = _temporary(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_together(files: dict[Path, bytes]) -> list[Path]:
    """Write several files as one unit: all temporary files first, then the renames.

    A failure while writing (disk full, no permission) leaves every old file as it was.
    """
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            written.append((_temporary(Path(path), data), Path(path)))
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        raise
    return [path for _, path in written]


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def csv_bytes(frame) -> bytes:
    """Deterministic CSV with formula-like text neutralised (people open these CSVs in Excel)."""
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(path: Path, frame) -> Path:
    """Deterministic CSV: fixed line endings, no index, floats as pandas formats them, no live formulas."""
    return write_bytes(path, csv_bytes(frame))


def withdraw_page(html_path: Path) -> None:
    """Remove a published page and its notebook (a public page that could not be brought up to date).

    The previous public page may hold rows since marked OFFICIAL-SENSITIVE, so it is never left
    published when its update fails; the index lists only pages on disk.
    """
    html_path = Path(html_path)
    html_path.unlink(missing_ok=True)
    html_path.with_suffix(".ipynb").unlink(missing_ok=True)
    html_path.with_suffix(".claims.json").unlink(missing_ok=True)
