"""Force trackers: read (CSV or Excel), normalise and validate against a framework.

A tracker is one file per force per financial quarter:
``data/raw/trackers/<framework>/<force>/<quarter>.csv`` (or ``.xlsx``), with an optional
``<quarter>.meta.yaml`` beside it saying when the position was recorded and why it is
dated to that quarter. Every problem names the file, the row (as a spreadsheet user counts
it: the header is row 1) and the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from analysis.core import config, settings
from analysis.core.cells import is_formula_like, normalise_text
from analysis.core.forces import UnknownForceError, get_force
from analysis.core.periods import PeriodError, Quarter
from analysis.core.settings import STATUS_REASON_MAX_CHARS
from analysis.sources import headers, ods
from analysis.sources.catalogue import Framework
from analysis.sources.markings import MARKINGS as MARKING_NAMES
from analysis.sources.markings import SENSITIVE, canonical_marking  # noqa: F401  (SENSITIVE is re-exported)
from analysis.sources.ods import OPENDOCUMENT_SPREADSHEET

COLUMNS = [
    "recommendation_id",
    "status",
    "owner",
    "evidence",
    "actions",
    "linked_workstreams",
    "marking",
    "status_basis",
    "source",
]
# Optional: a short reason for the status in the analyst's or force's own words, printed beside it.
OPTIONAL_COLUMNS = ["status_reason"]
TRACKER_COLUMNS = [*COLUMNS, *OPTIONAL_COLUMNS]  # what a validated tracker holds, optional columns filled
# The template's grey context columns (written from the catalogue, never read back): every reader drops them, so a
# returned template gives one answer whether it is imported or placed in data/raw by hand.
CONTEXT_COLUMNS = ["section", "title", "casey_summary", "previous_status"]
STATUSES = ["not_started", "in_progress", "complete", "not_applicable", "not_assessed"]
MARKINGS = list(MARKING_NAMES)
STATUS_BASES = ["stated", "assessed"]
TRACKER_SUFFIXES = (".csv", ".xlsx", ".ods")
HEADER_ROW = 1  # rows are reported as a spreadsheet shows them: data starts at row 2
MAX_FILE_BYTES = settings.TRACKER_MAX_FILE_BYTES
MAX_UNZIPPED_BYTES = settings.TRACKER_MAX_UNZIPPED_BYTES
MAX_ROWS = settings.TRACKER_MAX_ROWS
MAX_COLUMNS = settings.TRACKER_MAX_COLUMNS
MAX_CELL_CHARS = settings.TRACKER_MAX_CELL_CHARS


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | str  # a row number, or "header" / "file"
    field: str
    message: str

    def __str__(self) -> str:
        row = f"row {self.row}" if isinstance(self.row, int) else self.row
        return f"{self.file}: {row}: {self.field}: {self.message}"


class TrackerError(ValueError):
    """A tracker that cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- reading ---------------------------------------------------------------------------


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _decode(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel on Windows saves CSV so), decided per file.

    A file that is UTF-8 except for some bytes is refused, naming the first bad line, rather than
    decoded entirely as Windows-1252 (which would turn every accented letter into mojibake).
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of(raw, exc.start)
        if _UTF8_MULTIBYTE.search(raw[: exc.start]) or _UTF8_MULTIBYTE.search(raw[exc.end :]):
            raise TrackerError(
                [
                    Problem(
                        name,
                        "file",
                        "encoding",
                        f"line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 "
                        "but the rest of the file is; retype that character or save it as 'CSV UTF-8'",
                    )
                ]
            ) from exc
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc2:
            raise TrackerError(
                [Problem(name, "file", "encoding", f"line {_line_of(raw, exc2.start)}: not UTF-8 or Windows-1252 text")]
            ) from exc2


