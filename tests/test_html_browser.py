"""Open rendered reports in real headless Chromium (Debian's package, driven by Playwright).

Checks what a reader sees: the first screen at 1280x800, chart text on a 390 px phone and on paper,
accessibility (axe-core, WCAG 2.2 AA), no console errors or network requests, the printed A4 PDF, and
the index. Screenshots and the PDF are saved to tests/artifacts/ (git-ignored) for a person to look at.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import LEICESTERSHIRE_TWO_SNAPSHOTS, casey_command, copy_real_data, make_data_tree

from analysis.run.build import build_all
from analysis.run.render import CHROMIUM_FLAGS, checked_job, render_report

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = CHROMIUM_FLAGS  # the same sandbox-free, network-quiet flags the PDF printer uses
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor/axe-core/axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_PHONE_TEXT_PX = 9  # issue 12: chart text at least 9 px on a 390 px screen
MIN_PRINT_TEXT_PT = 7  # ... and 7 pt on paper


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does this)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_url(tmp_path_factory):
    """Hand-made trackers (one row OFFICIAL-SENSITIVE): the internal report is marked OFFICIAL-SENSITIVE."""
    root = tmp_path_factory.mktemp("browser")
    data = make_data_tree(root / "data", LEICESTERSHIRE_TWO_SNAPSHOTS)
    assert build_all(data).problems == []
    return render_report(checked_job("leicestershire", "2024-25-Q1", data_dir=data), data, root / "reports").as_uri()


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The repository's real data: Leicestershire 2024/25 Q1 (internal and public) and a force with no tracker,
    with the index pages, and a PDF printed by ``casey report --pdf``."""
    from analysis.run.site_index import write_index

    root = tmp_path_factory.mktemp("real")
    data = copy_real_data(root / "data", build=True)
    out = root / "reports"
    # the real command, in its own process (this one may already be driving a browser)
    done = subprocess.run(
        casey_command(
            data, "report", "--force", "leicestershire", "--quarter", "2024-25-Q1", "--out", str(out), "--pdf"
        ),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "2024-25-Q1/leicestershire.pdf").exists()
    for force, audience in (
        ("leicestershire", "public"),
        ("avon-and-somerset", "internal"),
        ("avon-and-somerset", "public"),
    ):
        render_report(checked_job(force, "2024-25-Q1", audience, data_dir=data), data, out)
    write_index(out, data)
    return out


def open_page(browser, url, **context):
    page = browser.new_page(**context)
    events = {"requests": [], "console": [], "errors": []}
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("console", lambda m: m.type in ("error", "warning") and events["console"].append(m.text))
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, events


def test_no_console_errors_and_no_network(browser, report_url, real):
    for url in (
        report_url,
        (real / "2024-25-Q1/leicestershire.html").as_uri(),
        (real / "index.html").as_uri(),
        (real / "public/index.html").as_uri(),
    ):
        page, events = open_page(browser, url, viewport={"width": 1200, "height": 900})
        assert events["errors"] == [] and events["console"] == [], url
        assert [u for u in events["requests"] if not u.startswith(("file:", "data:"))] == [], url
        page.close()


def test_toc_links_land_on_their_sections(browser, report_url):
    page, _ = open_page(browser, report_url, viewport={"width": 1200, "height": 900})
    targets = page.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href'))")
    assert len(targets) >= 16 + 5  # 16 recommendations; summary, charts, measures, recommendations, sources
    banner = page.eval_on_selector("header.banner", "b => b.getBoundingClientRect().height")
    for href in targets:
        page.click(f"nav.toc a[href='{href}']")
        top = page.eval_on_selector(href, "el => el.getBoundingClientRect().top")
        at_end = page.evaluate("window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1")
        assert banner - 1 <= top and (top < 200 or at_end), f"{href} landed at {top}px (banner {banner}px)"
        page.evaluate("window.scrollTo(0, 0)")
    page.close()


