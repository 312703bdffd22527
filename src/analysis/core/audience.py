"""Who a report is for, as a type: :class:`Audience` (internal or public), and where its pages go.

The audience arrives as a string at the boundaries (the ``--audience`` argument, a notebook parameter,
the analyst functions of :mod:`analysis.compute.access`, a report-sets file) and is turned into an
:class:`Audience` there, once, by :meth:`Audience.of`. Below the boundary code asks ``audience.is_public``
and never compares strings; the label ("Internal"/"Public") and the sub-folder of a quarter ("" or
"public") are defined here only (:func:`analysis.core.config.report_relpath` is the folder layout).
Which *rows* a public report may show is decided by :func:`analysis.sources.markings.is_public`.
"""

from __future__ import annotations

import enum

from analysis.core.errors import UsageError


class Audience(enum.Enum):
    """internal sees everything; public has OFFICIAL-SENSITIVE content withheld (and shown as withheld)."""

    INTERNAL = "internal"
    PUBLIC = "public"

    def __str__(self) -> str:  # "internal"/"public" in labels, log lines and JSON-bound values
        return self.value

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def folder(self) -> str:
        """The sub-folder under a quarter (and framework) that holds this audience's pages."""
        return "public" if self is Audience.PUBLIC else ""

    @property
    def is_public(self) -> bool:
        return self is Audience.PUBLIC

    @classmethod
    def of(cls, value: Audience | str) -> Audience:
        """The audience ``value`` names ("internal", "public" or an Audience); a UsageError names a bad value."""
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except (ValueError, TypeError):
            raise UsageError(f"unknown audience {value!r}; choose one of: {', '.join(AUDIENCES)}") from None


AUDIENCES = tuple(a.value for a in Audience)  # the strings the boundaries accept (CLI choices, files)
