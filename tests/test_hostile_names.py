"""Issue 20.4: HTML and ``</script>`` in force names, regions, framework titles and measure titles never become markup;
issue 22.4: nor does template syntax (``{{ }}``, ``{% %}``: the pages are built from Jinja2 templates), in those
names and in a tracker's owners and evidence.

A hostile copy of data/raw (the real forces, framework, trackers and measures with markup added to those names) is
built and rendered by a real batch; every page written (reports and index pages, internal and public) is parsed with
html.parser: no injected element or event attribute exists, and the hostile text is shown as text."""

import csv
import re
from html.parser import HTMLParser

import pytest
from conftest import RAW_FOLDERS, copy_real_data

from analysis.run.batch import BatchOptions, run_batch
from analysis.run.build import build_all

# the '"' part once hung the force report: it made the name long enough that the funnel plot's label beside the
# force's point, unwrapped, doubled the chart's text each legibility round (test_chart_legibility.py)
HOSTILE = (
    '</script><script>alert(1)</script><x-pwn onerror=alert(2)> {{ 7 * 7 }} {% if 1 %} " onmouseover="alert(3)" x="'
)
INJECTED_TAGS = {"script", "x-pwn"}


def _hostile_copy(data):
    copy_real_data(data, RAW_FOLDERS)
    forces = data / "raw/forces/forces.csv"
    rows = list(csv.DictReader(forces.open(newline="", encoding="utf-8")))
    for row in rows:
        row["name"] = f"Leicestershire {HOSTILE}" if row["name"] == "Leicestershire" else row["name"]
        row["region"] = f"East Midlands {HOSTILE}" if row["region"] == "East Midlands" else row["region"]
    _write_csv(forces, rows)
    tracker = data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    rows = list(csv.DictReader(tracker.open(newline="", encoding="utf-8")))
    rows[0]["owner"], rows[0]["evidence"] = f"Owner {HOSTILE}", f"Evidence {HOSTILE}\nsecond line {HOSTILE}"
    _write_csv(tracker, rows)
    framework = data / "raw/frameworks/casey-2023.yaml"
    text = framework.read_text().replace("short_title: Casey Review", f"short_title: 'Casey Review {HOSTILE}'", 1)
    framework.write_text(text.replace('title: "An independent', f'title: "{_yaml(HOSTILE)} An independent', 1))
    for registry in (data / "raw/measures/registry").glob("*.yaml"):
        lines = []
        for line in registry.read_text().splitlines():
            match = re.match(r"^(\s+title: )(.+)$", line)
            if match and '"' not in match.group(2) and "'" not in match.group(2):
                line = f"{match.group(1)}'{HOSTILE} {match.group(2)}'"
            lines.append(line)
        registry.write_text("\n".join(lines) + "\n")
    return data


def _write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _yaml(text: str) -> str:
    """``text`` inside a double-quoted YAML string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.event_attributes, self.text, self.attribute_values = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.event_attributes += [name for name, _ in attrs if name.startswith("on")]
        self.attribute_values += [value or "" for _, value in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-names")
    data = _hostile_copy(root / "data")
    assert build_all(data).problems == []
    options = BatchOptions(
        quarters=["2024-25-Q1"],
        forces=["leicestershire"],
        data_dir=str(data),
        out_dir=str(root / "reports"),
        workers=1,
        progress=False,
    )
    assert run_batch(options).exit_code == 0
    return root / "reports"


@pytest.mark.slow
def test_no_hostile_name_becomes_an_element_on_any_page(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    names = {str(p.relative_to(hostile_site)) for p in pages}
    assert {"index.html", "2024-25-Q1/index.html", "public/index.html", "2024-25-Q1/leicestershire.html"} <= names
    assert "2024-25-Q1/public/leicestershire.html" in names and "2024-25-Q1/national-overview.html" in names
    shown, in_attributes = {}, {}
    for page in pages:
        parsed = _Elements()
        parsed.feed(page.read_text(encoding="utf-8"))
        parsed.close()
        assert not parsed.tags & INJECTED_TAGS, page
        assert parsed.event_attributes == [], page  # a '"' that closed an attribute would have made one
        shown[str(page.relative_to(hostile_site))] = "".join(parsed.text)
        in_attributes[str(page.relative_to(hostile_site))] = parsed.attribute_values
    # a chart's alt text names the force: its '"'s stayed inside the attribute, escaped or single-quoted
    for page in ("2024-25-Q1/leicestershire.html", "2024-25-Q1/public/leicestershire.html"):
        assert any(f"Leicestershire {HOSTILE}" in value for value in in_attributes[page]), page
    # and the names are there, as text (so the check above was not vacuous)
    for index in ("index.html", "2024-25-Q1/index.html", "public/index.html", "public/2024-25-Q1/index.html"):
        assert f"Leicestershire {HOSTILE}" in shown[index] and f"East Midlands {HOSTILE}" in shown[index], index
        assert f"Casey Review {HOSTILE}" in shown[index], index
    report = shown["2024-25-Q1/leicestershire.html"]
    assert f"Leicestershire {HOSTILE}" in report and f"{HOSTILE} VAWG positive outcome rate" in report
    for page in ("2024-25-Q1/leicestershire.html", "2024-25-Q1/public/leicestershire.html"):
        assert f"Owner {HOSTILE}" in shown[page] and f"Evidence {HOSTILE}" in shown[page], page
        assert f"second line {HOSTILE}" in shown[page], page
