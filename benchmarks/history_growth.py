"""Does a report cost more as a force's history grows? Per-report cost and peak memory at 3, 6 and 12 years.

    python benchmarks/history_growth.py [--forces N] [--quarter Q] [--years 3 6 12] [--workers W]

For each length of history the script copies the repository's ``data/raw`` to a temporary folder and prepends
synthetic years to every dated series there (``years - 3`` years before each series' first period: the
bundled stop-and-search series, the shortest official one, is 3 years long, so "3 years" is the bundled data
as it is). The synthetic rows copy the series' earliest real year with every count scaled by a seeded random
factor (0.9 to 1.1); they are made up, exist only in the temporary folder and are never written to the
repository's data. Then it builds that copy and renders the same quarter for the same forces with
``casey batch`` (internal audience, no overview), and reads each report's render time and its worker's peak
memory from the run's manifest.

Series extended: the Home Office outcomes (force and national quarters, force offence years), the stop and
search file, and the force-supplied files (calendar-year, financial-year and monthly series; one-off figures
are left alone). Tracker snapshots are not: a Casey tracker cannot predate the review.

The last two lines are ``history: 12 years / 3 years per report: <ratio>x`` and the same for memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUNDLED_YEARS = 3  # the bundled stop-and-search series: 2020/21 to 2022/23
OUTCOME_COUNT = re.compile(r"^(closed|recorded)_")  # the outcomes files' count columns
SEED = 20261207


def _fy_back(fy: str, years: int, sep: str = "/") -> str:
    """'2014/15' (or '2014-15' with sep='-') moved back by ``years``."""
    start = int(fy[:4]) - years
    return f"{start}{sep}{(start + 1) % 100:02d}"


def _scaled(value: str, rng: random.Random) -> str:
    """A count or rate scaled by 0.9-1.1, kept an integer if it was one; blanks stay blank."""
    if value.strip() == "":
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    scaled = number * rng.uniform(0.9, 1.1)
    return str(round(scaled)) if re.fullmatch(r"-?\d+", value.strip()) else f"{scaled:.4f}"


def _rewrite(path: Path, transform) -> int:
    """Read a CSV, let ``transform(rows) -> extra rows`` make synthetic rows, write them first; rows added."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    extra = transform(rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(extra + rows)
    return len(extra)


def _prepend_years(rows, key: str, add: int, rng, counts, sep="/"):
    """Copies of the rows of the earliest year in column ``key``, moved back 1..add years, counts scaled."""
    first = min(r[key] for r in rows)
    earliest = [r for r in rows if r[key] == first]
    out = []
    for back in range(add, 0, -1):
        for row in earliest:
            new = dict(row, **{key: _fy_back(first, back, sep)})
            for col in counts(row):
                new[col] = _scaled(row[col], rng)
            out.append(new)
    return out


def _national_from_forces(force_rows, national_fields, add_years: set):
    """National synthetic quarters as the sum of the forces' synthetic quarters (so the two files agree)."""
    sums: dict = {}
    for row in force_rows:
        if row["fy"] not in add_years:
            continue
        total = sums.setdefault((row["fy"], row["q"]), {"fy": row["fy"], "q": row["q"]})
        for col in national_fields:
            if OUTCOME_COUNT.match(col):
                total[col] = total.get(col, 0) + int(row[col] or 0)
    return [{k: str(v) for k, v in row.items()} for row in sums.values()]