def read_text(path: Path, raw: bytes | None = None) -> str:
    """A CSV file's text, decoded per file; NUL bytes anywhere are refused naming the line."""
    name = str(path)
    raw = Path(path).read_bytes() if raw is None else raw
    nul = raw.find(b"\x00")
    if nul >= 0:
        where = "" if nul < 4096 else f"line {_line_of(raw, nul)}: "
        raise TrackerError(
            [
                Problem(
                    name,
                    "file",
                    "encoding",
                    f"{where}contains NUL bytes: this is UTF-16 text or binary data, not CSV; save it as 'CSV UTF-8'",
                )
            ]
        )
    return _decode(raw, name)


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES, what: str = "a tracker") -> bytes:
    """A file's bytes, refusing (before reading them all) anything that is not a regular file or is too big."""
    name = str(path)
    try:
        if not path.exists():
            raise TrackerError([Problem(name, "file", "path", "file not found")])
        if not path.is_file():
            raise TrackerError([Problem(name, "file", "path", "not a regular file (a folder, device or pipe)")])
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise TrackerError([Problem(name, "file", "path", f"cannot be read: {exc.strerror or exc}")]) from exc
    if len(raw) > limit:
        raise TrackerError(
            [
                Problem(
                    name,
                    "file",
                    "size",
                    f"larger than {limit // (1024 * 1024)} MB; {what} is far smaller: is this the right file?",
                )
            ]
        )
    return raw


def check_shape(frame: pd.DataFrame, name: str, what: str = "a tracker") -> None:
    """Refuse a sheet with more rows, columns or longer cells than a real tracker has."""
    if len(frame) > MAX_ROWS:
        raise TrackerError([Problem(name, "file", "rows", f"{len(frame)} rows; {what} has at most {MAX_ROWS}")])
    if len(frame.columns) > MAX_COLUMNS:
        raise TrackerError(
            [Problem(name, "header", "columns", f"{len(frame.columns)} columns; {what} has at most {MAX_COLUMNS}")]
        )
    problems = []
    for column in frame.columns:
        lengths = frame[column].fillna("").astype(str).str.len()
        for index in lengths.index[lengths > MAX_CELL_CHARS][:5]:
            problems.append(
                Problem(
                    name,
                    int(index) + HEADER_ROW + 1,
                    str(column),
                    f"{lengths[index]} characters; a cell may hold at most {MAX_CELL_CHARS}",
                )
            )
    if problems:
        raise TrackerError(problems)


def sniff(raw: bytes) -> str:
    """What a file's bytes are, whatever its name says: xlsx, ods, zip, xls (the old binary Excel), html or text."""
    if raw.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except (zipfile.BadZipFile, OSError):
            return "zip"
        if (
            "mimetype" in names
            and zipfile.ZipFile(io.BytesIO(raw)).read("mimetype").strip() == OPENDOCUMENT_SPREADSHEET
        ):
            return "ods"
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .xls, or an old .doc
        return "xls"
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<table")):
        return "html"
    return "text"


SPREADSHEET_SUFFIXES = {".xlsx": "xlsx", ".ods": "ods"}
WHAT_IT_IS = {
    "xlsx": "an Excel workbook; name it .xlsx",
    "ods": "an OpenDocument spreadsheet (LibreOffice); name it .ods",
    "xls": "an old Excel 97-2003 workbook (.xls); open it and save it as .xlsx or .ods",
    "html": "an HTML or XML page (was a web page saved by mistake?); export the sheet itself",
    "text": "text (a CSV file?); name it .csv",
    "zip": "a zip file that is not a spreadsheet",
}


def read_raw(path: Path, what: str = "a tracker") -> pd.DataFrame:
    """Read a tracker (or another table people send: ``what`` names it in messages) as text cells, without judging
    its content: the one reader of .csv, .xlsx and .ods, with the same limits and messages for each."""
    path = Path(path)
    name = str(path)
    raw = read_bounded(path, what=what)
    if not raw.strip():
        raise TrackerError([Problem(name, "file", "content", "the file is empty")])
    suffix = path.suffix.lower()
    if suffix not in (".csv", *SPREADSHEET_SUFFIXES):
        raise TrackerError(
            [Problem(name, "file", "format", f"expected .csv, .xlsx or .ods, got {path.suffix or 'no extension'}")]
        )
    kind = sniff(raw)
    expected = SPREADSHEET_SUFFIXES.get(suffix, "text")
    if kind != expected and not (expected == "xlsx" and kind == "zip"):  # a damaged .xlsx is reported as such below
        if expected == "text" and kind == "html":
            raise TrackerError(
                [
                    Problem(
                        name,
                        "file",
                        "format",
                        "this looks like HTML or XML, not CSV (was a web page saved by mistake?)",
                    )
                ]
            )
        if expected == "text" and kind == "xlsx":
            raise TrackerError(
                [
                    Problem(
                        name,
                        "file",
                        "format",
                        "this is a zip file (an Excel workbook?) with a .csv name; save it as CSV, or name it .xlsx",
                    )
                ]
            )
        raise TrackerError([Problem(name, "file", "format", f"named {suffix} but this is {WHAT_IT_IS[kind]}")])
    if expected != "text":
        return _read_spreadsheet(path, raw, kind, what)
    return _read_csv(path, raw, what)


