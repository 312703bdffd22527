"""Where the ``casey`` command's messages go: the stdlib ``logging`` module, set up by the command line only.

The package's modules log to loggers under ``analysis`` and configure nothing (importing ``analysis`` adds
no handler and sets no level); :func:`configured` attaches one handler for the length of one command and
removes it afterwards, so a program or test that calls :func:`analysis.cli.main` is left as it was.

Formats (``--log-format``):

- ``text`` (the default): on a terminal, the message alone (the human view; the progress bar is kept and
  never torn, records are written through ``tqdm.write``); anywhere else (cron, systemd, a pipe)
  ``2026-12-07T06:30:02Z INFO message``: an ISO 8601 UTC time and the level before the same message.
- ``json``: one JSON object per line (python-json-logger) with ``time`` (ISO 8601, UTC), ``level``,
  ``logger``, ``message`` and any structured fields the record carries (a report's ``report``, ``status``,
  ``duration_s``; the run's counts), for journald or ELK.

Records below WARNING go to stdout, the rest to stderr, as the command's plain output did before.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

FORMATS = ("text", "json")
ROOT_LOGGER = "analysis"


class _UtcTextFormatter(logging.Formatter):
    converter = time.gmtime  # a cron log read on another machine means the same instant

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%SZ")


def _json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # record.created as an ISO 8601 UTC datetime
    )


class ConsoleHandler(logging.Handler):
    """Below WARNING to stdout, the rest to stderr, through ``tqdm.write`` so an active progress bar is cleared
    and redrawn rather than torn. The streams are looked up per record (pytest and callers swap ``sys.stdout``)."""

    def __init__(self, log_format: str) -> None:
        super().__init__(logging.INFO)
        self.log_format = log_format
        self._text = _UtcTextFormatter()
        self._human = logging.Formatter("%(message)s")
        self._json = _json_formatter() if log_format == "json" else None

    def _formatter_for(self, stream) -> logging.Formatter:
        if self._json is not None:
            return self._json
        return self._human if _is_terminal(stream) else self._text

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        stream = sys.stderr if record.levelno >= logging.WARNING else sys.stdout
        try:
            tqdm.write(self._formatter_for(stream).format(record), file=stream)
            stream.flush()
        except Exception:  # a closed pipe must not turn into a traceback of its own
            self.handleError(record)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def configured(log_format: str = "text", level: int = logging.INFO) -> Iterator[logging.Logger]:
    """The ``analysis`` loggers write through one :class:`ConsoleHandler` inside the block, and not after it."""
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r}; choose one of: {', '.join(FORMATS)}")
    logger = logging.getLogger(ROOT_LOGGER)
    handler = ConsoleHandler(log_format)
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
