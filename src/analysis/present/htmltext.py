"""Escaping text for HTML. Kept apart from ``fragments`` so pages built without pandas
(the report index) use the very same function."""

from __future__ import annotations

import html


def esc(value) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape("" if value is None else str(value), quote=True)
