"""Readers for ONS Census 2021 ethnic group by local authority, and the LA -> police force area lookup.

Two published layouts of the same ONS table ("Ethnic group (20 categories)", TS021) are read,
both found by column *name*:

* the ONS "create a custom dataset" (flexible table) export: one row per local authority and
  category, columns ``Lower Tier Local Authorities Code``, ``Lower Tier Local Authorities``,
  ``Ethnic group (20 categories) Code``, ``Ethnic group (20 categories)``, ``Observation``;
* the ONS TS021 bulk file by lower-tier local authority (``census2021-ts021-ltla.csv``): one row
  per local authority, columns ``date``, ``geography``, ``geography code`` and one column per
  category named ``Ethnic group: <broad>: <detailed>`` (broad totals and the overall total too;
  some releases add ``; measures: Value`` to every category heading).

Both come back as the same long frame: ``la_code, la_name, category, broad_group, count`` with
the 19 detailed categories only (totals are recomputed, so nothing is counted twice).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from analysis.sources.official_stats import LayoutError

CUSTOM_COLUMNS = (
    "Lower Tier Local Authorities Code",
    "Lower Tier Local Authorities",
    "Ethnic group (20 categories) Code",
    "Ethnic group (20 categories)",
    "Observation",
)
BULK_ID_COLUMNS = ("date", "geography", "geography code")
BULK_PREFIX = "Ethnic group: "
BULK_TOTAL = "Ethnic group: Total: All usual residents"
BULK_SUFFIX = "; measures: Value"
LONG_COLUMNS = ["la_code", "la_name", "category", "broad_group", "count"]
# The five ONS broad groups, recognised by the start of the category label.
BROAD_GROUPS = {"Asian": "asian", "Black": "black", "Mixed": "mixed", "White": "white", "Other": "other"}
LOOKUP_LAYOUT = "ONS local authority to community safety partnership to police force area lookup"


def broad_group(category: str) -> str | None:
    """'White: Irish' -> 'white'; 'Does not apply' -> None (not a group)."""
    for prefix, group in BROAD_GROUPS.items():
        if str(category).strip().startswith(prefix):
            return group
    return None


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def ltla_layout(path) -> str | None:
    """'custom', 'bulk' or None: which ONS ethnic-group-by-LTLA layout a CSV file is in."""
    header = [h.strip() for h in _header(Path(path))]
    if all(c in header for c in CUSTOM_COLUMNS):
        return "custom"
    names = [h.removesuffix(BULK_SUFFIX) for h in header]
    if all(c in names for c in BULK_ID_COLUMNS) and BULK_TOTAL in names:
        return "bulk"
    return None


def _counts(series: pd.Series, path: Path, field: str, offset: int = 2) -> pd.Series:
    numbers = pd.to_numeric(series.astype(str).str.replace(",", "").str.strip(), errors="coerce")
    bad = numbers.isna() | (numbers < 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise ValueError(f"{path.name}: row {row + offset}: {field}: not a count: {series.iloc[row]!r}")
    return numbers.astype("int64")


def read_ethnic_group_ltla(path) -> pd.DataFrame:
    """The Census 2021 ethnic group counts by local authority, in either ONS layout (long form)."""
    path = Path(path)
    layout = ltla_layout(path)
    if layout == "custom":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        raw.columns = [c.strip() for c in raw.columns]
        out = pd.DataFrame(
            {
                "la_code": raw[CUSTOM_COLUMNS[0]].str.strip(),
                "la_name": raw[CUSTOM_COLUMNS[1]],
                "category": raw[CUSTOM_COLUMNS[3]].str.strip(),
                "count": _counts(raw["Observation"], path, "Observation"),
            }
        )
    elif layout == "bulk":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        raw.columns = [c.strip().removesuffix(BULK_SUFFIX) for c in raw.columns]
        # detailed categories have two colons after the prefix ("Ethnic group: White: Irish")
        detailed = [
            c for c in raw.columns if c.startswith(BULK_PREFIX) and c != BULK_TOTAL and ":" in c[len(BULK_PREFIX) :]
        ]
        if not detailed:
            raise LayoutError(path, ["Ethnic group: <group>: <category> columns"], "ONS Census 2021 TS021 bulk")
        parts = []
        for column in detailed:
            parts.append(
                pd.DataFrame(
                    {
                        "la_code": raw["geography code"].str.strip(),
                        "la_name": raw["geography"],
                        "category": column[len(BULK_PREFIX) :],
                        "count": _counts(raw[column], path, column),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        totals = _counts(raw[BULK_TOTAL], path, BULK_TOTAL)
        summed = out.groupby("la_code", sort=False)["count"].sum().reindex(raw["geography code"].str.strip())
        mismatch = (summed.to_numpy() != totals.to_numpy()).nonzero()[0]
        if len(mismatch):
            i = int(mismatch[0])
            raise ValueError(
                f"{path.name}: row {i + 2}: {BULK_TOTAL}: {totals.iloc[i]} is not the sum of the "
                f"categories ({int(summed.iloc[i])})"
            )
    else:
        raise LayoutError(
            path,
            list(CUSTOM_COLUMNS),
            "ONS Census 2021 ethnic group by lower-tier local authority (custom-dataset export or TS021 bulk)",
        )
    out["broad_group"] = out["category"].map(broad_group)
    out = out.dropna(subset=["broad_group"])  # 'Does not apply' (always 0 for usual residents)
    return out[LONG_COLUMNS].reset_index(drop=True)


def is_lookup(path) -> bool:
    header = _header(Path(path))
    return any(re.fullmatch(r"LAD\d\dCD", h.strip()) for h in header) and any(
        re.fullmatch(r"PFA\d\dCD", h.strip()) for h in header
    )


def read_la_pfa_lookup(path) -> pd.DataFrame:
    """ONS LAD -> CSP -> PFA lookup (any vintage, e.g. LAD22CD/PFA22CD): la_code, pfa_code, pfa_name."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    lad = [c for c in raw.columns if re.fullmatch(r"LAD\d\dCD", c)]
    pfa = [c for c in raw.columns if re.fullmatch(r"PFA\d\dCD", c)]
    pfa_name = [c for c in raw.columns if re.fullmatch(r"PFA\d\dNM", c)]
    if not lad or not pfa:
        raise LayoutError(path, [n for n, found in (("LADyyCD", lad), ("PFAyyCD", pfa)) if not found], LOOKUP_LAYOUT)
    out = pd.DataFrame(
        {
            "la_code": raw[lad[0]].str.strip(),
            "pfa_code": raw[pfa[0]].str.strip(),
            "pfa_name": raw[pfa_name[0]] if pfa_name else "",
        }
    )
    duplicated = out["la_code"].duplicated()
    if duplicated.any():
        row = int(duplicated.to_numpy().nonzero()[0][0])
        raise ValueError(f"{path.name}: row {row + 2}: {lad[0]}: {out['la_code'].iloc[row]} appears twice")
    return out
