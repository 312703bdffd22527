"""``casey batch``: the quarterly run (all forces + the national overview, parallel, incremental).

Wired into :mod:`analysis.cli` by ``register(subparsers)``. Exit codes: 0 every report is rendered
or unchanged; 1 a report failed (its notebook is kept as ``<name>.failed.ipynb``) or, with
``--build``, the data build found problems; 2 usage errors (unknown force, quarter, framework,
executor; processed data missing; an unreachable Dask scheduler or a worker on other code); 75 a Dask cluster
failed some reports (their pages are kept; run again); 130 interrupted.
"""

from __future__ import annotations

import logging
import os

from analysis.core import config, settings
from analysis.core.errors import EXIT_BUSY, EXIT_DATA, EXIT_OK, EXIT_USAGE, UsageError

log = logging.getLogger("analysis.cli")

HELP = "render every force (and the national overview) for a quarter, in parallel and incrementally"


def cmd_batch(args) -> int:
    from analysis.core.errors import OutputFolderLocked
    from analysis.run.batch import BatchOptions, run_batch
    from analysis.run.report_sets import ReportSet, batch_options, expand_frameworks, load_report_sets

    status = EXIT_OK
    if args.build:
        from analysis.run.build import build_and_report

        # a bad tracker is left out and reported; the other data is built
        status = EXIT_DATA if build_and_report(args.data_dir).problems else EXIT_OK
    options = BatchOptions(
        quarters=args.quarter,
        forces=args.forces,
        audiences=args.audience,
        data_dir=args.data_dir,
        out_dir=args.out,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        engine=args.engine,
        force_rerun=args.force_rerun,
        national=not args.no_national,
        timeout=args.timeout or None,
        max_tasks_per_child=args.max_tasks_per_child or None,
        progress=False if args.no_progress else None,
        verbose=args.verbose,
    )
    try:
        if args.report_sets:
            sets = load_report_sets(args.report_sets, args.data_dir)
        else:
            frameworks = expand_frameworks(args.framework, args.data_dir)
            sets = [ReportSet(f, tuple(args.audience), tuple(args.quarter)) for f in frameworks]
        results = []
        for one in batch_options(options, sets):  # one set after another, into the same folder and index
            result = run_batch(one)
            results.append(result)
            status = status or result.exit_code
    except UsageError as exc:
        log.error("casey: %s", exc)
        return EXIT_USAGE
    except OutputFolderLocked as exc:
        log.error("casey: %s", exc)
        return EXIT_BUSY  # try again when the other run has finished
    if args.pdf:
        status = _print_pdfs(results, args.out, args.data_dir) or status
    return (
        status if status in (EXIT_OK, EXIT_BUSY, EXIT_USAGE) else EXIT_DATA
    )  # 75: Dask failed, try again; 2: no Chromium


def _print_pdfs(results, out_dir, data_dir=None) -> int:
    """A PDF beside every rendered report, and beside any unchanged one that has none yet (one browser for all)."""
    from pathlib import Path

    from analysis.run.render import ChromiumMissing, PdfError, html_to_pdf

    root = config.reports_dir(out_dir)
    todo = []
    for key, entry in [item for result in results for item in result.entries.items()]:
        html = root / key
        if entry["status"] == "rendered" or (
            entry["status"] == "unchanged" and html.exists() and not Path(html).with_suffix(".pdf").exists()
        ):
            todo.append(html)
    try:
        written = html_to_pdf(todo)
    except PdfError as exc:  # the HTML reports, manifest and index are already written
        log.error("casey: %s", exc)
        return EXIT_USAGE if isinstance(exc, ChromiumMissing) else EXIT_DATA
    log.info("printed %d PDF(s) beside their HTML", len(written))
    if written:
        from analysis.run.site_index import write_index

        write_index(out_dir, data_dir)  # so the public site carries the public PDFs
    return 0


