"""Why a batch cannot start: bad options, or processed data missing or older than data/raw."""

from __future__ import annotations

from analysis.core.errors import MissingInputs, UsageError


class BatchUsageError(UsageError):
    """Bad options (unknown force, quarter, framework, executor); the CLI exits 2."""


class MissingData(MissingInputs):
    """The processed tables are not there: run ``casey build`` (or ``casey batch --build``)."""


class StaleData(MissingData):
    """data/raw's tracker files changed since the last build: the processed tables would be stale."""
