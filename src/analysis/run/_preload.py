"""Imported once by the batch's fork server, so every worker forked from it starts warm.

Importing papermill, nbconvert, pandas, matplotlib and IPython takes about 3 s; doing it once in
the fork server instead of once per worker (and again whenever a worker is recycled after
``max_tasks_per_child`` reports) is most of the batch's start-up saving. When
``CASEY_PRELOAD_DATA_DIR`` is set, the read-only measures caches (pure functions of the input
files, keyed by path, size and mtime, handing out copies) are filled here too, so no worker
recomputes them. Nothing report-specific happens here: no notebook runs in the fork server.
"""

from __future__ import annotations

# ruff: noqa: E402  (lean.prepare() must run before the stack is imported)
import os

os.environ.setdefault("MPLBACKEND", "agg")

from analysis.run import lean

lean.prepare()  # before nbformat: what the reports never use is not imported (see analysis.run.lean)

import nbformat
import seaborn  # noqa: F401  (style.house_theme.theme_rc imports it on first use)

from analysis.compute import (
    measure_sections,  # noqa: F401
    measures,
    report_model,  # noqa: F401
)
from analysis.core.audience import Audience
from analysis.present import (
    fragments,  # noqa: F401
    measure_charts,  # noqa: F401
    narrative,  # noqa: F401
    national,  # noqa: F401
    tracker_charts,  # noqa: F401
)
from analysis.run import (
    engine,
    render,
)
from analysis.run.batch import jobs  # noqa: F401  (run_job, the function each worker is sent by its module path)

engine.session()  # the in-process IPython shell every report reuses (namespace reset per report)
render.to_html(nbformat.v4.new_notebook(), Audience.INTERNAL)  # builds and caches the HTML exporter

_data = os.environ.get("CASEY_PRELOAD_DATA_DIR")
if _data:
    try:
        from analysis.core import config

        if config.measures_raw_dir(_data).exists():
            measures.observations(_data)
            measures.charge_rate_series(_data)
    except Exception:  # a data problem shows up in the reports themselves, with their error handling
        pass
