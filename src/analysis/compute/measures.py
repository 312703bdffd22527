"""The Casey key measures: registry, observations, processed tables and per-force summaries.

* Registry: every ``data/raw/measures/registry/*.yaml`` (``measures:`` list).
* Observations: one long table (:data:`OBS_COLUMNS`) built from the Home Office
  outcomes aggregate, the 2011 Census by police force area, optional Home Office
  open-data workbooks, and force-supplied files (``local/*.csv``, ``workforce/*.csv``).
* :func:`build_processed` writes ``data/processed/measures/*.csv`` deterministically.
* The per-force summaries the reports show are in :mod:`analysis.compute.measure_sections`.

Rates are stored in observations as percentages (``unit: percent``); the statistics
in :mod:`analysis.compute.stats` work on proportions, so values are divided by 100 there.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.compute import disparity, stats
from analysis.core import config, settings
from analysis.core.atomic import write_text
from analysis.core.forces import all_forces
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.settings import KNOWN_GAPS, MEASURE_MAX_COUNT, TREND_QUARTERS  # noqa: F401 (re-exported)
from analysis.sources import headers, official_stats
from analysis.sources.markings import DEFAULT_MEASURE_MARKING, canonical_marking, marking_error, public_mask
from analysis.sources.trackers import Problem, TrackerError, read_raw

NATIONAL_ID = "england-and-wales"
NATIONAL_NAME = "England and Wales"
KEY_MEASURES = (  # recommendation 16, in the order the report presents them
    ("trust-confidence", "Trust and confidence in the police"),
    ("misconduct-action", "Action on misconduct"),
    ("misconduct-disparity", "Racial disparity in misconduct"),
    ("charge-rate", "Charge rates"),
    ("rape-to-court", "Adult rape cases reaching court"),
    ("response-times", "Response rates and times"),
    ("workforce-representation", "Workforce representation of the population"),
)
HEADLINE = {  # the official measure that leads each section when it has data
    "trust-confidence": "csew_confidence_local_police",
    "misconduct-action": "misconduct_proceedings_rate",
    "misconduct-disparity": "misconduct_disparity_ratio_ethnic_minority",
    "charge-rate": "charge_rate_closed",
    "rape-to-court": "rape_charge_rate_closed",
    "response-times": "call_999_answered_within_10s",
    "workforce-representation": "workforce_representation_ratio_officers",
}
CONTEXT_MEASURES = {
    "census_2011_ethnic_minority_share",  # shown alongside, never the headline
    "census_2021_ethnic_minority_share",
}
UNITS = {"percent", "ratio", "count", "minutes", "seconds", "rate_per_1000"}
DIRECTIONS = {"higher_is_better", "lower_is_better", "closer_to_one_is_better", "neutral"}
PERIOD_TYPES = {
    "quarter",
    "financial_year",
    "month",
    "year_ending_march",
    "census_year",
    # used by force-supplied papers, which rarely follow national periods
    "calendar_year",
    "date_range",
    "rolling_12_months",
    "reported_at",
}
REGISTRY_FIELDS = (
    "id",
    "key_measure",
    "title",
    "definition",
    "numerator",
    "denominator",
    "unit",
    "direction",
    "period_type",
    "source",
    "official_source",
)
OBS_COLUMNS = [
    "force_id",
    "period",
    "period_type",
    "measure_id",
    "numerator",
    "denominator",
    "value",
    "source",
    "note",
    "marking",
    "known_at",  # the date the figure became known (published): issue 18, see as_at and data/raw/README.md
]
LOCAL_COLUMNS = [
    "force_id",
    "period",
    "period_type",
    "measure_id",
    "numerator",
    "denominator",
    "value",
    "unit",
    "source",
    "note",
]

OUTCOMES_SOURCE = (
    "Home Office, police recorded crime and outcomes open data tables "
    "(per-force quarterly aggregate from SGilr/oocd-dashboard)"
)
CENSUS_SOURCE = "ONS Census 2011 QS201EW by police force area (Resistance-Lab/resistancelab_data)"
CENSUS_ALL = "Ethnic Group: All categories: Ethnic group; measures: Value"
CENSUS_WHITE = "Ethnic Group: White; measures: Value"
FUNNEL_NOTE = "limits widened for the extra variation between forces (Spiegelhalter over-dispersion)"


class RegistryError(ValueError):
    """A registry file that is missing fields or uses values outside the allowed lists."""


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Measure:
    id: str
    key_measure: str
    title: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    direction: str
    period_type: str
    source: str
    official_source: str
    registry: str  # the YAML file it came from, e.g. "official"


def _registry_dir(data_dir=None) -> Path:
    return config.measures_raw_dir(data_dir) / "registry"


def registry_problems(data_dir=None) -> list[str]:
    """Every problem in the registry files (missing fields, unknown enums, duplicate ids)."""
    problems, seen = [], {}
    keys = {k for k, _ in KEY_MEASURES}
    for path in sorted(_registry_dir(data_dir).glob("*.yaml")):
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or []
        for i, entry in enumerate(entries):
            where = f"{path.name} entry {i} ({entry.get('id', '?')})"
            missing = [f for f in REGISTRY_FIELDS if entry.get(f) in (None, "")]
            if missing:
                problems.append(f"{where}: missing {', '.join(missing)}")
            for name, allowed in (
                ("key_measure", keys),
                ("unit", UNITS),
                ("direction", DIRECTIONS),
                ("period_type", PERIOD_TYPES),
            ):
                if entry.get(name) not in allowed:
                    problems.append(f"{where}: {name} {entry.get(name)!r} is not one of {sorted(allowed)}")
            if entry.get("id") in seen:
                problems.append(f"{where}: id also defined in {seen[entry['id']]}")
            seen[entry.get("id")] = path.name
    return problems


def load_registry(data_dir=None) -> dict[str, Measure]:
    """All measures by id; raises :class:`RegistryError` listing every problem.

    Cached until a registry file changes (reports call this several times each)."""
    paths = sorted(_registry_dir(data_dir).glob("*.yaml"))
    return dict(_registry_cached(str(config.data_dir(data_dir)), tuple((str(p), *_stamp(p)) for p in paths)))


@lru_cache(maxsize=4)
def _registry_cached(root: str, _stamp_key) -> dict[str, Measure]:
    problems = registry_problems(root)
    if problems:
        raise RegistryError("measure registry problems:\n  " + "\n  ".join(problems))
    out = {}
    for path in sorted(_registry_dir(root).glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or []:
            out[entry["id"]] = Measure(**{f: str(entry[f]).strip() for f in REGISTRY_FIELDS}, registry=path.stem)
    return out


def registry_entry(measure_id: str, data_dir=None) -> dict:
    """The registry's YAML entry for ``measure_id`` as written, with fields :class:`Measure` does not carry
    (``{}`` if there is none). Cached until a registry file changes."""
    paths = sorted(_registry_dir(data_dir).glob("*.yaml"))
    entries = _registry_entries_cached(str(config.data_dir(data_dir)), tuple((str(p), *_stamp(p)) for p in paths))
    return dict(entries.get(measure_id, {}))


@lru_cache(maxsize=4)
def _registry_entries_cached(root: str, _stamp_key) -> dict[str, dict]:
    out = {}
    for path in sorted(_registry_dir(root).glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or []:
            out.setdefault(entry.get("id"), entry)
    return out


# --------------------------------------------------------------------------- periods
def period_end(period: str, period_type: str) -> dt.date:
    """The last day a period covers, for ordering periods of any type (unknown -> date.min)."""
    text = str(period)
    try:
        if period_type == "quarter":
            return parse_quarter(text).end
        if period_type == "financial_year":
            return dt.date(int(text[:4]) + 1, 3, 31)
        if period_type in ("year_ending_march",):
            return dt.date(int(text[:4]), 3, 31)
        if period_type == "month":
            y, m = int(text[:4]), int(text[5:7])
            return dt.date(y, m, calendar.monthrange(y, m)[1])
        if period_type == "census_year":
            return dt.date(int(text[:4]), 3, 27)  # census day
        if period_type == "calendar_year":
            return dt.date(int(text[:4]), 12, 31)
        if period_type == "date_range":
            start, _, end = text.partition("/")
            return dt.date.fromisoformat(end) if end and end != ".." else dt.date.fromisoformat(start)
        return dt.date.fromisoformat(text[:10])
    except (ValueError, TypeError):
        return dt.date.min


def period_label(period: str, period_type: str) -> str:
    """How a report writes a period: '2024/25 Q1 (April–June 2024)', '2023/24', 'July 2023'."""
    text = str(period)
    try:
        if period_type == "quarter":
            q = parse_quarter(text)
            return f"{q.label} ({q.months})"
        if period_type == "financial_year":
            return text.replace("-", "/")
        if period_type == "year_ending_march":
            return f"the year ending March {text}"
        if period_type == "month":
            return dt.date(int(text[:4]), int(text[5:7]), 1).strftime("%B %Y")
        if period_type == "census_year":
            return f"Census {text}"
        if period_type == "date_range":
            start, _, end = text.partition("/")
            return f"{start} to {end}" if end and end != ".." else f"from {start}"
        if period_type == "rolling_12_months":
            day = dt.date.fromisoformat(text[:10])
            return f"the 12 months to {day.day} {day:%B %Y}"
        if period_type == "reported_at":
            day = dt.date.fromisoformat(text[:10])
            return f"reported on {day.day} {day:%B %Y}"
    except ValueError:
        pass
    return text


def decimal_year(q: Quarter) -> float:
    """Mid-quarter as a decimal calendar year (2024-25 Q1 -> 2024.375)."""
    return q.start.year + (q.start.month - 1) / 12 + 1.5 / 12


# --------------------------------------------------------------------------- sources
def _outcomes_dir(data_dir=None) -> Path:
    return config.measures_raw_dir(data_dir) / "home-office-outcomes"


@lru_cache(maxsize=4)
def _charge_series_cached(path: Path, stamp) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype={"fy": str})
    raw = raw[raw["slug"] != "british-transport-police"]  # not a territorial force
    quarters = [parse_quarter(f"{fy} Q{q}") for fy, q in zip(raw["fy"], raw["q"])]
    raw = raw.assign(period=[q.id for q in quarters])
    last_periods = set(sorted(raw["period"].unique())[-4:])
    parts = []
    for basis in ("closed", "recorded"):
        part = pd.DataFrame(
            {
                "force_id": raw["slug"],
                "period": raw["period"],
                "basis": basis,
                "charges": raw[f"{basis}_all_t1"].astype(float),
                "assigned": raw[f"{basis}_all_assigned"].astype(float),
                "note": "",
            }
        )
        gap = [KNOWN_GAPS.get((f, p), "") for f, p in zip(part["force_id"], part["period"])]
        zero = part["assigned"] <= 0
        zero_note = f"{basis}-basis counts are all zero in the source: missing, not zero"
        part["note"] = [g or (zero_note if z else "") for g, z in zip(gap, zero)]  # a known gap explains itself
        if basis == "recorded":
            recent = part["period"].isin(last_periods) & (part["note"] == "")
            part.loc[recent, "note"] = (
                "recent quarter: recorded-basis outcomes are incomplete (investigations still open)"
            )
        missing = zero | pd.Series([bool(g) for g in gap], index=part.index)
        part.loc[missing, ["charges", "assigned"]] = np.nan
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["rate"], out["lower"], out["upper"] = stats.wilson_interval(out["charges"].fillna(0), out["assigned"])
    out.loc[out["assigned"].isna(), ["rate", "lower", "upper"]] = np.nan
    return out.sort_values(["force_id", "basis", "period"]).reset_index(drop=True)


def _stamp(path: Path):
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


def as_at_end(as_at) -> dt.date | None:
    """The last day a report for quarter ``as_at`` may show data for (None: no limit)."""
    return None if as_at is None else parse_quarter(as_at).end


def _quarters_up_to(frame: pd.DataFrame, as_at, through=None) -> pd.DataFrame:
    """Rows of a quarterly outcomes frame known by the end of quarter ``as_at`` (its quarter ended and was
    published by then: :func:`analysis.sources.official_stats.release_known_at`), or, with ``through``, every
    quarter ending by the end of ``through`` (for a caller that has already chosen a known quarter)."""
    if as_at is None and through is None:
        return frame
    if through is not None:
        last = parse_quarter(through)
        keep = [parse_quarter(p).index <= last.index for p in frame["period"]]
    else:
        end = parse_quarter(as_at).end
        keep = [official_stats.release_known_at(parse_quarter(p).end) <= end for p in frame["period"]]
    return frame[keep].reset_index(drop=True)


def charge_rate_series(data_dir=None, as_at=None, through=None) -> pd.DataFrame:
    """Every force's quarterly charge rate on both bases, with Wilson 95% intervals.

    Columns: force_id, period, basis ('closed'|'recorded'), charges, assigned, rate,
    lower, upper (proportions 0–1), note. Missing quarters (all-zero recorded basis,
    known gaps) are kept with NaN counts and a note. BTP is excluded.
    ``as_at`` (a quarter) keeps only quarters known (ended and published) by its end: a report for
    that quarter never sees later data. ``through`` keeps quarters ending by its end, known or not.
    """
    path = _outcomes_dir(data_dir) / "force_quarter.csv"
    return _quarters_up_to(_charge_series_cached(path, _stamp(path)), as_at, through).copy()


def national_series(data_dir=None, as_at=None, through=None) -> pd.DataFrame:
    """England and Wales: the sum over the 43 territorial forces (BTP excluded).

    The published ``national_quarter.csv`` includes British Transport Police, so it is
    not used for rates. Quarters where a force is missing are summed over the rest
    and say so in ``note``. Cached until the outcomes or forces file changes (every report
    needs it; it used to be recomputed per report). ``as_at`` as in :func:`charge_rate_series`.
    """
    path, forces = _outcomes_dir(data_dir) / "force_quarter.csv", config.forces_file(data_dir)
    cached = _national_cached(str(config.data_dir(data_dir)), path, _stamp(path), _stamp(forces))
    return _quarters_up_to(cached, as_at, through).copy()


@lru_cache(maxsize=4)
def _national_cached(root: str, path: Path, _stamp_outcomes, _stamp_forces) -> pd.DataFrame:
    series = _charge_series_cached(path, _stamp_outcomes)
    n_forces = len(all_forces(root))
    rows = []
    for (period, basis), grp in series.groupby(["period", "basis"], sort=True):
        ok = grp.dropna(subset=["assigned"])
        missing = sorted(set(grp["force_id"]) - set(ok["force_id"]))
        note = "sum of the 43 territorial forces; British Transport Police excluded"
        if missing:
            note = (
                f"sum of {len(ok)} of {n_forces} territorial forces (missing: {', '.join(missing)}); "
                "British Transport Police excluded"
            )
        rows.append(
            {
                "force_id": NATIONAL_ID,
                "period": period,
                "basis": basis,
                "charges": ok["charges"].sum(),
                "assigned": ok["assigned"].sum(),
                "forces_included": len(ok),
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    out["rate"], out["lower"], out["upper"] = stats.wilson_interval(out["charges"], out["assigned"])
    return out


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
    # one header rule (analysis.sources.headers): "Marking" is the marking column, and a heading that is not a
    # known column refuses the file; it is never dropped, so a misspelt marking can never read as OFFICIAL
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


def _read_local(path: Path, data_dir=None) -> pd.DataFrame | None:
    """A valid force-supplied file's observations, or None: a bad file is left out (the build names why)."""
    frame, problems = check_local(path, data_dir)
    return None if problems else frame


