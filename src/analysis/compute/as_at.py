"""What a report for a quarter leaves out because it is later than the quarter.

A report for quarter Q uses only what was known by the last day of Q (issue 10, and issue 18's hindsight):
observations for periods ending by then *and* known (published) by then (``known_at``, see
:func:`analysis.compute.measures.observations`), and tracker snapshots for Q or earlier whose document was
known by then (the snapshot index's ``known_at``: :func:`known_snapshots`). Where later data exist the report
may say so in one line, never show them: :class:`LaterData` counts them (counts only, never their periods or
values) so the sentence can be true, and absent when nothing later is held. A figure or a snapshot for an
earlier period that became known only after Q counts as later too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.compute import measures
from analysis.core.periods import Quarter, parse_quarter


@dataclass(frozen=True)
class LaterData:
    """Data held for periods after ``quarter``, left out of its report."""

    quarter: Quarter
    observations: int = 0  # key-measure observations for periods ending, or known, after the quarter's last day
    trackers: int = 0  # tracker snapshots for later quarters or known later (the force's own, or all forces')
    observations_file: str = ""  # where the observations are, relative to the data folder
    trackers_file: str = ""  # the snapshot index, relative to the data folder

    @property
    def exist(self) -> bool:
        return bool(self.observations or self.trackers)


def _known_mask(index: pd.DataFrame, quarter) -> pd.Series:
    """True for each snapshot-index row a report for ``quarter`` may use: a snapshot for the quarter or an earlier
    one, known (``known_at``) by the quarter's last day. An index without ``known_at`` (built before issue 18)
    is read as known in each snapshot's own quarter."""
    q = parse_quarter(quarter)
    if not len(index):
        return pd.Series(dtype=bool, index=index.index)
    in_time = index["quarter"].map(lambda p: parse_quarter(p).index <= q.index)
    if "known_at" not in index.columns:
        return in_time.astype(bool)
    known = index["known_at"].fillna("").astype(str).str.strip()
    return (in_time & (known != "") & (known <= q.end.isoformat())).astype(bool)


def known_snapshots(index: pd.DataFrame, quarter) -> pd.DataFrame:
    """The rows of a snapshot index a report for ``quarter`` may use (see :func:`_known_mask`)."""
    return index[_known_mask(index, quarter)] if len(index) else index


def known_rows(table: pd.DataFrame, index: pd.DataFrame, quarter) -> pd.DataFrame:
    """The tracker-table rows of the snapshots a report for ``quarter`` may use (by force and quarter)."""
    if not len(table):
        return table
    # only these forces' index rows: a damaged row of another force's must not spoil this report
    known = known_snapshots(index[index["force_id"].isin(set(table["force_id"]))], quarter)
    keys = set(zip(known["force_id"], known["quarter"])) if len(known) else set()
    return table[[k in keys for k in zip(table["force_id"], table["quarter"])]]


def later_snapshots(index: pd.DataFrame, quarter, force_id: str | None = None) -> int:
    """Rows of a snapshot index (``force_id``, ``quarter``) a report for ``quarter`` leaves out: for later quarters,
    or known only after the quarter's last day (one force's, or all)."""
    if not len(index):
        return 0
    rows = index if force_id is None else index[index["force_id"] == force_id]
    return int((~_known_mask(rows, quarter)).sum()) if len(rows) else 0


def later_data(
    quarter,
    index: pd.DataFrame,
    data_dir=None,
    audience: str = "internal",
    force_id: str | None = None,
    framework: str = "",
    with_measures: bool = True,
) -> LaterData:
    """What is held for periods after ``quarter``, or known only after it: measure observations ``audience`` may
    see (when the report shows key measures: ``with_measures``), and tracker snapshots (``index``, the whole
    snapshot index, before it is cut to the quarter) of ``force_id``, or of every force when it is None."""
    q = parse_quarter(quarter)
    return LaterData(
        quarter=q,
        observations=measures.later_observations(data_dir, q.id, audience) if with_measures else 0,
        trackers=later_snapshots(index, q, force_id),
        observations_file="processed/measures/observations.csv",
        trackers_file=f"processed/trackers/{framework}-snapshots.csv" if framework else "",
    )
