"""The Casey key measures: registry, observations, processed tables and per-force summaries.

* Registry: every ``data/raw/measures/registry/*.yaml`` (``measures:`` list).
* Observations: one long table (:data:`OBS_COLUMNS`) built from the Home Office
  outcomes aggregate, the 2011 Census by police force area, optional Home Office
  open-data workbooks, and force-supplied files (``local/*.csv``, ``workforce/*.csv``).
* :func:`build_processed` writes ``data/processed/measures/*.csv`` deterministically.
* :func:`measure_sections` gives the report one :class:`MeasureSection` per key measure;
  :func:`national_measure_table` gives every force's charge rate for one quarter.

Rates are stored in observations as percentages (``unit: percent``); the statistics
in :mod:`analysis.stats` work on proportions, so values are divided by 100 there.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import config, importers, stats
from .atomic import write_text
from .forces import all_forces, get_force
from .periods import Quarter, parse_quarter

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
CONTEXT_MEASURES = {"census_2011_ethnic_minority_share"}  # shown alongside, never the headline
UNITS = {"percent", "ratio", "count", "minutes", "seconds", "rate_per_1000"}
DIRECTIONS = {"higher_is_better", "lower_is_better", "closer_to_one_is_better", "neutral"}
PERIOD_TYPES = {"quarter", "financial_year", "month", "year_ending_march", "census_year",
                # used by force-supplied papers, which rarely follow national periods
                "calendar_year", "date_range", "rolling_12_months", "reported_at"}
REGISTRY_FIELDS = ("id", "key_measure", "title", "definition", "numerator", "denominator", "unit",
                   "direction", "period_type", "source", "official_source")
OBS_COLUMNS = ["force_id", "period", "period_type", "measure_id", "numerator", "denominator",
               "value", "source", "note"]
LOCAL_COLUMNS = ["force_id", "period", "period_type", "measure_id", "numerator", "denominator",
                 "value", "unit", "source", "note"]

OUTCOMES_SOURCE = ("Home Office, police recorded crime and outcomes open data tables "
                   "(per-force quarterly aggregate from SGilr/oocd-dashboard)")
CENSUS_SOURCE = "ONS Census 2011 QS201EW by police force area (Resistance-Lab/resistancelab_data)"
CENSUS_ALL = "Ethnic Group: All categories: Ethnic group; measures: Value"
CENSUS_WHITE = "Ethnic Group: White; measures: Value"
# Gaps documented in the outcomes PROVENANCE: near-empty quarters that are not real falls.
KNOWN_GAPS = {("greater-manchester", p): "Greater Manchester data gap (near-empty quarter in the source)"
              for p in ("2019-20-Q2", "2019-20-Q3", "2019-20-Q4")}
TREND_QUARTERS = 12  # three years: long enough to see a trend, short enough to be current
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
            for name, allowed in (("key_measure", keys), ("unit", UNITS), ("direction", DIRECTIONS),
                                  ("period_type", PERIOD_TYPES)):
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
            out[entry["id"]] = Measure(**{f: str(entry[f]).strip() for f in REGISTRY_FIELDS},
                                       registry=path.stem)
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


def _decimal_year(q: Quarter) -> float:
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
        part = pd.DataFrame({
            "force_id": raw["slug"], "period": raw["period"], "basis": basis,
            "charges": raw[f"{basis}_all_t1"].astype(float),
            "assigned": raw[f"{basis}_all_assigned"].astype(float), "note": "",
        })
        gap = [KNOWN_GAPS.get((f, p), "") for f, p in zip(part["force_id"], part["period"])]
        zero = part["assigned"] <= 0
        zero_note = f"{basis}-basis counts are all zero in the source: missing, not zero"
        part["note"] = [g or (zero_note if z else "") for g, z in zip(gap, zero)]  # a known gap explains itself
        if basis == "recorded":
            recent = part["period"].isin(last_periods) & (part["note"] == "")
            part.loc[recent, "note"] = "recent quarter: recorded-basis outcomes are incomplete (investigations still open)"
        missing = zero | pd.Series([bool(g) for g in gap], index=part.index)
        part.loc[missing, ["charges", "assigned"]] = np.nan
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["rate"], out["lower"], out["upper"] = stats.wilson_interval(out["charges"].fillna(0),
                                                                   out["assigned"])
    out.loc[out["assigned"].isna(), ["rate", "lower", "upper"]] = np.nan
    return out.sort_values(["force_id", "basis", "period"]).reset_index(drop=True)


def _stamp(path: Path):
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


def charge_rate_series(data_dir=None) -> pd.DataFrame:
    """Every force's quarterly charge rate on both bases, with Wilson 95% intervals.

    Columns: force_id, period, basis ('closed'|'recorded'), charges, assigned, rate,
    lower, upper (proportions 0–1), note. Missing quarters (all-zero recorded basis,
    known gaps) are kept with NaN counts and a note. BTP is excluded.
    """
    path = _outcomes_dir(data_dir) / "force_quarter.csv"
    return _charge_series_cached(path, _stamp(path)).copy()


def national_series(data_dir=None) -> pd.DataFrame:
    """England and Wales: the sum over the 43 territorial forces (BTP excluded).

    The published ``national_quarter.csv`` includes British Transport Police, so it is
    not used for rates. Quarters where a force is missing are summed over the rest
    and say so in ``note``.
    """
    series = charge_rate_series(data_dir)
    n_forces = len(all_forces(data_dir))
    rows = []
    for (period, basis), grp in series.groupby(["period", "basis"], sort=True):
        ok = grp.dropna(subset=["assigned"])
        missing = sorted(set(grp["force_id"]) - set(ok["force_id"]))
        note = "sum of the 43 territorial forces; British Transport Police excluded"
        if missing:
            note = (f"sum of {len(ok)} of {n_forces} territorial forces (missing: {', '.join(missing)}); "
                    "British Transport Police excluded")
        rows.append({"force_id": NATIONAL_ID, "period": period, "basis": basis,
                     "charges": ok["charges"].sum(), "assigned": ok["assigned"].sum(),
                     "forces_included": len(ok), "note": note})
    out = pd.DataFrame(rows)
    out["rate"], out["lower"], out["upper"] = stats.wilson_interval(out["charges"], out["assigned"])
    return out


def census_table(data_dir=None) -> pd.DataFrame:
    """Census 2011 ethnic minority population per force: force_id, minority, total."""
    path = config.measures_raw_dir(data_dir) / "census-2011" / "force-demographics.csv"
    raw = pd.read_csv(path)
    missing = [c for c in ("PFA16NM", CENSUS_ALL, CENSUS_WHITE) if c not in raw.columns]
    if missing:
        raise importers.LayoutError(path, missing, "Census 2011 by police force area")
    mapping, _ = importers.map_force_names(raw["PFA16NM"], data_dir, path)
    return pd.DataFrame({
        "force_id": raw["PFA16NM"].map(mapping),
        "minority": raw[CENSUS_ALL] - raw[CENSUS_WHITE],
        "total": raw[CENSUS_ALL],
    }).sort_values("force_id").reset_index(drop=True)


def _read_local(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in LOCAL_COLUMNS if c not in frame.columns]
    if missing:
        raise importers.LayoutError(path, missing, "force-supplied measures")
    frame = frame[OBS_COLUMNS].copy()
    for column in ("numerator", "denominator", "value"):
        frame[column] = pd.to_numeric(frame[column].str.replace(",", ""), errors="coerce")
    return frame


def _obs(force_id, period, period_type, measure_id, num, den, value, source, note=""):
    return {"force_id": force_id, "period": period, "period_type": period_type, "measure_id": measure_id,
            "numerator": num, "denominator": den, "value": value, "source": source, "note": note}


def _rate_obs(frame, measure_id, source, x="charges", n="assigned"):
    """Observation rows (percent) from a frame with force_id, period, counts and note."""
    rows = []
    for r in frame.itertuples(index=False):
        num, den = getattr(r, x), getattr(r, n)
        value = 100 * num / den if den and den > 0 else np.nan
        rows.append(_obs(r.force_id, r.period, "quarter", measure_id, num, den, value, source,
                         getattr(r, "note", "")))
    return rows


def _open_data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx", ".ods"))


def _open_data_outcomes(data_dir) -> list[dict]:
    """Sexual offences and rape charge rates from Home Office workbooks, when present."""
    rows = []
    files = _open_data_files(_outcomes_dir(data_dir) / "open-data")
    for measure_id, kwargs in (("sexual_offences_charge_rate_closed", {"offence_groups": ["Sexual offences"]}),
                               ("rape_charge_rate_closed", {"offence_subgroups": ["Rape"]})):
        frames = [importers.read_outcomes(p, data_dir=data_dir, **kwargs) for p in files]
        if not frames:
            continue
        frame = pd.concat(frames).groupby(["force_id", "period"], as_index=False)[
            ["charges_closed", "assigned_closed"]].sum()
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
    em = pd.concat([importers.workforce_ethnic_minority(importers.read_workforce(p, data_dir=data_dir))
                    for p in files]).groupby(["force_id", "year"], as_index=False).sum()
    national = em.groupby("year", as_index=False).sum(numeric_only=True).assign(force_id=NATIONAL_ID)
    em = pd.concat([em, national])
    pop = census.set_index("force_id")
    source = "Home Office, police workforce open data tables"
    rows = []
    for r in em.itertuples(index=False):
        period = f"{r.year - 1}-{r.year % 100:02d}"  # as at 31 March = end of that financial year
        share = 100 * r.ethnic_minority / r.stated if r.stated else np.nan
        rows.append(_obs(r.force_id, period, "financial_year", "workforce_ethnic_minority_share_officers",
                         r.ethnic_minority, r.stated, share, source, "headcount at 31 March; 'Not stated' excluded"))
        if r.force_id in pop.index and r.stated:
            pop_share = 100 * pop.at[r.force_id, "minority"] / pop.at[r.force_id, "total"]
            rows.append(_obs(r.force_id, period, "financial_year", "workforce_representation_ratio_officers",
                             np.nan, np.nan, share / pop_share, f"{source}; {CENSUS_SOURCE}",
                             f"officer share {share:.2f}% / Census 2011 population share {pop_share:.2f}%"))
    return rows


def _census_with_national(data_dir) -> pd.DataFrame:
    census = census_table(data_dir)
    national = pd.DataFrame([{"force_id": NATIONAL_ID, "minority": census["minority"].sum(),
                              "total": census["total"].sum()}])
    return pd.concat([census, national], ignore_index=True)


def _input_files(data_dir) -> tuple:
    root = config.measures_raw_dir(data_dir)
    files = [config.forces_file(data_dir)] + sorted(p for p in root.rglob("*") if p.is_file())
    return tuple((str(p), *_stamp(p)) for p in files)


def input_paths(data_dir=None) -> list[Path]:
    """Every raw file the measures are computed from (for the report's provenance)."""
    return [Path(entry[0]) for entry in _input_files(data_dir)]


def observations(data_dir=None) -> pd.DataFrame:
    """The long observations table (:data:`OBS_COLUMNS`), sorted; cached until inputs change."""
    return _observations_cached(str(config.data_dir(data_dir)), _input_files(data_dir)).copy()


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
        rows.append(_obs(r.force_id, "2011", "census_year", "census_2011_ethnic_minority_share", r.minority,
                         r.total, 100 * r.minority / r.total, CENSUS_SOURCE,
                         "2011 not 2021; summed from local authorities, approximate where boundaries differ"))
    rows += _open_data_outcomes(data_dir)
    rows += _open_data_workforce(data_dir, census)
    frame = pd.DataFrame(rows, columns=OBS_COLUMNS)
    local = [_read_local(p) for sub in ("local", "workforce")
             for p in sorted((config.measures_raw_dir(data_dir) / sub).glob("*.csv"))]
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
    series = series.rename(columns=pct)[["force_id", "period", "basis", "charges", "assigned",
                                         "rate_pct", "lower_pct", "upper_pct", "note"]]
    national = national.rename(columns=pct)[["force_id", "period", "basis", "charges", "assigned",
                                             "rate_pct", "lower_pct", "upper_pct", "forces_included", "note"]]
    outputs = {
        "observations.csv": obs,
        "charge_rate_force_quarter.csv": series.sort_values(["force_id", "basis", "period"]),
        "national.csv": national.sort_values(["basis", "period"]),
    }
    return [write_text(out_dir / name, _to_csv_text(frame)) for name, frame in outputs.items()]


# --------------------------------------------------------------------------- sections
@dataclass
class Latest:
    value: float  # in the measure's unit (percent for rates)
    lower: float | None
    upper: float | None
    unit: str
    period: str
    period_type: str
    period_label: str
    source: str
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""


@dataclass
class Comparison:
    label: str  # "previous quarter", "same quarter a year earlier", "England and Wales"
    period_label: str
    value: float  # the comparator, in the measure's unit
    difference: float  # latest minus comparator, in the unit (percentage points for percent)
    lower: float | None  # interval for the difference, when there is one
    upper: float | None
    significant: bool | None  # None when no test was possible
    method: str


@dataclass
class FunnelPosition:
    classification: str  # e.g. 'within', 'above 95%', 'below 99.8%' (adjusted limits)
    classification_unadjusted: str  # against plain binomial limits
    target: float  # England and Wales rate, percent
    phi: float  # over-dispersion factor used to widen the limits
    n_forces: int
    counts: dict  # classification -> number of forces (adjusted limits)


@dataclass
class MeasureSection:
    key_measure: str
    title: str
    has_data: bool
    measure_id: str | None = None
    measure_title: str | None = None
    latest: Latest | None = None
    latest_note: str = ""
    comparisons: list[Comparison] = field(default_factory=list)
    funnel: FunnelPosition | None = None
    trend: stats.TrendResult | None = None
    trend_text: str = ""
    sentences: list[str] = field(default_factory=list)
    no_data_text: str = ""
    official_source: str = ""
    force_supplied: bool = False
    extra: list[dict] = field(default_factory=list)  # other measures with data for this key measure
    figure: str | None = None  # a function in analysis.measure_charts
    figure_kwargs: dict = field(default_factory=dict)
    extra_figures: list[tuple[str, dict]] = field(default_factory=list)


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _sig_words(sig: bool | None) -> str:
    if sig is None:
        return "no significance test is possible"
    return "a statistically significant change" if sig else "not a statistically significant change"


def _change_clause(comp: Comparison, unit: str = "percent") -> str:
    """'0.8 percentage points lower than the previous quarter (2023/24 Q4: 9.3%), not a ... change'."""
    unit_word = _diff_unit(unit)
    sig = _sig_words(comp.significant)
    if comp.significant is None:
        sig = "no counts were published, so no significance test is possible"
    where = f"{comp.label} ({comp.period_label}: {_format_value(comp.value, unit)})"
    if round(comp.difference, 1) == 0:
        return f"about the same as {where}, {sig}"
    side = "higher" if comp.difference > 0 else "lower"
    return f"{abs(comp.difference):.1f} {unit_word} {side} than {where}, {sig}".replace("  ", " ")


def _funnel_for(series_q: pd.DataFrame, national_row, force_id: str) -> FunnelPosition | None:
    ok = series_q.dropna(subset=["assigned"])
    if force_id not in set(ok["force_id"]):
        return None
    target = national_row["charges"] / national_row["assigned"]
    phi = stats.overdispersion(ok["charges"], ok["assigned"], target)
    adjusted = stats.classify_funnel(ok["charges"].to_numpy(), ok["assigned"].to_numpy(), target, phi=phi)
    plain = stats.classify_funnel(ok["charges"].to_numpy(), ok["assigned"].to_numpy(), target)
    idx = list(ok["force_id"]).index(force_id)
    counts = pd.Series(adjusted).value_counts().sort_index().to_dict()
    return FunnelPosition(adjusted[idx], plain[idx], 100 * target, phi, len(ok), counts)


def _charge_rate_section(force_id, quarter: Quarter, data_dir, measures) -> MeasureSection:
    name = get_force(force_id, data_dir).name
    measure = measures["charge_rate_closed"]
    section = MeasureSection("charge-rate", dict(KEY_MEASURES)["charge-rate"], False,
                             measure.id, measure.title, official_source=measure.official_source)
    series = charge_rate_series(data_dir)
    closed = series[(series["basis"] == "closed")].dropna(subset=["assigned"])
    mine = closed[closed["force_id"] == force_id].set_index("period")
    usable = [p for p in mine.index if p <= quarter.id]
    if not usable:
        section.no_data_text = (f"The Home Office outcomes data loaded here has no charge rate for {name} "
                                f"up to {quarter.label}; it is published in {measure.official_source}.")
        section.sentences = [section.no_data_text]
        return section
    latest_q = parse_quarter(max(usable))
    if latest_q != quarter:
        section.latest_note = (f"The data has no usable charge rate for {name} in {quarter.label}; the latest "
                               f"quarter before it with one is {latest_q.label}.")
    row = mine.loc[latest_q.id]
    section.has_data = True
    section.latest = Latest(100 * row["rate"], 100 * row["lower"], 100 * row["upper"], "percent", latest_q.id,
                            "quarter", period_label(latest_q.id, "quarter"), OUTCOMES_SOURCE,
                            row["charges"], row["assigned"], row["note"])
    for label, other in (("the previous quarter", latest_q.previous()),
                         ("the same quarter a year earlier", latest_q.minus(4))):
        if other.id in mine.index:
            o = mine.loc[other.id]
            c = stats.compare(row["charges"], row["assigned"], o["charges"], o["assigned"])
            section.comparisons.append(Comparison(label, other.label,
                                                  100 * o["rate"], 100 * c.difference, 100 * c.lower,
                                                  100 * c.upper, c.significant, c.method))
    national = national_series(data_dir)
    nat = national[(national["basis"] == "closed") & (national["period"] == latest_q.id)].iloc[0]
    section.funnel = _funnel_for(closed[closed["period"] == latest_q.id], nat, force_id)
    if section.funnel:
        outside = section.funnel.classification != "within"
        section.comparisons.append(Comparison(
            NATIONAL_NAME, latest_q.label, 100 * nat["rate"],
            section.latest.value - 100 * nat["rate"], None, None, outside,
            f"outside the 95% funnel limit around the {NATIONAL_NAME} rate ({FUNNEL_NOTE})"))
    window = [latest_q.minus(i) for i in range(TREND_QUARTERS - 1, -1, -1)]
    pts = [(q, mine.loc[q.id, "rate"]) for q in window if q.id in mine.index]
    section.trend = stats.trend_to_parity([_decimal_year(q) for q, _ in pts], [100 * v for _, v in pts],
                                          100 * nat["rate"])
    section.trend_text = _trend_text(section.trend, name, f"the {NATIONAL_NAME} rate of {100 * nat['rate']:.1f}%",
                                     len(pts), "percentage points")
    section.sentences = _charge_sentences(section, name, latest_q, nat)
    section.figure, section.figure_kwargs = "funnel_plot", {"force_id": force_id, "quarter": latest_q.id,
                                                            "data_dir": data_dir}
    section.extra_figures = [("charge_rate_series", {"force_id": force_id, "quarter": latest_q.id,
                                                     "data_dir": data_dir})]
    section.extra = _extras(force_id, "charge-rate", {measure.id}, data_dir, measures)
    return section


def _trend_text(trend: stats.TrendResult, name: str, target_words: str, n: int, unit_words: str) -> str:
    if not math.isfinite(trend.slope):
        return f"There are too few quarters to fit a trend for {name}."
    head = (f"Over the last {n} quarters the fitted trend is {trend.slope:+.2f} {unit_words} a year "
            f"(95% confidence interval {trend.slope_lower:+.2f} to {trend.slope_upper:+.2f})")
    if trend.parity_year is not None:
        return f"{head}; if it continued, {name} would reach {target_words} around {int(trend.parity_year)}."
    return f"{head}; {trend.reason} (target: {target_words})."


def _charge_sentences(section: MeasureSection, name: str, q: Quarter, nat) -> list[str]:
    lt = section.latest
    first = (f"In {q.label} ({q.months}), {name} charged or summonsed {lt.value:.1f}% of the crimes whose "
             f"investigations closed with an assigned outcome ({int(lt.numerator):,} of {int(lt.denominator):,}; "
             f"95% confidence interval {lt.lower:.1f}% to {lt.upper:.1f}%).")
    if section.latest_note:
        first = f"{section.latest_note} {first}"
    sentences = [first]
    changes = [c for c in section.comparisons if c.label.startswith("the ")]
    if changes:
        sentences.append("That is " + "; and ".join(_change_clause(c) for c in changes) + ".")
    if section.funnel:
        f = section.funnel
        side = "above" if lt.value > f.target else "below" if lt.value < f.target else "level with"
        if f.classification == "within":
            verdict = ("inside the 95% funnel limits: the difference is not statistically significant once "
                       "the usual variation between forces is allowed for")
        else:
            level = f.classification.split()[-1]
            verdict = f"outside the {level} funnel limit, a statistically significant difference"
        sentences.append(f"The {NATIONAL_NAME} rate was {f.target:.1f}%; {name} is {side} it and {verdict}.")
    return sentences


def _extras(force_id, key, exclude, data_dir, measures) -> list[dict]:
    """The latest observation of every other measure for this key measure and force."""
    obs = observations(data_dir)
    ids = [m.id for m in measures.values() if m.key_measure == key and m.id not in exclude]
    mine = obs[(obs["force_id"] == force_id) & obs["measure_id"].isin(ids) & obs["value"].notna()]
    out = []
    for measure_id, grp in mine.groupby("measure_id", sort=True):
        grp = grp.assign(_end=[period_end(p, t) for p, t in zip(grp["period"], grp["period_type"])])
        r = grp.sort_values(["_end", "period"]).iloc[-1]
        m = measures[measure_id]
        out.append({"measure_id": measure_id, "title": m.title, "value": float(r["value"]), "unit": m.unit,
                    "period": r["period"], "period_type": r["period_type"], "period_label": period_label(r["period"], r["period_type"]),
                    "source": r["source"], "registry": m.registry, "note": r["note"]})
    return out


def _format_value(value: float, unit: str) -> str:
    return {"percent": f"{value:.1f}%", "ratio": f"{value:.2f}", "minutes": f"{value:g} minutes",
            "seconds": f"{value:g} seconds", "rate_per_1000": f"{value:.1f} per 1,000"}.get(unit, f"{value:,.0f}")


def _generic_section(force_id, key, quarter: Quarter, data_dir, measures) -> MeasureSection:
    """Any key measure without a bespoke treatment: headline official data, else force-supplied."""
    name = get_force(force_id, data_dir).name
    headline = measures.get(HEADLINE[key])
    section = MeasureSection(key, dict(KEY_MEASURES)[key], False,
                             official_source=headline.official_source if headline else "")
    extras = _extras(force_id, key, CONTEXT_MEASURES, data_dir, measures)
    extras = [e for e in extras if period_end(e["period"], e["period_type"]) <= quarter.end]
    official = [e for e in extras if e["measure_id"] == HEADLINE[key]]
    ranked = official or sorted(extras, key=lambda e: _headline_rank(e, key, measures))
    context = _context_sentence(force_id, key, data_dir, name, ranked[0] if ranked else None)
    if not ranked:
        source = headline.official_source if headline else "no official source is registered"
        section.no_data_text = (f"No data for this measure is loaded for {name}. The official source is "
                                f"{source}.")
        section.sentences = [section.no_data_text] + ([context] if context else [])
        return section
    top = ranked[0]
    section.has_data = True
    section.measure_id, section.measure_title = top["measure_id"], top["title"]
    section.force_supplied = measures[top["measure_id"]].registry != "official"
    section.latest = Latest(top["value"], None, None, top["unit"], top["period"], top["period_type"],
                            top["period_label"],
                            top["source"], note=top["note"])
    section.extra = [e for e in extras if e is not top]
    first = (f"The most recent figure loaded for {name} is {top['title']}: "
             f"{_format_value(top['value'], top['unit'])} ({top['period_label']}).")
    comp = _previous_comparison(force_id, top, data_dir)
    if comp:
        section.comparisons.append(comp)
        first += f" That is {_change_clause(comp, top['unit'])}."
    if section.force_supplied:
        second = (f"This comes from the force's own reporting ({top['source']}), not from an official statistic; "
                  f"the official source would be {section.official_source or 'not yet registered'}.")
    else:
        second = f"Source: {top['source']}."
    section.sentences = [first, second] + ([context] if context else [])
    return section


def _headline_rank(extra: dict, key: str, measures) -> tuple:
    """Prefer performance measures (not 'neutral'), then on-topic ones, then the most recent."""
    m = measures[extra["measure_id"]]
    on_topic = key != "workforce-representation" or "ethnic" in m.id
    return (m.direction == "neutral", not on_topic,
            -period_end(extra["period"], extra["period_type"]).toordinal(), m.id)


def _diff_unit(unit: str) -> str:
    return {"percent": "percentage points", "minutes": "minutes", "seconds": "seconds"}.get(unit, "")


def _previous_comparison(force_id, top: dict, data_dir) -> Comparison | None:
    """Latest against the previous observation of the same measure and period type."""
    obs = observations(data_dir)
    same = obs[(obs["force_id"] == force_id) & (obs["measure_id"] == top["measure_id"])
               & (obs["period_type"] == top["period_type"]) & obs["value"].notna()]
    latest_end = period_end(top["period"], top["period_type"])
    earlier = same[[period_end(p, t) < latest_end for p, t in zip(same["period"], same["period_type"])]]
    if earlier.empty:
        return None
    earlier = earlier.assign(_end=[period_end(p, t) for p, t in zip(earlier["period"], earlier["period_type"])])
    prev = earlier.sort_values("_end").iloc[-1]
    now = same[same["period"] == top["period"]].iloc[0]
    counts = [now["numerator"], now["denominator"], prev["numerator"], prev["denominator"]]
    label = period_label(prev["period"], prev["period_type"])
    if top["unit"] == "percent" and all(pd.notna(c) for c in counts) and now["denominator"] > 0 \
            and prev["denominator"] > 0:
        c = stats.compare(*counts)
        return Comparison("the previous period", label, float(prev["value"]), 100 * c.difference,
                          100 * c.lower, 100 * c.upper, c.significant, c.method)
    return Comparison("the previous period", label, float(prev["value"]), float(top["value"] - prev["value"]),
                      None, None, None, "no counts published, so no interval or significance test")


def _context_sentence(force_id, key, data_dir, name, top: dict | None = None) -> str:
    """For workforce representation: the population share to compare with, and the ratio when the
    headline figure is an ethnic minority share (1 means the workforce mirrors the population)."""
    if key != "workforce-representation":
        return ""
    census = census_table(data_dir).set_index("force_id")
    if force_id not in census.index:
        return ""
    r = census.loc[force_id]
    p, lo, hi = stats.wilson_interval(r["minority"], r["total"])
    text = (f"For comparison, the 2011 Census put the ethnic minority share of {name}'s population at "
            f"{_pct(p)} (the 2021 Census figure is not loaded yet).")
    if top is not None and top["unit"] == "percent" and "ethnic_minority_share" in top["measure_id"]:
        ratio = stats.representation_ratio(top["value"] / 100, p)
        text += (f" Set against it, {top['title'].lower()} gives a representation ratio of {ratio:.2f} "
                 f"(1 would mean parity; the comparison mixes a {top['period_label']} figure with a 2011 population).")
    return text


def measure_sections(force_id: str, quarter, data_dir=None) -> list[MeasureSection]:
    """One :class:`MeasureSection` per Casey key measure, in the review's order.

    ``quarter`` is the reporting quarter (``'2024-25-Q1'`` or a Quarter); quarterly
    measures use it if present, else the most recent quarter before it (and say so).
    """
    force_id = get_force(force_id, data_dir).id
    quarter = parse_quarter(quarter)
    measures = load_registry(data_dir)
    sections = []
    for key, _ in KEY_MEASURES:
        if key == "charge-rate":
            sections.append(_charge_rate_section(force_id, quarter, data_dir, measures))
        else:
            section = _generic_section(force_id, key, quarter, data_dir, measures)
            if key == "workforce-representation":
                section.figure = "representation_chart"
                section.figure_kwargs = {"force_id": force_id, "data_dir": data_dir}
            sections.append(section)
    return sections


def national_measure_table(quarter, data_dir=None, basis: str = "closed") -> pd.DataFrame:
    """Every force's charge rate for one quarter with Wilson CI and funnel classification.

    Rows are in registry (alphabetical) order, not ranked: this is not a league table.
    ``funnel`` uses limits widened for over-dispersion; ``funnel_unadjusted`` plain
    binomial limits. Rates are percentages.
    """
    q = parse_quarter(quarter)
    series = charge_rate_series(data_dir)
    rows = series[(series["basis"] == basis) & (series["period"] == q.id)]
    national = national_series(data_dir)
    nat = national[(national["basis"] == basis) & (national["period"] == q.id)]
    if rows.empty or nat.empty:
        raise KeyError(f"no {basis}-basis charge rates for {q.label}")
    nat = nat.iloc[0]
    target = nat["charges"] / nat["assigned"]
    ok = rows.dropna(subset=["assigned"])
    phi = stats.overdispersion(ok["charges"], ok["assigned"], target)
    names = {f.id: f.name for f in all_forces(data_dir)}
    out = pd.DataFrame({
        "force_id": rows["force_id"].to_numpy(),
        "force_name": rows["force_id"].map(names).to_numpy(),
        "period": q.id, "basis": basis,
        "charges": rows["charges"].to_numpy(), "assigned": rows["assigned"].to_numpy(),
        "rate_pct": 100 * rows["rate"].to_numpy(), "lower_pct": 100 * rows["lower"].to_numpy(),
        "upper_pct": 100 * rows["upper"].to_numpy(),
        "funnel": stats.classify_funnel(rows["charges"].to_numpy(), rows["assigned"].to_numpy(), target, phi=phi),
        "funnel_unadjusted": stats.classify_funnel(rows["charges"].to_numpy(), rows["assigned"].to_numpy(), target),
        "national_rate_pct": 100 * target, "phi": phi, "note": rows["note"].to_numpy(),
    })
    return out.sort_values("force_name").reset_index(drop=True)