def _obs(force_id, period, period_type, measure_id, num, den, value, source, note="", known_at=None):
    """One observation row; ``known_at`` (a date) defaults to the Home Office release rule for its period."""
    if known_at is None:
        known_at = official_stats.release_known_at(period_end(period, period_type))
    return {
        "force_id": force_id,
        "period": period,
        "period_type": period_type,
        "measure_id": measure_id,
        "numerator": num,
        "denominator": den,
        "value": value,
        "source": source,
        "note": note,
        "marking": DEFAULT_MEASURE_MARKING,
        "known_at": known_at.isoformat() if hasattr(known_at, "isoformat") else str(known_at),
    }  # official statistics are published: OFFICIAL


def _rate_obs(frame, measure_id, source, x="charges", n="assigned"):
    """Observation rows (percent) from a frame with force_id, period, counts and note."""
    rows = []
    for r in frame.itertuples(index=False):
        num, den = getattr(r, x), getattr(r, n)
        value = 100 * num / den if den and den > 0 else np.nan
        rows.append(_obs(r.force_id, r.period, "quarter", measure_id, num, den, value, source, getattr(r, "note", "")))
    return rows


def _open_data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx", ".ods"))


def _open_data_outcomes(data_dir) -> list[dict]:
    """Sexual offences and rape charge rates from Home Office workbooks, when present."""
    rows = []
    files = _open_data_files(_outcomes_dir(data_dir) / "open-data")
    for measure_id, kwargs in (
        ("sexual_offences_charge_rate_closed", {"offence_groups": ["Sexual offences"]}),
        ("rape_charge_rate_closed", {"offence_subgroups": ["Rape"]}),
    ):
        frames = [official_stats.read_outcomes(p, data_dir=data_dir, **kwargs) for p in files]
        if not frames:
            continue
        frame = (
            pd.concat(frames)
            .groupby(["force_id", "period"], as_index=False)[["charges_closed", "assigned_closed"]]
            .sum()
        )
        national = frame.groupby("period", as_index=False)[["charges_closed", "assigned_closed"]].sum()
        national["force_id"] = NATIONAL_ID
        source = "Home Office, police recorded crime and outcomes open data tables"
        rows += _rate_obs(pd.concat([frame, national]), measure_id, source, "charges_closed", "assigned_closed")
    return rows


