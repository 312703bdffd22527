"""The ``casey`` command line. Errors are one line each on stderr.

Exit codes (defined in :mod:`analysis.core.errors`): 0 success; 1 data problems (invalid tracker,
failed report); 2 usage errors (unknown force, quarter, audience or framework; missing processed
data): only :class:`~analysis.core.errors.UsageError` becomes 2, so a bug is never called a usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from analysis import __version__
from analysis.cli import logs
from analysis.core import config
from analysis.core.errors import EXIT_DATA, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError
from analysis.core.periods import Quarter

log = logging.getLogger("analysis.cli")


def _err(message: str) -> None:
    log.error("casey: %s", message)


def cmd_build(args) -> int:
    from analysis.run.build import build_and_report

    return EXIT_DATA if build_and_report(args.data_dir).problems else EXIT_OK


def _check_as_import(path: Path, args, identity: dict | None):
    """Problems ``casey import`` would find in a return (checked, nothing written); None if not a return."""
    from analysis.intake.import_return import SnapshotExists, import_tracker

    force = args.force or (identity or {}).get("force")
    quarter = args.quarter or (identity or {}).get("quarter")
    if not (force and quarter):
        return None
    try:
        the_quarter = Quarter.of(quarter)  # the text of --quarter or of the workbook, parsed once
        result = import_tracker(
            path, force, the_quarter, args.framework, args.data_dir, mapping=args.mapping, dry_run=True
        )
    except SnapshotExists:  # raised only once the file has passed every check
        return []
    return result.problems


def cmd_validate(args) -> int:
    """Check files with the same code that uses them: a returned template (or any file given with --force and
    --quarter) exactly as ``casey import`` checks it; a snapshot under data/raw as ``casey build`` does."""
    from analysis.sources.catalogue import load_framework
    from analysis.sources.trackers import Problem, TrackerError, locate, read_raw, validate_frame

    problems: list[Problem] = []
    for name in args.paths:
        path = Path(name)
        framework_id = args.framework
        where = locate(path, args.data_dir)
        if where and not args.framework_given:
            framework_id = where[0]
        try:
            framework = load_framework(framework_id, args.data_dir)
            identity = None
            if path.suffix.lower() == ".xlsx" and path.is_file() and not where:
                from analysis.intake.template import read_template_identity

                identity = read_template_identity(path)
            found = None if where else _check_as_import(path, args, identity)
            if found is None:
                _, found = validate_frame(read_raw(path), framework, str(path))
        except TrackerError as exc:
            found = exc.problems
        except Exception as exc:  # a framework error or anything unexpected: still one line, no traceback
            found = [Problem(str(path), "file", "framework", " ".join(str(exc).split()))]
        problems.extend(found)
        if not found:
            print(f"{path}: ok")
    for problem in problems:
        print(problem)
    return EXIT_DATA if problems else EXIT_OK


def cmd_report(args) -> int:
    if args.engine == "inprocess":  # the report runs in this process: leave out what it never uses
        from analysis.run import lean

        lean.prepare()
    from analysis.run.render import RenderError, checked_job, render_report

    job = checked_job(args.force, Quarter.of(args.quarter), args.audience, args.framework, args.data_dir)
    started = time.perf_counter()
    try:
        path = render_report(job, args.data_dir, args.out, engine=args.engine)
    except RenderError as exc:
        _err(str(exc))
        if exc.failed_notebook:
            _err(f"the failed notebook is kept at {exc.failed_notebook}")
        return EXIT_DATA
    log.info("wrote %s in %.1fs", path, time.perf_counter() - started)
    if args.pdf:
        from analysis.run.render import ChromiumMissing, PdfError, html_to_pdf

        try:
            (pdf,) = html_to_pdf([path])
        except PdfError as exc:  # the HTML is already written
            _err(str(exc))
            return EXIT_USAGE if isinstance(exc, ChromiumMissing) else EXIT_DATA
        log.info("wrote %s", pdf)
    return EXIT_OK


def cmd_list(args) -> int:
    import pandas as pd

    from analysis.core.forces import all_forces
    from analysis.sources.catalogue import available_frameworks
    from analysis.sources.trackers import discover

    snapshots, problems = discover(data_dir=args.data_dir)
    table = pd.DataFrame(
        [(s.framework, s.force_id, s.quarter, s.path.name) for s in snapshots],
        columns=["framework", "force", "quarter", "file"],
    )
    print(f"frameworks: {', '.join(available_frameworks(args.data_dir))}")
    print(f"forces in the registry: {len(all_forces(args.data_dir))} (casey list --forces to show them)")
    if args.forces:
        for force in all_forces(args.data_dir):
            print(f"  {force.id:24} {force.pfa_code}  {force.name} ({force.region})")
    print(f"tracker snapshots: {len(table)}")
    if len(table):
        print(table.to_string(index=False))
    for problem in problems:
        print(problem, file=sys.stderr)
    return EXIT_OK


LOG_FORMAT_HELP = (
    "text: the message alone on a terminal, else with an ISO 8601 UTC time and the level; "
    "json: one JSON object per line (time, level, logger, message) for journald or ELK"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casey", description="Casey progress reporting: build data, validate trackers, render reports."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("CASEY_DATA_DIR"),
        help="data root holding raw/ and processed/ (default: $CASEY_DATA_DIR or the repository's data/)",
    )
    parser.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default=os.environ.get("CASEY_LOG_FORMAT") or "text",
        help=LOG_FORMAT_HELP + " (default: $CASEY_LOG_FORMAT or text)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="validate data/raw and write data/processed")
    p.set_defaults(func=cmd_build)

    _add_validate(sub)
    _add_report(sub)

    p = sub.add_parser("list", help="frameworks, forces and the tracker snapshots on disk")
    p.add_argument("--forces", action="store_true", help="also list the 43 forces")
    p.set_defaults(func=cmd_list)

    from analysis.cli.loop import register as register_quarterly_loop  # template, import, match

    register_quarterly_loop(sub)
    from analysis.cli.batch import register as register_batch

    register_batch(sub)
    for command in sub.choices.values():  # `casey batch --log-format json` as well as `casey --log-format json batch`
        command.add_argument("--log-format", choices=logs.FORMATS, default=argparse.SUPPRESS, help=LOG_FORMAT_HELP)
    return parser


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="check tracker files; one line per problem naming file, row and field")
    p.add_argument("paths", nargs="+")
    p.add_argument(
        "--framework",
        default=None,
        help=f"framework to check against (default: from the path, else {config.DEFAULT_FRAMEWORK})",
    )
    p.add_argument(
        "--force", default=None, help="check the files as returns for this force, exactly as casey import would"
    )
    p.add_argument("--quarter", default=None, help="with --force: the quarter of the return")
    p.add_argument(
        "--mapping", default=None, help="with --force and --quarter: the column mapping casey import would use"
    )
    p.set_defaults(func=cmd_validate)


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="render one force report")
    p.add_argument("--force", required=True, help="force slug or ONS code, e.g. leicestershire or E23000021")
    p.add_argument("--quarter", required=True, help="financial quarter, e.g. 2024-25-Q1 or '2024/25 Q1'")
    p.add_argument("--audience", default="internal", help="internal (default) or public")
    p.add_argument("--framework", default=config.DEFAULT_FRAMEWORK)
    p.add_argument(
        "--out", default=None, help="reports folder (default: $CASEY_REPORTS_DIR or the repository's reports/)"
    )
    p.add_argument("--pdf", action="store_true", help="also print an A4 PDF beside the HTML (needs Debian's chromium)")
    p.add_argument(
        "--engine",
        choices=["inprocess", "kernel"],
        default="inprocess",
        help="inprocess (default: the notebook runs in this process, as in casey batch, the same page) "
        "or kernel (a fresh Jupyter kernel, slower)",
    )
    p.set_defaults(func=cmd_report)


def _os_error_text(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.log_format not in logs.FORMATS:  # from $CASEY_LOG_FORMAT, which argparse does not check
        parser.error(f"$CASEY_LOG_FORMAT={args.log_format!r}: choose one of {', '.join(logs.FORMATS)}")
    with logs.configured(args.log_format):
        return _dispatch(args)


def _dispatch(args) -> int:
    if args.command == "validate":
        args.framework_given = args.framework is not None
        args.framework = args.framework or config.DEFAULT_FRAMEWORK
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        _err(f"--data-dir {args.data_dir}: no such folder (it should hold raw/ and processed/)")
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except Exception as exc:
        if os.environ.get("CASEY_DEBUG"):
            raise
        if isinstance(exc, OSError):  # an unwritable output folder, a full disk, a file that vanished
            _err(f"could not read or write {_os_error_text(exc)}")
            return EXIT_DATA
        # never a traceback: one line, and how to get the detail
        _err(
            f"unexpected error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} (set CASEY_DEBUG=1 for the detail)"
        )
        return EXIT_DATA
    except KeyboardInterrupt:
        _err("interrupted; outputs already written are complete, nothing half-written was kept")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
