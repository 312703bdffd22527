"""The report's colours as CSS custom properties, and its stylesheet scoped for report pieces in JupyterLab.

The report and index pages put :func:`css_custom_properties` before their CSS, which uses only
``var(--...)``; :func:`notebook_css` is ``templates/casey/report.css`` with every selector prefixed, so a
notebook shows its pieces as the report does.
"""

from __future__ import annotations

import functools

from analysis.core import palette

PIECE_CLASS = "casey-piece"  # every report piece shown in a notebook is wrapped in a div of this class
_PAGE_ONLY = {"html", "main"}  # page layout that has no meaning for one piece in a notebook
_AS_PIECE = {":root", "body"}  # page-wide colours and type become the piece's own


def _scope_selector(selector: str, scope: str) -> str | None:
    selector = selector.strip()
    if selector in _PAGE_ONLY:
        return None
    if selector in _AS_PIECE:
        return scope
    return f"{scope} {selector}"


def _scoped_rules(css: str, scope: str) -> list[str]:
    """Every rule of ``css`` with its selectors prefixed by ``scope``; print rules and @page dropped."""
    out, i = [], 0
    while (start := css.find("{", i)) != -1:
        prelude, depth, end = css[i:start].strip(), 1, start + 1
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body, i = css[start + 1 : end - 1], end
        if prelude.startswith("@media") and "print" not in prelude:
            out.append(f"{prelude} {{ {' '.join(_scoped_rules(body, scope))} }}")
        elif not prelude.startswith("@"):
            selectors = [s for s in (_scope_selector(p, scope) for p in prelude.split(",")) if s]
            if selectors:
                out.append(f"{', '.join(selectors)} {{ {' '.join(body.split())} }}")
    return out


@functools.lru_cache(maxsize=1)
def notebook_css() -> str:
    """The report's stylesheet scoped to report pieces, so the notebook in JupyterLab looks like the report.

    Made from ``templates/casey/report.css`` (the one stylesheet), every selector prefixed with
    ``.casey-piece``: it styles nothing else on the page, not even the analyst's own outputs.
    """
    import re

    from analysis.core import config

    stylesheet = css_custom_properties() + "\n" + (config.TEMPLATES_DIR / "casey" / "report.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S)
    scope = f".{PIECE_CLASS}" * 2  # doubled: outranks JupyterLab's own output styles (right-aligned cells...)
    extra = [
        f"{scope} {{ max-width: 60rem; }}",
        f"{scope} .casey-marking {{ display: flex; gap: 1rem; padding: 0.35rem 1rem; color: var(--text-on-dark); "
        f"background: var(--text); font-size: 0.85rem; }}",
        f"{scope} .casey-marking.marking-official-sensitive {{ background: var(--sensitive); }}",
        # JupyterLab stripes and shrinks tables in outputs; the report does neither
        f"{scope} tr, {scope} tbody tr:nth-child(n), {scope} tbody tr:hover {{ background: transparent; }}",
    ]
    return "\n".join(_scoped_rules(css, scope) + extra)


def css_colours() -> dict[str, str]:
    """CSS custom property name (without ``--``) -> colour, for every colour a page may use."""
    colours = dict(palette.INTERFACE)
    colours.update({f"status-{status.replace('_', '-')}": value for status, value in palette.STATUS.items()})
    return colours


def css_custom_properties() -> str:
    """The ``:root`` rule the report and index pages put before their CSS (which uses only ``var(--...)``)."""
    return ":root { " + " ".join(f"--{name}: {value};" for name, value in css_colours().items()) + " }"
