"""Meaning rules: which words the numbers support, in one tested place beside ``compute/direction.py``.

``direction`` knows each measure's good direction and the process-behaviour verdict; the modules here
decide what a page may *say* from those numbers (issue 18): wide limits and the recent run, a verdict
that must not contradict its latest figure, stale and incomplete periods, symmetric caution across
forces, and the flags that board questions are drawn from. One module per subject:
``measures`` (key-measure sections and tiles), ``tracker`` (recommendation progress), ``national``
(the overview). Thresholds live in ``core/settings.py``; each rule has a unit test.
"""
