"""Which frameworks, audiences and quarters one ``casey batch`` run renders.

A report-sets file (``data/raw/report-sets.yaml``, what ``make reports`` uses) lists sets, each a
framework with its audiences and quarters; ``casey batch --framework A B`` or ``--framework all``
gives the same without a file. Every set becomes one :class:`~analysis.run.batch.BatchOptions`
(the run's other options, such as forces and workers, are shared); the sets run one after another
into the same reports folder and index.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.core import config
from analysis.core.errors import UsageError
from analysis.run.batch import BatchOptions

SET_KEYS = {"framework", "audiences", "quarters"}


@dataclass(frozen=True)
class ReportSet:
    framework: str
    audiences: tuple[str, ...] = config.AUDIENCES
    quarters: tuple[str, ...] = ("latest",)


def available(data_dir=None) -> list[str]:
    return sorted(p.stem for p in config.frameworks_dir(data_dir).glob("*.yaml"))


def expand_frameworks(names: list[str], data_dir=None) -> list[str]:
    """``all`` -> every framework in data/raw/frameworks; other names are checked, order kept, no repeats."""
    choices = available(data_dir)
    found: list[str] = []
    for name in names:
        for framework in choices if name == "all" else [name]:
            if framework not in choices:
                raise UsageError(f"unknown framework {framework!r}; available: {', '.join(choices)} (or all)")
            if framework not in found:
                found.append(framework)
    return found


def _strings(value, where: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise UsageError(f"{where}: expected a name or a list of names")
    return tuple(values)


def load_report_sets(path: str | Path, data_dir=None) -> list[ReportSet]:
    """Read and check a report-sets file; errors name the file, the set and the field."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from exc
    entries = doc.get("report_sets") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{path}: expected a top-level 'report_sets:' list")
    sets = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: report set {number}"
        if not isinstance(entry, dict) or "framework" not in entry:
            raise UsageError(f"{where}: field 'framework' is required")
        unknown = sorted(set(entry) - SET_KEYS)
        if unknown:
            raise UsageError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(SET_KEYS)}")
        audiences = _strings(entry.get("audiences", list(config.AUDIENCES)), f"{where}: field 'audiences'")
        bad = [a for a in audiences if a not in config.AUDIENCES]
        if bad:
            raise UsageError(f"{where}: field 'audiences': unknown {bad}; choose from {', '.join(config.AUDIENCES)}")
        for framework in expand_frameworks(list(_strings(entry["framework"], f"{where}: field 'framework'")), data_dir):
            sets.append(
                ReportSet(
                    framework, audiences, _strings(entry.get("quarters", ["latest"]), f"{where}: field 'quarters'")
                )
            )
    return sets


def batch_options(base: BatchOptions, sets: list[ReportSet]) -> list[BatchOptions]:
    """One BatchOptions per set: the set's framework, audiences and quarters; the rest from ``base``."""
    return [
        dataclasses.replace(base, framework=s.framework, audiences=list(s.audiences), quarters=list(s.quarters))
        for s in sets
    ]
