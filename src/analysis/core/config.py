"""Root-anchored paths. Everything else asks here instead of building paths itself.

The data root can be moved (tests, other trees) with ``CASEY_DATA_DIR`` or by passing
``data_dir`` explicitly; reports go to ``CASEY_REPORTS_DIR`` or ``<repo>/reports``.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from analysis.core.audience import AUDIENCES, Audience  # noqa: F401  (AUDIENCES: the strings the CLI accepts)

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/analysis (this file is in core/)
REPO_ROOT = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
DEFAULT_FRAMEWORK = "casey-2023"
# the file stem (and pseudo-force id) of the all-forces overview, beside the per-force reports
NATIONAL_STEM = "national-overview"
PUBLIC_SITE = "public"  # reports/public/: the public mirror, where every page is public and no folder says so


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


def report_relpath(
    quarter, stem: str, audience: Audience, framework: str = DEFAULT_FRAMEWORK, public_site: bool = False
) -> PurePosixPath:
    """Where a report's HTML goes below the reports folder: ``<quarter>/[<framework>/][public/]<stem>.html``;
    the one statement of the layout (the batch, the index and the public mirror ask here).

    ``public_site``: below the public mirror (``reports/public/``) instead, where every page is public and the
    ``public/`` folder is left out: ``<quarter>/[<framework>/]<stem>.html``."""
    if public_site and not audience.is_public:
        raise ValueError(f"the public site holds public reports only, not {audience.value} ones ({stem})")
    parts = [str(getattr(quarter, "id", quarter))]  # a parsed Quarter or its id
    if framework != DEFAULT_FRAMEWORK:
        parts.append(framework)
    if audience.folder and not public_site:
        parts.append(audience.folder)
    return PurePosixPath(*parts, f"{stem}.html")


def report_place(relpath_in_quarter, public_site: bool = False) -> tuple[str, Audience]:
    """The framework and audience of a page (or failed notebook) at ``relpath_in_quarter``, a path below its
    quarter's folder: the inverse of :func:`report_relpath`."""
    folders = PurePosixPath(relpath_in_quarter).parts[:-1]
    framework = folders[0] if folders and folders[0] != Audience.PUBLIC.folder else DEFAULT_FRAMEWORK
    public = public_site or (bool(folders) and folders[-1] == Audience.PUBLIC.folder)
    return framework, Audience.PUBLIC if public else Audience.INTERNAL
