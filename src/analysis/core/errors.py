"""Exit codes and the error classes the command line turns into them, defined once.

Only :class:`UsageError` (and its subclasses) becomes exit code 2: the user asked for a force,
quarter, framework, audience or mapping that does not exist, or for something not allowed (a
snapshot that exists without ``--replace``; reports before the data is built). Any other
exception is a bug or a data problem and is never reported as a usage error.
"""

from __future__ import annotations

EXIT_OK = 0  # success
EXIT_DATA = 1  # data problems: a bad file (nothing written), a failed report, references to confirm
EXIT_USAGE = 2  # the user asked for something that does not exist or is not allowed
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT); nothing half-written is kept


class UsageError(ValueError):
    """A request the user can fix by choosing differently; the message lists the valid choices."""


class MissingInputs(FileNotFoundError, UsageError):
    """Processed data is missing: the user must run ``casey build`` (or ``casey batch --build``) first."""


EXIT_BUSY = 75  # EX_TEMPFAIL: another casey batch holds the reports folder; try again later
# EX_TEMPFAIL too: the Dask cluster failed (lost workers, timeouts), nothing is wrong with the data; try again
EXIT_INFRASTRUCTURE = EXIT_BUSY


class UnknownMarking(ValueError):
    """A protective marking that is not a known one reached the public filter (a data problem, exit 1)."""


class OutputFolderLocked(RuntimeError):
    """Another ``casey batch`` is writing to the same reports folder (exit :data:`EXIT_BUSY`)."""