def _open_data_workforce(data_dir, census: pd.DataFrame) -> list[dict]:
    """Officer ethnic minority share and representation ratio from Home Office workforce tables."""
    files = _open_data_files(config.measures_raw_dir(data_dir) / "home-office-workforce")
    if not files:
        return []
    em = (
        pd.concat(
            [
                official_stats.workforce_ethnic_minority(official_stats.read_workforce(p, data_dir=data_dir))
                for p in files
            ]
        )
        .groupby(["force_id", "year"], as_index=False)
        .sum()
    )
    national = em.groupby("year", as_index=False).sum(numeric_only=True).assign(force_id=NATIONAL_ID)
    em = pd.concat([em, national])
    pop = census.set_index("force_id")
    source = "Home Office, police workforce open data tables"
    census_year = str(census["census_year"].iloc[0]) if "census_year" in census else "2011"
    census_source = disparity.CENSUS_2021_SOURCE if census_year == "2021" else CENSUS_SOURCE
    rows = []
    for r in em.itertuples(index=False):
        period = f"{r.year - 1}-{r.year % 100:02d}"  # as at 31 March = end of that financial year
        share = 100 * r.ethnic_minority / r.stated if r.stated else np.nan
        rows.append(
            _obs(
                r.force_id,
                period,
                "financial_year",
                "workforce_ethnic_minority_share_officers",
                r.ethnic_minority,
                r.stated,
                share,
                source,
                "headcount at 31 March; 'Not stated' excluded",
            )
        )
        if r.force_id in pop.index and r.stated:
            pop_share = 100 * pop.at[r.force_id, "minority"] / pop.at[r.force_id, "total"]
            rows.append(
                _obs(
                    r.force_id,
                    period,
                    "financial_year",
                    "workforce_representation_ratio_officers",
                    np.nan,
                    np.nan,
                    share / pop_share,
                    f"{source}; {census_source}",
                    f"whole officer workforce at 31 March {r.year}: officer share {share:.2f}% / "
                    f"Census {census_year} population share {pop_share:.2f}%",
                    max(
                        official_stats.release_known_at(dt.date(r.year, 3, 31)),
                        _census_known_at(f"census_{census_year}_ethnic_minority_share", census_year, data_dir),
                    ),
                )
            )
    return rows


