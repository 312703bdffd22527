"""Notebooks are committed without outputs, and expose exactly the parameters render passes."""

from pathlib import Path

import nbformat
import pytest

from analysis.run.render import NOTEBOOK_PARAMETERS

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_outputs_committed(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs: strip them"


def test_force_report_parameters_cell():
    nb = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks/force_report.ipynb", as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    names = {line.split("=")[0].strip() for line in cells[0].source.splitlines() if "=" in line}
    assert names == set(NOTEBOOK_PARAMETERS)
