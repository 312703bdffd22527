"""Meaning rules: what a correct number may be made to *say* (issue 18).

:mod:`analysis.compute.direction` turns a measure's direction into words; this module decides which
verdict a set of claims supports at all, before any word is chosen: wide process limits and what the
recent run shows instead; no verdict that contradicts its own latest figure; staleness; verdicts resting
on incomplete periods; caution applied to good and bad news alike; which flags must become board
questions. Pure functions over numbers-only summaries; no I/O, no prose beyond the short rule names
recorded on claims. Every threshold comes from :mod:`analysis.core.settings`.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- force pages

# --------------------------------------------------------------------------- national overview
