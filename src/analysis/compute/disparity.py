"""Census 2021 population by force area, stop and search disparity, and sexual-offence charges.

* :func:`census2021_by_force`: ONS Census 2021 ethnic group per police force area, summed from the
  local authority table through the ONS LA -> CSP -> PFA lookup (exact: force areas are whole LAs).
* :func:`stop_search_disparity`: Black and White stop and search rates per 1,000 residents, their
  ratio with a Katz interval (:func:`analysis.compute.stats.relative_rate`), and the share of searches
  whose ethnicity was not recorded, per force and financial year, for every year the raw files hold.
* :func:`sexual_offence_charges`: charges or summonses for the Home Office offence group "Sexual
  offences" per force and financial year (closed basis). A count only: the file has no denominator.

As-at rule: each series carries a financial-year ``period`` (``'2022-23'``, ending 31 March 2023);
:func:`latest_as_at` keeps only periods that end on or before the report quarter's last day.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.compute import stats
from analysis.compute.as_at import known_by
from analysis.core import config
from analysis.core.forces import all_forces
from analysis.core.periods import Quarter
from analysis.core.settings import CONFIDENCE, FUNNEL_LEVELS, OVERDISPERSION_WINSOR
from analysis.sources import census, stop_search
from analysis.sources.official_stats import LayoutError

NATIONAL_ID = "england-and-wales"  # the same id as analysis.compute.measures.NATIONAL_ID
CENSUS_DIR = "census-2021"
STOP_SEARCH_DIR = "stop-search"
CENSUS_2021_SOURCE = (
    "ONS Census 2021, ethnic group (TS021) by local authority, summed to police force areas "
    "with the ONS LA to CSP to PFA lookup (December 2022)"
)
STOP_SEARCH_SOURCE = (
    "Race Disparity Unit, Ethnicity facts and figures: stop and search "
    "(stop-and-search-2006-2023.csv; counts from the Home Office, police powers and procedures)"
)
SEXUAL_OFFENCES_SOURCE = (
    "Home Office, police recorded crime and outcomes open data tables "
    "(per-force annual aggregate by offence group from SGilr/oocd-dashboard)"
)
SEXUAL_OFFENCES_GROUP = "Sexual offences"
OFFENCE_YEAR_FILE = "force_offence_year.csv"
OFFENCE_YEAR_COLUMNS = ("force", "slug", "fy", "offence_group", "closed_charge")
NO_RESIDENT_RATE = {  # forces whose searches cannot be set against a resident population
    "city-of-london": "The City of London has a very small resident population and a large daytime one, so the "
    "published data gives it no population and no rate per 1,000 residents.",
    stop_search.BTP: "British Transport Police polices the railways, not a resident population, so it has no "
    "rate per 1,000 residents.",
}
# The published file sets searches against Census 2011 up to 2019/20 and Census 2021 from 2020/21.
FIRST_CENSUS_2021_YEAR = "2020-21"


def _stamp(path: Path):
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


# --------------------------------------------------------------------------- Census 2021
def census_files(data_dir=None) -> tuple[Path, Path]:
    """(LA ethnic group table, LA -> PFA lookup) in ``measures/census-2021/``.

    If a TS021 bulk file has been added it is used in preference to the custom-dataset export
    (both hold the same ONS table); the derived per-force file there is only a check.
    """
    folder = config.measures_raw_dir(data_dir) / CENSUS_DIR
    files = sorted(folder.glob("*.csv"))
    layouts = {p: census.ltla_layout(p) for p in files}
    tables = [p for p in files if layouts[p] == "bulk"] or [p for p in files if layouts[p] == "custom"]
    lookups = [p for p in files if layouts[p] is None and census.is_lookup(p)]
    if not tables or not lookups:
        what = "ethnic group by local authority table" if not tables else "LA to police force area lookup"
        raise FileNotFoundError(f"{folder}: no Census 2021 {what} found")
    if len(tables) > 1 or len(lookups) > 1:
        raise ValueError(
            f"{folder}: more than one Census 2021 table or lookup of the same layout: "
            f"{[p.name for p in tables + lookups]}"
        )
    return tables[0], lookups[0]


def census2021_by_force(data_dir=None) -> pd.DataFrame:
    """Usual residents per force area (Census 2021) with the five ONS broad groups.

    Columns: force_id, pfa_code, total, asian, black, mixed, white, other, minority (all but White),
    minority_share (percent), census_year ('2021'). Rows in registry order, then England and Wales.
    """
    table, lookup = census_files(data_dir)
    return _census_cached(
        str(config.data_dir(data_dir)), _stamp(table), _stamp(lookup), _stamp(config.forces_file(data_dir))
    ).copy()


@lru_cache(maxsize=4)
def _census_cached(root, table_stamp, lookup_stamp, _forces_stamp) -> pd.DataFrame:
    table_path, lookup_path = Path(table_stamp[0]), Path(lookup_stamp[0])
    long = census.read_ethnic_group_ltla(table_path)
    lookup = census.read_la_pfa_lookup(lookup_path)
    unmatched = sorted(set(long["la_code"]) - set(lookup["la_code"]))
    unused = sorted(set(lookup["la_code"]) - set(long["la_code"]))
    if unmatched or unused:
        raise ValueError(
            f"{table_path.name} and {lookup_path.name} do not cover the same local authorities: "
            f"not in the lookup {unmatched[:5]}, not in the table {unused[:5]}"
        )
    by_code = {f.pfa_code: f.id for f in all_forces(root)}
    unknown = sorted(set(lookup["pfa_code"]) - set(by_code))
    if unknown:
        raise ValueError(f"{lookup_path.name}: police force area code(s) not in the force registry: {unknown}")
    long = long.merge(lookup[["la_code", "pfa_code"]], on="la_code")
    wide = long.pivot_table(index="pfa_code", columns="broad_group", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(census.BROAD_GROUPS.values()), fill_value=0)
    wide["total"] = wide.sum(axis=1)
    wide.loc[NATIONAL_ID] = wide.sum()
    out = wide.reset_index().rename(columns={"pfa_code": "pfa_code"})
    out.columns.name = None
    out["force_id"] = out["pfa_code"].map(by_code).fillna(NATIONAL_ID)
    out.loc[out["force_id"] == NATIONAL_ID, "pfa_code"] = ""
    out["minority"] = out["total"] - out["white"]
    out["minority_share"] = 100 * out["minority"] / out["total"]
    out["census_year"] = "2021"
    order = {f.id: i for i, f in enumerate(all_forces(root))}
    out = out.sort_values("force_id", key=lambda s: s.map(order).fillna(len(order)))
    return out[
        ["force_id", "pfa_code", "total", *census.BROAD_GROUPS.values(), "minority", "minority_share", "census_year"]
    ].reset_index(drop=True)


# --------------------------------------------------------------------------- stop and search
def stop_search_files(data_dir=None) -> list[Path]:
    return sorted((config.measures_raw_dir(data_dir) / STOP_SEARCH_DIR).glob("*.csv"))


def stop_search_table(data_dir=None) -> pd.DataFrame:
    """Every row of every file in ``measures/stop-search/`` (each row once), as read by the importer."""
    paths = stop_search_files(data_dir)
    return _stop_search_cached(str(config.data_dir(data_dir)), tuple(_stamp(p) for p in paths)).copy()


@lru_cache(maxsize=4)
def _stop_search_cached(root, stamps) -> pd.DataFrame:
    return stop_search.read_stop_search_files([Path(s[0]) for s in stamps], root)


def _classification_year(ethnicity_type: str) -> int:
    digits = [int(w) for w in str(ethnicity_type).split() if w.isdigit() and len(w) == 4]
    return digits[0] if digits else 0


def stop_search_disparity(data_dir=None, legislation: str = "All") -> pd.DataFrame:
    """Black/White stop and search disparity per force (and England and Wales) and financial year.

    Uses the broad ``5+1`` classification rows for ``legislation`` ('All' by default); where a year
    has more than one 5+1 classification, the newest is used. Columns: force_id, geography, period,
    census_year, ethnicity_type, black_searches, black_population, black_rate, white_searches,
    white_population, white_rate (per 1,000 residents), ratio, lower, upper (Katz 95%), known_total,
    unknown_searches, all_searches, unknown_share (percent of all searches), note.
    """
    paths = stop_search_files(data_dir)
    stamps = tuple(_stamp(p) for p in paths) + (_stamp(config.forces_file(data_dir)),)
    return _disparity_cached(str(config.data_dir(data_dir)), stamps, legislation).copy()


@lru_cache(maxsize=8)
def _disparity_cached(root, _stamps, legislation) -> pd.DataFrame:
    table = stop_search_table(root)
    if table.empty:
        return pd.DataFrame(columns=DISPARITY_COLUMNS)
    table = table[(table["legislation_type"] == legislation) & table["ethnicity_type"].str.endswith("5+1")]
    table = table[table["force_id"].notna() | (table["geography"] == stop_search.NATIONAL_GEOGRAPHY)]
    table = table.assign(
        force_id=table["force_id"].fillna(NATIONAL_ID), _cls=table["ethnicity_type"].map(_classification_year)
    )
    newest = table.groupby("period")["_cls"].transform("max")
    table = table[table["_cls"] == newest]
    rows = []
    for (force_id, period), grp in table.groupby(["force_id", "period"], sort=True):
        by_group = grp.set_index("ethnicity")
        rows.append(_disparity_row(force_id, period, by_group))
    return pd.DataFrame(rows, columns=DISPARITY_COLUMNS)


DISPARITY_COLUMNS = [
    "force_id",
    "geography",
    "period",
    "census_year",
    "ethnicity_type",
    "black_searches",
    "black_population",
    "black_rate",
    "white_searches",
    "white_population",
    "white_rate",
    "ratio",
    "lower",
    "upper",
    "known_total",
    "unknown_searches",
    "all_searches",
    "unknown_share",
    "note",
]


def _value(by_group: pd.DataFrame, group: str, column: str) -> float:
    return float(by_group.at[group, column]) if group in by_group.index else np.nan


def _disparity_row(force_id: str, period: str, by_group: pd.DataFrame) -> dict:
    black_n, white_n = _value(by_group, "Black", "searches"), _value(by_group, "White", "searches")
    black_pop, white_pop = _value(by_group, "Black", "population"), _value(by_group, "White", "population")
    known = by_group["known_total"].dropna()
    known_total = float(known.iloc[0]) if len(known) else np.nan
    unknown = _value(by_group, "Unknown", "searches")
    all_searches = known_total + unknown
    has_rate = all(np.isfinite(v) and v > 0 for v in (black_pop, white_pop))
    if has_rate:
        ratio, lower, upper = (float(v) for v in stats.relative_rate(black_n, black_pop, white_n, white_pop))
        black_rate, white_rate = 1000 * black_n / black_pop, 1000 * white_n / white_pop
        note = ""
    else:
        ratio = lower = upper = black_rate = white_rate = np.nan
        note = NO_RESIDENT_RATE.get(
            force_id, "The published data gives no population for this area, so there is no rate per 1,000 residents."
        )
    first = by_group.iloc[0]
    return {
        "force_id": force_id,
        "geography": first["geography"],
        "period": period,
        "census_year": "2021" if period >= FIRST_CENSUS_2021_YEAR else "2011",
        "ethnicity_type": first["ethnicity_type"],
        "black_searches": black_n,
        "black_population": black_pop,
        "black_rate": black_rate,
        "white_searches": white_n,
        "white_population": white_pop,
        "white_rate": white_rate,
        "ratio": ratio,
        "lower": lower,
        "upper": upper,
        "known_total": known_total,
        "unknown_searches": unknown,
        "all_searches": all_searches,
        "unknown_share": 100 * unknown / all_searches if all_searches > 0 else np.nan,
        "note": note,
    }


def stop_search_group_rates(data_dir=None, legislation: str = "All") -> pd.DataFrame:
    """Every ethnic group's stop and search rate per 1,000 residents, and its ratio to the White rate (Katz 95%),
    per force (and England and Wales), financial year and classification, for every classification the raw files
    hold (2001, 2011 and 2021; broad 5+1 and detailed). The White comparator is the broad White group of the same
    classification year ('White' in 5+1, else the classification's own White rows summed).

    Columns: force_id, period, ethnicity_type, ethnicity, searches, population, rate, ratio_to_white, lower, upper.
    Groups without a population (Unknown, and every group for City of London and BTP) have no rate.
    """
    table = stop_search_table(data_dir)
    columns = [
        "force_id",
        "period",
        "ethnicity_type",
        "ethnicity",
        "searches",
        "population",
        "rate",
        "ratio_to_white",
        "lower",
        "upper",
    ]
    if table.empty:
        return pd.DataFrame(columns=columns)
    table = table[(table["legislation_type"] == legislation) & (table["ethnicity_type"] != "All")]
    table = table[table["force_id"].notna() | (table["geography"] == stop_search.NATIONAL_GEOGRAPHY)]
    table = table.assign(force_id=table["force_id"].fillna(NATIONAL_ID))
    rows = []
    for (force_id, period, etype), grp in table.groupby(["force_id", "period", "ethnicity_type"], sort=True):
        white = grp[grp["ethnicity"] == "White"]
        if white.empty:  # a detailed classification: its White rows (British, Irish, Other White, ...) together
            white = grp[grp["ethnicity"].str.startswith("White")]
        w_n, w_pop = white["searches"].sum(min_count=1), white["population"].sum(min_count=1)
        for r in grp.itertuples(index=False):
            rate = 1000 * r.searches / r.population if r.population and r.population > 0 else np.nan
            ratio = lower = upper = np.nan
            if np.isfinite(rate) and pd.notna(w_pop) and w_pop > 0 and w_n and w_n > 0:
                ratio, lower, upper = (float(v) for v in stats.relative_rate(r.searches, r.population, w_n, w_pop))
            rows.append(
                {
                    "force_id": force_id,
                    "period": period,
                    "ethnicity_type": etype,
                    "ethnicity": r.ethnicity,
                    "searches": r.searches,
                    "population": r.population,
                    "rate": rate,
                    "ratio_to_white": ratio,
                    "lower": lower,
                    "upper": upper,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def log_ratio_se(lower, upper):
    """Standard error of log(ratio), recovered from its interval at the settings' confidence level."""
    z = float(stats._z(CONFIDENCE))
    return (np.log(np.asarray(upper, float)) - np.log(np.asarray(lower, float))) / (2 * z)


def ratio_overdispersion(ratios, se_log, target: float, winsor: float | None = None) -> float:
    """Spiegelhalter over-dispersion factor for ratios on the log scale: the mean squared z-score after
    winsorising the most extreme share at each end (settings.OVERDISPERSION_WINSOR); never below 1."""
    winsor = OVERDISPERSION_WINSOR if winsor is None else winsor
    z = (np.log(np.asarray(ratios, float)) - np.log(target)) / np.asarray(se_log, float)
    if not len(z):
        return 1.0
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    return float(max(1.0, np.mean(np.clip(z, lo, hi) ** 2)))


def classify_ratio_funnel(ratios, lower, upper, target: float, phi: float = 1.0) -> list[str]:
    """'within', 'above 95%', 'above 99.8%', 'below 95%', 'below 99.8%' or 'no ratio', for each ratio against
    funnel limits around ``target`` on the log scale (limits widened by sqrt(phi)); the outermost breach wins."""
    out = []
    for ratio, se in zip(np.asarray(ratios, float), log_ratio_se(lower, upper)):
        if not (np.isfinite(ratio) and np.isfinite(se) and se > 0 and np.isfinite(target)):
            out.append("no ratio")
            continue
        z = (np.log(ratio) - np.log(target)) / (se * np.sqrt(phi))
        label = "within"
        for level in sorted(FUNNEL_LEVELS):
            if abs(z) > float(stats._z(level)):
                label = f"{'above' if z > 0 else 'below'} {level * 100:g}%"
        out.append(label)
    return out


# --------------------------------------------------------------------------- sexual-offence charges
def sexual_offence_charges(data_dir=None) -> pd.DataFrame:
    """Charges or summonses for sexual offences per force and financial year (closed basis).

    Columns: force_id, period ('2023-24'), charges, note. British Transport Police is dropped (not a
    territorial force); England and Wales is the sum of the 43 forces.
    """
    path = config.measures_raw_dir(data_dir) / "home-office-outcomes" / OFFENCE_YEAR_FILE
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in OFFENCE_YEAR_COLUMNS if c not in raw.columns]
    if missing:
        raise LayoutError(path, missing, "Home Office outcomes by force, year and offence group")
    raw = raw[(raw["offence_group"] == SEXUAL_OFFENCES_GROUP) & (raw["slug"] != stop_search.BTP)]
    charges = pd.to_numeric(raw["closed_charge"], errors="coerce")
    if charges.isna().any():
        i = int(charges.isna().to_numpy().nonzero()[0][0])
        raise ValueError(
            f"{path.name}: row {raw.index[i] + 2}: closed_charge: not a number: {raw['closed_charge'].iloc[i]!r}"
        )
    known = {f.id for f in all_forces(data_dir)}
    strange = sorted(set(raw["slug"]) - known)
    if strange:
        raise ValueError(f"{path.name}: slug(s) not in the force registry: {strange}")
    out = pd.DataFrame(
        {
            "force_id": raw["slug"].to_numpy(),
            "period": raw["fy"].str.replace("/", "-").to_numpy(),
            "charges": charges.to_numpy(),
            "note": "",
        }
    )
    out.loc[(out["force_id"] == "greater-manchester") & (out["period"] == "2019-20"), "note"] = (
        "Greater Manchester 2019/20 holds the first quarter only (a known gap in the source)"
    )
    national = (
        out.groupby("period", as_index=False)["charges"]
        .sum()
        .assign(force_id=NATIONAL_ID, note="sum of the 43 territorial forces")
    )
    return pd.concat([out, national], ignore_index=True).sort_values(["force_id", "period"]).reset_index(drop=True)


