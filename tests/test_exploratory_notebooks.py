"""Exploratory notebooks are exempt from the template rules but must keep running: each is executed
top to bottom in a real Jupyter kernel on the bundled data, and must draw its charts without an error."""

import os

import nbformat
import pytest
from conftest import ROOT, copy_real_data

pytestmark = pytest.mark.slow

EXPLORATORY = sorted((ROOT / "notebooks" / "exploratory").glob("*.ipynb"))


@pytest.fixture(scope="module")
def bundled_data(tmp_path_factory):
    return copy_real_data(tmp_path_factory.mktemp("explore") / "data", build=True)


def test_there_is_a_worked_example():
    assert EXPLORATORY, "notebooks/exploratory/ should hold at least the worked example"


@pytest.mark.parametrize("path", EXPLORATORY, ids=lambda p: p.name)
def test_exploratory_notebook_runs_in_a_kernel(path, bundled_data, tmp_path):
    from nbclient import NotebookClient

    from analysis.run.render import ensure_kernel

    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's own inline backend
    env.update(CASEY_DATA_DIR=str(bundled_data), PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""))
    NotebookClient(
        nb, kernel_name=ensure_kernel(), timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    ).execute(env=env)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # the worked example uses today's names: no DeprecationWarning from analysis.compute.access (issue 21)
    assert not [o.text for o in outputs if o.output_type == "stream" and "DeprecationWarning" in o.text]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # seaborn chart and the comparison chart
    assert any("<figure><img" in o.get("data", {}).get("text/html", "") for o in outputs)  # the promoted piece