def _read_csv(path: Path, raw: bytes, what: str) -> pd.DataFrame:
    name = str(path)
    text = read_text(path, raw)
    try:
        # keep blank lines so that row numbers in messages match the file; _normalise drops them
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise TrackerError(
            [Problem(name, "file", "format", f"not readable as CSV: {' '.join(str(exc).split())}")]
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise TrackerError([Problem(name, "file", "content", "the file has no header row")]) from exc
    check_shape(frame, name, what)
    if len(frame.columns) == 1:
        for sep, label in ((";", "semicolons"), ("\t", "tabs")):
            if sep in str(frame.columns[0]):
                raise TrackerError(
                    [
                        Problem(
                            name,
                            "file",
                            "format",
                            f"the columns are separated by {label}, not commas; save it as 'CSV UTF-8 (comma delimited)'",
                        )
                    ]
                )
    return frame


def _cell_text(value) -> str:
    """A cell as text: whole numbers without ``.0``, dates as ISO dates (no midnight time)."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def tracker_sheet(workbook):
    """The sheet holding the tracker: one named "Tracker" (any case), else the first visible sheet."""
    for ws in workbook.worksheets:
        if ws.title.strip().lower() == "tracker":
            return ws
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    return (visible or workbook.worksheets)[0]


def _check_unzipped(raw: bytes, name: str, label: str, what: str) -> None:
    """Refuse a workbook whose parts unzip to more than the limit, from the zip directory (before unzipping)."""
    try:
        unzipped = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise TrackerError([Problem(name, "file", "format", f"not a readable {label}: {exc}")]) from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise TrackerError(
            [
                Problem(
                    name,
                    "file",
                    "size",
                    f"{unzipped // (1024 * 1024)} MB once unzipped; {what} workbook "
                    f"is far smaller (limit {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB)",
                )
            ]
        )


def _too_big(name: str, title: str, rows, columns, what: str) -> TrackerError:
    return TrackerError(
        [
            Problem(
                name,
                "file",
                "rows",
                f"sheet {title!r} spans {rows} rows and {columns} columns; "
                f"{what} has at most {MAX_ROWS} rows and {MAX_COLUMNS} columns",
            )
        ]
    )


def _read_spreadsheet(path: Path, raw: bytes, kind: str, what: str) -> pd.DataFrame:
    """An .xlsx or .ods tracker sheet as text cells, with the same limits, messages and formula rules."""
    name = str(path)
    label = "Excel workbook" if kind != "ods" else "OpenDocument spreadsheet"
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise TrackerError(
            [Problem(name, "file", "format", "not a readable Excel workbook (corrupt or truncated .xlsx)")]
        )
    _check_unzipped(raw, name, label, what)
    if kind == "ods":
        try:
            doc_table = ods.load(raw)[1]
        except ods.OdsError as exc:
            raise TrackerError([Problem(name, "file", exc.what, str(exc))]) from exc
        rows, columns = ods.extent(doc_table)  # before expanding repeated rows and cells
        if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS:
            raise _too_big(name, ods.sheet_title(doc_table), rows, columns, what)
        sheet = ods.read_sheet(doc_table)
    else:
        sheet = _xlsx_sheet(name, raw, what)
    return _sheet_frame(name, sheet, what)


def _xlsx_sheet(name: str, raw: bytes, what: str) -> ods.SheetCells:
    """The tracker sheet of an .xlsx: cached values of formulas, each cell's type as the file records it."""
    import openpyxl

    try:
        values = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(raw), data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise TrackerError([Problem(name, "file", "format", f"not a readable Excel workbook: {exc}")]) from exc
    if not values.worksheets:
        raise TrackerError([Problem(name, "file", "format", "the workbook has no worksheets")])
    ws = tracker_sheet(values)
    if ws.max_row > MAX_ROWS + 1 or ws.max_column > MAX_COLUMNS:
        raise _too_big(name, ws.title, ws.max_row, ws.max_column, what)
    sheet = ods.SheetCells(ws.title, [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)])
    sheet.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    # a formula is a cell the file types as one (openpyxl's data_type "f", from the <f> element), never text that
    # starts with "=": an inline or shared string "=1+1" is text, kept and neutralised like any other
    for row in formulas[ws.title].iter_rows():
        for cell in row:
            if cell.data_type == "f" and _cell_text(values[ws.title].cell(cell.row, cell.column).value) == "":
                sheet.unsaved_formulas.append((cell.row, cell.column, str(cell.value)))
    return sheet


