"""The page-piece templates (issue 22.4): autoescape on, unknown names an error, rendered pieces kept as markup,
values escaped byte for byte as the f-string pieces escaped them (``html.escape``), and every template ships."""

import html
from html.parser import HTMLParser

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


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, name, value) for name, value in attrs]


def test_a_quote_in_a_name_or_tracker_text_never_closes_an_attribute_in_an_index_row_or_a_tracker_entry():
    """A force name is in each version link's aria-label; owners and evidence are the force's own words."""
    name = f"Leicestershire{HOSTILE}"
    row = {"name": name, "region": HOSTILE, "status": "", "submitted": "", "as_of": "", "failed": False}
    row["links"] = [(f"{HOSTILE}.html", f"{name}, internal version", "Internal")]
    tables = templating.render("index_tables.html.j2", tables=[{"title": HOSTILE, "rows": [row]}])
    cells = templating.render(
        "entry_cells.html.j2",
        name=HOSTILE,
        badge=Markup("<span></span>"),
        basis=HOSTILE,
        owner=f"Owner {HOSTILE}",
        evidence=f"Evidence {HOSTILE}\nsecond {HOSTILE}",
        actions=HOSTILE,
        workstreams=HOSTILE,
    )
    for piece in (tables, cells):
        parsed = _Attributes()
        parsed.feed(f"<table><tr>{piece}</tr></table>")
        assert not [a for a in parsed.attributes if a[1].startswith("on")], piece
        assert "<script>" not in piece and "49" not in piece
    parsed = _Attributes()
    parsed.feed(tables)
    assert ("a", "aria-label", f"{name}, internal version") in parsed.attributes
    assert ("a", "href", f"{HOSTILE}.html") in parsed.attributes
    assert html.escape(f"Evidence {HOSTILE}") + "<br>\n" + html.escape(f"second {HOSTILE}") in cells


def test_claimed_escapes_plain_text_and_keeps_a_rendered_piece():
    """A claim's text needs no escaping by its caller: plain text is escaped (as html.escape does), a rendered
    piece is kept, and the ledger's sentence is what a reader sees either way."""
    from analysis.compute.claims import ClaimLedger

    ledger = ClaimLedger()
    plain = claimed("p", "a", HOSTILE, ledger, ' class="note"', value=1)
    assert plain == f'<p data-claim="a" class="note">{html.escape(HOSTILE)}</p>'
    lead = templating.macro("lead")("Trend:", HOSTILE)
    kept = claimed("p", "b", lead, ledger, value=1)
    assert kept == f'<p data-claim="b"><strong>Trend:</strong> {html.escape(HOSTILE)}</p>'
    assert [c.sentence for c in ledger.claims] == [" ".join(HOSTILE.split()), f"Trend: {' '.join(HOSTILE.split())}"]


def test_the_inline_macros_escape_every_argument():
    heading = templating.macro("heading")(HOSTILE, HOSTILE, 3)
    assert heading == f'<h3 id="{html.escape(HOSTILE)}">{html.escape(HOSTILE)}</h3>'
    see = templating.macro("see_links")([(HOSTILE, HOSTILE), ("two", "b")])
    assert see == f'See: <a href="#{html.escape(HOSTILE)}">{html.escape(HOSTILE)}</a> <a href="#b">two</a>'
    prose = templating.macro("prose")(["a ", HOSTILE, " c"])
    assert prose == f"<p>a <em>{html.escape(HOSTILE)}</em> c</p>"
    for piece in (heading, see, prose):
        assert isinstance(piece, Markup) and "<script>" not in piece and "49" not in piece
