"""HTML pieces from Jinja2 templates (``src/analysis/templates/pieces/``), so markup reads as markup and escaping
cannot be forgotten: every ``{{ value }}`` is escaped unless it is :class:`Markup` (a piece already rendered).

The environment is built on first use, never at import (importing the package changes no global state).
Values are escaped with :func:`analysis.present.htmltext.esc` (``html.escape``: ``&quot;`` and ``&#x27;``), the
escaper the f-string pieces used, so a piece moved into a template renders the very same bytes. Markup passed
in must already be safe: :func:`markup` marks it, and only code that built it from escaped parts may call it.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from analysis.core import config
from analysis.present.htmltext import esc

PIECES_DIR = config.TEMPLATES_DIR / "pieces"  # shipped in the wheel: package-data templates/**/*


def _escaped(value) -> Markup:
    """Every printed value: rendered markup as it is, anything else escaped (``None`` prints as nothing)."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(esc(value))


@cache
def environment() -> Environment:
    """The one environment for page pieces: autoescape on, an unknown name is an error, not an empty string."""
    return Environment(
        loader=FileSystemLoader(PIECES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, /, **context) -> Markup:
    """The template ``pieces/<template>`` rendered with ``context``, as markup ready to embed in another piece."""
    return Markup(environment().get_template(template).render(**context))


def markup(html: str) -> Markup:
    """Mark ``html`` (built here from escaped parts) as safe to embed unescaped."""
    return Markup(html)
