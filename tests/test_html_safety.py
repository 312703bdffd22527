"""The rendered page is safe to share: untrusted text stays text, nothing loads from the network,
and the marking banner is right. One real papermill + nbconvert run on an XSS corpus."""

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, make_data_tree
from htmlcheck import Page

from analysis.run.build import build_all
from analysis.run.render import checked_job, render_report

pytestmark = pytest.mark.slow
PAYLOAD_COUNT = 15


def _add_hostile_measure(data: Path) -> None:
    """A force-supplied measure whose name, source and note carry markup."""
    shutil.copytree(ROOT / "data/raw/measures", data / "raw/measures")
    (data / "raw/measures/registry/hostile.yaml").write_text(
        "measures:\n"
        "  - id: hostile_measure\n"
        "    key_measure: trust-confidence\n"
        "    title: \"<script>alert('XSS-16')</script> satisfaction\"\n"
        "    definition: test\n    numerator: a\n    denominator: b\n    unit: percent\n"
        "    direction: higher_is_better\n    period_type: financial_year\n"
        "    source: \"<img src=x onerror=alert('XSS-17')>\"\n"
        "    official_source: none\n"
    )
    with open(data / "raw/measures/local/leicestershire-hostile.csv", "w") as f:
        f.write("force_id,period,period_type,measure_id,numerator,denominator,value,unit,source,note\n")
        f.write(
            "leicestershire,2023-24,financial_year,hostile_measure,,,99.5,percent,\"<a href='javascript:alert(18)'>XSS-18</a>\",<svg onload=alert(19)>\n"
        )


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    data = make_data_tree(root / "data", {"leicestershire/2024-25-Q1.csv": "xss-2024-25-Q1.csv"})
    _add_hostile_measure(data)
    result = build_all(data)
    assert result.problems == []
    html_path = render_report(checked_job("leicestershire", "2024-25-Q1", data_dir=data), data, root / "reports")
    return html_path, Page(html_path.read_text())


def test_no_executable_markup_from_data(page):
    assert page[1].executable_markup() == []


def test_every_payload_is_visible_as_text(page):
    text = page[1].text
    for n in range(1, PAYLOAD_COUNT + 1):
        assert f"XSS-{n}" in text, f"payload XSS-{n} vanished instead of showing as text"
    assert "<script>alert('XSS-1')</script>" in text
    assert "[XSS-4 link](javascript:alert(4))" in text  # markdown syntax is not interpreted
    assert "![XSS-5 image](https://evil.example/x.png)" in text
    assert "&lt;script&gt;alert('XSS-7')&lt;/script&gt;" in text  # entities typed by a user stay as typed
    assert '" onmouseover="alert(12)" data-y="XSS-12' in text  # a '"' closes no attribute: it is shown


def test_hostile_measure_names_are_escaped(page):
    text = page[1].text
    assert "<script>alert('XSS-16')</script> satisfaction" in text
    html = page[0].read_text()
    assert "<script>alert('XSS-16')" not in html


def test_page_is_self_contained(page):
    """No src/href leaves the page (plain links are allowed only inside the sources section)."""
    html = page[0].read_text()
    assert page[1].external_references() == []
    tags = page[1].tags
    assert not [t for t, a in tags if t == "link" and a.get("rel") == "stylesheet"]
    assert not [t for t, a in tags if t == "script"]
    assert all(a.get("src", "").startswith("data:image/png;base64,") for t, a in tags if t == "img")
    assert "default-src 'none'" in html  # the Content-Security-Policy forbids any fetch


def test_every_figure_has_alt_text(page):
    images = [a for t, a in page[1].tags if t == "img"]
    assert len(images) >= 3
    assert all(len(a.get("alt", "")) > 30 for a in images)


def test_banner_top_and_bottom_and_toc(page):
    tags = page[1].tags
    banners = [a for t, a in tags if "banner" in a.get("class", "")]
    assert len(banners) == 2
    assert "OFFICIAL Leicestershire · 2024/25 Q1 · Internal" in page[1].text
    assert any(t == "nav" and a.get("class") == "toc" for t, a in tags)


def test_code_never_reaches_the_page(page):
    text = page[1].text
    assert "load_report" not in text and "fragments." not in text and "import" not in text


def test_parameters_are_checked_before_papermill(tmp_path):
    data = make_data_tree(tmp_path / "data")
    for bad in ['leicestershire"; import os; os.system("x")  #', "../../etc", "E23"]:
        with pytest.raises(ValueError):
            checked_job(bad, "2024-25-Q1", data_dir=data)
    with pytest.raises(ValueError):
        checked_job("leicestershire", "2024-25-Q1\nimport os", data_dir=data)
    with pytest.raises(ValueError):
        checked_job("leicestershire", "2024-25-Q1", audience="internal'; x='", data_dir=data)
    with pytest.raises(ValueError, match="unknown report kind"):
        checked_job("leicestershire", "2024-25-Q1", data_dir=data, kind="national'; x='")
    with pytest.raises(ValueError, match="national overview is named"):  # no force's name reaches its notebook
        checked_job("leicestershire", "2024-25-Q1", data_dir=data, kind="national")
