"""``reports/index.html`` and ``reports/<quarter>/index.html``: links to every rendered report.

The national overview (``casey batch``) is listed first in each quarter, then the force reports.
"""

from __future__ import annotations

import csv
from pathlib import Path

from analysis.core import atomic
from analysis.core import config
from analysis.present.htmltext import esc
from analysis.present.style import css_custom_properties
from analysis.core.periods import PeriodError, parse_quarter




_PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title><style>
{palette}
body{{font:17px/1.5 Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:var(--text)}}
a{{color:var(--link)}} table{{border-collapse:collapse;width:100%}}
th,td{{text-align:left;padding:.4rem;border-bottom:1px solid var(--rule)}} .failed{{color:var(--error)}}
</style></head><body><h1>{title}</h1>{body}</body></html>"""


def _quarters(root: Path) -> list[str]:
    found = []
    for child in root.iterdir() if root.exists() else []:
        try:
            found.append(parse_quarter(child.name))
        except PeriodError:
            continue
    return [q.id for q in sorted(found, reverse=True)]


def _reports_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.html") if p.name != "index.html"]


def _force_names(data_dir=None) -> dict[str, tuple[str, str]]:
    """slug -> (name, region), read with csv so the index needs no pandas."""
    try:
        with open(config.forces_file(data_dir), newline="", encoding="utf-8") as handle:
            return {r["force_id"]: (r["name"], r["region"]) for r in csv.DictReader(handle)}
    except OSError:
        return {}


def _quarter_table(folder: Path, names: dict) -> str:
    """One table per framework: a row per report, with links to the internal and public versions."""
    groups: dict[str, dict[str, dict[str, Path]]] = {}
    for path in _reports_in(folder):
        parts = path.relative_to(folder).parts[:-1]
        audience = "public" if parts and parts[-1] == "public" else "internal"
        framework = parts[0] if parts and parts[0] != "public" else config.DEFAULT_FRAMEWORK
        groups.setdefault(framework, {}).setdefault(path.stem, {})[audience] = path
    for failed in folder.rglob("*.failed.ipynb"):
        parts = failed.relative_to(folder).parts[:-1]
        framework = parts[0] if parts and parts[0] != "public" else config.DEFAULT_FRAMEWORK
        groups.setdefault(framework, {}).setdefault(failed.name.split(".")[0], {})["failed"] = failed
    out = []
    for framework in sorted(groups, key=lambda f: (f != config.DEFAULT_FRAMEWORK, f)):
        stems = sorted(groups[framework], key=lambda s: (s != config.NATIONAL_STEM, names.get(s, (s, ""))[0]))
        rows = []
        for stem in stems:
            found = groups[framework][stem]
            name, region = ("National overview (all forces)", "") if stem == config.NATIONAL_STEM else names.get(stem, (stem, ""))
            links = [
                f'<a href="{esc(found[a].relative_to(folder).as_posix())}">{label}</a>'
                for a, label in (("internal", "Internal"), ("public", "Public"))
                if a in found
            ]
            if "failed" in found:
                links.append('<strong class="failed">failed: see the .failed.ipynb</strong>')
            rows.append(f"<tr><td>{esc(name)}</td><td>{esc(region)}</td><td>{' · '.join(links)}</td></tr>")
        out.append(
            f"<h2>Framework: {esc(framework)}</h2><table><thead><tr><th scope='col'>Report</th><th scope='col'>Region</th>"
            f"<th scope='col'>Versions</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    return "".join(out) or "<p>No reports for this quarter.</p>"


def write_index(out_dir=None) -> Path:
    root = config.reports_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    sections = []
    names = _force_names()
    for quarter in _quarters(root):
        folder = root / quarter
        table = _quarter_table(folder, names)
        label = parse_quarter(quarter).label
        atomic.write_text(folder / "index.html", _PAGE.format(title=f"Casey progress reports, {esc(label)}", body=table, palette=css_custom_properties()))
        sections.append(f'<li><a href="{esc(quarter)}/index.html">{esc(label)}</a> ({len(_reports_in(folder))} reports)</li>')
    body = f"<ul>{''.join(sections)}</ul>" if sections else "<p>No reports have been rendered yet.</p>"
    return atomic.write_text(root / "index.html", _PAGE.format(title="Casey progress reports", body=body, palette=css_custom_properties()))
