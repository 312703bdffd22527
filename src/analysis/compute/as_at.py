"""What a report for a quarter leaves out because it is later than the quarter.

A report for quarter Q uses only observations for periods ending on or before the last day of Q, and
only tracker snapshots for Q or earlier (issue 10). Where later data exist the report may say so in one
line, never show them: :class:`LaterData` counts them (counts only, never their periods or values) so
the sentence can be true, and absent when nothing later is held.
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
    observations: int = 0  # key-measure observations for periods ending after the quarter's last day
    trackers: int = 0  # tracker snapshots for later quarters (the force's own, or any force's for the overview)
    observations_file: str = ""  # where the observations are, relative to the data folder
    trackers_file: str = ""  # the snapshot index, relative to the data folder

    @property
    def exist(self) -> bool:
        return bool(self.observations or self.trackers)


def later_snapshots(index: pd.DataFrame, quarter, force_id: str | None = None) -> int:
    """Rows of a snapshot index (``force_id``, ``quarter``) for quarters after ``quarter`` (one force's, or all)."""
    q = parse_quarter(quarter)
    if not len(index):
        return 0
    rows = index if force_id is None else index[index["force_id"] == force_id]
    return int(sum(parse_quarter(p).index > q.index for p in rows["quarter"]))


def later_data(
    quarter,
    index: pd.DataFrame,
    data_dir=None,
    audience: str = "internal",
    force_id: str | None = None,
    framework: str = "",
    with_measures: bool = True,
) -> LaterData:
    """What is held for periods after ``quarter``: measure observations ``audience`` may see (when the report
    shows key measures: ``with_measures``), and tracker snapshots (``index``, the whole snapshot index, before
    it is cut to the quarter) of ``force_id``, or of every force when it is None."""
    q = parse_quarter(quarter)
    return LaterData(
        quarter=q,
        observations=measures.later_observations(data_dir, q.id, audience) if with_measures else 0,
        trackers=later_snapshots(index, q, force_id),
        observations_file="processed/measures/observations.csv",
        trackers_file=f"processed/trackers/{framework}-snapshots.csv" if framework else "",
    )
