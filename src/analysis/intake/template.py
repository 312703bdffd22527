"""The quarterly tracker template a force owner fills in: an Excel workbook pre-filled from last quarter.

Sheets:

- ``Tracker``: one row per recommendation or part that applies to the force (plus any item the
  previous snapshot reported on), with the canonical tracker columns as headings so the returned
  file imports without a mapping. Context columns (section, title, Casey summary, last quarter's
  status) are grey and locked; required columns have orange headings; status, status basis and
  marking are dropdowns; recommendation ids for added rows are a dropdown too. The header row
  and the id column are frozen.
- ``Instructions``: how to fill it in and send it back.
- ``Lists`` (hidden): the dropdown sources and the template's framework / force / quarter, which
  ``casey import`` checks so a workbook cannot be filed under the wrong force or quarter. The
  same keys are also stored as custom document properties.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core import atomic, config
from analysis.core.cells import neutralise_formula, normalise_text
from analysis.core.forces import Force, get_force
from analysis.core.palette import WORKBOOK
from analysis.core.periods import Quarter
from analysis.core.settings import TEMPLATE_EXTRA_ROWS
from analysis.sources.catalogue import Framework, load_framework
from analysis.sources.trackers import (
    CONTEXT_COLUMNS,
    MARKINGS,
    STATUS_BASES,
    STATUSES,
    Snapshot,
    TrackerError,
    discover,
    load_tracker,
)

TEMPLATE_VERSION = "1"
TRACKER_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET = "Tracker", "Instructions", "Lists"
EDITABLE_COLUMNS = [
    "status",
    "status_basis",
    "status_reason",
    "owner",
    "evidence",
    "actions",
    "linked_workstreams",
    "marking",
]
TEMPLATE_COLUMNS = ["recommendation_id", "section", "title", "casey_summary", "previous_status", *EDITABLE_COLUMNS]
REQUIRED_COLUMNS = ["recommendation_id", "status", "status_basis", "marking"]
WIDTHS = {
    "recommendation_id": 18,
    "section": 22,
    "title": 34,
    "casey_summary": 60,
    "previous_status": 16,
    "status": 16,
    "status_basis": 14,
    "status_reason": 40,
    "owner": 24,
    "evidence": 60,
    "actions": 60,
    "linked_workstreams": 30,
    "marking": 22,
}
HEADINGS_HELP = {
    "recommendation_id": "Catalogue id of the recommendation or part (e.g. 4.ii). Do not change pre-filled ids; pick one from the list for an added row.",
    "section": "Context only: the review's section.",
    "title": "Context only: the recommendation's short title.",
    "casey_summary": "Context only: what the Casey Review asked for, in the project's own words.",
    "previous_status": "Context only: the status in your last return.",
    "status": "Required. not_started, in_progress, complete, not_applicable or not_assessed.",
    "status_basis": "Required. 'stated' when the status is your own statement (normal for returns).",
    "status_reason": "Optional. One short line on why the status holds: which part of the ask is met or still open.",
    "owner": "Owning team, unit, board or role. No names of individuals.",
    "evidence": "What is already in place: facts, figures, dates. Leave blank if nothing yet.",
    "actions": "What is planned or under way, with dates where known.",
    "linked_workstreams": "Workstreams, boards or inspections linked to this item, separated by ';'.",
    "marking": "Required. OFFICIAL, or OFFICIAL-SENSITIVE where the row must not be published.",
}
EXTRA_ROWS = TEMPLATE_EXTRA_ROWS

# openpyxl wants RRGGBB without the '#'
GREY = WORKBOOK["context"].lstrip("#")
REQUIRED_FILL = WORKBOOK["required-header"].lstrip("#")
OPTIONAL_FILL = WORKBOOK["optional-header"].lstrip("#")
CONTEXT_HEADER_FILL = WORKBOOK["context-header"].lstrip("#")


@dataclass(frozen=True)
class TemplateResult:
    path: Path
    rows: int
    prefilled: int
    previous: Snapshot | None
    notes: tuple[str, ...] = ()


def template_path(force: Force, quarter: Quarter, out_dir: str | Path | None = None, data_dir=None) -> Path:
    """Default folder: ``<data>/outgoing/templates``, never beside the reports: a template is pre-filled with the
    force's last return, OFFICIAL-SENSITIVE rows included, and a reports folder may be served to the public."""
    folder = Path(out_dir) if out_dir else config.data_dir(data_dir) / "outgoing" / "templates"
    return folder / f"{force.id}-{quarter.id}-tracker.xlsx"


