"""The Casey key measures computed: charge-rate series, observations and what a quarter may show.

* Observations: one long table (:data:`OBS_COLUMNS`) built from the Home Office
  outcomes aggregate, the 2011 Census by police force area, optional Home Office
  open-data workbooks, and force-supplied files (``local/*.csv``, ``workforce/*.csv``).
* The registry and the raw files are read in :mod:`analysis.sources.measure_registry` and
  :mod:`analysis.sources.measure_files`; period helpers are in :mod:`analysis.core.periods`;
  :func:`analysis.run.build.build_measures` writes ``data/processed/measures/*.csv``.
* The per-force summaries the reports show are in :mod:`analysis.compute.measure_sections`.

Rates are stored in observations as percentages (``unit: percent``); the statistics
in :mod:`analysis.compute.stats` work on proportions, so values are divided by 100 there.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.compute import as_at as as_at_filter  # the parameter ``as_at`` is a quarter; the module its filters
from analysis.compute import disparity, stats
from analysis.core import config, settings
from analysis.core.audience import Audience
from analysis.core.forces import all_forces
from analysis.core.periods import Quarter, period_end
from analysis.core.settings import KNOWN_GAPS
from analysis.sources import measure_files, official_stats
from analysis.sources.markings import DEFAULT_MEASURE_MARKING, public_mask
from analysis.sources.measure_files import OBS_COLUMNS, census_table, input_files, local_files, outcomes_dir, read_local

NATIONAL_ID = "england-and-wales"
NATIONAL_NAME = "England and Wales"
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
OUTCOMES_SOURCE = (
    "Home Office, police recorded crime and outcomes open data tables "
    "(per-force quarterly aggregate from SGilr/oocd-dashboard)"
)
CENSUS_SOURCE = "ONS Census 2011 QS201EW by police force area (Resistance-Lab/resistancelab_data)"
FUNNEL_NOTE = "limits widened for the extra variation between forces (Spiegelhalter over-dispersion)"


# --------------------------------------------------------------------------- the charge-rate series
@lru_cache(maxsize=4)
def _charge_series_cached(path: Path, stamp) -> pd.DataFrame:
    raw = measure_files.read_force_quarter(path)
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


def _quarters_up_to(frame: pd.DataFrame, as_at, through=None) -> pd.DataFrame:
    """Rows of a quarterly outcomes frame known by the end of quarter ``as_at`` (its quarter ended and was
    published by then: :func:`analysis.sources.official_stats.release_known_at`), or, with ``through``, every
    quarter ending by the end of ``through`` (for a caller that has already chosen a known quarter)."""
    if as_at is None and through is None:
        return frame
    if through is not None:
        return as_at_filter.rows_through(frame, Quarter.of(through), "period").reset_index(drop=True)
    return as_at_filter.rows_published_by(frame, Quarter.of(as_at), "period").reset_index(drop=True)


def charge_rate_series(data_dir=None, as_at=None, through=None) -> pd.DataFrame:
    """Every force's quarterly charge rate on both bases, with Wilson 95% intervals.

    Columns: force_id, period, basis ('closed'|'recorded'), charges, assigned, rate,
    lower, upper (proportions 0–1), note. Missing quarters (all-zero recorded basis,
    known gaps) are kept with NaN counts and a note. BTP is excluded.
    ``as_at`` (a quarter) keeps only quarters known (ended and published) by its end: a report for
    that quarter never sees later data. ``through`` keeps quarters ending by its end, known or not.
    """
    path = outcomes_dir(data_dir) / "force_quarter.csv"
    return _quarters_up_to(_charge_series_cached(path, measure_files.file_stamp(path)), as_at, through).copy()


def national_series(data_dir=None, as_at=None, through=None) -> pd.DataFrame:
    """England and Wales: the sum over the 43 territorial forces (BTP excluded).

    The published ``national_quarter.csv`` includes British Transport Police, so it is
    not used for rates. Quarters where a force is missing are summed over the rest
    and say so in ``note``. Cached until the outcomes or forces file changes (every report
    needs it; it used to be recomputed per report). ``as_at`` as in :func:`charge_rate_series`.
    """
    path, forces = outcomes_dir(data_dir) / "force_quarter.csv", config.forces_file(data_dir)
    cached = _national_cached(
        str(config.data_dir(data_dir)), path, measure_files.file_stamp(path), measure_files.file_stamp(forces)
    )
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


def _open_data_outcomes(data_dir) -> list[dict]:
    """Sexual offences and rape charge rates from Home Office workbooks, when present."""
    rows = []
    files = measure_files.open_data_files(outcomes_dir(data_dir) / "open-data")
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
    files = measure_files.open_data_files(config.measures_raw_dir(data_dir) / "home-office-workforce")
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
    return (
        _census_2021_observations(data_dir)
        + _stop_search_observations(data_dir)
        + _sexual_offence_charge_observations(data_dir)
    )


def _census_2021_observations(data_dir) -> list[dict]:
    """Each force's (and England and Wales's) ethnic minority share in Census 2021, when its files are there."""
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
    return rows


def _stop_search_observations(data_dir) -> list[dict]:
    """Stop and search rates by ethnicity, their ratio and the unrecorded share, per force and financial year."""
    rows = []
    lag = settings.STOP_SEARCH_PUBLICATION_LAG_MONTHS
    for r in disparity.stop_search_disparity(data_dir).itertuples(index=False):
        if r.force_id == "british-transport-police":
            continue  # not a territorial force (it has no resident rate either)
        published = disparity.available_from(r.period, lag)  # the stop and search release rule
        census_note = f"rates per 1,000 residents of each group (Census {r.census_year})"
        ratio_note = f"Katz 95% interval {r.lower:.2f} to {r.upper:.2f}; {census_note}"
        unrecorded_note = "searches whose ethnicity was not recorded, of all searches (vehicle-only excluded)"
        for measure_id, num, den, value, note in (
            ("stop_search_rate_black", r.black_searches, r.black_population, r.black_rate, r.note or census_note),
            ("stop_search_rate_white", r.white_searches, r.white_population, r.white_rate, r.note or census_note),
            ("stop_search_black_white_ratio", np.nan, np.nan, r.ratio, r.note or ratio_note),
            (
                "stop_search_ethnicity_unrecorded_share",
                r.unknown_searches,
                r.all_searches,
                r.unknown_share,
                unrecorded_note,
            ),
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
                    note,
                    published,
                )
            )
    return rows


def _sexual_offence_charge_observations(data_dir) -> list[dict]:
    """Sexual-offence charges (closed basis) per force and financial year, when the offence-year file is there."""
    rows = []
    folder = config.measures_raw_dir(data_dir)
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


def observations(data_dir=None, as_at=None, audience: Audience = Audience.INTERNAL) -> pd.DataFrame:
    """The long observations table (:data:`OBS_COLUMNS`), sorted; cached until inputs change.

    ``as_at`` (a quarter) keeps only observations whose period ends on or before the end of that
    quarter (:func:`period_end`) and that were known by then (``known_at``: published on or before its
    last day), so a report for a past quarter never shows later data nor hindsight. This is the
    one place reports are limited to their quarter; sections, charts and tables pass ``as_at`` on.
    ``Audience.PUBLIC`` keeps only the rows the public may see (the one public filter,
    :func:`analysis.sources.markings.public_mask`).
    """
    frame = _observations_cached(str(config.data_dir(data_dir)), input_files(data_dir))
    if as_at is None:
        frame = frame.copy()
    else:
        frame = frame[~_after(str(config.data_dir(data_dir)), input_files(data_dir), as_at)].reset_index(drop=True)
    if audience.is_public:
        frame = frame[public_mask(frame["marking"], "measure observations")].reset_index(drop=True)
    return frame


def later_periods(data_dir=None, as_at=None, audience: Audience = Audience.INTERNAL) -> bool:
    """True when the data holds observations for periods after the end of quarter ``as_at``."""
    return later_observations(data_dir, as_at, audience) > 0


def later_observations(data_dir=None, as_at=None, audience: Audience = Audience.INTERNAL) -> int:
    """How many observations ``audience`` may see are for periods ending after the end of quarter ``as_at``,
    or became known after it (a later paper's figures for an earlier period count too).

    A report for ``as_at`` leaves them out (:func:`observations`); it may say that they exist, never show
    them. 0 when ``as_at`` is None or the data tree has no key-measures data.
    """
    if as_at is None or not config.measures_raw_dir(data_dir).exists():
        return 0
    root, key = str(config.data_dir(data_dir)), input_files(data_dir)
    later = _after(root, key, as_at)
    if audience.is_public:
        frame = _observations_cached(root, key)
        later = later & public_mask(frame["marking"], "measure observations").to_numpy()
    return int(later.sum())


def _after(root: str, stamp_key, as_at) -> np.ndarray:
    """True for each observation a report for quarter ``as_at`` leaves out: its period ends after the quarter's
    last day, or it was not known by then (a blank known_at is never known). Read-only."""
    return _after_cached(root, stamp_key, Quarter.of(as_at))


# a report asks this many times for its one quarter; recomputed, its cost grew with the length of history
@lru_cache(maxsize=8)
def _after_cached(root: str, stamp_key, quarter: Quarter) -> np.ndarray:
    ends, known = _observation_ends(root, stamp_key), _observations_cached(root, stamp_key)["known_at"]
    after = ~(as_at_filter.ended_by(ends, quarter) & as_at_filter.known_by(known, quarter))
    after.flags.writeable = False  # shared by every caller: nobody may change it in place
    return after


def clear_caches() -> None:
    """Forget every cached table of observations (for a test that rewrites a file within its mtime's resolution)."""
    for cached in (_observations_cached, _observation_ends, _after_cached, _charge_series_cached):
        cached.cache_clear()


@lru_cache(maxsize=4)
def _observation_ends(root: str, stamp_key) -> np.ndarray:
    frame = _observations_cached(root, stamp_key)
    return np.array([period_end(p, t) for p, t in zip(frame["period"], frame["period_type"])])


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
    local = [f for f in (read_local(p, data_dir) for p in local_files(data_dir)) if f is not None]
    frame = pd.concat([frame, *local], ignore_index=True) if local else frame
    frame["note"] = frame["note"].fillna("")
    return frame.sort_values(["measure_id", "force_id", "period_type", "period", "source"]).reset_index(drop=True)
