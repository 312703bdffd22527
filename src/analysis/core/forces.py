"""The 43 territorial police forces of England and Wales (the force registry)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core import config
from analysis.core.errors import UsageError


class UnknownForceError(UsageError):
    """A force that is not in the registry; the message lists the valid choices."""


@dataclass(frozen=True)
class Force:
    id: str  # stable slug, e.g. "leicestershire"
    pfa_code: str  # ONS police force area code, e.g. "E23000021"
    name: str
    region: str
    country: str


@lru_cache(maxsize=8)
def _load(path: Path) -> tuple[Force, ...]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return tuple(Force(r.force_id, r.pfa_code, r.name, r.region, r.country) for r in frame.itertuples(index=False))


def all_forces(data_dir=None) -> tuple[Force, ...]:
    return _load(config.forces_file(data_dir))


def registry_frame(data_dir=None) -> pd.DataFrame:
    return pd.DataFrame([f.__dict__ for f in all_forces(data_dir)])


def get_force(key: str, data_dir=None) -> Force:
    """Look a force up by slug, ONS code or name (case-insensitive)."""
    needle = str(key).strip().lower()
    for force in all_forces(data_dir):
        if needle in (force.id, force.pfa_code.lower(), force.name.lower()):
            return force
    choices = ", ".join(f.id for f in all_forces(data_dir))
    raise UnknownForceError(f"unknown force {key!r}; choose a slug or ONS code from: {choices}")
