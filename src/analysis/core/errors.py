"""Error classes from issue 14 (hostile input) for the lead to merge with the shared exit-code scheme.

The command line maps them to exit codes: UnknownMarking is a data problem (1, the build names file,
row and field); OutputFolderLocked means another ``casey batch`` holds the reports folder (75, try later).
"""

from __future__ import annotations


class UnknownMarking(ValueError):
    """A protective marking that is not a known one reached the public filter."""


class OutputFolderLocked(RuntimeError):
    """Another ``casey batch`` is writing to the same reports folder."""