def _month_back(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 - months
    return f"{index // 12}-{index % 12 + 1:02d}"


def _local_series(rows, add: int, rng):
    """Force-supplied files: each yearly or monthly series gets ``add`` more years before its first period."""
    out = []
    by_series: dict = {}
    for row in rows:
        by_series.setdefault((row["measure_id"], row["period_type"]), []).append(row)
    for (_, period_type), series in by_series.items():
        first = min(series, key=lambda r: r["period"])
        for back in range(add * (12 if period_type == "month" else 1), 0, -1):
            if period_type == "calendar_year":
                period = str(int(first["period"][:4]) - back)
            elif period_type == "financial_year":
                period = _fy_back(first["period"], back, "-")
            elif period_type == "month":
                period = _month_back(first["period"], back)
            else:
                break  # a one-off figure (a date range, a report date): no series to extend
            new = dict(first, period=period, note=f"SYNTHETIC (benchmark only). {first.get('note', '')}".strip())
            for col in ("numerator", "denominator", "value"):
                new[col] = _scaled(first[col], rng)
            out.append(new)
    return out


def extend(raw: Path, years: int) -> dict:
    """Prepend ``years - BUNDLED_YEARS`` synthetic years to every dated series under ``raw``; rows added per file."""
    add = years - BUNDLED_YEARS
    added: dict = {}
    if add <= 0:
        return added
    rng = random.Random(SEED + years)
    outcomes = raw / "measures/home-office-outcomes"
    synthetic_force_rows: list = []

    def force_quarters(rows):
        extra = _prepend_years(rows, "fy", add, rng, lambda r: [c for c in r if OUTCOME_COUNT.match(c)])
        synthetic_force_rows.extend(extra)
        return extra

    added["force_quarter.csv"] = _rewrite(outcomes / "force_quarter.csv", force_quarters)
    with open(outcomes / "national_quarter.csv", newline="", encoding="utf-8") as handle:
        national_fields = csv.DictReader(handle).fieldnames
    new_years = {r["fy"] for r in synthetic_force_rows}
    added["national_quarter.csv"] = _rewrite(
        outcomes / "national_quarter.csv",
        lambda rows: _national_from_forces(synthetic_force_rows, national_fields, new_years),
    )
    added["force_offence_year.csv"] = _rewrite(
        outcomes / "force_offence_year.csv",
        lambda rows: _prepend_years(rows, "fy", add, rng, lambda r: [c for c in r if OUTCOME_COUNT.match(c)]),
    )
    for path in sorted((raw / "measures/stop-search").glob("*.csv")):
        added[path.name] = _rewrite(
            path,
            lambda rows: _prepend_years(
                rows,
                "time",
                add,
                rng,
                lambda r: ["number_of_stop_and_searches", "rate_per_1_000_population_by_ethnicity"],
            ),
        )
    for folder in ("local", "workforce"):
        for path in sorted((raw / "measures" / folder).glob("*.csv")):
            added[f"{folder}/{path.name}"] = _rewrite(path, lambda rows: _local_series(rows, add, rng))
    (raw / "SYNTHETIC.md").write_text(
        f"Benchmark copy: {add} synthetic years prepended to every dated series (seed {SEED + years}). Not real data.\n"
    )
    return added


def render(data: Path, out: Path, quarter: str, forces: list[str], workers: int | None) -> dict:
    env = {**os.environ, "MPLBACKEND": "agg"}
    casey = str(BIN / "casey")
    subprocess.run([casey, "--data-dir", str(data), "build"], check=True, env=env, stdout=subprocess.DEVNULL)
    cmd = [casey, "--data-dir", str(data), "batch", "--quarter", quarter, "--audience", "internal", "--no-national"]
    cmd += ["--no-progress", "--out", str(out), "--forces", *forces]
    if workers:
        cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    manifest = json.loads((out / quarter / "manifest.json").read_text())
    entries = [e for e in manifest["reports"].values() if e["kind"] == "force"]
    failed = [e["html"] for e in entries if e["status"] == "failed"]
    if failed:
        raise SystemExit(f"{len(failed)} report(s) failed: {', '.join(failed)}")
    return {
        "wall_s": wall,
        "per_report_s": statistics.median(e["render_duration_s"] for e in entries),
        "peak_rss_mb": max(e.get("worker_peak_rss_mb") or 0 for e in entries),
        "reports": len(entries),
    }


def all_forces() -> list[str]:
    with open(ROOT / "data/raw/forces/forces.csv", newline="", encoding="utf-8") as handle:
        return [row["force_id"] for row in csv.DictReader(handle)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forces", type=int, default=10, help="how many forces (the first N; default 10)")
    parser.add_argument("--quarter", default="2024-25-Q1", help="quarter to render (default 2024-25-Q1)")
    parser.add_argument("--years", type=int, nargs="+", default=[3, 6, 12], help="lengths of history (default 3 6 12)")
    parser.add_argument("--workers", type=int, default=None, help="batch workers (default: CPU count)")
    args = parser.parse_args()
    forces = all_forces()[: args.forces]
    if "leicestershire" not in forces:  # the force with its own series: always in the run
        forces[-1] = "leicestershire"
    print(f"{len(forces)} forces, quarter {args.quarter}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="casey-history-") as tmp:
        for years in args.years:
            data = Path(tmp) / f"{years}y" / "data"
            shutil.copytree(ROOT / "data/raw", data / "raw", ignore=shutil.ignore_patterns("*.pyc"))
            added = extend(data / "raw", years)
            results[years] = render(data, Path(tmp) / f"{years}y" / "reports", args.quarter, forces, args.workers)
            rows = ", ".join(f"{name} +{n}" for name, n in added.items()) or "none (bundled data)"
            print(f"  {years:>2} years: synthetic rows added: {rows}")
    print(f"{'years':>5} {'per report s':>13} {'peak worker MB':>15} {'batch wall s':>13}")
    for years, r in results.items():
        print(f"{years:>5} {r['per_report_s']:>13.3f} {r['peak_rss_mb']:>15.0f} {r['wall_s']:>13.1f}")
    base, top = results[min(results)], results[max(results)]
    print(
        f"history: {max(results)} years / {min(results)} years per report: {top['per_report_s'] / base['per_report_s']:.2f}x"
    )
    print(
        f"history: {max(results)} years / {min(results)} years peak worker memory: {top['peak_rss_mb'] / base['peak_rss_mb']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
