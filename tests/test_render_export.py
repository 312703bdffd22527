"""The HTML export skips nbconvert's BeautifulSoup pass (issue 24): the page must be what the stock exporter makes.

``analysis.run.render`` uses a subclass of nbconvert's ``HTMLExporter`` that leaves out the method's last step
(parse the finished page, give images without alt text a stock one and notebook wrappers a tabindex, write it out
again). These tests render real reports, export each executed notebook with both exporters, and check that the
stock page is ours re-spelled by BeautifulSoup: nothing was added or taken away. If nbconvert's method changes, or
a template starts writing an image without alt text, they fail.
"""

from __future__ import annotations

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from analysis.core.audience import Audience
from analysis.core.config import NATIONAL_STEM
from analysis.run import render

Q = "2024-25-Q1"


@pytest.fixture(scope="module")
def executed(real_data, tmp_path_factory):
    """Executed notebooks: Leicestershire internal and public, and the public national overview."""
    out = tmp_path_factory.mktemp("export")
    notebooks = []
    for force, audience, kind in (
        ("leicestershire", "internal", "force"),
        ("leicestershire", "public", "force"),
        (NATIONAL_STEM, "public", "national"),
    ):
        job = render.checked_job(force, Q, audience, data_dir=real_data, kind=kind)
        html = render.render_report(job, real_data, out, engine="inprocess")
        notebooks.append((nbformat.read(html.with_suffix(".ipynb"), as_version=4), Audience.of(audience), html))
    return notebooks


def test_the_stock_exporter_only_respells_our_page(executed):
    stock = render.html_exporter(HTMLExporter)
    for nb, audience, html in executed:
        ours = render.to_html(nb, audience)
        assert ours == html.read_text(encoding="utf-8")  # what render_report wrote is this export
        assert len(ours) > 10_000
        assert str(BeautifulSoup(ours, features="html.parser")) == render.to_html(nb, audience, exporter=stock)


def test_every_image_has_its_own_alt_text_so_the_stock_pass_had_nothing_to_add(executed):
    for nb, audience, _ in executed:
        images = BeautifulSoup(render.to_html(nb, audience), features="html.parser").find_all("img")
        assert images, "a report with no chart would not test this"
        assert all(img.get("alt", "").strip() for img in images)
