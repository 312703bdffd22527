"""The same reports on the local pool and on a Dask LocalCluster of 1 and 2 workers, in one run (issue 19).

    python benchmarks/scale_out.py [--forces N] [--quarter Q] [--workers 2] [--data-dir DIR] [--json PATH]

For the first N forces of the registry (default all 43) and one quarter (default 2024-25-Q1, which has a
tracker), internal audience, no overview, each into an empty temporary folder, it renders with

* ``local``: the local process pool (``--executor local``, ``--workers`` processes);
* ``dask-1`` and ``dask-2``: ``--executor dask`` with no scheduler, so ``casey batch`` starts a LocalCluster
  of 1 or 2 worker processes itself (its start-up is in the wall time).

Per mode it prints the wall time, the render time per report (from the manifest), and the client's own CPU
time per report: ``time.process_time()`` of this process around ``run_batch``, so the workers' CPU is not in
it; for the Dask modes the LocalCluster's scheduler runs in this process and its CPU is in it. Then what
travels on Dask: the input bundle (built once a run and sent to each worker once: its size times the
workers, per report) and the results (the bytes of the files each report returns, measured as the files
the client wrote, which are those bytes). ``reports/`` is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = {"local": ("local", None), "dask-1": ("dask", 1), "dask-2": ("dask", 2)}


def _render(mode: str, forces: list[str], quarter: str, data_dir: str, out: Path, workers: int) -> dict:
    from analysis.run.batch import BatchOptions, read_manifest, run_batch

    executor, dask_workers = MODES[mode]
    options = BatchOptions(
        quarters=[quarter],
        forces=forces,
        audiences=["internal"],
        data_dir=data_dir,
        out_dir=str(out),
        workers=dask_workers or workers,
        executor=executor,
        national=False,
        progress=False,
        force_rerun=True,
    )
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_batch(options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    entries = read_manifest(out, quarter)["reports"].values()
    rendered = [e for e in entries if e["status"] == "rendered"]
    results_bytes = sum(
        (out / quarter / e["html"]).with_suffix(suffix).stat().st_size
        for e in rendered
        for suffix in (".html", ".ipynb", ".claims.json")
        if (out / quarter / e["html"]).with_suffix(suffix).exists()
    )
    n = max(1, len(entries))
    return {
        "mode": mode,
        "workers": options.workers,
        "reports": len(entries),
        "rendered": len(rendered),
        "exit_code": result.exit_code,
        "wall_s": round(wall, 2),
        "render_s_per_report": round(sum(e["render_duration_s"] or 0 for e in rendered) / max(1, len(rendered)), 3),
        "client_cpu_s_per_report": round(cpu / n, 4),
        "results_bytes_per_report": round(results_bytes / max(1, len(rendered))),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forces", type=int, default=43)
    parser.add_argument("--quarter", default="2024-25-Q1")
    parser.add_argument("--workers", type=int, default=2, help="processes of the local pool")
    parser.add_argument("--data-dir", default=None, help="a built data root (default: the repository's)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "agg")

    from analysis.core import config
    from analysis.run import remote
    from analysis.run.batch import select_forces

    data_dir = str(config.data_dir(args.data_dir))
    if not (Path(data_dir) / "processed").is_dir():
        print(f"no processed tables under {data_dir}: run `casey build` first", file=sys.stderr)
        return 2
    forces = select_forces(None, data_dir)[: args.forces]
    bundle = len(remote.make_bundle(data_dir).archive)
    print(f"{len(forces)} forces, quarter {args.quarter}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="casey-scale-out-") as tmp:
        for mode in MODES:
            row = _render(mode, forces, args.quarter, data_dir, Path(tmp) / mode, args.workers)
            if MODES[mode][0] == "dask":
                row["bundle_bytes"] = bundle
                row["bundle_bytes_per_report"] = round(bundle * row["workers"] / max(1, row["reports"]))
            rows.append(row)
            shipped = (
                f"; shipped a report: bundle {row['bundle_bytes_per_report'] / 1e3:.0f} kB "
                f"({bundle / 1e6:.2f} MB once to each worker), results {row['results_bytes_per_report'] / 1e3:.0f} kB"
                if "bundle_bytes" in row
                else ""
            )
            print(
                f"{mode:7s} {row['workers']} worker(s): {row['rendered']}/{row['reports']} rendered in {row['wall_s']:.1f}s "
                f"({row['wall_s'] / max(1, row['reports']):.2f}s a report wall, {row['render_s_per_report']:.2f}s "
                f"rendering); client CPU {row['client_cpu_s_per_report'] * 1e3:.0f} ms a report{shipped}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if all(r["exit_code"] == 0 and r["rendered"] == r["reports"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
