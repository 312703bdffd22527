"""Read one sheet of an OpenDocument spreadsheet (.ods, as LibreOffice and the UK government's open standard save
it) into the same plain shape the .xlsx reader gives: cell text by row, merged ranges and formulas with no saved
value, so :mod:`analysis.sources.trackers` applies one set of rules to both.

Cell types come from the file (``office:value-type`` and ``table:formula``), never from the text: a string cell
that starts with ``=`` is text. Rows and columns that LibreOffice writes once with a repeat count are counted
before they are expanded, so a row repeated a million times is refused, not built (odfpy parses through
defusedxml).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

OPENDOCUMENT_SPREADSHEET = b"application/vnd.oasis.opendocument.spreadsheet"


class OdsError(ValueError):
    """An .ods that cannot be read: ``what`` is the field a problem names (format)."""

    def __init__(self, what: str, message: str):
        self.what = what
        super().__init__(message)


@dataclass
class SheetCells:
    """One sheet as text: ``rows`` (header first), merged ranges as (min_row, min_col, max_row, max_col) and
    formulas with no saved value as (row, column, formula), all 1-based as a spreadsheet counts."""

    title: str
    rows: list[list[str]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    unsaved_formulas: list[tuple[int, int, str]] = field(default_factory=list)


def _attr(element, name: str, namespace: str = "table"):
    from odf.namespaces import OFFICENS, TABLENS

    return element.attributes.get(({"table": TABLENS, "office": OFFICENS}[namespace], name))


def _text(cell) -> str:
    """A cell's text as shown: its paragraphs joined by new lines (text:s spaces and tabs kept)."""
    from odf import teletype
    from odf.namespaces import TEXTNS

    return "\n".join(teletype.extractText(p) for p in cell.childNodes if p.qname == (TEXTNS, "p"))


def _number(text: str) -> str:
    value = float(text)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def cell_value(cell) -> tuple[str, str | None]:
    """(the cell's text, its formula when it has no saved value, else None), by the type the file records."""
    kind = _attr(cell, "value-type", "office")
    formula = _attr(cell, "formula")
    if kind is None:
        return "", formula  # an empty cell; with a formula, one never calculated
    if kind in ("float", "percentage", "currency"):
        return _number(_attr(cell, "value", "office") or _text(cell)), None
    if kind == "date":
        value = _attr(cell, "date-value", "office") or ""
        moment = dt.datetime.fromisoformat(value) if "T" in value else None
        return (moment.isoformat(sep=" ") if moment and moment.time() != dt.time(0) else value[:10]), None
    if kind == "boolean":
        return ("TRUE" if (_attr(cell, "boolean-value", "office") or "").lower() == "true" else "FALSE"), None
    if kind == "string" and _attr(cell, "string-value", "office") is not None:
        return _attr(cell, "string-value", "office"), None
    return _text(cell), None  # string (and time, shown as written)


def _visible(doc, table) -> bool:
    from odf.namespaces import STYLENS, TABLENS

    style_name = _attr(table, "style-name")
    for style in doc.automaticstyles.childNodes:
        if style.attributes.get((STYLENS, "name")) == style_name:
            for props in style.childNodes:
                if props.attributes.get((TABLENS, "display")) == "false":
                    return False
    return True


def tracker_table(doc):
    """The sheet named "Tracker" (any case), else the first visible sheet, as for .xlsx."""
    from odf.table import Table

    tables = doc.spreadsheet.getElementsByType(Table)
    if not tables:
        raise OdsError("format", "the workbook has no worksheets")
    for table in tables:
        if (_attr(table, "name") or "").strip().lower() == "tracker":
            return table
    visible = [t for t in tables if _visible(doc, t)]
    return (visible or tables)[0]


def _cells(row):
    from odf.namespaces import TABLENS

    return [c for c in row.childNodes if c.qname in ((TABLENS, "table-cell"), (TABLENS, "covered-table-cell"))]


def _filled(cell) -> bool:
    text, formula = cell_value(cell)
    return bool(text) or formula is not None


def extent(table) -> tuple[int, int]:
    """(rows, columns) the sheet's filled cells span, from the repeat counts: nothing is expanded."""
    rows = columns = 0
    row_at = 0
    for row in _rows(table):
        repeat = int(_attr(row, "number-rows-repeated") or 1)
        column_at = width = 0
        for cell in _cells(row):
            column_at += int(_attr(cell, "number-columns-repeated") or 1)
            if _filled(cell):
                width = column_at
        row_at += repeat
        if width:
            rows, columns = row_at, max(columns, width)
    return rows, columns


def _row_cells(row, r: int, sheet: SheetCells) -> list[str]:
    cells: list[str] = []
    pending = 0  # empty cells held back: LibreOffice pads each row with a thousand
    for cell in _cells(row):
        repeat = int(_attr(cell, "number-columns-repeated") or 1)
        text, formula = cell_value(cell)
        if not text and formula is None:
            pending += repeat
            continue
        cells += [""] * pending + [text] * repeat
        pending = 0
        column = len(cells) - repeat + 1
        if formula is not None:
            sheet.unsaved_formulas.append((r, column, formula))
        rows_spanned = int(_attr(cell, "number-rows-spanned") or 1)
        columns_spanned = int(_attr(cell, "number-columns-spanned") or 1)
        if rows_spanned > 1 or columns_spanned > 1:
            sheet.merged.append((r, column, r + rows_spanned - 1, column + columns_spanned - 1))
    return cells


def load(raw: bytes):
    """The tracker sheet of an .ods, parsed but not expanded: (document, table)."""
    from odf.opendocument import load as load_document

    try:
        doc = load_document(io.BytesIO(raw))
    except Exception as exc:  # odfpy raises many types for damaged files
        raise OdsError("format", f"not a readable OpenDocument spreadsheet: {exc}") from exc
    return doc, tracker_table(doc)


def read_sheet(table) -> SheetCells:
    """A sheet's cells; check :func:`extent` first, since rows and cells written once with a repeat count are
    expanded here."""
    sheet = SheetCells(sheet_title(table))
    pending = 0  # empty rows held back: only those before a filled row count (LibreOffice pads a million)
    for row in _rows(table):
        repeat = int(_attr(row, "number-rows-repeated") or 1)
        formulas_before = len(sheet.unsaved_formulas)
        cells = _row_cells(row, len(sheet.rows) + pending + 1, sheet)
        if not any(c.strip() for c in cells) and len(sheet.unsaved_formulas) == formulas_before:
            pending += repeat
            continue
        sheet.rows += [[] for _ in range(pending)] + [list(cells) for _ in range(repeat)]
        pending = 0
    return sheet


def _rows(element):
    """The table's rows in order, including those inside header-row and row-group elements."""
    from odf.namespaces import TABLENS

    for child in element.childNodes:
        if child.qname == (TABLENS, "table-row"):
            yield child
        elif child.qname in ((TABLENS, "table-header-rows"), (TABLENS, "table-row-group"), (TABLENS, "table-rows")):
            yield from _rows(child)


def sheet_title(table) -> str:
    return _attr(table, "name") or ""
