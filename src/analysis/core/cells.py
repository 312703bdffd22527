"""Untrusted text in spreadsheet and CSV cells: normalise it, and keep it from running as a formula.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula, so text a force writes could run in the next
person's spreadsheet (OWASP, "CSV Injection"). Following OWASP's guidance, every writer of a
spreadsheet or CSV meant for people passes untrusted text through :func:`neutralise_formula`, which
prefixes such a value with a single quote so it is shown, and stays, as text. Plain numbers
(``-2``, ``+3.5``) are not formulas and are left alone. Neutralising is idempotent: a neutralised
value starts with ``'`` and is never changed again.

:func:`normalise_text` runs first (the check is made on what a cell will hold, not on what the file
held): surrounding whitespace, including no-break and zero-width spaces and newlines, is stripped.
"""

from __future__ import annotations

import re

from analysis.core import settings

FORMULA_STARTS = settings.FORMULA_STARTS
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# whitespace str.strip() does not remove: zero-width space/joiners, word joiner and the byte-order mark
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def normalise_text(value) -> str:
    """A cell as clean text: surrounding whitespace (also no-break, zero-width and newlines) removed."""
    text = "" if value is None else str(value)
    previous = None
    while previous != text:  # "\u200b \xa0=x": alternate until nothing more comes off
        previous = text
        text = text.strip().strip(_INVISIBLE)
    return text


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (plain numbers are not)."""
    text = "" if text is None else str(text)
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise_formula(value):
    """``value`` as text a spreadsheet shows literally: formula-like text gets a leading ``'``.

    Non-strings (numbers, None) are returned unchanged. The one function every writer of a
    spreadsheet or CSV meant for people uses.
    """
    if not isinstance(value, str):
        return value
    return "'" + value if is_formula_like(value) else value


def neutralise_frame(frame):
    """A copy of ``frame`` with every text cell passed through :func:`neutralise_formula`."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype.kind in ("O", "T") or str(frame[column].dtype) in ("str", "string"):  # text columns
            frame[column] = frame[column].map(neutralise_formula)
    return frame
