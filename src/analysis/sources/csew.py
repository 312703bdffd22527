"""The Crime Survey for England and Wales (CSEW) national perception series (``data/raw/measures/csew-perceptions/``).

National (England and Wales) figures only: there is no police force breakdown in the file. Keys are survey
years named by the March they end ("2024" = April 2023 to March 2024); values are percentages of adults.
Bad input is refused naming the file, the series and the field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from analysis.core import config
from analysis.sources.headers import canonical

CSEW_DIR = "csew-perceptions"
CSEW_FILE = "perceptions.json"
# The series a force page uses: key in the file -> what it measures.
SERIES = {
    "confidence": "overall confidence in the local police",
    "trust": "trust in the police",
}
COLUMNS = ("series", "title", "survey_year", "period", "value", "source_file", "source_rows")


def csew_path(data_dir=None) -> Path:
    return config.measures_raw_dir(data_dir) / CSEW_DIR / CSEW_FILE


def _value(raw, path: Path, series: str, year: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or not 0 <= raw <= 100:
        raise ValueError(f"{path.name}: {series}: values: {year}: not a percentage: {raw!r}")
    return float(raw)


def read_csew(path=None, data_dir=None) -> pd.DataFrame:
    """One row per series and survey year (:data:`COLUMNS`); an empty table when the file is absent.
    ``period`` is the financial year the survey year covers ('2023-24'); ``source_rows`` the workbook table
    and row the file names for that series."""
    path = Path(path) if path else csew_path(data_dir)
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path.name}: top level: expected an object of series")
    # series names follow the one header rule (issue 20): "Confidence" and " confidence " are the same series
    named = {canonical(k, SERIES): v for k, v in doc.items() if canonical(k, SERIES)}
    rows = []
    for series, title in SERIES.items():
        if series not in named:
            raise ValueError(f"{path.name}: {series}: missing series")
        body = named[series]
        if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
            raise ValueError(f"{path.name}: {series}: values: expected an object of survey years")
        for year, raw in body["values"].items():
            if not (len(year) == 4 and year.isdigit()):
                raise ValueError(f"{path.name}: {series}: values: {year!r}: not a survey year like 2024")
            end = int(year)
            rows.append(
                (
                    series,
                    title,
                    year,
                    f"{end - 1}-{end % 100:02d}",
                    _value(raw, path, series, year),
                    path.name,
                    str(body.get("source", "")),
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)
