"""Write files so that a crash or a failed run never leaves a half-written output.

Each writer writes a temporary file in the destination folder and renames it into place
(``os.replace`` is atomic on one filesystem), so readers see the old file or the new one.
No pandas import here: the batch planner uses this module and must start fast.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_csv(path: Path, frame) -> Path:
    """Deterministic CSV: fixed line endings, no index, floats as pandas formats them."""
    return write_text(path, frame.to_csv(index=False, lineterminator="\n"))