def _census_2021_for_workforce(data_dir) -> pd.DataFrame:
    """Census 2021 minority and total per force (and England and Wales) for the representation ratio;
    Census 2011 (labelled as such) only when the 2021 files are not in the data tree."""
    try:
        return disparity.census2021_by_force(data_dir)[["force_id", "minority", "total", "census_year"]]
    except FileNotFoundError:
        return _census_with_national(data_dir).assign(census_year="2011")


def census_stop_search_observations(data_dir=None) -> list[dict]:
    """Observations from Census 2021, stop and search by ethnicity, and sexual-offence charges.

    Every series has a financial-year or census period, so the as-at rule (period end on or
    before the report quarter's end) applies to it like any other measure.
    """
    rows = []
    folder = config.measures_raw_dir(data_dir)
    census = (
        disparity.census2021_by_force(data_dir)
        if any((folder / disparity.CENSUS_DIR).glob("*.csv"))
        else pd.DataFrame(columns=["force_id", "minority", "total", "minority_share"])
    )
    for r in census.itertuples(index=False):
        rows.append(
            _obs(
                r.force_id,
                "2021",
                "census_year",
                "census_2021_ethnic_minority_share",
                r.minority,
                r.total,
                r.minority_share,
                disparity.CENSUS_2021_SOURCE,
                "Census 2021 usual residents; ethnic minority = every group except White",
                _census_known_at("census_2021_ethnic_minority_share", "2021", data_dir),
            )
        )
    lag = settings.STOP_SEARCH_PUBLICATION_LAG_MONTHS
    for r in disparity.stop_search_disparity(data_dir).itertuples(index=False):
        if r.force_id == "british-transport-police":
            continue  # not a territorial force (it has no resident rate either)
        published = disparity.available_from(r.period, lag)  # the stop and search release rule
        census_note = f"rates per 1,000 residents of each group (Census {r.census_year})"
        for measure_id, num, den, value in (
            ("stop_search_rate_black", r.black_searches, r.black_population, r.black_rate),
            ("stop_search_rate_white", r.white_searches, r.white_population, r.white_rate),
        ):
            rows.append(
                _obs(
                    r.force_id,
                    r.period,
                    "financial_year",
                    measure_id,
                    num,
                    den,
                    value,
                    disparity.STOP_SEARCH_SOURCE,
                    r.note or census_note,
                    published,
                )
            )
        rows.append(
            _obs(
                r.force_id,
                r.period,
                "financial_year",
                "stop_search_black_white_ratio",
                np.nan,
                np.nan,
                r.ratio,
                disparity.STOP_SEARCH_SOURCE,
                r.note or f"Katz 95% interval {r.lower:.2f} to {r.upper:.2f}; {census_note}",
                published,
            )
        )
        rows.append(
            _obs(
                r.force_id,
                r.period,
                "financial_year",
                "stop_search_ethnicity_unrecorded_share",
                r.unknown_searches,
                r.all_searches,
                r.unknown_share,
                disparity.STOP_SEARCH_SOURCE,
                "searches whose ethnicity was not recorded, of all searches (vehicle-only excluded)",
                published,
            )
        )
    charges_file = folder / "home-office-outcomes" / disparity.OFFENCE_YEAR_FILE
    charges = (
        disparity.sexual_offence_charges(data_dir)
        if charges_file.exists()
        else pd.DataFrame(columns=["force_id", "period", "charges", "note"])
    )
    for r in charges.itertuples(index=False):
        rows.append(
            _obs(
                r.force_id,
                r.period,
                "financial_year",
                "sexual_offence_charges_closed",
                r.charges,
                np.nan,
                r.charges,
                disparity.SEXUAL_OFFENCES_SOURCE,
                r.note,
            )
        )
    return rows


