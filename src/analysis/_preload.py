"""Imported once by the batch's fork server, so every worker forked from it starts warm.

Importing papermill, nbconvert, pandas, matplotlib and IPython takes about 3 s; doing it once in
the fork server instead of once per worker (and again whenever a worker is recycled after
``max_tasks_per_child`` reports) is most of the batch's start-up saving. When
``CASEY_PRELOAD_DATA_DIR`` is set, the read-only measures caches (pure functions of the input
files, keyed by path, size and mtime, handing out copies) are filled here too, so no worker
recomputes them. Nothing report-specific happens here: no notebook runs in the fork server.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "agg")

from . import engine  # noqa: E402

engine.warm_up()

_data = os.environ.get("CASEY_PRELOAD_DATA_DIR")
if _data:
    try:
        from . import config, measures

        if config.measures_raw_dir(_data).exists():
            measures.observations(_data)
            measures.charge_rate_series(_data)
    except Exception:  # a data problem shows up in the reports themselves, with their error handling
        pass
