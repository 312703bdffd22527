"""What a key measure's headline figure rests on, as numbers: when it became known, where it came from, how many
periods its series has, and how old it is at the end of the report's quarter (issue 18, classes 4 and 5).

The first-screen tiles and the executive summary's claims read these facts; the words are written in
``present`` (:mod:`analysis.present.tile_text`) from the rules in :mod:`analysis.compute.meaning.measures`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analysis.compute.meaning import measures as meaning
from analysis.compute.measures import observations
from analysis.core.audience import Audience
from analysis.core.periods import Quarter, period_end

CHARGE_RATE_FILE = "raw/measures/home-office-outcomes/force_quarter.csv"
OBSERVATIONS_FILE = "processed/measures/observations.csv"


@dataclass(frozen=True)
class FigureFacts:
    known_at: str  # ISO date the figure became known ('' when no observation records it)
    source_file: str
    source_rows: tuple
    points: int | None  # periods of the same series known by the quarter's end (None: not an observation series)
    period_end: dt.date
    staleness: meaning.Staleness
    incomplete: bool  # a recorded-basis figure among the quarters still undercounted
    period_type: str = ""  # 'reported_at': the figure states no period, only the day it was reported


def figure_facts(
    section, quarter: Quarter, data_dir=None, audience: Audience = Audience.INTERNAL, force_id: str = ""
) -> FigureFacts | None:
    """The facts behind ``section.latest`` for a report for ``quarter``; None when the section has no figure."""
    latest = getattr(section, "latest", None)
    if latest is None or not section.has_data:
        return None
    obs = observations(data_dir, audience=audience)  # every known_at, so a figure shown too early still says when
    series = obs[
        (obs["force_id"] == force_id)
        & (obs["measure_id"] == section.measure_id)
        & (obs["period_type"] == latest.period_type)
        & obs["value"].notna()
    ]
    row = series[series["period"].astype(str) == str(latest.period)]
    known_at = str(row["known_at"].iloc[-1]) if len(row) else ""
    known = observations(data_dir, as_at=quarter, audience=audience)
    points = (
        int(
            known[
                (known["force_id"] == force_id)
                & (known["measure_id"] == section.measure_id)
                & (known["period_type"] == latest.period_type)
                & known["value"].notna()
            ]["period"].nunique()
        )
        if len(series)
        else None
    )
    if section.measure_id and section.measure_id.startswith("charge_rate_") and latest.period_type == "quarter":
        p = Quarter.of(latest.period)
        source_file, rows = CHARGE_RATE_FILE, (f"slug={force_id}; fy={p.financial_year}; q={p.q}",)
    else:
        source_file = OBSERVATIONS_FILE
        rows = (f"force_id={force_id}; measure_id={section.measure_id}; period={latest.period}",)
    end = period_end(latest.period, latest.period_type)
    return FigureFacts(
        known_at,
        source_file,
        rows,
        points,
        end,
        meaning.staleness(end, quarter.end),
        meaning.figure_incomplete(section.measure_id or "", end, quarter),
        str(latest.period_type),
    )