def _census_known_at(measure_id: str, year: str, data_dir) -> dt.date:
    """A census table's publication date from ``measures/releases.csv``; where the file does not list it, the
    end of the quarter :data:`~analysis.core.settings.CENSUS_RELEASE_QUARTERS_AFTER` after census day."""
    return official_stats.read_releases(data_dir).get(measure_id) or official_stats.quarters_after(
        period_end(year, "census_year"), settings.CENSUS_RELEASE_QUARTERS_AFTER
    )


def _census_with_national(data_dir) -> pd.DataFrame:
    census = census_table(data_dir)
    national = pd.DataFrame(
        [{"force_id": NATIONAL_ID, "minority": census["minority"].sum(), "total": census["total"].sum()}]
    )
    return pd.concat([census, national], ignore_index=True)


def _input_files(data_dir) -> tuple:
    root = config.measures_raw_dir(data_dir)
    files = [config.forces_file(data_dir)] + sorted(p for p in root.rglob("*") if p.is_file())
    return tuple((str(p), *_stamp(p)) for p in files)


def input_paths(data_dir=None) -> list[Path]:
    """Every raw file the measures are computed from (for the report's provenance)."""
    return [Path(entry[0]) for entry in _input_files(data_dir)]


def observations(data_dir=None, as_at=None, audience: str = "internal") -> pd.DataFrame:
    """The long observations table (:data:`OBS_COLUMNS`), sorted; cached until inputs change.

    ``as_at`` (a quarter) keeps only observations whose period ends on or before the end of that
    quarter (:func:`period_end`) and that were known by then (``known_at``: published on or before its
    last day), so a report for a past quarter never shows later data nor hindsight. This is the
    one place reports are limited to their quarter; sections, charts and tables pass ``as_at`` on.
    ``audience="public"`` keeps only the rows the public may see (the one public filter,
    :func:`analysis.sources.markings.public_mask`).
    """
    if audience not in ("internal", "public"):
        raise ValueError(f"audience must be internal or public, got {audience!r}")
    frame = _observations_cached(str(config.data_dir(data_dir)), _input_files(data_dir))
    if as_at is None:
        frame = frame.copy()
    else:
        frame = frame[~_after(str(config.data_dir(data_dir)), _input_files(data_dir), as_at)].reset_index(drop=True)
    if audience == "public":
        frame = frame[public_mask(frame["marking"], "measure observations")].reset_index(drop=True)
    return frame


