"""The README's "Promote a chart into the report", performed literally on a copy of the repository.

The steps' code is read from the README (the blocks after ``<!-- promote:... -->``) and the chart from the
worked exploratory notebook, so a README that drifts from what works fails here. The copy must then pass
lint, its own new unit test and the house-rule tests, and ``casey batch`` for ``latest`` (a quarter with no
charge rates published) and a tracker quarter must end with 0 failed: the chart states its missing data as
a sentence instead of failing every public page of the quarter (issue 21).
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest
from conftest import ROOT
from logline import messages

pytestmark = pytest.mark.slow

CHART = "chart_neighbour_charge_rates"
FORCES = ["leicestershire", "city-of-london"]
TRACKER_QUARTER = "2024-25-Q1"
NOT_COPIED = {".git", ".venv", "reports", "processed", "outgoing", "artifacts", "__pycache__", ".pytest_cache"}


def readme_blocks() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    found = re.findall(r"<!-- promote:([\w-]+) -->\s*```python\n(.*?)\n\s*```", text, flags=re.DOTALL)
    return {name: textwrap.dedent(code) + "\n" for name, code in found}


def exploratory_chart() -> str:
    """The chart function's source, decorator included, exactly as the worked example defines it."""
    nb = nbformat.read(ROOT / "notebooks/exploratory/explore_force_measure.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and f"def {CHART}(" in cell.source:
            tree = ast.parse(cell.source)
            node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == CHART)
            lines = cell.source.splitlines()
            return "\n".join(lines[node.decorator_list[0].lineno - 1 : node.end_lineno]) + "\n"
    raise AssertionError(f"the worked example no longer defines {CHART}")


def promote(copy) -> None:
    """The README's three steps, one file each."""
    blocks = readme_blocks()
    assert set(blocks) == {"imports", "notebook-import", "notebook-cell", "test"}, sorted(blocks)
    module = copy / "src/analysis/present/measure_charts.py"
    source = module.read_text()
    head = "from __future__ import annotations\n"
    assert head in source
    module.write_text(source.replace(head, head + "\n" + blocks["imports"], 1) + "\n\n" + exploratory_chart())

    path = copy / "notebooks/force_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    first.source = blocks["notebook-import"] + first.source
    after = next(i for i, c in enumerate(nb.cells) if "show(fragments.key_measures(report))" in c.source)
    nb.cells.insert(after + 1, nbformat.v4.new_code_cell(blocks["notebook-cell"].strip()))
    nbformat.write(nb, path)

    tests = copy / "tests/test_measures.py"
    tests.write_text(tests.read_text() + "\n\n" + blocks["test"])


def run(args, cwd, env, timeout=900) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def promoted(tmp_path_factory):
    copy = tmp_path_factory.mktemp("promotion") / "repo"
    shutil.copytree(ROOT, copy, ignore=lambda _dir, names: [n for n in names if n in NOT_COPIED])
    promote(copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEY_")}
    env["PYTHONPATH"] = str(copy / "src")  # the copy's package, not the installed one
    return copy, env


def test_the_copy_runs_its_own_package(promoted):
    copy, env = promoted
    where = run([sys.executable, "-c", "import analysis; print(analysis.__file__)"], copy, env).stdout.strip()
    assert where.startswith(str(copy)), where


def test_promoted_code_is_lint_clean_after_make_fix(promoted):
    copy, env = promoted
    ruff = [str(ROOT / ".venv/bin/ruff")] if (ROOT / ".venv/bin/ruff").exists() else [sys.executable, "-m", "ruff"]
    changed = ["src/analysis/present/measure_charts.py", "tests/test_measures.py", "notebooks/force_report.ipynb"]
    run(ruff + ["check", "--fix", *changed], copy, env)  # what `make fix` does: sorts the added imports
    run(ruff + ["format", *changed], copy, env)
    run(ruff + ["check", *changed], copy, env)  # F821/F401: the README names exactly the imports needed


def test_the_readme_unit_test_and_house_rules_pass_in_the_copy(promoted):
    copy, env = promoted
    run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"tests/test_measures.py::test_{CHART}",
            "tests/test_architecture.py::test_notebooks_are_thin",
            "tests/test_notebooks_clean.py",
        ],
        copy,
        env,
    )


def test_batch_renders_latest_and_a_tracker_quarter_with_0_failed(promoted):
    copy, env = promoted
    out = copy / "reports"
    batch = [sys.executable, "-m", "analysis", "--data-dir", str(copy / "data"), "batch", "--build"]
    batch += ["--quarter", "latest", TRACKER_QUARTER, "--forces", *FORCES, "--no-national", "--no-progress"]
    done = run(batch + ["--workers", "1", "--out", str(out)], copy, env)
    last = messages(done.stdout.strip())[-1]  # without the log line's time and level
    assert re.match(r"8 rendered, 0 unchanged, 0 failed", last), last

    manifests = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/manifest.json")}
    latest = next(q for q in manifests if q != TRACKER_QUARTER)
    for force in FORCES:
        for page in (f"{force}.html", f"public/{force}.html"):
            without = (out / latest / page).read_text()
            assert "No charge rates are published for" in without  # the chart's sentence: the quarter has none
            assert "could not be drawn" not in without  # stated by the chart, not caught after it raised
            with_data = (out / TRACKER_QUARTER / page).read_text()
            assert 'alt="Dot plot of the charge rate with 95% intervals' in with_data
