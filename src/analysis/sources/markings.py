"""Protective markings: the one place that knows the markings and decides what the public may see.

Trackers and force-supplied measure files carry a ``marking`` per row. :func:`canonical_marking`
turns any spelling of a known marking into its canonical form ("Official Sensitive",
"official_sensitive", "OFFICIAL – SENSITIVE" -> ``OFFICIAL-SENSITIVE``) and returns None for
anything else; :func:`is_public` is the one test of whether a row may reach a public report, and
:func:`public_mask` applies it to a column. A value that is not a known marking is
never guessed at: it stops the build (naming file, row and field) and, if it still reaches a
report, :func:`public_mask` raises rather than publish or drop it silently.
"""

from __future__ import annotations

import re

OFFICIAL = "OFFICIAL"
SENSITIVE = "OFFICIAL-SENSITIVE"
MARKINGS = (OFFICIAL, SENSITIVE)  # lowest first
PUBLIC_MARKINGS = (OFFICIAL,)  # what a public report may show
DEFAULT_MEASURE_MARKING = OFFICIAL  # a force-supplied measures file without a marking column
_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015\u2212]+")


class UnknownMarking(ValueError):
    """A marking that is not one of :data:`MARKINGS` reached the public filter."""


def canonical_marking(value) -> str | None:
    """The canonical marking for ``value`` in any case and spacing, or None if it is not a known marking."""
    text = _SEPARATORS.sub("-", str("" if value is None else value).strip().upper()).strip("-")
    return text if text in MARKINGS else None


def marking_error(value) -> str:
    return f"{str(value)!r} is not a protective marking; use one of {', '.join(MARKINGS)}"


def is_public(row_or_marking) -> bool:
    """May this row (a mapping or Series with a ``marking``) or this marking reach a public report? An unknown
    or missing marking may not (:func:`public_mask` also raises for it, so it is never dropped silently)."""
    marking = row_or_marking.get("marking") if hasattr(row_or_marking, "get") else row_or_marking
    return canonical_marking(marking) in PUBLIC_MARKINGS


def public_mask(markings, where: str = "rows"):
    """Boolean Series: True for the rows the public may see. Raises UnknownMarking for any unknown value."""
    canonical = [canonical_marking(m) for m in markings]
    unknown = sorted({str(v) for v, c in zip(markings, canonical) if c is None})
    if unknown:
        raise UnknownMarking(
            f"{where}: {', '.join(repr(u) for u in unknown)} is not a protective marking "
            f"({', '.join(MARKINGS)}); run casey build to find the file and row"
        )
    return markings.map(is_public).astype(bool)


def highest_marking(markings) -> str:
    """The highest marking among ``markings`` (OFFICIAL when there are none)."""
    found = {canonical_marking(m) for m in markings}
    if None in found:
        raise UnknownMarking(f"unknown protective marking among {sorted(set(map(str, markings)))}")
    return max(found, key=MARKINGS.index) if found else OFFICIAL