def later_periods(data_dir=None, as_at=None, audience: str = "internal") -> bool:
    """True when the data holds observations for periods after the end of quarter ``as_at``."""
    return later_observations(data_dir, as_at, audience) > 0


def later_observations(data_dir=None, as_at=None, audience: str = "internal") -> int:
    """How many observations ``audience`` may see are for periods ending after the end of quarter ``as_at``,
    or became known after it (a later paper's figures for an earlier period count too).

    A report for ``as_at`` leaves them out (:func:`observations`); it may say that they exist, never show
    them. 0 when ``as_at`` is None or the data tree has no key-measures data.
    """
    if audience not in ("internal", "public"):
        raise ValueError(f"audience must be internal or public, got {audience!r}")
    if as_at is None or not config.measures_raw_dir(data_dir).exists():
        return 0
    root, key = str(config.data_dir(data_dir)), _input_files(data_dir)
    later = _after(root, key, as_at)
    if audience == "public":
        frame = _observations_cached(root, key)
        later = later & public_mask(frame["marking"], "measure observations").to_numpy()
    return int(later.sum())


def _after(root: str, stamp_key, as_at) -> np.ndarray:
    """True for each observation a report for quarter ``as_at`` leaves out: its period ends after the quarter's
    last day, or it was not known by then (a blank known_at is never known)."""
    end = as_at_end(as_at)
    return (_observation_ends(root, stamp_key) > end) | (_observation_known(root, stamp_key) > end.isoformat())


