"""The page-piece templates (issue 22.4): autoescape on, unknown names an error, rendered pieces kept as markup,
values escaped byte for byte as the f-string pieces escaped them (``html.escape``), and every template ships."""

import html

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from analysis.present import templating
from analysis.present.claim_markup import claimed

HOSTILE = "</td><script>alert(1)</script>\" onmouseover='x' {{ 7 * 7 }} {% if 1 %}&amp;"


def test_every_value_is_escaped_as_html_escape_does_and_markup_is_kept():
    piece = templating.render("index_quarter.html.j2", tables=HOSTILE)
    assert piece == '<p class="lede"><a href="../index.html">All quarters</a></p>' + html.escape(HOSTILE)
    assert "<script>" not in piece and "49" not in piece  # template syntax in data is text, never evaluated
    kept = templating.render("index_quarter.html.j2", tables=Markup("<table></table>"))
    assert kept.endswith("</p><table></table>")


def test_an_unknown_name_is_an_error_not_an_empty_string():
    with pytest.raises(UndefinedError, match="tables"):
        templating.render("index_quarter.html.j2")


def test_a_rendered_piece_is_markup_and_so_is_a_claimed_element():
    assert isinstance(templating.render("index_quarter.html.j2", tables=""), Markup)
    element = claimed("span", 'id"x', "words", None)
    assert isinstance(element, Markup) and element == '<span data-claim="id&quot;x">words</span>'


def test_every_template_in_the_package_compiles():
    names = sorted(p.name for p in templating.PIECES_DIR.glob("*.j2"))
    assert "index_page.html.j2" in names
    for name in names:
        templating.environment().get_template(name)


def test_the_templates_ship_in_the_wheel():
    import tomllib

    from conftest import ROOT

    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "templates/**/*" in package_data["analysis"]
    assert templating.PIECES_DIR.is_relative_to(ROOT / "src/analysis/templates")