def _sheet_frame(name: str, sheet: ods.SheetCells, what: str) -> pd.DataFrame:
    """A sheet's cells as a frame of text, refusing merged cells and formulas with no saved value (naming row and
    column) rather than reading them as blanks, which would give misleading "is blank" problems."""
    from openpyxl.utils import get_column_letter

    rows = [list(r) for r in sheet.rows]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise TrackerError([Problem(name, "file", "content", f"sheet {sheet.title!r} is empty")])
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    used = [j for j in range(width) if any(r[j].strip() for r in rows)]
    width = (used[-1] + 1) if used else 0
    header_cells = [rows[0][j].strip() for j in range(width)]

    def field(col: int) -> str:  # 1-based column -> the header name a user sees
        text = header_cells[col - 1] if col - 1 < len(header_cells) else ""
        return text or f"column {get_column_letter(col)}"

    def where(row: int):
        return "header" if row == 1 else row

    problems: list[Problem] = []
    for min_row, min_col, max_row, max_col in sorted(sheet.merged):
        if min_col > width:
            continue
        coord = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        message = f"cells {coord} are merged; unmerge them and give every row its own value"
        problems.append(Problem(name, where(min_row), field(min_col), message))
    for row, col, formula in sorted(sheet.unsaved_formulas):
        if row <= len(rows) and col <= width:
            message = f"holds the formula {formula[:60]!r} with no saved value; type the value itself"
            problems.append(Problem(name, where(row), field(col), message))
    if problems:
        raise TrackerError(problems)
    columns, seen = [], {}
    for j, text in enumerate(header_cells):
        text = text or f"Unnamed: {j}"
        if text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        else:
            seen[text] = 0
        columns.append(text)
    frame = pd.DataFrame([r[:width] for r in rows[1:]], columns=columns, dtype=str)
    check_shape(frame, name, what)
    return frame


# --- normalising and validating ------------------------------------------------------------


def canonical_headings(columns, name: str, known=(*TRACKER_COLUMNS, *CONTEXT_COLUMNS)):
    """The one header rule for trackers (:mod:`analysis.sources.headers`): each heading as the column it names
    (or as written, when it names none), and a problem for every second heading naming a column already named.
    Build, validate and import all read headings through here, so a file gets one answer."""
    renamed, clashes = headers.match(columns, list(known))
    problems = [Problem(name, "header", heading, message) for heading, message in clashes]
    seen = {heading for heading, _ in clashes}  # each clash reported once
    for heading in renamed:  # the same name twice (a mapping that renamed two columns to one)
        if heading in seen and heading in known and not any(p.field == heading for p in problems):
            problems.append(Problem(name, "header", heading, "two columns give this field; keep one"))
        seen.add(heading)
    return renamed, problems