@lru_cache(maxsize=4)
def _observation_ends(root: str, stamp_key) -> np.ndarray:
    frame = _observations_cached(root, stamp_key)
    return np.array([period_end(p, t) for p, t in zip(frame["period"], frame["period_type"])])


@lru_cache(maxsize=4)
def _observation_known(root: str, stamp_key) -> np.ndarray:
    """Each observation's known_at as ISO text ('9999-12-31' where blank), for comparing with a date's."""
    known = _observations_cached(root, stamp_key)["known_at"].fillna("").astype(str)
    return np.where(known.str.strip() == "", "9999-12-31", known).astype(str)


@lru_cache(maxsize=4)
def _observations_cached(root: str, _stamp_key) -> pd.DataFrame:
    data_dir = root
    rows = []
    series = charge_rate_series(data_dir)
    national = national_series(data_dir)
    for basis in ("closed", "recorded"):
        for frame in (series, national):
            rows += _rate_obs(frame[frame["basis"] == basis], f"charge_rate_{basis}", OUTCOMES_SOURCE)
    census = _census_with_national(data_dir)
    for r in census.itertuples(index=False):
        rows.append(
            _obs(
                r.force_id,
                "2011",
                "census_year",
                "census_2011_ethnic_minority_share",
                r.minority,
                r.total,
                100 * r.minority / r.total,
                CENSUS_SOURCE,
                "2011 not 2021; summed from local authorities, approximate where boundaries differ",
                _census_known_at("census_2011_ethnic_minority_share", "2011", data_dir),
            )
        )
    rows += _open_data_outcomes(data_dir)
    rows += _open_data_workforce(data_dir, _census_2021_for_workforce(data_dir))
    rows += census_stop_search_observations(data_dir)
    frame = pd.DataFrame(rows, columns=OBS_COLUMNS)
    local = [f for f in (_read_local(p, data_dir) for p in local_files(data_dir)) if f is not None]
    frame = pd.concat([frame, *local], ignore_index=True) if local else frame
    frame["note"] = frame["note"].fillna("")
    return frame.sort_values(["measure_id", "force_id", "period_type", "period", "source"]).reset_index(drop=True)


