"""Time `casey batch` against the obvious alternative, and against the no-kernel floor.

    python benchmarks/batch_vs_naive.py [--forces N] [--quarter Q] [--naive-forces M]

(a) naive: for each force, the `papermill` CLI (a fresh kernel) then `jupyter nbconvert --to html
    --no-input`, one after the other;
(b) batch: `casey batch --quarter Q --forces ... --audience internal --no-national` on a fresh
    output folder (cold), then the same command again with nothing changed (warm);
(c) floor: the notebook's own code cells run as plain Python (what they display kept in a list), no
    IPython shell, no papermill, no nbconvert, no files written (per report, caches warm): once in one
    process, and once split over as many processes as the batch had workers, running at once, since
    the batch's workers share the CPUs too.

Everything is written under a temporary folder; the repository's reports/ is not touched. The
repository's data/processed must exist (it is built with `casey build` if missing). The last line
is `ratio: <naive seconds / batch seconds>`. `--naive-forces M` times the naive loop on the first M
forces only and scales it to N (say so in the output); by default every force is timed.

Fixed costs (issue 24), in the same run: the stack's own start-up (`python -c "import pandas,
matplotlib.pyplot, seaborn"` in a fresh process, median of 3), then `casey report` for one force and a
one-force `casey batch` (both render in the calling process), each as a ratio to that import time (median
of 3), and the N-force batch's wall against import + sum of renders / workers. `--tiny` (for the test)
times each once, on `--data-dir`, and skips the naive loop.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOOR = r"""
import json, os, sys, time
notebook, forces, quarter, data_dir = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4]
os.environ["CASEY_PRELOAD_DATA_DIR"] = data_dir
import analysis.run._preload  # what a batch worker has imported and cached before its first report
import IPython.display, matplotlib.pyplot as plt, nbformat
# The notebook's own code cells, run as plain Python: the same calls the report makes, so the floor cannot
# drift from the notebook; what they display is kept in a list (no IPython shell, no nbconvert, no files).
nb = nbformat.read(notebook, as_version=4)
cells = [compile(c.source, f"<cell {n}>", "exec") for n, c in enumerate(nb.cells)
         if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
shown = []
IPython.display.display = lambda *objects, **kwargs: shown.extend(objects)
times = []
for force in forces:
    started = time.perf_counter()
    namespace = {"force": force, "quarter": quarter, "audience": "internal", "framework": "casey-2023",
                 "data_dir": data_dir}
    for cell in cells:
        exec(cell, namespace)
    times.append(time.perf_counter() - started)
    shown.clear()
    plt.close("all")
print(json.dumps(times))
"""


def run(cmd, **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def median_wall(cmd, repeats: int, **kwargs) -> float:
    return statistics.median(run(cmd, **kwargs) for _ in range(repeats))


def fixed_costs(data: Path, tmp: Path, force: str, quarter: str, repeats: int, env: dict) -> dict:
    """The stack's import time, and `casey report` / a one-force `casey batch` for one force (fresh folders)."""
    imports = median_wall([str(BIN / "python"), "-c", "import pandas, matplotlib.pyplot, seaborn"], repeats, env=env)
    casey = [str(BIN / "casey"), "--data-dir", str(data)]
    walls = {"report": [], "batch": []}
    for n in range(repeats):
        out = tmp / f"fixed-{n}"
        walls["report"].append(
            run(casey + ["report", "--force", force, "--quarter", quarter, "--out", str(out / "report")], env=env)
        )
        one = ["batch", "--quarter", quarter, "--forces", force, "--audience", "internal", "--no-national"]
        walls["batch"].append(run(casey + one + ["--no-progress", "--out", str(out / "batch")], env=env))
    report, batch = statistics.median(walls["report"]), statistics.median(walls["batch"])
    print(f"import pandas, matplotlib.pyplot, seaborn (fresh process, median of {repeats}): {imports:.2f}s")
    print(f"casey report, one force: {report:.2f}s = {report / imports:.2f}x the import time")
    print(f"casey batch, one force: {batch:.2f}s = {batch / imports:.2f}x the import time")
    return {"import_s": imports, "report_s": report, "one_force_batch_s": batch}


def floor_times(shares: list[list[str]], quarter: str, data: Path, env: dict) -> list[float]:
    """Seconds per report of the floor, one process per share of forces, all started at once."""
    notebook = str(ROOT / "notebooks/force_report.ipynb")
    procs = [
        subprocess.Popen(
            [str(BIN / "python"), "-c", FLOOR, notebook, ",".join(share), quarter, str(data)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for share in shares
    ]
    times = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"the floor failed (exit {proc.returncode})")
        times += json.loads(out)
    return times


def all_forces() -> list[str]:
    import csv

    with open(ROOT / "data/raw/forces/forces.csv", newline="", encoding="utf-8") as handle:
        return [row["force_id"] for row in csv.DictReader(handle)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--forces", type=int, default=43, help="how many forces (the first N of the registry; default 43)"
    )
    parser.add_argument(
        "--quarter", default="2024-25-Q1", help="quarter to render (default 2024-25-Q1: it has a tracker)"
    )
    parser.add_argument("--naive-forces", type=int, default=None, help="time the naive loop on M forces and scale to N")
    parser.add_argument("--workers", type=int, default=None, help="batch workers (default: CPU count)")
    parser.add_argument("--data-dir", default=str(ROOT / "data"), help="data root (default: the repository's data/)")
    parser.add_argument("--tiny", action="store_true", help="one run of each, no naive loop (the test)")
    args = parser.parse_args()

    forces = all_forces()[: args.forces]
    data = Path(args.data_dir)
    if not (data / "processed/trackers/casey-2023.csv").exists():
        subprocess.run([str(BIN / "casey"), "--data-dir", str(data), "build"], check=False)
    env = {**os.environ, "MPLBACKEND": "agg"}
    print(f"{len(forces)} forces, quarter {args.quarter}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory(prefix="casey-bench-") as tmp:
        tmp = Path(tmp)
        fixed = fixed_costs(data, tmp, forces[0], args.quarter, 1 if args.tiny else 3, env)
        # (a) the naive loop
        naive_forces = [] if args.tiny else forces[: args.naive_forces] if args.naive_forces else forces
        subprocess.run(
            [str(BIN / "python"), "-c", "from analysis.run.render import ensure_kernel; ensure_kernel()"], check=True
        )
        naive = 0.0
        for force in naive_forces:
            executed = tmp / "naive" / f"{force}.ipynb"
            executed.parent.mkdir(parents=True, exist_ok=True)
            naive += run(
                [
                    str(BIN / "papermill"),
                    str(ROOT / "notebooks/force_report.ipynb"),
                    str(executed),
                    "-p",
                    "force",
                    force,
                    "-p",
                    "quarter",
                    args.quarter,
                    "-p",
                    "audience",
                    "internal",
                    "-p",
                    "framework",
                    "casey-2023",
                    "-p",
                    "data_dir",
                    str(data),
                    "-k",
                    "casey-progress",
                    "--report-mode",
                    "--no-progress-bar",
                ],
                env=env,
                cwd=ROOT / "notebooks",
            )
            naive += run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)], env=env)
        per_naive = naive / max(1, len(naive_forces))
        if naive_forces and len(naive_forces) < len(forces):
            print(f"naive loop timed on {len(naive_forces)} forces: {naive:.1f}s; scaled to {len(forces)}")
            naive = per_naive * len(forces)
        if naive_forces:
            print(f"(a) naive papermill + nbconvert loop: {naive:.1f}s ({per_naive:.2f}s per report)")

        # (b) casey batch, cold then warm
        out = tmp / "batch"
        cmd = [
            str(BIN / "casey"),
            "--data-dir",
            str(data),
            "batch",
            "--quarter",
            args.quarter,
            "--audience",
            "internal",
            "--no-national",
            "--no-progress",
            "--out",
            str(out),
            "--forces",
            *forces,
        ]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        cold = run(cmd, env=env)
        manifest = json.loads((out / args.quarter / "manifest.json").read_text())
        warm = run(cmd, env=env)
        warm_manifest = json.loads((out / args.quarter / "manifest.json").read_text())
        warm_inside = warm_manifest["run"]["duration_s"]
        entries = [e for e in manifest["reports"].values() if e["kind"] == "force"]
        failed = [e["html"] for e in entries if e["status"] == "failed"]
        durations = [e["render_duration_s"] for e in entries if e.get("render_duration_s")]
        workers = manifest["run"]["parameters"]["workers"]
        per_batch = sum(durations) / len(durations)
        print(
            f"(b) casey batch, cold: {cold:.1f}s ({per_batch:.2f}s per report in a worker, {workers} workers)"
            + (f"; FAILED: {', '.join(failed)}" if failed else "")
        )
        print(
            f"    casey batch, warm (nothing changed): {warm:.2f}s; cold/warm: {cold / warm:.0f}x "
            f"(the run itself {warm_inside:.3f}s, the rest is interpreter and CLI start-up)"
        )

        bound = fixed["import_s"] + sum(durations) / workers
        print(
            f"batch of {len(entries)}: {cold:.1f}s against import + sum of renders / workers "
            f"({fixed['import_s']:.2f} + {sum(durations):.1f}/{workers} = {bound:.1f}s): {cold / bound:.2f}x"
        )

        # (c) the floor: the notebook's code cells as plain Python, no kernel, no papermill, no nbconvert; once in
        # one process, and once split over as many processes as the batch had workers, all at once (the batch's
        # workers share the CPUs, so its like-for-like floor does too)
        alone = floor_times([forces], args.quarter, data, env)
        shares = [forces[n::workers] for n in range(min(workers, len(forces)))]  # no process without a force
        shared = floor_times(shares, args.quarter, data, env)
        per_alone, per_shared = sum(alone) / len(alone), sum(shared) / len(shared)
        print(
            f"(c) floor, the notebook's code run as plain Python: {per_alone:.2f}s per report in one process; "
            f"batch per report / floor: {per_batch / per_alone:.2f}x"
        )
        print(
            f"    the same floor in {len(shares)} processes at once, as the batch's workers run: {per_shared:.2f}s "
            f"per report; batch per report / floor: {per_batch / per_shared:.2f}x"
        )

        # memory: each worker's peak RSS after its first and its last report, and the main process
        by_worker: dict = {}
        for e in sorted(entries, key=lambda e: e.get("worker_job_number") or 0):
            if e.get("worker_peak_rss_mb"):
                by_worker.setdefault(e["worker_pid"], []).append(e["worker_peak_rss_mb"])
        if by_worker:
            curves = "; ".join(f"{len(v)} reports {v[0]:.0f} -> {v[-1]:.0f} MB" for v in by_worker.values())
            print(
                f"memory: worker peak RSS, first report -> last, per worker process: {curves}; "
                f"main process {manifest['run'].get('main_peak_rss_mb') or 0:.0f} MB"
            )
    if naive_forces:
        print(f"ratio: {naive / cold:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
