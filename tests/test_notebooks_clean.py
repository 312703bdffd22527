"""Notebooks (templates and exploratory ones) are committed without outputs and open in JupyterLab without
turning "modified"; the template exposes exactly the parameters render passes."""

from pathlib import Path

import nbformat
import pytest

from analysis.run.render import NOTEBOOK_PARAMETERS

NOTEBOOKS = sorted(
    p
    for p in (Path(__file__).resolve().parents[1] / "notebooks").rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def test_exploratory_notebooks_are_checked_too():
    assert any(p.parent.name == "exploratory" for p in NOTEBOOKS)


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opening_in_lab_changes_no_metadata(path):
    """JupyterLab writes the kernel's full ``language_info`` into a notebook when its kernel starts; a notebook
    that records less (``{"name": "python"}``) shows as modified the moment it is opened. The Python patch
    version is the one field that depends on the machine (this records the project's Python)."""
    from ipykernel.ipkernel import IPythonKernel

    from analysis.run.render import KERNEL_NAME

    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec == {
        "display_name": "Python (casey-progress)",
        "language": "python",
        "name": KERNEL_NAME,
    }
    expected = {k: v for k, v in IPythonKernel.language_info.items() if k != "version"}
    recorded = dict(nb.metadata.language_info)
    assert recorded.pop("version", "").startswith("3.") and recorded == expected
    assert nb.nbformat == 4 and nb.nbformat_minor == 5 and all(c.get("id") for c in nb.cells)
