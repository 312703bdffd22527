"""The key measures' raw files: where they are, reading them, and checking the files forces send.

* The Home Office outcomes aggregate (``home-office-outcomes/force_quarter.csv``), read as it is
  (:func:`read_force_quarter`); the charge rates are computed in :mod:`analysis.compute.measures`.
* The 2011 Census by police force area (:func:`census_table`).
* Force-supplied files (``local/*.csv``, ``workforce/*.csv``): each checked row by row, naming file, row
  and field (:func:`check_local`); a bad file is left out and holds back its force only.
* Every raw file with its size and time (:func:`input_files`), so caches and provenance follow the files.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from analysis.core import config, settings
from analysis.core.forces import all_forces
from analysis.core.periods import Quarter, period_end
from analysis.core.settings import MEASURE_MAX_COUNT
from analysis.sources import headers, official_stats
from analysis.sources.markings import DEFAULT_MEASURE_MARKING, canonical_marking, marking_error
from analysis.sources.measure_registry import file_stamp, load_registry
from analysis.sources.trackers import Problem, TrackerError, read_raw

# a figure's own columns, first in both tables below
FIGURE_COLUMNS = ["force_id", "period", "period_type", "measure_id", "numerator", "denominator", "value"]
# the observations table every measure is read into (analysis.compute.measures.observations)
OBS_COLUMNS = [
    *FIGURE_COLUMNS,
    "source",
    "note",
    "marking",
    "known_at",  # the date the figure became known (published): issue 18, see as_at and data/raw/README.md
]
# the columns a force-supplied file must have (it may add marking and known_at)
LOCAL_COLUMNS = [*FIGURE_COLUMNS, "unit", "source", "note"]
CENSUS_ALL = "Ethnic Group: All categories: Ethnic group; measures: Value"
CENSUS_WHITE = "Ethnic Group: White; measures: Value"


def outcomes_dir(data_dir=None) -> Path:
    return config.measures_raw_dir(data_dir) / "home-office-outcomes"


def read_force_quarter(path: Path) -> pd.DataFrame:
    """The outcomes aggregate as published, territorial forces only, with a ``period`` column (quarter id)."""
    raw = pd.read_csv(path, dtype={"fy": str})
    raw = raw[raw["slug"] != "british-transport-police"]  # not a territorial force
    quarters = [Quarter.of(f"{fy} Q{q}") for fy, q in zip(raw["fy"], raw["q"])]
    raw = raw.assign(period=[q.id for q in quarters])
    return raw


def census_table(data_dir=None) -> pd.DataFrame:
    """Census 2011 ethnic minority population per force: force_id, minority, total."""
    path = config.measures_raw_dir(data_dir) / "census-2011" / "force-demographics.csv"
    raw = pd.read_csv(path)
    missing = [c for c in ("PFA16NM", CENSUS_ALL, CENSUS_WHITE) if c not in raw.columns]
    if missing:
        raise official_stats.LayoutError(path, missing, "Census 2011 by police force area")
    mapping, _ = official_stats.map_force_names(raw["PFA16NM"], data_dir, path)
    return (
        pd.DataFrame(
            {
                "force_id": raw["PFA16NM"].map(mapping),
                "minority": raw[CENSUS_ALL] - raw[CENSUS_WHITE],
                "total": raw[CENSUS_ALL],
            }
        )
        .sort_values("force_id")
        .reset_index(drop=True)
    )


def local_files(data_dir=None) -> list[Path]:
    """Force-supplied measures files: ``local/<force>.csv`` and ``workforce/<force>.csv``."""
    root = config.measures_raw_dir(data_dir)
    return [p for sub in ("local", "workforce") for p in sorted((root / sub).glob("*.csv"))]


def file_owner(path: Path, data_dir=None) -> str | None:
    """The force a force-supplied file belongs to, from its name: ``<slug>.csv`` or ``<slug>-<anything>.csv``."""
    stem = Path(path).stem
    slugs = [f.id for f in all_forces(data_dir) if stem == f.id or stem.startswith(f"{f.id}-")]
    return max(slugs, key=len) if slugs else None


def check_local(path: Path, data_dir=None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one force-supplied measures file and every problem in it (file, row, field).

    The file belongs to the force its name gives (``leicestershire.csv``, ``leicestershire-vawg.csv``): a row for any other
    force is refused, never filed into that force's report. Measure ids must be in the registry,
    numbers must be numbers (or blank), and the optional ``marking`` column must hold a known
    protective marking (default OFFICIAL when the column is absent).
    """
    name = str(path)
    try:  # the one reader of files people send: bounded, sniffed, decoded per file (analysis.sources.trackers)
        frame = read_raw(path, what="a measures file")
    except TrackerError as exc:
        return pd.DataFrame(columns=OBS_COLUMNS), exc.problems
    frame = frame.fillna("")
    frame = frame[(frame != "").any(axis=1)]  # blank lines dropped; the index keeps the file's row numbers
    columns, problems = _header_problems(frame, name)
    if problems:
        return frame, problems
    frame.columns = columns
    if "marking" not in frame.columns:
        frame["marking"] = DEFAULT_MEASURE_MARKING
    if "known_at" not in frame.columns:
        frame["known_at"] = ""
    owner = file_owner(path, data_dir)
    if owner is None:
        return frame, [
            Problem(
                name,
                "file",
                "name",
                "name a force-supplied measures file after its force: <force slug>.csv or <force slug>-<anything>.csv",
            )
        ]
    registry = load_registry(data_dir)
    problems = []
    for i, r in zip(frame.index, frame.itertuples(index=False)):
        row = int(i) + 2  # the header is row 1
        if r.force_id.strip() != owner:
            problems.append(Problem(name, row, "force_id", f"{r.force_id!r}: this file holds {owner}'s measures only"))
        if r.measure_id.strip() not in registry:
            problems.append(Problem(name, row, "measure_id", f"{r.measure_id!r} is not in the measure registry"))
        for column in ("numerator", "denominator", "value"):
            message = _number_problem(column, getattr(r, column))
            if message:
                problems.append(Problem(name, row, column, message))
        if canonical_marking(r.marking) is None:
            problems.append(Problem(name, row, "marking", marking_error(r.marking)))
        problems += _known_at_problems(name, row, r)
    frame = frame[OBS_COLUMNS].copy()
    frame["known_at"] = [
        _figure_known_at(k, p, t) for k, p, t in zip(frame["known_at"], frame["period"], frame["period_type"])
    ]
    frame["marking"] = frame["marking"].map(lambda m: canonical_marking(m) or m)
    for column in ("numerator", "denominator", "value"):
        frame[column] = pd.to_numeric(frame[column].str.replace(",", ""), errors="coerce")
    return frame, problems


