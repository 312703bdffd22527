"""The template notebook looks like the report in JupyterLab: pieces are wrapped for the report stylesheet,
which is scoped to them, and the report's identity output shows as a marking strip, not a raw JSON line."""

import re

import nbformat

from analysis.core.audience import Audience
from analysis.present import fragments
from analysis.present.style.css import notebook_css
from analysis.run.render import to_html

META = {
    "force": "Leicestershire",
    "quarter_label": "2024/25 Q1",
    "audience": "internal",
    "marking": "OFFICIAL-SENSITIVE",
    "title": "Casey Review progress: <Leicestershire>, 2024/25 Q1",
}


def displayed(monkeypatch, action) -> list[tuple]:
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    action()
    return shown


def test_identity_output_is_a_styled_marking_strip_not_json(monkeypatch):
    ((bundle, kw),) = displayed(monkeypatch, lambda: fragments.publish(META))
    assert kw == {"raw": True} and set(bundle) == {fragments.META_MIMETYPE, "text/html"}
    html = bundle["text/html"]
    assert html.startswith("<style>") and notebook_css() in html
    assert "OFFICIAL-SENSITIVE" in html and "&lt;Leicestershire&gt;" in html and "{" not in html.split("</style>")[1]


def test_pieces_are_wrapped_and_the_stylesheet_touches_nothing_else(monkeypatch):
    ((obj, _),) = displayed(monkeypatch, lambda: fragments.show("<h2>Charts</h2>"))
    assert obj.data == '<div class="casey-piece"><h2>Charts</h2></div>'
    css = notebook_css()
    rules = re.findall(r"([^{}]+)\{[^{}]*\}", re.sub(r"@media[^{]*\{", "", css))
    selectors = [s.strip() for rule in rules for s in rule.split(",") if s.strip()]
    assert selectors and all(s.startswith(".casey-piece.casey-piece") for s in selectors), selectors
    assert ".badge-complete" in css
    assert "@page" not in css and "main" not in re.findall(r"[a-z]+", " ".join(selectors))


def test_identity_output_never_reaches_the_report_html():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={fragments.META_MIMETYPE: META, "text/html": "<style>x</style>STRIP"}
        ),
        nbformat.v4.new_output("display_data", data={"text/html": '<div class="casey-piece">BODY</div>'}),
    ]
    nb.cells = [cell]
    html = to_html(nb, Audience.INTERNAL)
    assert "STRIP" not in html and "BODY" in html and "OFFICIAL-SENSITIVE" in html.split("<main>")[0]


def test_make_lab_runs_on_a_headless_server_with_the_projects_kernel():
    import shutil
    import subprocess

    from conftest import ROOT

    if not shutil.which("make"):
        import pytest

        pytest.skip("no make on this machine")
    dry = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "lab", "LAB_ARGS=--no-browser --ip=0.0.0.0 --port=8899"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = [x for x in dry.stdout.splitlines() if "jupyter lab" in x]
    assert dry.returncode == 0 and len(line) == 1, dry.stdout + dry.stderr
    assert "--MappingKernelManager.default_kernel_name=casey-progress" in line[0]
    assert line[0].endswith("--no-browser --ip=0.0.0.0 --port=8899") and "root_dir=notebooks" in line[0]
    assert "casey build" in dry.stdout  # the data the notebooks read is built first
