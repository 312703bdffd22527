"""Reader for the Ethnicity facts and figures stop and search file (``stop-and-search-2006-2023.csv``).

The published file is long: one row per measure, financial year, ethnic group, ethnicity
classification (``ONS 2001 16+1``, ``ONS 2011 5+1``, ``ONS 2021 5+1``, ... or ``All``),
legislation (``All`` or a section of an Act), and geography (each police force area, British
Transport Police, and the ``All - ...`` national aggregates). Columns are found by name, so the
whole published file, or any verbatim subset of its rows, reads the same way.

``NA`` (no population for British Transport Police and the City of London; suppressed cells)
becomes missing. Rows keep every classification and legislation split; choosing which to use
is for :mod:`analysis.compute.disparity`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.sources.official_stats import LayoutError, map_force_names

COLUMNS = {  # published column -> our name
    "time": "year",
    "time_type": "time_type",
    "Ethnicity": "ethnicity",
    "ethnicity_type": "ethnicity_type",
    "legislation_type": "legislation_type",
    "geography": "geography",
    "geography_type": "geography_type",
    "number_of_stop_and_searches": "searches",
    "total_number_of_stop_and_search_carried_out_in_this_year_in_this_area_excluding_cases_where_the_ethnicity_"
    "was_unreported": "known_total",
    "population_by_ethnicity": "population",
    "rate_per_1_000_population_by_ethnicity": "published_rate",
}
NUMBERS = ("searches", "known_total", "population", "published_rate")
KEY = ["year", "ethnicity", "ethnicity_type", "legislation_type", "geography"]
LAYOUT = "Ethnicity facts and figures stop and search (stop-and-search-2006-2023.csv)"
BTP = "british-transport-police"
# National aggregates in the file: which one we call England and Wales (the 43 territorial forces).
NATIONAL_GEOGRAPHY = "All - excluding BTP"


def _number(series: pd.Series, path: Path, field: str, rows: pd.Index) -> pd.Series:
    text = series.astype(str).str.replace(",", "").str.strip()
    missing = text.isin(["", "NA", "N/A", "..", "-"])
    numbers = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = numbers.isna() & ~missing
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ValueError(f"{path.name}: row {rows[i] + 2}: {field}: not a number: {series.iloc[i]!r}")
    return numbers


def read_stop_search(path, data_dir=None) -> pd.DataFrame:
    """Every row of the file, typed: ``period`` ('2022-23'), ``force_id`` (slug; 'british-transport-police';
    None for the ``All - ...`` aggregates), the :data:`COLUMNS` names, and ``source_row`` (file row number)."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise LayoutError(path, missing, LAYOUT)
    frame = raw[list(COLUMNS)].rename(columns=COLUMNS)
    for column in ("year", "ethnicity", "ethnicity_type", "legislation_type", "geography"):
        frame[column] = frame[column].str.strip()
    for column in NUMBERS:
        frame[column] = _number(frame[column], path, column, frame.index)
    years = frame["year"].str.extract(r"^((?:19|20)\d\d)/(\d\d)$")
    if years[0].isna().any():
        i = int(years[0].isna().to_numpy().nonzero()[0][0])
        raise ValueError(
            f"{path.name}: row {i + 2}: time: not a financial year like 2022/23: {frame['year'].iloc[i]!r}"
        )
    frame["period"] = years[0] + "-" + years[1]
    aggregate = frame["geography"].str.startswith("All")
    names = frame.loc[~aggregate, "geography"]
    mapping, _ = map_force_names(names, data_dir, path)
    frame["force_id"] = frame["geography"].map(mapping)
    frame.loc[frame["geography"].str.lower() == "british transport police", "force_id"] = BTP
    frame.loc[aggregate, "force_id"] = None
    frame["source_row"] = frame.index + 2
    return frame.reset_index(drop=True)


def read_stop_search_files(paths, data_dir=None) -> pd.DataFrame:
    """Several files in the published layout as one table, each row once.

    The same row may appear in a subset and in the whole file; identical rows are kept once,
    and the same key with different numbers is an error naming both files.
    """
    frames = []
    for path in paths:
        frame = read_stop_search(path, data_dir)
        frames.append(frame.assign(source_file=Path(path).name))
    if not frames:
        return pd.DataFrame(columns=[*KEY, "period", "force_id", *NUMBERS, "source_file", "source_row"])
    table = pd.concat(frames, ignore_index=True)
    table = table.drop_duplicates(subset=[*KEY, *NUMBERS])
    clash = table[table.duplicated(subset=KEY, keep=False)]
    if not clash.empty:
        first = clash.sort_values(KEY).head(2)
        where = " and ".join(f"{r.source_file} row {r.source_row}" for r in first.itertuples())
        raise ValueError(
            f"stop and search files disagree: {where} have the same year, group, classification, "
            f"legislation and geography but different numbers"
        )
    return table.reset_index(drop=True)