def _number(kind, low: float, text: str):
    import argparse
    import math

    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}number") from None
    if not (value >= low and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r} must be at least {low}")
    return value


def _non_negative(text: str) -> float:
    return _number(float, 0, text)


def _non_negative_int(text: str) -> int:
    return _number(int, 0, text)


def _positive_int(text: str) -> int:
    return _number(int, 1, text)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "batch",
        help=HELP,
        description=HELP + ". Exit code 0: all reports rendered or "
        "unchanged; 1: a report failed (notebook kept as <name>.failed.ipynb); 2: usage error.",
    )
    _add_selection_arguments(p)
    _add_execution_arguments(p)
    _add_output_arguments(p)
    p.set_defaults(func=cmd_batch)


def _add_selection_arguments(p) -> None:
    """Which reports: quarters, forces, audiences, frameworks (or a file of report sets)."""
    p.add_argument(
        "--quarter",
        nargs="+",
        default=["latest"],
        metavar="Q",
        help="financial quarter(s): 2024-25-Q1, 'latest' (the most recent complete quarter; the default) "
        "or 'tracker-quarters' (every quarter with a tracker snapshot)",
    )
    p.add_argument("--forces", nargs="+", default=None, metavar="FORCE", help="slugs or ONS codes (default: all 43)")
    p.add_argument(
        "--audience",
        nargs="+",
        default=list(config.AUDIENCES),
        choices=config.AUDIENCES,
        help="audiences to render (default: both)",
    )
    p.add_argument(
        "--framework",
        nargs="+",
        default=[config.DEFAULT_FRAMEWORK],
        metavar="ID",
        help=f"framework(s) to render, or 'all' (default: {config.DEFAULT_FRAMEWORK})",
    )
    p.add_argument(
        "--report-sets",
        default=None,
        metavar="FILE",
        help="a YAML file of report sets (framework, audiences, quarters), e.g. data/raw/report-sets.yaml; "
        "replaces --framework, --audience and --quarter",
    )


def _add_execution_arguments(p) -> None:
    """How they run: workers, executor, engine, reruns, the build first, time limits."""
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help=f"parallel workers (default: CPU count, {os.cpu_count()} here; a run with one report to render "
        "renders it in this process, with no pool: give --workers to use the pool anyway)",
    )
    p.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="local process pool (default) or a Dask distributed cluster",
    )
    p.add_argument(
        "--scheduler",
        default=os.environ.get("CASEY_DASK_SCHEDULER"),
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: $CASEY_DASK_SCHEDULER, else a local cluster)",
    )
    p.add_argument(
        "--engine",
        choices=["inprocess", "kernel"],
        default="inprocess",
        help="inprocess (default: fast, fresh namespace per report) or kernel (a Jupyter kernel per report)",
    )
    p.add_argument("--force-rerun", action="store_true", help="render every report even if its inputs are unchanged")
    p.add_argument("--no-national", action="store_true", help="skip the national overview")
    p.add_argument("--build", action="store_true", help="run `casey build` first")
    p.add_argument(
        "--timeout",
        type=_non_negative,
        default=settings.REPORT_TIMEOUT_SECONDS,
        help="seconds per report before it fails (0: no limit)",
    )
    p.add_argument(
        "--max-tasks-per-child",
        type=_non_negative_int,
        default=settings.MAX_TASKS_PER_WORKER,
        help="recycle a worker after N reports (0: never)",
    )


def _add_output_arguments(p) -> None:
    """What the run says and writes: progress, verbosity, the reports folder, PDFs."""
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it is off anyway when not on a terminal)"
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print the plan, one line per report and a table per quarter (default: only failures "
        "and a last line with the counts and the path of index.html)",
    )
    p.add_argument(
        "--out", default=None, help="reports folder (default: $CASEY_REPORTS_DIR or the repository's reports/)"
    )
    p.add_argument(
        "--pdf", action="store_true", help="also print an A4 PDF beside each rendered HTML report (Chromium)"
    )
