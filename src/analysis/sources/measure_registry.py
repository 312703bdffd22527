"""The key-measure registry: every ``data/raw/measures/registry/*.yaml`` (a ``measures:`` list).

Each entry names a measure, its key measure (recommendation 16), unit, direction and period type; the
allowed values are here, and :func:`registry_problems` lists every entry that breaks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis.core import config

KEY_MEASURES = (  # recommendation 16, in the order the report presents them
    ("trust-confidence", "Trust and confidence in the police"),
    ("misconduct-action", "Action on misconduct"),
    ("misconduct-disparity", "Racial disparity in misconduct"),
    ("charge-rate", "Charge rates"),
    ("rape-to-court", "Adult rape cases reaching court"),
    ("response-times", "Response rates and times"),
    ("workforce-representation", "Workforce representation of the population"),
)
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


def file_stamp(path: Path):
    """What changes when a file does (modification time, size): the key of every cache on the raw files."""
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


class RegistryError(ValueError):
    """A registry file that is missing fields or uses values outside the allowed lists."""


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
    return dict(_registry_cached(str(config.data_dir(data_dir)), tuple((str(p), *file_stamp(p)) for p in paths)))


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
    entries = _registry_entries_cached(str(config.data_dir(data_dir)), tuple((str(p), *file_stamp(p)) for p in paths))
    return dict(entries.get(measure_id, {}))


@lru_cache(maxsize=4)
def _registry_entries_cached(root: str, _stamp_key) -> dict[str, dict]:
    out = {}
    for path in sorted(_registry_dir(root).glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or []:
            out.setdefault(entry.get("id"), entry)
    return out
