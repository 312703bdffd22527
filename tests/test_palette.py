"""One look: colours live only in analysis.core.palette; the pages' CSS takes them from there."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from analysis.core import palette
from analysis.core.audience import Audience
from analysis.present import style
from analysis.present.style import house_theme
from analysis.present.style.css import css_colours, css_custom_properties

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
CSS = PACKAGE / "templates" / "casey" / "report.css"
# a CSS/HTML colour (#abc, #aabbcc, #aabbccdd) or an openpyxl fill written as a quoted RRGGBB string
HEX = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{2})?)?\b|[\"'][0-9A-Fa-f]{6}[\"']")


def test_no_colour_is_written_outside_the_palette():
    found = []
    for path in PACKAGE.rglob("*"):
        if path.suffix in {".py", ".css", ".j2", ".html", ".json"} and path != PACKAGE / "core" / "palette.py":
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found += [f"{path.relative_to(PACKAGE)}:{number}: {m}" for m in HEX.findall(line)]
    assert not found, found


def test_the_check_sees_a_colour():
    assert HEX.findall('a { color: #1d70b8; } fill = "F4B183"') == ["#1d70b8", '"F4B183"']


def test_css_uses_only_palette_colours_with_the_palette_values():
    used = set(re.findall(r"var\(--([a-z-]+)\)", CSS.read_text(encoding="utf-8")))
    colours = css_colours()
    assert used and used <= set(colours), used - set(colours)
    assert colours["text"] == palette.INTERFACE["text"]
    assert colours["status-in-progress"] == palette.STATUS["in_progress"] == house_theme.STATUS_COLOURS["in_progress"]
    root = css_custom_properties()
    for name, value in colours.items():
        assert f"--{name}: {value};" in root


def test_rendered_page_and_index_carry_the_palette(tmp_path):
    from analysis.run.render import to_html
    from analysis.run.site_index import write_index

    html = to_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Hello")]), Audience.INTERNAL)
    assert css_custom_properties() in html and "var(--status-complete)" in html
    (tmp_path / "2024-25-Q1").mkdir()
    (tmp_path / "2024-25-Q1" / "leicestershire.html").write_text("<html></html>")
    write_index(tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert css_custom_properties() in index and "var(--link)" in index


def test_workbook_fills_come_from_the_palette():
    from analysis.intake import template

    assert "#" + template.REQUIRED_FILL == palette.WORKBOOK["required-header"]
    assert "#" + template.GREY == palette.WORKBOOK["context"]


def test_charts_use_roles():
    assert style.HIGHLIGHT == palette.HIGHLIGHT and house_theme.CATEGORICAL == list(palette.CATEGORICAL)
    for module in ("measure_charts.py", "national.py", "tracker_charts.py"):
        assert "GAF_" not in (PACKAGE / "present" / module).read_text(encoding="utf-8"), module