def previous_snapshot(framework_id: str, force_id: str, quarter: Quarter, data_dir=None) -> Snapshot | None:
    """The force's latest snapshot strictly before ``quarter``."""
    snapshots, _ = discover(framework_id, data_dir)
    earlier = [s for s in snapshots if s.force_id == force_id and Quarter.of(s.quarter) < quarter]
    return max(earlier, key=lambda s: Quarter.of(s.quarter)) if earlier else None


def template_rows(framework: Framework, previous: pd.DataFrame | None) -> pd.DataFrame:
    """The Tracker sheet's rows: applicable items plus any item last quarter reported on."""
    prev = previous.set_index("recommendation_id") if previous is not None and len(previous) else None
    rows = []
    for item in framework.items:
        had = prev is not None and item.id in prev.index
        if not (item.applies_beyond_met or had):
            continue
        p = prev.loc[item.id] if had else None
        rows.append(
            {
                "recommendation_id": item.id,
                "section": framework.section_label(item.section_id),
                "title": item.title
                if item.parent_id is None
                else f"{framework.item(item.parent_id).title}: {item.title}",
                "casey_summary": item.summary,
                "previous_status": p["status"] if had else "",
                "status": p["status"] if had else "",
                "status_basis": "stated",
                "status_reason": "",
                "owner": p["owner"] if had else "",
                "evidence": p["evidence"] if had else "",
                "actions": p["actions"] if had else "",
                "linked_workstreams": p["linked_workstreams"] if had else "",
                "marking": p["marking"] if had else "OFFICIAL",
                "_prefilled": had,
            }
        )
    return pd.DataFrame(rows)


def _instructions(framework: Framework, force: Force, quarter: Quarter, previous: Snapshot | None) -> list[str]:
    prev = (
        f"Rows are pre-filled from your return for {Quarter.of(previous.quarter).label}."
        if previous
        else "There is no earlier return on file, so rows start empty."
    )
    return [
        f"{framework.short_title} progress return: {force.name}, {quarter.label} ({quarter.months})",
        "",
        prev,
        "",
        "How to fill in the Tracker sheet",
        "1. Update each row to the position at the end of the quarter. Change only the white and coloured cells; grey columns are context and are ignored on import.",
        "2. status (required, dropdown): complete = what the recommendation itself asks for is in place and shown in the evidence, with nothing further planned beyond routine monitoring (existing arrangements that meet only part of the ask are in_progress); in_progress = work delivered or under way; not_started = only intentions so far; not_applicable = does not apply to your force; not_assessed = nothing to report yet.",
        "3. status_basis (required, dropdown): leave as 'stated' (the status is your statement). status_reason (optional): one short line on why.",
        "4. evidence: what is already in place, with facts, figures and dates. Leave it blank rather than writing 'none'.",
        "5. actions: what is planned or under way, with dates.",
        "6. owner: a team, unit, board or role. Do not give names of individuals.",
        "7. linked_workstreams: short names separated by ';'.",
        "8. marking (required, dropdown): OFFICIAL, or OFFICIAL-SENSITIVE for content that must not be published (it is left out of public reports).",
        "9. A row you do not report on: leave status, owner, evidence, actions and linked workstreams all blank; it is skipped on import.",
        "10. To report on an item that has no row, use an empty row at the bottom and pick its id from the dropdown. Each id may appear only once.",
        "",
        "Columns with orange headings are required; blue are optional; grey are context.",
        "Do not rename, reorder or delete columns, do not merge cells, and type values rather than formulas.",
        "The sheet is protected only against accidental edits to the context columns (Review > Unprotect Sheet; there is no password).",
        "",
        "Sending it back",
        f"Save as .xlsx (keep the file name) and return it. It is imported with: casey import <file> --force {force.id} --quarter {quarter.id}",
        "The import checks every row and lists any problem by row and column; nothing is filed until the whole return is valid.",
        "",
        f"Framework: {framework.id}   Force: {force.id}   Quarter: {quarter.id}   Template version: {TEMPLATE_VERSION}",
    ]