# --------------------------------------------------------------------------- processed files
def _fmt(value) -> str:
    """Fixed formatting: blank for missing, integers without decimals, else up to 6 decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _to_csv_text(frame: pd.DataFrame) -> str:
    formatted = frame.apply(lambda col: col.map(_fmt))
    return formatted.to_csv(index=False, lineterminator="\n")


def build_processed(data_dir=None) -> list[Path]:
    """Write observations.csv, charge_rate_force_quarter.csv and national.csv atomically.

    Output is sorted and formatted with fixed rules, so rebuilding from the same
    inputs gives byte-identical files.
    """
    out_dir = config.processed_dir(data_dir) / "measures"
    obs = observations(data_dir)
    series = charge_rate_series(data_dir)
    national = national_series(data_dir)
    pct = {"rate": "rate_pct", "lower": "lower_pct", "upper": "upper_pct"}
    for frame in (series, national):
        for col in pct:
            frame[col] = frame[col] * 100
    series = series.rename(columns=pct)[
        ["force_id", "period", "basis", "charges", "assigned", "rate_pct", "lower_pct", "upper_pct", "note"]
    ]
    national = national.rename(columns=pct)[
        [
            "force_id",
            "period",
            "basis",
            "charges",
            "assigned",
            "rate_pct",
            "lower_pct",
            "upper_pct",
            "forces_included",
            "note",
        ]
    ]
    outputs = {
        "observations.csv": obs,
        "charge_rate_force_quarter.csv": series.sort_values(["force_id", "basis", "period"]),
        "national.csv": national.sort_values(["basis", "period"]),
    }
    return [write_text(out_dir / name, _to_csv_text(frame)) for name, frame in outputs.items()]
