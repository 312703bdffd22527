"""Compare two rendered report trees byte for byte, ignoring generated timestamps, durations and the
package version.

Used to show that a refactor changes no report: render the bundled data before and after into two
folders (``CASEY_REPORTS_DIR=/tmp/before casey batch --build --quarter tracker-quarters``), then
``python scripts/compare_reports.py /tmp/before /tmp/after``. Exit 0 when every HTML page matches.
The package version in the provenance line is ignored too: before and after are two commits.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# what legitimately differs between two runs of the same inputs
VOLATILE = [
    re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),  # timestamps
    re.compile(rb"\d{1,2} [A-Z][a-z]+ \d{4},? \d{2}:\d{2}( UTC)?"),  # "29 November 2026 12:40 UTC"
    re.compile(rb"in \d+(\.\d+)? ?s\b"),  # durations
    re.compile(rb"package version [\w.+-]*\w"),  # the code version: before and after a refactor are two commits
]


def normalise(data: bytes) -> bytes:
    for pattern in VOLATILE:
        data = pattern.sub(b"<volatile>", data)
    return data


def compare(before: Path, after: Path) -> list[str]:
    problems = []
    old = {p.relative_to(before) for p in before.rglob("*.html")}
    new = {p.relative_to(after) for p in after.rglob("*.html")}
    problems += [f"only before: {p}" for p in sorted(old - new)]
    problems += [f"only after: {p}" for p in sorted(new - old)]
    for rel in sorted(old & new):
        if normalise((before / rel).read_bytes()) != normalise((after / rel).read_bytes()):
            problems.append(f"differs: {rel}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = map(Path, argv)
    problems = compare(before, after)
    count = len(list(before.rglob("*.html")))
    for line in problems:
        print(line)
    print(f"{count} pages compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