def _normalise(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    frame = frame.copy()
    # the one header rule: "Marking" or " Recommendation ID " are the columns they name, in build as in import
    frame.columns, problems = canonical_headings(frame.columns, name)
    if problems:
        return frame, problems
    frame = frame.drop(columns=[c for c in CONTEXT_COLUMNS if c in frame.columns])
    for column in frame.columns:
        frame[column] = frame[column].fillna("").astype(str).map(normalise_text)
    if "status" in frame:
        frame["status"] = frame["status"].str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    if "marking" in frame:
        frame["marking"] = frame["marking"].map(lambda m: canonical_marking(m) or m.upper())
    if "status_basis" in frame:
        frame["status_basis"] = frame["status_basis"].str.lower()
    # Drop rows that are entirely blank (trailing rows left in spreadsheets).
    return frame[(frame != "").any(axis=1)], []


def _schema(framework: Framework) -> pa.DataFrameSchema:
    text = {"dtype": str, "nullable": False, "coerce": True}
    return pa.DataFrameSchema(
        {
            "recommendation_id": pa.Column(
                checks=[
                    pa.Check.str_length(min_value=1, error="is blank"),
                    pa.Check.isin(list(framework.ids), error=f"is not a {framework.id} recommendation id"),
                ],
                **text,
            ),
            "status": pa.Column(checks=pa.Check.isin(STATUSES, error=f"must be one of {', '.join(STATUSES)}"), **text),
            "owner": pa.Column(**text),
            "evidence": pa.Column(**text),
            "actions": pa.Column(**text),
            "linked_workstreams": pa.Column(**text),
            "marking": pa.Column(checks=pa.Check.isin(MARKINGS, error=f"must be one of {', '.join(MARKINGS)}"), **text),
            "status_basis": pa.Column(checks=pa.Check.isin(STATUS_BASES, error="must be stated or assessed"), **text),
            "source": pa.Column(checks=pa.Check.str_length(min_value=1, error="is blank"), **text),
            "status_reason": pa.Column(
                checks=[
                    pa.Check.str_length(
                        max_value=STATUS_REASON_MAX_CHARS,
                        error=f"is longer than {STATUS_REASON_MAX_CHARS} characters; give one short reason",
                    ),
                    pa.Check(
                        lambda s: ~s.str.contains(r"[\r\n]", regex=True),
                        element_wise=False,
                        error="spans more than one line; give one short reason on one line",
                    ),
                ],
                **text,
            ),
        },
        strict=True,
        ordered=False,
    )


def validate_frame(frame: pd.DataFrame, framework: Framework, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalise and check a tracker; return the clean frame and every problem found."""
    frame, problems = _normalise(frame, name)
    if problems:
        return frame, problems
    missing = [c for c in COLUMNS if c not in frame.columns]
    extra = [c for c in frame.columns if c not in TRACKER_COLUMNS]
    for column in missing:
        problems.append(Problem(name, "header", column, "required column is missing"))
    expected = f"only {', '.join(COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)})"
    for column in extra:
        problems.append(
            Problem(name, "header", column or "(blank)", headers.unknown_message(column, TRACKER_COLUMNS, expected))
        )
    if missing or extra:
        return frame, problems
    for column in OPTIONAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    if frame.empty:
        return frame, [Problem(name, "file", "content", "the tracker has a header but no rows")]
    # the index is still the file's own row order (blank rows dropped, not renumbered), so row = index + 2
    try:
        _schema(framework).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            row = int(case.index) + HEADER_ROW + 1 if pd.notna(case.index) else "file"
            value = "" if pd.isna(case.failure_case) else str(case.failure_case)
            message = case.check if isinstance(case.check, str) else str(case.check)
            problems.append(Problem(name, row, str(case.column), f"{value!r} {message}"))
    duplicated = frame["recommendation_id"].duplicated(keep="first") & (frame["recommendation_id"] != "")
    for index in frame.index[duplicated]:
        problems.append(
            Problem(
                name,
                index + HEADER_ROW + 1,
                "recommendation_id",
                f"{frame.at[index, 'recommendation_id']!r} appears more than once",
            )
        )
    problems.sort(
        key=lambda p: (
            p.row if isinstance(p.row, int) else 0,
            TRACKER_COLUMNS.index(p.field) if p.field in TRACKER_COLUMNS else 99,
        )
    )
    return frame[TRACKER_COLUMNS], problems


def formula_cells(frame: pd.DataFrame, name: str, rows: list[int] | None = None) -> list[Problem]:
    """Cells of a normalised tracker that a spreadsheet would run as formulas: one note each.

    They are kept as text (written with a leading ' by every spreadsheet and CSV writer); the
    import reports them so a person can check what the force sent. ``rows`` maps positions to
    the file's row numbers, by the frame's index (default: index + 2).
    """
    found = []
    for index, record in frame.iterrows():
        row = rows[int(index)] if rows is not None else int(index) + HEADER_ROW + 1
        for column, value in record.items():
            if isinstance(value, str) and is_formula_like(value):
                found.append(
                    Problem(
                        name,
                        row,
                        str(column),
                        f"starts with {value[:1]!r} and would run as a spreadsheet formula: "
                        f"kept as text, written with a leading ' ({value[:40]!r})",
                    )
                )
    return found


def load_tracker(path: Path, framework: Framework) -> pd.DataFrame:
    """Read and validate one tracker file, raising TrackerError listing every problem."""
    frame, problems = validate_frame(read_raw(path), framework, str(path))
    if problems:
        raise TrackerError(problems)
    return frame


# --- snapshots on disk -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    framework: str
    force_id: str
    quarter: str
    path: Path
    meta: dict

    @property
    def as_of(self) -> str:
        return str(self.meta.get("as_of") or Quarter.of(self.quarter).end.isoformat())

    @property
    def known_at(self) -> str:
        """When the snapshot became known: its document's ``published`` date, else the end of the quarter
        :data:`~analysis.core.settings.UNDATED_SNAPSHOT_QUARTERS_AFTER` after its own (a force's return)."""
        if self.meta.get("published"):
            return str(self.meta["published"])
        return Quarter.of(self.quarter).minus(-settings.UNDATED_SNAPSHOT_QUARTERS_AFTER).end.isoformat()

    @property
    def known_because(self) -> str:
        if self.meta.get("published"):
            return " ".join(str(self.meta.get("published_because", "")).split())
        return "no published date in the .meta.yaml: taken as known by the end of its quarter (a force's return)"


def read_meta(tracker_path: Path) -> dict:
    meta_path = tracker_path.with_name(tracker_path.stem + ".meta.yaml")
    if not meta_path.exists():
        return {}
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TrackerError([Problem(str(meta_path), "file", "content", f"not valid YAML: {exc}")]) from exc
    if not isinstance(meta, dict):
        raise TrackerError([Problem(str(meta_path), "file", "content", "expected a mapping of keys")])
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    problems = _published_problems(meta, str(meta_path))
    if problems:
        raise TrackerError(problems)
    return meta


def _published_problems(meta: dict, where: str) -> list[Problem]:
    """``published`` (when the source document became known) must be a date, and not before ``as_of``."""
    if "published" not in meta or meta["published"] in (None, ""):
        return []
    try:
        published = dt.date.fromisoformat(str(meta["published"]))
    except ValueError:
        return [Problem(where, "file", "published", f"{meta['published']!r} is not a date (YYYY-MM-DD)")]
    try:
        as_of = dt.date.fromisoformat(str(meta.get("as_of", "")))
    except ValueError:
        return []
    if published < as_of:
        return [
            Problem(
                where, "file", "published", f"{published} is before as_of {as_of}: a position is known after it holds"
            )
        ]
    return []


def locate(path: Path, data_dir=None) -> tuple[str, str, str] | None:
    """(framework, force, quarter) from a path under the trackers folder, or None."""
    try:
        relative = Path(path).resolve().relative_to(config.trackers_dir(data_dir).resolve())
    except ValueError:
        return None
    if len(relative.parts) != 3:
        return None
    return relative.parts[0], relative.parts[1], Path(relative.parts[2]).stem


def discover(framework_id: str | None = None, data_dir=None) -> tuple[list[Snapshot], list[Problem]]:
    """Every tracker file on disk, with problems for files whose place names no real force or quarter."""
    root = config.trackers_dir(data_dir)
    snapshots, problems = [], []
    frameworks = (
        [framework_id]
        if framework_id
        else sorted(p.name for p in root.iterdir() if p.is_dir())
        if root.exists()
        else []
    )
    for fw in frameworks:
        for path in sorted((root / fw).glob("*/*")):
            if path.suffix.lower() not in TRACKER_SUFFIXES or path.name.startswith((".", "~$")):
                continue
            force_part, quarter_part = path.parent.name, path.stem
            try:
                force = get_force(force_part, data_dir)
                quarter = Quarter.of(quarter_part)
                if force.id != force_part or quarter.id != quarter_part:
                    raise PeriodError(
                        f"name the folder by force slug and the file by quarter id: {force.id}/{quarter.id}{path.suffix}"
                    )
                snapshots.append(Snapshot(fw, force.id, quarter.id, path, read_meta(path)))
            except (UnknownForceError, PeriodError) as exc:
                problems.append(Problem(str(path), "file", "path", str(exc)))
            except TrackerError as exc:
                problems.extend(exc.problems)
    return snapshots, problems