# --------------------------------------------------------------------------- as at a quarter
def financial_year_end(period: str) -> dt.date:
    return dt.date(int(str(period)[:4]) + 1, 3, 31)


def latest_as_at(
    frame: pd.DataFrame, quarter: Quarter, force_id: str | None = None, lag_months: int = 0
) -> pd.DataFrame:
    """Rows for the latest financial year available by the end of the report quarter.

    A year is available when its end (31 March) plus ``lag_months`` falls on or before the quarter's last
    day: ``lag_months=0`` is the house rule (periods ending by the end of the quarter);
    :data:`STOP_SEARCH_PUBLICATION_LAG_MONTHS` adds the time to publication, so a report shows only what
    had been published by then.
    """
    rows = frame if force_id is None else frame[frame["force_id"] == force_id]
    # a boolean Series, not a list: an empty list would select no columns and lose the table's shape
    available = [available_from(p, lag_months) for p in rows["period"]]
    usable = rows[pd.Series(known_by(available, quarter), index=rows.index, dtype=bool)]
    if usable.empty:
        return usable
    return usable[usable["period"] == usable["period"].max()].reset_index(drop=True)


def year_published_by(period: str, day: dt.date) -> bool:
    """Whether the Home Office outcomes for financial year ``period`` ('2023-24') were published by ``day``
    (the release rule of :func:`analysis.sources.official_stats.release_known_at`): a year that has ended but
    was not yet published is not known to a report for a quarter ending on ``day``."""
    from analysis.sources.official_stats import release_known_at

    return release_known_at(financial_year_end(period)) <= day


def available_from(period: str, lag_months: int = 0) -> dt.date:
    """The year's end plus ``lag_months`` (to the last day of that month)."""
    end = financial_year_end(period)
    month = end.month + lag_months
    year, month = end.year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])
