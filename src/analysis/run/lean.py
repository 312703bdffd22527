"""Leave out of a rendering process what its reports never use (issue 24: fixed costs near the floor).

Called where a process is about to render (``casey report``, a batch rendering in the calling process, the
local pool's fork-server preload) before the rendering stack is imported; never on importing the package,
which changes no process state. A Dask worker does not call it: it imports the stack as it is.

``nbformat`` imports ``jsonschema`` at import time, and ``jsonschema`` imports every optional format
checker it finds installed. One of them, ``rfc3987_syntax`` (installed for JupyterLab's ``jupyter_events``,
which checks "iri" formats), compiles a Lark grammar on import: about 1.4 s, more than pandas, matplotlib
and seaborn together on this machine. A rendering process never checks a JSON-schema format: nbformat
validates notebooks with ``fastjsonschema`` (its default, ``NBFORMAT_VALIDATOR``), not with ``jsonschema``'s
format checkers. So it is marked as not installed in this process, the way Python's import system documents
for a module that must not be imported (``sys.modules[name] = None``); ``jsonschema`` then has no "iri"
checker here, and nothing here asks for one.
"""

from __future__ import annotations

import sys

NEVER_USED_WHEN_RENDERING = ("rfc3987_syntax",)


def prepare() -> None:
    """Mark the modules in :data:`NEVER_USED_WHEN_RENDERING` as absent, unless something imported them already."""
    for name in NEVER_USED_WHEN_RENDERING:
        sys.modules.setdefault(name, None)
