"""Importing the package changes no global state, so an analyst's own charts show inline in Jupyter."""

import os
import subprocess
import sys
import textwrap

import nbformat
import pytest
from conftest import ROOT, make_data_tree

from analysis.run.build import build_all

SRC = str(ROOT / "src")


def kernel_env(**extra) -> dict:
    """The environment a kernel would get on an analyst's laptop: no backend forced from outside."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    return env | extra


def test_importing_every_module_and_drawing_a_chart_leaves_matplotlib_alone(fixture_data):
    assert build_all(fixture_data).problems == []
    code = textwrap.dedent(f"""
        import importlib, pkgutil, matplotlib
        before_backend = matplotlib.get_backend()
        before_rc = dict(matplotlib.rcParams)
        import analysis
        for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
            if info.name not in ("analysis.__main__", "analysis.run._preload"):  # the batch's own fork server
                importlib.import_module(info.name)
        from analysis.compute.report_model import load_report
        from analysis.present import fragments
        fragments.tracker_charts(load_report("leicestershire", "2024-25-Q1", data_dir={str(fixture_data)!r}))
        changed = sorted(k for k, v in matplotlib.rcParams.items() if str(v) != str(before_rc[k]))
        print(matplotlib.get_backend(), before_backend, changed)
        assert matplotlib.get_backend() == before_backend == "svg", matplotlib.get_backend()
        assert changed == [], changed
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], env=kernel_env(MPLBACKEND="svg"), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.slow
def test_plain_plt_plot_shows_inline_after_a_report_piece(tmp_path):
    """A real Jupyter kernel: import the package, render a report piece, then draw with plain pyplot."""
    from nbclient import NotebookClient

    from analysis.run.render import ensure_kernel

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    assert build_all(data).problems == []
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from analysis.compute.report_model import load_report\n"
            "from analysis.present import fragments, measure_charts, national, tracker_charts\n"
            f"report = load_report('leicestershire', '2024-25-Q1', data_dir={str(data)!r})\n"
            "fragments.show(fragments.tracker_charts(report))"
        ),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2]);"),
    ]
    NotebookClient(
        nb, kernel_name=ensure_kernel(), timeout=180, resources={"metadata": {"path": str(tmp_path)}}
    ).execute(env=kernel_env())
    piece, mine = nb.cells[0].outputs, nb.cells[1].outputs
    assert any("<img" in o.get("data", {}).get("text/html", "") for o in piece), piece
    assert [o.output_type for o in mine if "image/png" in o.get("data", {})] == ["display_data"], mine
