"""One header rule for every table people send (trackers, force-supplied measures files, returned templates).

A heading matches a known column when the two are equal after :func:`fold`: Unicode NFKC normalisation,
invisible characters and surrounding space removed, case folded, and runs of spaces, hyphens and
underscores read as one ``_`` ("Marking", " MARKING ", "Recommendation ID" and "recommendation-id" all
match). Anything else is refused by the caller, naming the heading and the nearest known column, so a
misspelt marking column can never be read as "no marking" (issue 20).
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from analysis.core.cells import normalise_text
from analysis.core.settings import HEADER_NEAR_MISS_CUTOFF


def fold(heading) -> str:
    """The form in which two headings are compared."""
    text = normalise_text(unicodedata.normalize("NFKC", "" if heading is None else str(heading)))
    return re.sub(r"[\s\-_]+", "_", text.casefold()).strip("_")


def canonical(heading, known) -> str | None:
    """The known column ``heading`` names, or None."""
    by_fold = {fold(k): k for k in known}
    return by_fold.get(fold(heading))


def nearest(heading, known) -> str | None:
    """The known column closest to ``heading`` when it is a near miss (a typo or a stray word), else None."""
    by_fold = {fold(k): k for k in known}
    close = difflib.get_close_matches(fold(heading), list(by_fold), n=1, cutoff=HEADER_NEAR_MISS_CUTOFF)
    return by_fold[close[0]] if close else None


def unknown_message(heading, known, expected: str) -> str:
    """The message for a heading that matches no known column: the near miss it resembles, or what is expected."""
    near = nearest(heading, known)
    if near is not None:
        return f"unexpected column, a near miss of {near!r}: rename it {near!r} (expected {expected})"
    return f"unexpected column; expected {expected}"


def match(headings, known) -> tuple[list[str], list[tuple[str, str]]]:
    """Each heading as its known column (or as written, when it matches none), and the problems:
    ``(heading, message)`` for two headings naming the same column. Unknown headings are left to the
    caller, which knows what else a file of its kind may hold."""
    renamed, seen, problems = [], {}, []
    for heading in headings:
        name = canonical(heading, known)
        if name is None:
            renamed.append(normalise_text(str(heading)))
            continue
        if name in seen:  # kept as written, so the caller refuses it rather than read one of the two
            problems.append((str(heading), f"names the same column as {seen[name]!r} ({name})"))
            renamed.append(normalise_text(str(heading)))
            continue
        seen[name] = str(heading)
        renamed.append(name)
    return renamed, problems
