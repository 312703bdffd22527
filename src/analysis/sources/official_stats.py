"""Readers for the Home Office open-data file layouts (CSV, XLSX or ODS).

Each reader finds its header by column *name* (never by position), maps force
names to registry slugs, and raises :class:`LayoutError` naming the file and the
missing columns when a file is not in the expected layout.

* :func:`read_outcomes` — crime outcomes open data -> charges and assigned
  outcomes per force per quarter, on both bases (closed / recorded).
* :func:`read_workforce` and :func:`workforce_ethnic_minority` — police
  workforce open data -> headcount by ethnic group per force per year.
* Known-at (issue 18): :func:`release_known_at` dates a Home Office period by the release rule in settings,
  :func:`quarters_after` is the shared "end of the n-th quarter after" rule, and :func:`read_releases` reads
  ``measures/releases.csv``, the publication dates of the other official tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd

from analysis.core import config, settings
from analysis.core.periods import from_fy_q, quarter_of

OUTCOME_COLUMNS = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Code",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code Expired",
    "Outcome Type",
    "Outcome Description",
    "Outcome Group",
    "Number of Outcomes for offences that were recorded in the quarter",
    "Number of Outcomes for investigations that were closed in the quarter",
)
RECORDED_COL, CLOSED_COL = OUTCOME_COLUMNS[-2], OUTCOME_COLUMNS[-1]

# Workforce: required columns, and columns that changed name between years
# (first alternative found wins; the 2021 layout used Gender / Rank description).
WORKFORCE_COLUMNS = ("As at 31 March", "Force Name", "Worker type", "Total (headcount)")
WORKFORCE_ALTERNATIVES = {
    "ethnic_group": ("Ethnic group", "Ethnicity", "Ethnicity / Ethnic group"),
    "sex": ("Sex", "Gender"),
    "rank": ("Rank", "Rank description", "Rank (description)"),
}
NOT_STATED = {"not stated", "unknown", "not known", "not recorded", "prefer not to say"}

# Names in Home Office files that are not territorial forces. Dropped, with a note.
NON_TERRITORIAL = {
    "british transport police": "British Transport Police is not a territorial force",
    "action fraud": "Action Fraud records fraud centrally, not a force",
    "cifas": "CIFAS records fraud centrally, not a force",
    "uk finance": "UK Finance records fraud centrally, not a force",
    "financial fraud action uk": "Financial Fraud Action UK records fraud centrally, not a force",
}
_NAME_ALIASES = {  # normalised alias -> slug; the rest come from the registry
    "metropolitan": "metropolitan-police",
    "metropolitan police service": "metropolitan-police",
    "london city of": "city-of-london",
    "city of london police": "city-of-london",
}


class LayoutError(ValueError):
    """A file whose columns do not match the expected publisher layout."""

    def __init__(self, path, missing, layout: str):
        self.path, self.missing, self.layout = Path(path), list(missing), layout
        super().__init__(
            f"{self.path.name} is not in the {layout} layout: missing column(s) "
            + ", ".join(repr(m) for m in self.missing)
        )


class UnknownForceNameError(ValueError):
    """Force names in a file that match no registry force and no known non-force body."""


def _norm(text) -> str:
    """Lower case, '&' -> 'and', punctuation and extra spaces removed."""
    text = str(text).lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def force_name_map(data_dir=None) -> dict[str, str]:
    """Normalised name -> slug, from the registry's names, ONS names and slugs."""
    mapping = dict(_NAME_ALIASES)
    # Read the registry file itself: the Force record does not carry the ONS name.
    registry = pd.read_csv(config.forces_file(data_dir), dtype=str, keep_default_na=False)
    for row in registry.itertuples(index=False):
        for name in (row.name, row.ons_pfa16_name, row.force_id):
            mapping[_norm(name)] = row.force_id
    for name in list(mapping):  # "Kent Police", "Essex Constabulary" -> the plain name
        for suffix in (" police", " constabulary"):
            mapping.setdefault(name + suffix, mapping[name])
    return mapping


