"""Casey progress reporting: reusable analysis functions called from the report notebooks.

Modules, in pipeline order: config -> periods -> forces -> catalogue -> trackers ->
progress -> narrative -> plots -> render -> cli.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("casey-progress")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