def _header_problems(frame: pd.DataFrame, name: str) -> tuple[list[str], list[Problem]]:
    """The columns a force-supplied file's headings mean, and every problem with them.

    One header rule (analysis.sources.headers): "Marking" is the marking column, and a heading that is not a
    known column refuses the file; it is never dropped, so a misspelt marking can never read as OFFICIAL."""
    known = [*LOCAL_COLUMNS, "marking", "known_at"]
    columns, clashes = headers.match(frame.columns, known)
    problems = [Problem(name, "header", h, message) for h, message in clashes]
    expected = f"{', '.join(LOCAL_COLUMNS)} and optionally marking and known_at"
    clashing = {h for h, _ in clashes}
    problems += [
        Problem(name, "header", str(h) or "(blank)", headers.unknown_message(h, known, expected))
        for h, c in zip(frame.columns, columns)
        if c not in known and str(h) not in clashing
    ]
    problems += [Problem(name, "header", c, "required column is missing") for c in LOCAL_COLUMNS if c not in columns]
    return columns, problems


def _known_at_problems(name: str, row: int, r) -> list[Problem]:
    """A known_at that is not an ISO date, or falls before the end of the figure's own period."""
    text = str(r.known_at).strip()
    if not text:
        return []
    try:
        known = dt.date.fromisoformat(text)
    except ValueError:
        return [Problem(name, row, "known_at", f"{r.known_at!r} is not a date (YYYY-MM-DD)")]
    end = period_end(r.period.strip(), r.period_type.strip())
    if end != dt.date.min and known < end:
        return [Problem(name, row, "known_at", f"{text} is before the period ends ({end.isoformat()})")]
    return []


def _figure_known_at(known_at: str, period: str, period_type: str) -> str:
    """A force-supplied figure's known_at as given, else the end of the quarter
    :data:`~analysis.core.settings.UNDATED_FIGURE_QUARTERS_AFTER` after its period ends ('' when the period
    cannot be read: such a row is never shown as known)."""
    if str(known_at).strip():
        return str(known_at).strip()
    end = period_end(str(period).strip(), str(period_type).strip())
    if end == dt.date.min:
        return ""
    return official_stats.quarters_after(end, settings.UNDATED_FIGURE_QUARTERS_AFTER).isoformat()


def _number_problem(column: str, text: str) -> str | None:
    """Why a figure in a force-supplied file cannot be used, or None: blank, or a finite number; a count (numerator,
    denominator) from 0 to MEASURE_MAX_COUNT, a denominator above 0 (NaN, inf, 1e308, -5 and a zero base refused)."""
    cell = text.replace(",", "").strip()
    if not cell:
        return None
    number = pd.to_numeric(cell, errors="coerce")
    if pd.isna(number) or not math.isfinite(number):
        return f"{text!r} is not a number"
    if column in ("numerator", "denominator") and not 0 <= number <= MEASURE_MAX_COUNT:
        return f"{text!r} is not a count from 0 to {MEASURE_MAX_COUNT:,}"
    if column == "denominator" and number == 0:
        return f"{text!r}: a denominator of 0 gives no rate; leave it blank if there is none"
    return None


def local_problems(data_dir=None) -> list[Problem]:
    """Every problem in the force-supplied measures files (``casey build`` reports them)."""
    return [p for path in local_files(data_dir) for p in check_local(path, data_dir)[1]]


def read_local(path: Path, data_dir=None) -> pd.DataFrame | None:
    """A valid force-supplied file's observations, or None: a bad file is left out (the build names why)."""
    frame, problems = check_local(path, data_dir)
    return None if problems else frame


def open_data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx", ".ods"))


def input_files(data_dir) -> tuple:
    """``(path, mtime, size)`` for every raw file the measures are computed from (the forces file first)."""
    root = config.measures_raw_dir(data_dir)
    files = [config.forces_file(data_dir)] + sorted(p for p in root.rglob("*") if p.is_file())
    return tuple((str(p), *file_stamp(p)) for p in files)


def input_paths(data_dir=None) -> list[Path]:
    """Every raw file the measures are computed from (for the report's provenance)."""
    return [Path(entry[0]) for entry in input_files(data_dir)]
