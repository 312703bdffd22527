"""HTML pieces from Jinja2 templates (``src/analysis/templates/pieces/``), so markup reads as markup and escaping
cannot be forgotten: every ``{{ value }}`` is escaped unless it is :class:`Markup` (a piece already rendered).

The environment is built on first use, never at import (importing the package changes no global state).
:func:`render` renders a whole piece; :func:`macro` gives one of the small inline pieces of
``pieces/inline.html.j2`` (a heading, a badge, a labelled line) as a function returning :class:`Markup`.
Markup passed in must already be safe: :func:`markup` marks it, and only code that built it from rendered
pieces may call it.
"""

from __future__ import annotations

import html
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from analysis.core import config

PIECES_DIR = config.TEMPLATES_DIR / "pieces"  # shipped in the wheel: package-data templates/**/*
INLINE = "inline.html.j2"


def _escape(value) -> str:
    """``html.escape`` (``&quot;`` and ``&#x27;``), not markupsafe's ``&#34;`` and ``&#39;``: the escaper the
    f-string pieces used before they moved here, so the pages stay byte for byte what they were. This is the
    only escaper in ``present/`` (``tests/test_architecture.py`` forbids another)."""
    return html.escape("" if value is None else str(value), quote=True)


def _escaped(value) -> Markup:
    """Every printed value: rendered markup as it is, anything else escaped (``None`` prints as nothing)."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(_escape(value))


# pieces are indented to be read as markup; block tags leave no blank lines or indents in the page
PIECE_WHITESPACE = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": False}


@cache
def environment() -> Environment:
    """The one environment for page pieces: autoescape on, an unknown name is an error, not an empty string."""
    return Environment(
        loader=FileSystemLoader(PIECES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        **PIECE_WHITESPACE,
    )


def render(template: str, /, **context) -> Markup:
    """The template ``pieces/<template>`` rendered with ``context``, as markup ready to embed in another piece."""
    return Markup(environment().get_template(template).render(**context))


def macro(name: str):
    """The macro ``name`` of ``pieces/inline.html.j2``: called with its arguments, it returns :class:`Markup`."""
    return getattr(environment().get_template(INLINE).module, name)


def markup(html_: str) -> Markup:
    """Mark ``html_`` (joined here from rendered pieces) as safe to embed unescaped."""
    return Markup(html_)
