"""The `casey` command line. The only layer that turns errors into exit codes."""

from analysis.cli.main import main

__all__ = ["main"]
