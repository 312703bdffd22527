"""Casey progress reporting: reusable analysis functions called from the report notebooks.

The package is laid out by pipeline stage; each stage imports only the stages before it
(tests/test_architecture.py checks):

- ``core``: paths and settings, financial quarters, the force registry, atomic writes.
- ``sources``: framework catalogues, force trackers and official statistics read from data/raw.
- ``compute``: statistics, key measures, tracker progress, the report model (data, no HTML).
- ``intake``: Excel templates out to force owners, returned trackers validated and imported.
- ``present``: narrative, charts, palette and HTML pieces.
- ``run``: build data/processed, execute and render notebooks, batches, index pages.
- ``cli``: the ``casey`` command.
"""

import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

UNKNOWN_VERSION = "0+unknown"  # neither installed nor in a git checkout: nothing says which code this is
_pinned: str | None = None  # set by pin_version: a Dask worker renders as its client's version


def __getattr__(name: str):
    # worked out on first use, not on import: asking git costs about a fifth of a second
    if name == "__version__":
        return _pinned or code_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pin_version(version: str) -> None:
    """Name the code ``version`` from now on in this process. For a Dask worker whose source files hash the same
    as its client's: the worker's checkout may look changed (its data folders hidden), the code is not."""
    global _pinned
    _pinned = version


@cache
def code_version() -> str:
    """The version of the code running, as setuptools-scm names it: at a tag ``v0.2.0``, ``0.2.0``; after it
    ``0.2.1.devN+g<commit>`` (N commits on); before any tag ``0.2.devN+g<commit>``; ``.d<date>`` is added
    when the tree has uncommitted changes.

    In a git checkout (an editable install, as ``make env`` makes) the checkout is asked each run: the
    version recorded at install time would name an older commit. Elsewhere it is the installed
    distribution's version, fixed when it was built."""
    checkout = Path(__file__).resolve().parents[2]
    pyproject = checkout / "pyproject.toml"
    if (checkout / ".git").exists() and pyproject.is_file():
        try:
            from setuptools_scm import get_version
        except ImportError:  # a checkout without the dev tools: the install-time version is all there is
            pass
        else:
            try:  # the build's own settings, so the run and `pip install` agree
                settings = tomllib.loads(pyproject.read_text())["tool"]["setuptools_scm"]
                return get_version(root=str(checkout), fallback_version=settings["fallback_version"])
            except Exception:  # git missing or refusing the folder: the installed metadata below
                pass
    try:
        return version("casey-progress")
    except PackageNotFoundError:  # running from a source tree without an install
        return UNKNOWN_VERSION