def test_first_screen_shows_where_the_force_stands_above_the_fold(browser, real):
    page, _ = open_page(
        browser, (real / "2024-25-Q1/leicestershire.html").as_uri(), viewport={"width": 1280, "height": 800}
    )
    page.screenshot(path=str(ARTIFACTS / "first-screen-1280x800.png"))
    fold = 800 - page.eval_on_selector("footer.banner", "b => b.getBoundingClientRect().height")
    boxes = page.evaluate("""() => [...document.querySelectorAll('.statusbar, .tile, #questions, #changed')]
        .map(e => ({cls: e.className || e.id, bottom: e.getBoundingClientRect().bottom}))""")
    assert len([b for b in boxes if b["cls"].startswith("tile")]) == 7  # one tile per key measure
    for box in boxes:
        assert box["bottom"] <= fold, f"{box['cls']} ends at {box['bottom']}px, below the fold at {fold}px"
    # every tile links to its section, and every verdict icon has words beside it
    tiles = page.eval_on_selector_all(
        ".tile", "ts => ts.map(t => [t.querySelector('a').getAttribute('href'), t.innerText])"
    )
    for href, text in tiles:
        assert page.query_selector(href) is not None, href
        plain = ("No sign of change", "A real change", "Too few figures", "not judged", "No data loaded")
        assert any(words in text for words in plain), text
    page.close()


def _chart_text(page) -> list[tuple[float, float]]:
    """Per chart: (smallest text in image px, shown width / natural width)."""
    return page.eval_on_selector_all(
        "figure img",
        "imgs => imgs.map(i => [parseFloat(i.dataset.minTextPx), i.getBoundingClientRect().width / i.naturalWidth])",
    )


