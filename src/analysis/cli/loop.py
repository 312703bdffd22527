"""``casey template``, ``casey import`` and ``casey match``: the quarterly loop with force owners.

``register(subparsers)`` adds the three subcommands to the main parser in ``analysis.cli``.
Each handler returns an exit code: 0 success; 1 data problems (the file has problems, nothing
was written; or references need a person to confirm them); 2 usage errors (unknown force,
quarter, framework or mapping; a snapshot already exists and --replace was not given).
Problems print one per line as ``file: row N: field: message``; no traceback reaches the user.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from analysis.core import config, settings
from analysis.core.errors import EXIT_DATA, EXIT_OK, EXIT_USAGE, UsageError
from analysis.core.periods import Quarter

log = logging.getLogger("analysis.cli")


def _err(message: str) -> None:
    log.error("casey: %s", message)


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _attempt(action, *, unreadable: str, unforeseen: str | None = None):
    """``action()``'s result, or, when it fails, the exit code after one line on stderr and no traceback: a
    usage error (bad force, quarter, framework, mapping) is 2; a file that could not be read or written is 1,
    as is anything else when ``unforeseen`` says what (a damaged file can fail in ways no check foresaw)."""
    try:
        return action()
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except OSError as exc:
        _err(f"{unreadable}: {exc}")
        return EXIT_DATA
    except Exception as exc:
        if unforeseen is None:
            raise
        _err(f"{unforeseen} ({type(exc).__name__}: {exc})")
        return EXIT_DATA


def cmd_template(args) -> int:
    from analysis.intake.template import write_template

    result = _attempt(
        lambda: write_template(args.force, Quarter.of(args.quarter), args.framework, args.data_dir, args.out),
        unreadable="could not write the template",
    )
    if isinstance(result, int):
        return result
    for note in result.notes:
        log.warning("casey: %s", note)
    source = f"pre-filled from {result.previous.quarter}" if result.previous else "no earlier snapshot to pre-fill from"
    log.info("wrote %s: %s rows (%s %s)", _display(result.path), result.rows, result.prefilled, source)
    return EXIT_OK


def cmd_import(args) -> int:
    from analysis.intake.import_return import import_tracker

    result = _attempt(
        lambda: import_tracker(
            args.path,
            args.force,
            Quarter.of(args.quarter),
            args.framework,
            args.data_dir,
            mapping=args.mapping,
            replace=args.replace,
            dry_run=args.dry_run,
        ),
        unreadable=f"{args.path}: could not be read or written",
        unforeseen=f"{args.path}: file: content: could not be imported",
    )
    if isinstance(result, int):
        return result
    for note in result.notes:
        print(f"note: {note}")
    for cell in result.formulas:
        print(f"note: {cell}")
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"{args.path}: {len(result.problems)} problem(s); nothing was written", file=sys.stderr)
        return EXIT_DATA
    skipped = f", {len(result.skipped)} untouched template row(s) skipped" if result.skipped else ""
    matched = sum(1 for _, m in result.matches if m.confident)
    matched_text = f", {matched} reference(s) matched to catalogue ids" if result.matches else ""
    print(f"{args.path}: ok: {result.rows} rows{skipped}{matched_text}")
    for copy in result.kept:
        log.info("kept the replaced file as %s", _display(copy))
    for path in result.written:
        log.info("wrote %s", _display(path))
    if result.summary is not None:
        for line in result.summary.lines():
            print(line)
    return EXIT_OK


def cmd_match(args) -> int:
    from analysis.intake.reference_matching import match_reference
    from analysis.sources.catalogue import load_framework

    framework = _attempt(lambda: load_framework(args.framework, args.data_dir), unreadable="the framework")
    if isinstance(framework, int):
        return framework
    unsure = 0
    for text in args.texts:
        found = match_reference(text, framework, args.threshold)
        verdict = "accepted" if found.confident else "CONFIRM"
        unsure += not found.confident
        others = ", ".join(f"{i} {s:.2f}" for i, s in found.alternatives[:3])
        print(f"{verdict}\t{found.describe(framework)}\t{text!r}" + (f"\t(next: {others})" if others else ""))
    return EXIT_DATA if unsure else EXIT_OK


def register(subparsers) -> None:
    """Add ``template``, ``import`` and ``match`` to the ``casey`` subcommands (imports nothing heavy)."""
    p = subparsers.add_parser(
        "template", help="write a force's Excel tracker for a quarter, pre-filled from its previous snapshot"
    )
    p.add_argument("--force", required=True, help="force slug or ONS code, e.g. leicestershire")
    p.add_argument("--quarter", required=True, help="the quarter the return is for, e.g. 2024-25-Q2")
    p.add_argument("--framework", default=config.DEFAULT_FRAMEWORK)
    p.add_argument(
        "--out",
        default=None,
        help="folder for the workbook (default: <data>/outgoing/templates, never beside the reports)",
    )
    p.set_defaults(func=cmd_template)

    p = subparsers.add_parser(
        "import", help="check a returned tracker (xlsx, ods or csv) and file it as the force's snapshot"
    )
    p.add_argument("path", help="the returned workbook (.xlsx or .ods) or CSV")
    p.add_argument("--force", required=True)
    p.add_argument("--quarter", required=True)
    p.add_argument("--framework", default=config.DEFAULT_FRAMEWORK)
    p.add_argument(
        "--mapping",
        default=None,
        help="column mapping for a force's own layout: a file, or an id in data/raw/mappings/",
    )
    p.add_argument(
        "--replace", action="store_true", help="replace an existing snapshot (the old file is kept in .replaced/)"
    )
    p.add_argument("--dry-run", action="store_true", help="check and show the change summary; write nothing")
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser("match", help="match free-text recommendation references to catalogue ids, with scores")
    p.add_argument("texts", nargs="+", help="references, e.g. 'Rec 4 (ii)' or the recommendation's wording")
    p.add_argument("--framework", default=config.DEFAULT_FRAMEWORK)
    p.add_argument(
        "--threshold",
        type=float,
        default=settings.MATCH_THRESHOLD,
        help=f"accept text matches scoring at least this (default {settings.MATCH_THRESHOLD})",
    )
    p.set_defaults(func=cmd_match)
