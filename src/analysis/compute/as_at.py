"""What a report for a quarter leaves out because it is later than the quarter.

A report for quarter Q uses only what was known by the last day of Q (issue 10, and issue 18's hindsight):
observations for periods ending by then *and* known (published) by then (``known_at``, see
:func:`analysis.compute.measures.observations`), and tracker snapshots for Q or earlier whose document was
known by then (the snapshot index's ``known_at``: :func:`known_snapshots`). The tests of one row are here and
nowhere else: :func:`quarters_through` (a quarter's rows up to Q), :func:`ended_by` and :func:`known_by` (a
period's last day, a known_at date, on or before Q's last day), :func:`published_by` (a Home Office quarter
published by then) and :func:`snapshot_mask`, and the tables cut by them (:func:`rows_through`,
:func:`rows_published_by`, :func:`known_snapshots`); :func:`analysis.compute.measures.observations` and the
analyst API (:mod:`analysis.compute.access`) call them. Where later data exist the report
may say so in one line, never show them: :class:`LaterData` counts them (counts only, never their periods or
values) so the sentence can be true, and absent when nothing later is held. A figure or a snapshot for an
earlier period that became known only after Q counts as later too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.periods import Quarter
from analysis.sources.official_stats import release_known_at

NEVER = "9999-12-31"  # a blank known_at is never known: it sorts after every real date


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


# --------------------------------------------------------------------------- one row's tests
def _per_distinct(periods: Iterable[str | Quarter], test) -> list[bool]:
    """``test(p)`` for each of ``periods``, decided once per distinct period: a series holds each quarter once
    per force, and deciding per row made a report's cost grow with the length of history."""
    periods = list(periods)
    verdict = {p: test(p) for p in set(periods)}
    return [verdict[p] for p in periods]


def quarters_through(periods: Iterable[str | Quarter], quarter: Quarter) -> list[bool]:
    """For each quarter id in ``periods``: True when it is ``quarter`` or earlier (it ended by its last day)."""
    return _per_distinct(periods, lambda p: Quarter.of(p) <= quarter)


def published_by(periods: Iterable[str | Quarter], quarter: Quarter) -> list[bool]:
    """For each Home Office quarter id in ``periods``: True when it counts as published by ``quarter``'s last
    day (the release rule of :func:`analysis.sources.official_stats.release_known_at`)."""
    return _per_distinct(periods, lambda p: release_known_at(Quarter.of(p).end) <= quarter.end)


def ended_by(ends: np.ndarray | pd.Series, quarter: Quarter) -> np.ndarray:
    """For each period end date: True when it is on or before ``quarter``'s last day."""
    end = quarter.end
    if isinstance(ends, pd.Series) and pd.api.types.is_datetime64_any_dtype(ends):
        return (ends <= pd.Timestamp(end)).to_numpy()
    return np.asarray(ends) <= end


def known_by(known_at: np.ndarray | pd.Series, quarter: Quarter) -> np.ndarray:
    """For each known_at (a date, or ISO date text): True when it is on or before ``quarter``'s last day; blank
    is never known."""
    as_text = pd.Series(known_at).map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
    known = as_text.fillna("").astype(str).str.strip()
    return np.where(known == "", NEVER, known).astype(str) <= quarter.end.isoformat()


def snapshot_mask(index: pd.DataFrame, quarter: Quarter) -> pd.Series:
    """True for each snapshot-index row a report for ``quarter`` may use: a snapshot for the quarter or an earlier
    one, known (``known_at``) by the quarter's last day. An index without ``known_at`` (built before issue 18)
    is read as known in each snapshot's own quarter."""
    if not len(index):
        return pd.Series(dtype=bool, index=index.index)
    in_time = pd.Series(quarters_through(index["quarter"], quarter), index=index.index, dtype=bool)
    if "known_at" not in index.columns:
        return in_time
    return in_time & pd.Series(known_by(index["known_at"], quarter), index=index.index)


# --------------------------------------------------------------------------- tables
def rows_through(frame: pd.DataFrame, quarter: Quarter, column: str = "quarter") -> pd.DataFrame:
    """The rows of ``frame`` whose quarter id (``column``) is ``quarter`` or earlier."""
    # a boolean Series, not a list: an empty list would select no columns and lose the table's shape
    return frame[pd.Series(quarters_through(frame[column], quarter), index=frame.index, dtype=bool)]


def rows_published_by(frame: pd.DataFrame, quarter: Quarter, column: str = "period") -> pd.DataFrame:
    """The rows of ``frame`` whose Home Office quarter (``column``) counts as published by ``quarter``'s end."""
    return frame[pd.Series(published_by(frame[column], quarter), index=frame.index, dtype=bool)]


def known_snapshots(index: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The rows of a snapshot index a report for ``quarter`` may use (see :func:`snapshot_mask`)."""
    return index[snapshot_mask(index, quarter)] if len(index) else index


def known_rows(table: pd.DataFrame, index: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The tracker-table rows of the snapshots a report for ``quarter`` may use (by force and quarter)."""
    if not len(table):
        return table
    # only these forces' index rows: a damaged row of another force's must not spoil this report
    known = known_snapshots(index[index["force_id"].isin(set(table["force_id"]))], quarter)
    keys = set(zip(known["force_id"], known["quarter"])) if len(known) else set()
    return table[[k in keys for k in zip(table["force_id"], table["quarter"])]]


def later_snapshots(index: pd.DataFrame, quarter: Quarter, force_id: str | None = None) -> int:
    """Rows of a snapshot index (``force_id``, ``quarter``) a report for ``quarter`` leaves out: for later quarters,
    or known only after the quarter's last day (one force's, or all)."""
    if not len(index):
        return 0
    rows = index if force_id is None else index[index["force_id"] == force_id]
    return int((~snapshot_mask(rows, quarter)).sum()) if len(rows) else 0


def later_data(
    quarter: Quarter,
    index: pd.DataFrame,
    later_observations: int,
    force_id: str | None = None,
    framework: str = "",
) -> LaterData:
    """What is held for periods after ``quarter``, or known only after it: ``later_observations`` (the count of
    :func:`analysis.compute.measures.later_observations`, which calls this module's tests, so it is passed
    in), and tracker snapshots (``index``, the whole snapshot index, before it is cut to the quarter) of
    ``force_id``, or of every force when it is None."""
    return LaterData(
        quarter=quarter,
        observations=later_observations,
        trackers=later_snapshots(index, quarter, force_id),
        observations_file="processed/measures/observations.csv",
        trackers_file=f"processed/trackers/{framework}-snapshots.csv" if framework else "",
    )
