"""``reports/index.html`` and ``reports/<quarter>/index.html``: links to every rendered report.

The national overview (``casey batch``) is listed first in each quarter, then the force reports.
"""

from __future__ import annotations

import html
from pathlib import Path

from . import atomic, config
from .periods import PeriodError, parse_quarter

NATIONAL_STEM = "national-overview"  # analysis.render.NATIONAL_STEM (not imported: that pulls in papermill)


def esc(value) -> str:
    """As ``fragments.esc``, without importing the report machinery."""
    return html.escape("" if value is None else str(value), quote=True)

_PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title><style>
body{{font:17px/1.5 Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#0b0c0c}}
a{{color:#1d70b8}} table{{border-collapse:collapse;width:100%}} th,td{{text-align:left;padding:.4rem;border-bottom:1px solid #b1b4b6}}
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
    found = [p for p in folder.rglob("*.html") if p.name != "index.html"]
    # national overview first, then each folder's reports (internal before public) alphabetically
    return sorted(found, key=lambda p: (p.stem != NATIONAL_STEM, p.relative_to(folder).parent.as_posix(), p.stem))


def _label(path: Path) -> str:
    return "National overview (all forces)" if path.stem == NATIONAL_STEM else path.stem


def write_index(out_dir=None) -> Path:
    root = config.reports_dir(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    sections = []
    for quarter in _quarters(root):
        folder = root / quarter
        rows = "".join(
            f'<tr><td><a href="{esc(p.relative_to(folder).as_posix())}">{esc(_label(p))}</a></td>'
            f'<td>{"Public" if "public" in p.relative_to(folder).parts else "Internal"}</td>'
            f'<td>{esc("/".join(p.relative_to(folder).parts[:-1]) or "casey-2023")}</td></tr>'
            for p in _reports_in(folder)
        )
        table = f"<table><thead><tr><th>Report</th><th>Audience</th><th>Folder</th></tr></thead><tbody>{rows}</tbody></table>"
        label = parse_quarter(quarter).label
        atomic.write_text(folder / "index.html", _PAGE.format(title=f"Casey progress reports, {esc(label)}", body=table))
        sections.append(f'<li><a href="{esc(quarter)}/index.html">{esc(label)}</a> ({len(_reports_in(folder))} reports)</li>')
    body = f"<ul>{''.join(sections)}</ul>" if sections else "<p>No reports have been rendered yet.</p>"
    return atomic.write_text(root / "index.html", _PAGE.format(title="Casey progress reports", body=body))
