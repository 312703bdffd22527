"""Issue 21: a force with no tracker gets one compact listing of the recommendations, under the framework's
neutral section names (the Met's own names only on the Met's page), each cell labelled for the phone layout."""

import re

import pytest

from analysis.compute.report_model import load_report
from analysis.present import fragments


@pytest.fixture(scope="module")
def listings(real_data):
    """The no-tracker listing for a force the review was not written for, and for the Met (also no tracker)."""
    out = {}
    for force in ("cumbria", "metropolitan-police"):
        report = load_report(force, "2024-25-Q1", data_dir=real_data)
        assert not report.has_tracker, f"{force} has a tracker for 2024-25-Q1: pick another force"
        out[force] = (report, fragments.recommendations(report))
    return out


def section_cells(html: str) -> set[str]:
    return set(re.findall(r'<td data-label="Section">([^<]*)</td>', html))


def test_a_force_the_review_was_not_written_for_sees_neutral_section_names(listings):
    report, html = listings["cumbria"]
    fw = report.framework
    assert section_cells(html) == {
        fw.section_label(s) for s, _ in fw.sections if s in {r.section_id for r in fw.recommendations}
    }
    assert "London" not in " ".join(section_cells(html))
    assert "Building trust to restore consent" in section_cells(html)


def test_the_mets_page_keeps_the_reviews_own_section_names(listings):
    report, html = listings["metropolitan-police"]
    assert report.framework.written_for == "metropolitan-police"
    assert "Building trust with London&#x27;s communities to restore consent" in section_cells(html)  # escaped


def test_every_cell_of_the_listing_is_labelled_for_the_stacked_phone_layout(listings):
    _, html = listings["cumbria"]
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = re.findall(r"<tr\b.*?</tr>", body, re.S)
    assert len(rows) == 16
    for row in rows:
        cells = re.findall(r"<t[hd]\b[^>]*>", row)
        assert len(cells) == 4 and all("data-label=" in c for c in cells), row
