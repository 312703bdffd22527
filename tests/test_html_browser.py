"""Open a rendered report in real headless Chromium (Debian's package, driven by Playwright)."""

import shutil

import pytest

from analysis.run.build import build_all
from analysis.run.render import checked_job, render_report
from conftest import make_data_tree

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does this)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    data = make_data_tree(
        root / "data",
        {"leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv", "leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"},
    )
    assert build_all(data).problems == []
    return render_report(checked_job("leicestershire", "2024-25-Q1", data_dir=data), data, root / "reports").as_uri()


def open_page(browser, url, **context):
    page = browser.new_page(**context)
    events = {"requests": [], "console": [], "errors": []}
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("console", lambda m: m.type in ("error", "warning") and events["console"].append(m.text))
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, events


def test_no_console_errors_and_no_network(browser, report_url, tmp_path):
    page, events = open_page(browser, report_url, viewport={"width": 1200, "height": 900})
    assert events["errors"] == [] and events["console"] == []
    assert [u for u in events["requests"] if not u.startswith(("file:", "data:"))] == []
    page.screenshot(path=str(tmp_path / "top.png"))
    assert (tmp_path / "top.png").stat().st_size > 10_000
    page.close()


def test_toc_links_land_on_their_sections(browser, report_url):
    page, _ = open_page(browser, report_url, viewport={"width": 1200, "height": 900})
    targets = page.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href'))")
    assert len(targets) >= 16 + 5  # 16 recommendations; summary, charts, measures, recommendations, sources
    banner = page.eval_on_selector("header.banner", "b => b.getBoundingClientRect().height")
    for href in targets:
        page.click(f"nav.toc a[href='{href}']")
        top = page.eval_on_selector(href, "el => el.getBoundingClientRect().top")
        assert banner - 1 <= top < 200, f"{href} landed at {top}px (banner {banner}px)"
        page.evaluate("window.scrollTo(0, 0)")
    page.close()


def test_phone_width_has_no_sideways_scroll(browser, report_url, tmp_path):
    page, _ = open_page(browser, report_url, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    page.screenshot(path=str(tmp_path / "phone.png"))
    page.close()


def test_print_has_the_banner_on_every_page(browser, report_url, tmp_path):
    from pypdf import PdfReader

    page, _ = open_page(browser, report_url)
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    pages = PdfReader(pdf).pages
    assert len(pages) >= 3
    for number, pdf_page in enumerate(pages, start=1):
        text = pdf_page.extract_text()
        # top and bottom margin boxes, on every printed page
        assert text.count("OFFICIAL-SENSITIVE · Leicestershire · 2024/25 Q1 · Internal") == 2, f"page {number}"