def map_force_names(names, data_dir=None, path="data") -> tuple[dict, list[str]]:
    """Map raw force names to slugs; returns ``(name -> slug or None, notes)``.

    Non-territorial bodies map to None with a note; anything else unknown raises.
    """
    mapping = force_name_map(data_dir)
    result, notes, unknown = {}, [], []
    for raw in sorted({str(n) for n in names}):
        key = _norm(raw)
        if key in mapping:
            result[raw] = mapping[key]
        elif key in NON_TERRITORIAL:
            result[raw] = None
            notes.append(f"dropped {raw!r}: {NON_TERRITORIAL[key]}")
        else:
            unknown.append(raw)
    if unknown:
        raise UnknownForceNameError(f"{Path(path).name}: force name(s) not in the registry: {unknown}")
    return result, notes


def _find_table(path: Path, required, layout: str, sheet=None) -> pd.DataFrame:
    """Read the first sheet (and header row within its first 20 rows) holding ``required``.

    Column names are matched after normalising case and spacing; the frame comes
    back with the canonical names from ``required`` where they matched.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sheets = {"csv": pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig")}
    elif suffix in (".xlsx", ".xlsm", ".ods"):
        engine = "odf" if suffix == ".ods" else "openpyxl"
        sheets = pd.read_excel(
            path, sheet_name=sheet if sheet is not None else None, header=None, dtype=str, engine=engine
        )
        if not isinstance(sheets, dict):
            sheets = {sheet: sheets}
    else:
        raise LayoutError(path, required, f"{layout} (unsupported file type {suffix!r})")
    wanted = {_norm(c): c for c in required}
    best_missing = list(required)
    for raw in sheets.values():
        raw = raw.fillna("")
        for row_no in range(min(20, len(raw))):
            header = [str(v).strip() for v in raw.iloc[row_no]]
            found = {_norm(h): i for i, h in enumerate(header) if h}
            missing = [c for c in required if _norm(c) not in found]
            if not missing:
                frame = raw.iloc[row_no + 1 :].reset_index(drop=True)
                frame.columns = [wanted.get(_norm(h), h) for h in header]
                return frame
            if len(missing) < len(best_missing):
                best_missing = missing
    raise LayoutError(path, best_missing, layout)


def _to_number(series: pd.Series) -> pd.Series:
    """Numbers as published: thousands separators allowed, blanks and '..' are missing."""
    cleaned = series.astype(str).str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(cleaned.replace({"": None, "..": None, "-": None}), errors="coerce")


def _outcome_type(value) -> int | None:
    """Outcome type as an int; letter sub-types ('2a', '3a') are None.

    Why: types 1a/2a/3a are "of which" rows already counted inside 1/2/3, so adding
    them would double count (the convention of the derived force_quarter table too).
    """
    text = str(value).strip().lower()
    text = text[len("outcome") :].strip() if text.startswith("outcome") else text
    try:
        return int(float(text))
    except ValueError:
        return None


def read_outcomes(path, offence_groups=None, offence_subgroups=None, sheet=None, data_dir=None) -> pd.DataFrame:
    """Charges (outcome type 1) and assigned outcomes per force per quarter.

    ``offence_groups`` / ``offence_subgroups`` (case-insensitive names, e.g.
    ``["Sexual offences"]``) restrict the offences, e.g. for a VAWG charge rate.
    Returns one row per force and quarter with columns ``force_id, period, fy, q,
    charges_closed, assigned_closed, charges_recorded, assigned_recorded``.
    Outcome type 0 (not yet assigned) is excluded from ``assigned``. Notes about
    dropped rows are in ``frame.attrs["notes"]``.
    """
    path = Path(path)
    frame = _find_table(path, OUTCOME_COLUMNS, "Home Office crime outcomes", sheet)
    frame = frame[frame["Force Name"].astype(str).str.strip() != ""]
    for column, chosen in (("Offence Group", offence_groups), ("Offence Subgroup", offence_subgroups)):
        if chosen:
            keep = {_norm(g) for g in chosen}
            frame = frame[frame[column].map(_norm).isin(keep)]
    types = frame["Outcome Type"].map(_outcome_type)
    notes = []
    n_sub = int(types.isna().sum())
    if n_sub:
        notes.append(f"{n_sub} row(s) with lettered outcome sub-types dropped (already inside their parent type)")
    frame = frame.assign(_type=types).dropna(subset=["_type"])
    mapping, name_notes = map_force_names(frame["Force Name"], data_dir, path)
    notes += name_notes
    frame = frame.assign(force_id=frame["Force Name"].astype(str).map(mapping)).dropna(subset=["force_id"])
    quarter = [
        from_fy_q(str(fy).strip(), str(q).strip().upper().lstrip("Q"))
        for fy, q in zip(frame["Financial Year"], frame["Financial Quarter"])
    ]
    frame = frame.assign(
        period=[qq.id for qq in quarter], fy=[qq.financial_year for qq in quarter], q=[qq.q for qq in quarter]
    )
    out = None
    for basis, column in (("closed", CLOSED_COL), ("recorded", RECORDED_COL)):
        counts = _to_number(frame[column]).fillna(0)
        part = frame[["force_id", "period", "fy", "q"]].assign(
            **{
                f"charges_{basis}": counts.where(frame["_type"] == 1, 0),
                f"assigned_{basis}": counts.where(frame["_type"] != 0, 0),
            }
        )
        part = part.groupby(["force_id", "period", "fy", "q"], as_index=False).sum()
        out = part if out is None else out.merge(part, on=["force_id", "period", "fy", "q"], how="outer")
    columns = [
        "force_id",
        "period",
        "fy",
        "q",
        "charges_closed",
        "assigned_closed",
        "charges_recorded",
        "assigned_recorded",
    ]
    out = out[columns].sort_values(["force_id", "period"]).reset_index(drop=True)
    for column in columns[4:]:
        out[column] = out[column].astype("int64")
    out.attrs["notes"] = notes
    out.attrs["source"] = f"Home Office, police recorded crime and outcomes open data tables ({path.name})"
    return out


def _pick(frame: pd.DataFrame, choices, path, layout) -> str:
    for name in choices:
        for column in frame.columns:
            if _norm(column) == _norm(name):
                return column
    raise LayoutError(path, [" or ".join(choices)], layout)


def read_workforce(path, sheet=None, data_dir=None) -> pd.DataFrame:
    """Headcount and FTE by force, year (as at 31 March), worker type and ethnic group.

    Returns columns ``force_id, year, worker_type, ethnic_group, headcount, fte``
    (``fte`` is NaN when the file has no FTE column). ``year`` is the calendar
    year of the 31 March snapshot, e.g. 2024.
    """
    path = Path(path)
    layout = "Home Office police workforce"
    frame = _find_table(path, WORKFORCE_COLUMNS, layout, sheet)
    frame = frame[frame["Force Name"].astype(str).str.strip() != ""]
    ethnic = _pick(frame, WORKFORCE_ALTERNATIVES["ethnic_group"], path, layout)
    fte_cols = [c for c in frame.columns if _norm(c) == _norm("Total (FTE)")]
    mapping, notes = map_force_names(frame["Force Name"], data_dir, path)
    years = frame["As at 31 March"].astype(str).str.extract(r"((?:19|20)\d\d)")[0]
    if years.isna().any():
        bad = frame.loc[years.isna(), "As at 31 March"].iloc[0]
        raise LayoutError(path, [f"As at 31 March (a year; found {bad!r})"], layout)
    out = pd.DataFrame(
        {
            "force_id": frame["Force Name"].astype(str).map(mapping),
            "year": years.astype(int),
            "worker_type": frame["Worker type"].astype(str).str.strip(),
            "ethnic_group": frame[ethnic].astype(str).str.strip(),
            "headcount": _to_number(frame["Total (headcount)"]).fillna(0),
            "fte": _to_number(frame[fte_cols[0]]) if fte_cols else float("nan"),
        }
    ).dropna(subset=["force_id"])
    out = (
        out.groupby(["force_id", "year", "worker_type", "ethnic_group"], as_index=False)
        .sum(min_count=1)
        .sort_values(["force_id", "year", "worker_type", "ethnic_group"])
        .reset_index(drop=True)
    )
    out.attrs["notes"] = notes
    out.attrs["source"] = f"Home Office, police workforce open data tables ({path.name})"
    return out


def is_ethnic_minority(group: str) -> bool | None:
    """True for any group other than White; None for 'Not stated' (excluded from shares).

    Why: the Home Office workforce statistics define "ethnic minority" as all groups
    except White (so White minorities such as White Irish count as White).
    """
    text = _norm(group)
    if not text or text in NOT_STATED or text.startswith("not stated"):
        return None
    return not text.startswith("white")


def workforce_ethnic_minority(workforce: pd.DataFrame, worker_type: str | None = "Police Officer") -> pd.DataFrame:
    """Per force per year: ethnic minority headcount, stated headcount and total headcount.

    ``worker_type`` matches case-insensitively and ignores a trailing 's'
    ("Police Officers"); None keeps all worker types.
    """
    frame = workforce
    if worker_type is not None:
        want = _norm(worker_type).rstrip("s")
        frame = frame[frame["worker_type"].map(lambda w: _norm(w).rstrip("s")) == want]
    flag = frame["ethnic_group"].map(is_ethnic_minority)
    frame = frame.assign(
        ethnic_minority=frame["headcount"].where(flag == True, 0),  # noqa: E712 (None-safe)
        stated=frame["headcount"].where(flag.notna(), 0),
    )
    out = frame.groupby(["force_id", "year"], as_index=False)[["ethnic_minority", "stated", "headcount"]].sum()
    return out.sort_values(["force_id", "year"]).reset_index(drop=True)


# --------------------------------------------------------------------------- when a release became known
RELEASES_FILE = "releases.csv"
RELEASE_COLUMNS = ("source", "measure_ids", "published", "basis")


def quarters_after(day: dt.date, quarters: int) -> dt.date:
    """The last day of the financial quarter ``quarters`` after the one holding ``day`` (0: its own)."""
    return quarter_of(day).minus(-quarters).end


def release_known_at(period_end: dt.date) -> dt.date:
    """When a Home Office outcomes or workforce period ending on ``period_end`` counts as published: the end of
    the quarter :data:`~analysis.core.settings.OFFICIAL_RELEASE_QUARTERS_AFTER` after (the copies we hold do not
    record release dates; the rule errs late)."""
    return quarters_after(period_end, settings.OFFICIAL_RELEASE_QUARTERS_AFTER)


def read_releases(data_dir=None) -> dict[str, dt.date]:
    """Measure id -> publication date, from ``data/raw/measures/releases.csv`` (empty when the file is absent).

    Raises ValueError naming the file, row and field for a missing column or a date that is not ISO."""
    path = config.measures_raw_dir(data_dir) / RELEASES_FILE
    if not path.exists():
        return {}
    out: dict[str, dt.date] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in RELEASE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: header: missing column(s) {', '.join(missing)}")
        for row_no, row in enumerate(reader, start=2):
            try:
                published = dt.date.fromisoformat(row["published"].strip())
            except ValueError:
                raise ValueError(
                    f"{path}: row {row_no}: published: {row['published']!r} is not a date (YYYY-MM-DD)"
                ) from None
            for measure_id in row["measure_ids"].split(";"):
                if measure_id.strip():
                    out[measure_id.strip()] = published
    return out
