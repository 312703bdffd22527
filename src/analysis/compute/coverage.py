"""Honest coverage of the Casey key measures: what kind of figure, if any, stands behind each one.

Each registry entry says its ``coverage`` (shared contract, ``data/raw/measures/registry/*.yaml``):
``official`` (official statistics comparable across forces), ``force-supplied`` (the force's own
figures), ``proxy`` (a figure that is not the review's own measure; ``proxy_note`` says in plain
words what it is and is not). A key measure with no figure loaded is ``none``. Reports count the
key measures by these kinds and name every proxy as one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from analysis.compute.as_at import ended_by
from analysis.core import config
from analysis.core.periods import Quarter

KINDS = ("official", "force-supplied", "proxy", "none")
KIND_WORDS = {
    "official": "official figures comparable across forces",
    "force-supplied": "figures supplied by the force",
    "proxy": "only a proxy",
    "none": "no figures yet",
}


@dataclass(frozen=True)
class KeyMeasureCoverage:
    key_measure: str
    title: str  # the key measure, e.g. "Trust and confidence in the police"
    kind: str  # one of KINDS
    measure_id: str | None = None
    measure_title: str | None = None
    proxy_note: str = ""


@lru_cache(maxsize=4)
def _registry_entries(registry_dir: str, _stamp: tuple) -> dict[str, dict]:
    out = {}
    for path in sorted(Path(registry_dir).glob("*.yaml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measures") or []:
            out[str(entry["id"])] = {
                "coverage": entry.get("coverage"),
                "proxy_note": entry.get("proxy_note") or "",
                "registry": path.stem,
            }
    return out


def registry_coverage(data_dir=None) -> dict[str, dict]:
    """measure id -> {coverage, proxy_note, registry}; a missing coverage falls back on the file it is in."""
    folder = config.measures_raw_dir(data_dir) / "registry"
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.yaml")))
    entries = _registry_entries(str(folder), stamp)
    return {
        mid: {**e, "coverage": e["coverage"] or ("official" if e["registry"] == "official" else "force-supplied")}
        for mid, e in entries.items()
    }


def key_measure_coverage(sections, data_dir=None) -> list[KeyMeasureCoverage]:
    """One entry per key-measure section (``MeasureSection``), classified by its headline measure."""
    registry = registry_coverage(data_dir)
    out = []
    for section in sections:
        if not section.has_data or not section.measure_id:
            out.append(KeyMeasureCoverage(section.key_measure, section.title, "none"))
            continue
        entry = registry.get(section.measure_id, {"coverage": "force-supplied", "proxy_note": ""})
        out.append(
            KeyMeasureCoverage(
                section.key_measure,
                section.title,
                entry["coverage"],
                section.measure_id,
                section.measure_title,
                entry["proxy_note"],
            )
        )
    return out


def counts(coverage: list[KeyMeasureCoverage]) -> dict[str, list[KeyMeasureCoverage]]:
    return {kind: [c for c in coverage if c.kind == kind] for kind in KINDS}


@dataclass(frozen=True)
class SeriesSummary:
    measure_id: str
    points: int
    first_period: str
    last_period: str
    latest: float
    median: float
    low: float
    high: float
    numerator: float | None = None  # summed over the series, when every point gives counts
    denominator: float | None = None


def series_summary(
    force_id: str, measure_id: str, period_type: str, quarter: Quarter, data_dir=None
) -> SeriesSummary | None:
    """Latest value and a summary over a force-supplied series (periods ending by ``quarter``'s end); None when
    the series has no point by then. Callers check ``points`` against SERIES_SUMMARY_MIN_POINTS."""
    from analysis.compute.measures import observations
    from analysis.core.periods import period_end

    obs = observations(data_dir)
    same = obs[
        (obs["force_id"] == force_id)
        & (obs["measure_id"] == measure_id)
        & (obs["period_type"] == period_type)
        & obs["value"].notna()
    ]
    same = same.assign(_end=[period_end(p, t) for p, t in zip(same["period"], same["period_type"])])
    same = same[ended_by(same["_end"], quarter)].sort_values("_end")
    if same.empty:
        return None
    values = [float(v) for v in same["value"]]
    has_counts = same["numerator"].notna().all() and same["denominator"].notna().all()
    return SeriesSummary(
        measure_id,
        len(same),
        str(same["period"].iloc[0]),
        str(same["period"].iloc[-1]),
        values[-1],
        statistics.median(values),
        min(values),
        max(values),
        float(same["numerator"].sum()) if has_counts else None,
        float(same["denominator"].sum()) if has_counts else None,
    )