def test_chart_text_is_legible_on_a_phone_and_on_paper(browser, real):
    url = (real / "2024-25-Q1/leicestershire.html").as_uri()
    page, _ = open_page(browser, url, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1  # no sideways scroll
    page.screenshot(path=str(ARTIFACTS / "phone-390-first-screen.png"))
    charts = _chart_text(page)
    assert len(charts) >= 4
    for number, (text_px, scale) in enumerate(charts, start=1):
        assert text_px * scale >= MIN_PHONE_TEXT_PX, f"chart {number}: text {text_px * scale:.1f}px on a 390px phone"
    page.query_selector_all("figure")[0].screenshot(path=str(ARTIFACTS / "phone-390-chart.png"))
    # on paper: lay the page out at the A4 text width (210 mm less 2 x 12 mm margins = 186 mm = 703 CSS px)
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    for number, (text_px, scale) in enumerate(_chart_text(page), start=1):
        assert text_px * scale * 0.75 >= MIN_PRINT_TEXT_PT, (
            f"chart {number}: text {text_px * scale * 0.75:.1f}pt printed"
        )
    page.close()


@pytest.mark.parametrize(
    "name",
    [
        "2024-25-Q1/leicestershire.html",
        "2024-25-Q1/public/leicestershire.html",
        "2024-25-Q1/avon-and-somerset.html",
        "index.html",
        "public/index.html",
    ],
)
def test_axe_finds_no_wcag_22_aa_violations(browser, real, name):
    page, _ = open_page(browser, (real / name).as_uri(), viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools, so the page's own CSP is untouched
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == [], name
    page.close()


def test_phone_width_has_no_sideways_scroll(browser, report_url):
    page, _ = open_page(browser, report_url, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.close()


def test_phone_width_no_tracker_page_has_no_sideways_scroll(browser, real):
    """Issue 21: the no-tracker listing (one table.compact) was 458 px wide at 390 px; stacked, it fits."""
    page, _ = open_page(
        browser, (real / "2024-25-Q1/avon-and-somerset.html").as_uri(), viewport={"width": 390, "height": 844}
    )
    assert page.query_selector("table.compact"), "the page should be the no-tracker listing"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert page.evaluate("document.querySelector('table.compact').getBoundingClientRect().right") <= 390
    page.query_selector("table.compact").screenshot(path=str(ARTIFACTS / "phone-390-no-tracker-listing.png"))
    page.close()


def test_index_opens_on_the_latest_quarter_with_trackers(browser, real):
    page, _ = open_page(browser, (real / "index.html").as_uri(), viewport={"width": 1280, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "index-1280.png"), full_page=True)
    text = page.inner_text("main")
    assert "latest quarter for which forces submitted trackers" in text
    assert "1 complete" in text or "in progress" in text  # Leicestershire's status bar in words
    page.close()
    page, _ = open_page(browser, (real / "public/index.html").as_uri(), viewport={"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "public-index-390.png"), full_page=True)
    assert "Internal" not in page.inner_text("main")
    page.close()


def test_print_has_the_banner_on_every_page(browser, report_url, tmp_path):
    from pypdf import PdfReader

    page, _ = open_page(browser, report_url)
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    pages = PdfReader(pdf).pages
    assert len(pages) >= 3
    for number, pdf_page in enumerate(pages, start=1):
        text = pdf_page.extract_text()
        # top and bottom margin boxes, on every printed page
        assert text.count("OFFICIAL-SENSITIVE · Leicestershire · 2024/25 Q1 · Internal") == 2, f"page {number}"


def _filled_share(png: Path, margin_mm: float = 18) -> float:
    """How far down the text area of a page image its content reaches (0 empty .. 1 full), margins excluded."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L"))
    height = pixels.shape[0]
    margin = int(height * margin_mm / 297) + 2
    body = pixels[margin : height - margin]
    inked = np.where((body < 200).any(axis=1))[0]
    return (inked.max() + 1) / body.shape[0] if len(inked) else 0.0


def test_casey_report_pdf_is_a4_complete_and_has_no_near_empty_pages(real, tmp_path):
    from htmlcheck import Page
    from pypdf import PdfReader

    pdf = real / "2024-25-Q1/leicestershire.pdf"
    reader = PdfReader(pdf)
    for pdf_page in reader.pages:
        width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
        assert abs(width - 595.3) < 1.5 and abs(height - 841.9) < 1.5  # A4 in points, not US Letter
    # one line of text; a word the PDF hyphenated at a line end ("socio- economic") joined again
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages).replace("- ", "-")
    # the collapsed "other figures" blocks are printed open: every row of every such table is in the PDF
    html = (real / "2024-25-Q1/leicestershire.html").read_text()
    assert "Other figures for this measure" in text
    extra_titles = list(_extra_first_cells(html))
    assert extra_titles
    for title in extra_titles:
        assert " ".join(title.split())[:40] in text, title
    assert "Sub-parts" not in Page(html).text or "4.ii" in text  # sub-parts printed open too
    pages = subprocess.run(["pdftoppm", "-r", "20", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert pages.returncode == 0
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(reader.pages)
    shares = [_filled_share(p) for p in images]
    for number, share in enumerate(shares[:-1], start=1):
        assert share >= 0.25, f"page {number} of {len(shares)} is only {share:.0%} full"
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(ARTIFACTS / "pdf-page")], check=True
    )


def _extra_first_cells(html: str) -> list[str]:
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.in_extra, self.column, self.cells, self.buffer = False, -1, [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and "extra" in (dict(attrs).get("class") or ""):
                self.in_extra = True
            elif self.in_extra and tag == "tr":
                self.column = -1
            elif self.in_extra and tag == "td":
                self.column += 1
                self.buffer = [] if self.column == 0 else None

        def handle_endtag(self, tag):
            if tag == "table":
                self.in_extra = False
            elif tag == "td" and self.buffer is not None:
                self.cells.append("".join(self.buffer))
                self.buffer = None

        def handle_data(self, data):
            if self.buffer is not None:
                self.buffer.append(data)

    parser = Cells()
    parser.feed(html)
    return parser.cells


def test_casey_batch_pdf_prints_beside_each_rendered_report(tmp_path):
    if not CHROMIUM:
        pytest.skip("no chromium on this machine")
    from pypdf import PdfReader

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    assert build_all(data).problems == []
    out = tmp_path / "reports"
    done = subprocess.run(
        casey_command(
            data,
            "batch",
            "--quarter",
            "2024-25-Q1",
            "--forces",
            "leicestershire",
            "--no-national",
            "--workers",
            "1",
            "--no-progress",
            "--out",
            str(out),
            "--pdf",
        ),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    for html in (out / "2024-25-Q1/leicestershire.html", out / "2024-25-Q1/public/leicestershire.html"):
        pdf = html.with_suffix(".pdf")
        assert pdf.exists(), pdf
        first = PdfReader(pdf).pages[0]
        assert abs(float(first.mediabox.width) - 595.3) < 1.5  # A4
    assert (out / "public/2024-25-Q1/leicestershire.pdf").exists()  # the public site carries the PDF too
    assert "printed 2 PDF(s)" in done.stdout
