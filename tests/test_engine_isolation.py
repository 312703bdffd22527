"""The in-process engine shares a worker between reports, never their state.

Probe notebooks run through exactly the path reports take (papermill + the casey-inprocess
engine) in ONE worker process, one after the other; then two real force reports are rendered by
`casey batch` with a single worker and the second is checked for anything of the first.
"""

import multiprocessing as mp
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from analysis.run import engine

ROOT = Path(__file__).resolve().parents[1]


def _probe(path: Path, cells: list[str], parameters: str = 'token = "none"') -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, path)
    return path


def _text(nb) -> str:
    return "\n".join(
        "".join(o.get("text", "")) + "".join(str(v) for v in o.get("data", {}).values()) + o.get("evalue", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )


@pytest.fixture(scope="module")
def one_worker():
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("forkserver")) as pool:
        yield pool


PROBE_CELLS = [
    # what does this notebook start with?
    "import matplotlib.pyplot as plt, matplotlib, os\n"
    "hidden = {'In', 'Out', 'exit', 'quit', 'get_ipython', 'open'}\n"
    "print('NAMES', sorted(k for k in globals() if not k.startswith('_') and k not in hidden))\n"
    "print('FIGS', plt.get_fignums())\n"
    "print('RC', repr((matplotlib.rcParams['axes.facecolor'], matplotlib.rcParams['figure.dpi'])))\n"
    "print('ENV', os.environ.get('CASEY_PROBE'))\n"
    "print('PID', os.getpid())",
    # leave marks: a variable, an open figure, changed rcParams, an environment variable
    "secret = token * 2\n"
    "fig = plt.figure(); plt.plot([1, 2, 3])\n"
    "matplotlib.rcParams['axes.facecolor'] = '#123456'; matplotlib.rcParams['figure.dpi'] = 33\n"
    "os.environ['CASEY_PROBE'] = token\n"
    "secret",
]


def _lines(nb, prefix: str) -> str:
    text = "".join("".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return next(line[len(prefix) + 1 :] for line in text.splitlines() if line.startswith(prefix + " "))


def test_nothing_survives_from_one_notebook_to_the_next(tmp_path, one_worker):
    probe = _probe(tmp_path / "probe.ipynb", PROBE_CELLS)
    first = one_worker.submit(engine.run_notebook, probe, None, {"token": "ALPHA-7731"}).result()
    second = one_worker.submit(engine.run_notebook, probe, None, {"token": "BRAVO-2288"}).result()

    assert _lines(first, "PID") == _lines(second, "PID"), (
        "both must run in the same worker for this test to mean anything"
    )
    assert _lines(first, "NAMES") == _lines(second, "NAMES") == "['hidden', 'matplotlib', 'os', 'plt', 'token']"
    assert _lines(second, "FIGS") == "[]"
    assert _lines(second, "RC") == _lines(first, "RC") and "#123456" not in _lines(second, "RC")
    assert _lines(second, "ENV") == "None"
    assert "ALPHA-7731" not in _text(second)
    # each run did its own work: the last expression became an execute_result, the open figure a PNG
    outputs = [o for c in second.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.output_type == "execute_result" and "BRAVO-2288BRAVO-2288" in o.data["text/plain"] for o in outputs)
    assert any(o.output_type == "display_data" and "image/png" in o.data for o in outputs)


def test_names_defined_by_parameters_only_exist_in_their_own_run(tmp_path, one_worker):
    probe = _probe(
        tmp_path / "probe.ipynb", ["print(sorted(k for k in globals() if k.startswith('only_')))"], "only_first = 1"
    )
    other = _probe(tmp_path / "other.ipynb", ["print(sorted(k for k in globals() if k.startswith('only_')))"], "x = 0")
    first = one_worker.submit(engine.run_notebook, probe, None, {}).result()
    second = one_worker.submit(engine.run_notebook, other, None, {}).result()
    assert "['only_first']" in _text(first)
    assert "only_first" not in _text(second) and "[]" in _text(second)


def test_an_error_becomes_an_error_output_and_the_next_notebook_is_clean(tmp_path, one_worker):
    bad = _probe(tmp_path / "bad.ipynb", ["leftover = 'LEFTOVER-991'\nraise RuntimeError('boom 42')", "print('never')"])
    good = _probe(tmp_path / "good.ipynb", ["print('leftover' in globals())"])
    failed = one_worker.submit(engine.run_notebook, bad, tmp_path / "bad-out.ipynb", {}).result()
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0]["ename"] == "RuntimeError" and errors[0]["evalue"] == "boom 42"
    assert "never" not in _text(failed)
    after = one_worker.submit(engine.run_notebook, good, None, {}).result()
    assert _text(after).strip() == "False"


@pytest.mark.slow
def test_two_force_reports_in_one_worker_share_nothing(tmp_path):
    """Leicestershire (tracker with a sensitive token) then Cheshire, in ONE worker process."""
    from conftest import make_data_tree

    from analysis.run.batch import BatchOptions, read_manifest, run_batch
    from analysis.run.build import build_all

    data = make_data_tree(
        tmp_path / "data",
        {
            "leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv",
            "leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv",
        },
    )
    shutil.copytree(ROOT / "data/raw/measures", data / "raw/measures")
    assert build_all(data).problems == []
    out = tmp_path / "reports"
    result = run_batch(
        BatchOptions(
            quarters=["2024-25-Q1"],
            forces=["leicestershire", "cheshire"],
            audiences=["internal"],
            data_dir=str(data),
            out_dir=str(out),
            workers=1,
            national=False,
            progress=False,
            max_tasks_per_child=None,
        )
    )
    assert result.exit_code == 0
    reports = read_manifest(out, "2024-25-Q1")["reports"]
    assert reports["leicestershire.html"]["worker_pid"] == reports["cheshire.html"]["worker_pid"]
    first, second = (out / "2024-25-Q1/leicestershire.html").read_text(), (out / "2024-25-Q1/cheshire.html").read_text()
    tokens = (
        "SENSITIVE-TOKEN-7731",
        "Values campaign launched",
        "Misconduct review finished",
        "onerror",
        "Fixture tracker B",
        "E23000021",
        "Leicestershire (E23000021",
        "Leicestershire is highlighted",
    )
    assert all(t in first for t in tokens[:4])
    for leaked in tokens:
        assert leaked not in second, leaked
    assert "Cheshire" in second and "OFFICIAL-SENSITIVE" not in second.split("<main>")[0]
    executed = nbformat.read(out / "2024-25-Q1/cheshire.ipynb", as_version=4)
    assert "SENSITIVE-TOKEN-7731" not in nbformat.writes(executed)

    # the strongest check: Cheshire rendered after Leicestershire in a shared worker is the same page as
    # Cheshire rendered alone in a brand-new worker (timestamps aside)
    alone = tmp_path / "alone"
    run_batch(
        BatchOptions(
            quarters=["2024-25-Q1"],
            forces=["cheshire"],
            audiences=["internal"],
            data_dir=str(data),
            out_dir=str(alone),
            workers=1,
            national=False,
            progress=False,
        )
    )

    def stamp(html):
        return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "<time>", html)

    assert stamp(second) == stamp((alone / "2024-25-Q1/cheshire.html").read_text())
