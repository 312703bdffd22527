"""Root-anchored paths. Everything else asks here instead of building paths itself.

The data root can be moved (tests, other trees) with ``CASEY_DATA_DIR`` or by passing
``data_dir`` explicitly; reports go to ``CASEY_REPORTS_DIR`` or ``<repo>/reports``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/analysis (this file is in core/)
REPO_ROOT = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
DEFAULT_FRAMEWORK = "casey-2023"
# who a report is for: internal sees everything; public has OFFICIAL-SENSITIVE rows withheld
AUDIENCES = ("internal", "public")
# the file stem (and pseudo-force id) of the all-forces overview, beside the per-force reports
NATIONAL_STEM = "national-overview"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data root holding ``raw/`` and ``processed/``."""
    if override:
        return Path(override).resolve()
    env = os.environ.get("CASEY_DATA_DIR")
    return Path(env).resolve() if env else REPO_ROOT / "data"


def raw_dir(root: str | os.PathLike | None = None) -> Path:
    return data_dir(root) / "raw"


def processed_dir(root: str | os.PathLike | None = None) -> Path:
    return data_dir(root) / "processed"


def reports_dir(override: str | os.PathLike | None = None) -> Path:
    if override:
        return Path(override).resolve()
    env = os.environ.get("CASEY_REPORTS_DIR")
    return Path(env).resolve() if env else REPO_ROOT / "reports"


def frameworks_dir(root=None) -> Path:
    return raw_dir(root) / "frameworks"


def trackers_dir(root=None) -> Path:
    return raw_dir(root) / "trackers"


def forces_file(root=None) -> Path:
    return raw_dir(root) / "forces" / "forces.csv"


def measures_raw_dir(root=None) -> Path:
    return raw_dir(root) / "measures"