def _text_cell(value):
    """A Tracker cell's value: None for blank, else normalised text that can never run as a formula."""
    text = normalise_text(value)
    return neutralise_formula(text) if text else None


def _fill_lists(wb, lists, framework: Framework, force: Force, quarter: Quarter) -> dict[str, str]:
    """The hidden Lists sheet: dropdown sources and the template's identity; the dropdown ranges by key."""
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.utils import get_column_letter

    sources = {
        "status": STATUSES,
        "marking": MARKINGS,
        "status_basis": STATUS_BASES,
        "recommendation_id": list(framework.ids),
    }
    ranges = {}
    for col, (key, values) in enumerate(sources.items(), start=1):
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=key)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=col, value=value).number_format = "@"
        ranges[key] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    identity = {
        "framework": framework.id,
        "force": force.id,
        "quarter": quarter.id,
        "template_version": TEMPLATE_VERSION,
    }
    for r, (key, value) in enumerate(identity.items(), start=1):
        lists.cell(row=r, column=7, value=key)
        lists.cell(row=r, column=8, value=value)
        wb.custom_doc_props.append(StringProperty(name=f"casey_{key}", value=value))
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    return ranges


def _cell_border():
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color=WORKBOOK["border"].lstrip("#"))
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def _write_headings(ws, border) -> None:
    """Row 1 of the Tracker sheet: coloured by kind (context, required, optional), each with its help comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for col, name in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=name)
        fill = (
            CONTEXT_HEADER_FILL
            if name in CONTEXT_COLUMNS
            else REQUIRED_FILL
            if name in REQUIRED_COLUMNS
            else OPTIONAL_FILL
        )
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = border
        cell.comment = Comment(HEADINGS_HELP[name], "casey")
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS[name]


def _write_rows(ws, rows: pd.DataFrame, border) -> int:
    """The pre-filled rows, then empty ones; every cell text; context cells grey and locked. The last data row."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    wrap = Alignment(wrap_text=True, vertical="top")
    grey = PatternFill("solid", fgColor=GREY)
    total = len(rows) + EXTRA_ROWS
    records = rows.to_dict("records")
    for r in range(2, total + 2):
        record = records[r - 2] if r - 2 < len(records) else None
        for col, name in enumerate(TEMPLATE_COLUMNS, start=1):
            value = record[name] if record is not None else ""
            cell = ws.cell(row=r, column=col, value=_text_cell(value))
            if cell.value is not None:
                cell.data_type = "s"  # always text: openpyxl would store a string starting "=" as a formula
            cell.number_format = "@"  # text: keeps ids like 4.10 or 1.2 from turning into numbers or dates
            cell.alignment = wrap
            cell.border = border
            context = name in CONTEXT_COLUMNS or (name == "recommendation_id" and record is not None)
            if context:
                cell.fill = grey
                cell.font = Font(color=WORKBOOK["context-text"].lstrip("#"))
            cell.protection = Protection(locked=context)
    return total


def _add_dropdowns(ws, ranges: dict[str, str], first_new_row: int, total: int) -> None:
    """Dropdowns for status, basis and marking on every row, and for the id on the rows the force adds."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for name, source in (
        ("status", "status"),
        ("status_basis", "status_basis"),
        ("marking", "marking"),
        ("recommendation_id", "recommendation_id"),
    ):
        letter = get_column_letter(TEMPLATE_COLUMNS.index(name) + 1)
        first = 2 if name != "recommendation_id" else first_new_row
        dv = DataValidation(
            type="list", formula1=f"={ranges[source]}", allow_blank=True, showErrorMessage=True, errorStyle="stop"
        )
        dv.errorTitle = f"Invalid {name}"
        dv.error = f"Choose a {name} from the list."
        dv.promptTitle = name
        dv.prompt = HEADINGS_HELP[name][:250]
        dv.showInputMessage = True
        dv.add(f"{letter}{first}:{letter}{total + 1}")
        ws.add_data_validation(dv)


def _protect(ws) -> None:
    """Locked cells stay locked; formatting, filtering and sorting stay allowed."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


