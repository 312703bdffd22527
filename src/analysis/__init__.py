"""Casey progress reporting: reusable analysis functions called from the report notebooks.

The package is laid out by pipeline stage; each stage imports only the stages before it
(tests/test_architecture.py checks):

- ``core``: paths and settings, financial quarters, the force registry, atomic writes.
- ``sources``: framework catalogues, force trackers and official statistics read from data/raw.
- ``compute``: statistics, key measures, tracker progress, the report model (data, no HTML).
- ``intake``: Excel templates out to force owners, returned trackers validated and imported.
- ``present``: narrative, charts, palette and HTML pieces.
- ``run``: build data/processed, execute and render notebooks, batches, index pages.
- ``cli``: the ``casey`` command.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("casey-progress")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
