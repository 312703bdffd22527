"""The `casey` command's log lines off a terminal (``--log-format text``): ``<ISO 8601 UTC time> <LEVEL> <message>``."""

import re

PREFIX = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def messages(text: str) -> list[str]:
    """The messages of the log lines in ``text``, each without its time and level (a line without them is kept)."""
    return [PREFIX.sub("", line) for line in text.splitlines()]


def levels(text: str) -> list[str | None]:
    """Each line's level, or None for a line that is not a log line."""
    return [(m.group(1) if (m := PREFIX.match(line)) else None) for line in text.splitlines()]