def _write_instructions(info, framework: Framework, force: Force, quarter: Quarter, previous: Snapshot | None) -> None:
    from openpyxl.styles import Alignment, Font

    info.column_dimensions["A"].width = 120
    for r, line in enumerate(_instructions(framework, force, quarter, previous), start=1):
        cell = info.cell(row=r, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1 or line in ("How to fill in the Tracker sheet", "Sending it back"):
            cell.font = Font(bold=True, size=14 if r == 1 else 12)


def build_workbook(
    framework: Framework,
    force: Force,
    quarter: Quarter,
    rows: pd.DataFrame,
    previous: Snapshot | None,
    generated: dt.datetime | None = None,
):
    """The template as an openpyxl Workbook (not saved): Tracker, Instructions and hidden Lists sheets."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    generated = generated or dt.datetime.now().replace(microsecond=0)
    wb = Workbook()
    ws = wb.active
    ws.title = TRACKER_SHEET
    info = wb.create_sheet(INSTRUCTIONS_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    ranges = _fill_lists(wb, lists, framework, force, quarter)

    border = _cell_border()
    _write_headings(ws, border)
    total = _write_rows(ws, rows, border)
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 30
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{total + 1}"
    _add_dropdowns(ws, ranges, len(rows) + 2, total)
    _protect(ws)
    _write_instructions(info, framework, force, quarter, previous)

    wb.properties.title = f"{framework.short_title} tracker: {force.name} {quarter.label}"
    wb.properties.creator = "casey template"
    wb.properties.created = generated
    wb.properties.modified = generated
    return wb


def write_template(
    force: str, quarter: Quarter | str, framework_id: str = config.DEFAULT_FRAMEWORK, data_dir=None, out_dir=None
) -> TemplateResult:
    """Write ``<force>-<quarter>-tracker.xlsx`` pre-filled from the force's latest earlier snapshot."""
    the_force = get_force(force, data_dir)
    the_quarter = Quarter.of(quarter)
    framework = load_framework(framework_id, data_dir)
    previous = previous_snapshot(framework.id, the_force.id, the_quarter, data_dir)
    notes: list[str] = []
    prev_frame = None
    if previous is not None:
        try:
            prev_frame = load_tracker(previous.path, framework)
        except TrackerError as exc:
            notes.append(
                f"the previous snapshot {previous.path} has {len(exc.problems)} problem(s); the template is not pre-filled"
            )
            notes.extend(str(p) for p in exc.problems)
            previous = None
    rows = template_rows(framework, prev_frame)
    wb = build_workbook(framework, the_force, the_quarter, rows, previous)
    buffer = io.BytesIO()
    wb.save(buffer)
    path = atomic.write_bytes(template_path(the_force, the_quarter, out_dir, data_dir), buffer.getvalue())
    return TemplateResult(path, len(rows), int(rows["_prefilled"].sum()) if len(rows) else 0, previous, tuple(notes))


def read_template_identity(path: str | Path) -> dict[str, str] | None:
    """framework / force / quarter recorded in a template workbook, or None if it carries none."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(Path(path), read_only=False, data_only=True)
    except Exception:
        return None
    found: dict[str, str] = {}
    if LISTS_SHEET in wb.sheetnames:
        ws = wb[LISTS_SHEET]
        for r in range(1, 10):
            key, value = ws.cell(row=r, column=7).value, ws.cell(row=r, column=8).value
            if key in ("framework", "force", "quarter", "template_version") and value is not None:
                found[key] = str(value)
    if not found:
        try:
            for prop in wb.custom_doc_props.props:
                if prop.name.startswith("casey_"):
                    found[prop.name.removeprefix("casey_")] = str(prop.value)
        except AttributeError:  # pragma: no cover - older openpyxl
            pass
    return found or None
