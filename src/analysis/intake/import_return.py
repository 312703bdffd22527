"""Import a force's returned tracker (the template workbook, a canonical CSV, or its own layout).

``import_tracker`` reads the file, maps its columns (canonical names, or a mapping file for a
force's own layout), drops the template's context columns and untouched rows, matches free-text
recommendation references to catalogue ids when the mapping asks for it, validates with
``trackers.validate_frame``, checks a template workbook was made for this force and quarter, and
only when everything is valid writes ``data/raw/trackers/<framework>/<force>/<quarter>.csv``
and its ``.meta.yaml`` (each to a temporary file renamed into place). An existing snapshot is
never overwritten unless ``replace`` is given, and then the old files are first copied to
``<force>/.replaced/<quarter>.<timestamp>.csv`` so nothing is lost. The result carries a change
summary against the force's previous snapshot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from analysis.compute.progress import compare, recommendation_status
from analysis.core import atomic, config
from analysis.core.cells import normalise_text
from analysis.core.errors import UsageError
from analysis.core.forces import Force, get_force
from analysis.core.periods import PeriodError, Quarter
from analysis.intake.reference_matching import DEFAULT_THRESHOLD, Match, match_reference
from analysis.intake.template import previous_snapshot, read_template_identity
from analysis.sources import headers
from analysis.sources.catalogue import Framework, load_framework
from analysis.sources.trackers import (
    CONTEXT_COLUMNS,
    HEADER_ROW,
    TRACKER_COLUMNS,
    Problem,
    TrackerError,
    canonical_headings,
    formula_cells,
    load_tracker,
    read_raw,
    validate_frame,
)

REPORTED_FIELDS = ["status", "owner", "evidence", "actions", "linked_workstreams"]
MAPPING_KEYS = {"id", "description", "source", "columns", "ignore", "defaults", "values", "references"}


class MappingError(UsageError):
    """A mapping file that is missing or malformed (a usage error)."""


class SnapshotExists(UsageError):
    """The snapshot is already on disk and ``replace`` was not given (a usage error)."""


# --- mapping files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    id: str
    path: Path | None
    columns: dict[str, str]  # canonical column -> heading in the returned file
    ignore: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    match: bool = False
    threshold: float = DEFAULT_THRESHOLD
    also: tuple[str, ...] = ()  # extra columns whose text helps match the reference
    confirmed: dict[str, str] = field(default_factory=dict)


def mappings_dir(data_dir=None) -> Path:
    return config.raw_dir(data_dir) / "mappings"


def _key(text) -> str:
    return " ".join(str(text).replace("\n", " ").lower().split())


def load_mapping(ref: str | Path, data_dir=None) -> Mapping:
    """A mapping by file path, or by id (a file ``data/raw/mappings/<id>.yaml``)."""
    path = Path(ref)
    if not path.exists():
        path = mappings_dir(data_dir) / f"{ref}.yaml"
    if not path.exists():
        choices = ", ".join(sorted(p.stem for p in mappings_dir(data_dir).glob("*.yaml"))) or "none"
        raise MappingError(f"unknown mapping {str(ref)!r}: give a mapping file or one of: {choices}")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise MappingError(f"{path}: expected a mapping of keys at the top level")
    unknown = sorted(set(doc) - MAPPING_KEYS)
    if unknown:
        raise MappingError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(MAPPING_KEYS))}")
    columns = doc.get("columns") or {}
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f"{path}: columns: give at least one canonical_column: heading pair")
    bad = sorted(set(columns) - set(TRACKER_COLUMNS))
    if bad:
        raise MappingError(
            f"{path}: columns: {', '.join(bad)} is not a tracker column; use {', '.join(TRACKER_COLUMNS)}"
        )
    defaults = {str(k): "" if v is None else str(v) for k, v in (doc.get("defaults") or {}).items()}
    bad = sorted(set(defaults) - set(TRACKER_COLUMNS))
    if bad:
        raise MappingError(f"{path}: defaults: {', '.join(bad)} is not a tracker column")
    values = doc.get("values") or {}
    if not isinstance(values, dict) or any(not isinstance(v, dict) for v in values.values()):
        raise MappingError(f"{path}: values: expected column: {{source value: tracker value}}")
    refs = doc.get("references") or {}
    if not isinstance(refs, dict):
        raise MappingError(f"{path}: references: expected a mapping (match, threshold, also, confirmed)")
    try:
        threshold = float(refs.get("threshold", DEFAULT_THRESHOLD))
    except (TypeError, ValueError) as exc:
        raise MappingError(f"{path}: references: threshold must be a number between 0 and 1") from exc
    if not 0 < threshold <= 1:
        raise MappingError(f"{path}: references: threshold must be a number between 0 and 1")
    confirmed = refs.get("confirmed") or {}
    if not isinstance(confirmed, dict):
        raise MappingError(f"{path}: references: confirmed: expected reference text: id pairs")
    return Mapping(
        id=str(doc.get("id") or path.stem),
        path=path,
        columns={str(k): str(v) for k, v in columns.items()},
        ignore=tuple(str(c) for c in (doc.get("ignore") or [])),
        defaults=defaults,
        values={str(c): {_key(k): str(v) for k, v in m.items()} for c, m in values.items()},
        match=bool(refs.get("match", False)),
        threshold=threshold,
        also=tuple(str(c) for c in (refs.get("also") or [])),
        confirmed={str(k): str(v) for k, v in confirmed.items()},
    )


# --- change summary ------------------------------------------------------------------------------


@dataclass
class ChangeSummary:
    previous_quarter: str | None
    status_moves: list[tuple[str, str, str]] = field(default_factory=list)  # (id, before, after)
    newly_blank_evidence: list[str] = field(default_factory=list)
    newly_evidenced: list[str] = field(default_factory=list)
    removed_rows: list[str] = field(default_factory=list)
    added_rows: list[str] = field(default_factory=list)
    recommendation_moves: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.previous_quarter is None:
            return ["no earlier snapshot for this force: nothing to compare with"]
        out = [f"changes since {self.previous_quarter}:"]

        def listing(label, items):
            out.append(f"  {label} ({len(items)}): {', '.join(items) if items else 'none'}")

        listing("status moves", [f"{i} {a} -> {b}" for i, a, b in self.status_moves])
        listing("evidence now blank", self.newly_blank_evidence)
        listing("rows removed", self.removed_rows)
        listing("rows added", self.added_rows)
        listing("newly evidenced", self.newly_evidenced)
        listing("recommendation status moves", [f"{i} {a} -> {b}" for i, a, b in self.recommendation_moves])
        return out


def change_summary(
    framework: Framework, current: pd.DataFrame, previous: pd.DataFrame | None, previous_quarter: str | None
) -> ChangeSummary:
    """Row-level changes (status, evidence, rows) and recommendation-level status moves."""
    if previous is None:
        return ChangeSummary(None)
    order = {item_id: i for i, item_id in enumerate(framework.ids)}
    cur = current.set_index("recommendation_id")
    prev = previous.set_index("recommendation_id")
    both = sorted(set(cur.index) & set(prev.index), key=order.get)
    blank = lambda v: str(v).strip() == ""  # noqa: E731
    summary = ChangeSummary(previous_quarter)
    summary.status_moves = [
        (i, prev.at[i, "status"], cur.at[i, "status"]) for i in both if prev.at[i, "status"] != cur.at[i, "status"]
    ]
    summary.newly_blank_evidence = [
        i for i in both if blank(cur.at[i, "evidence"]) and not blank(prev.at[i, "evidence"])
    ]
    summary.newly_evidenced = [i for i in both if not blank(cur.at[i, "evidence"]) and blank(prev.at[i, "evidence"])]
    summary.removed_rows = sorted(set(prev.index) - set(cur.index), key=order.get)
    summary.added_rows = sorted(set(cur.index) - set(prev.index), key=order.get)
    table = compare(recommendation_status(framework, current), recommendation_status(framework, previous))
    summary.recommendation_moves = [
        (r.recommendation_id, r.previous_status, r.status) for r in table.itertuples(index=False) if r.moved
    ]
    return summary


# --- import --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    source: Path
    target: Path
    framework: str
    force: str
    quarter: str
    rows: int = 0
    skipped: list[str] = field(default_factory=list)  # untouched template rows, by id
    problems: list[Problem] = field(default_factory=list)
    matches: list[tuple[int, Match]] = field(default_factory=list)  # (spreadsheet row, match)
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # replaced files, moved to .replaced/
    summary: ChangeSummary | None = None
    notes: list[str] = field(default_factory=list)
    formulas: list[Problem] = field(default_factory=list)  # formula-like cells, kept as text (reported, not refused)
    frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


def snapshot_path(framework_id: str, force_id: str, quarter: Quarter, data_dir=None) -> Path:
    return config.trackers_dir(data_dir) / framework_id / force_id / f"{quarter.id}.csv"


def apply_mapping(frame: pd.DataFrame, mapping: Mapping, name: str) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Rename a force's own columns to the canonical ones; return the frame, problems and the reference-text columns used.

    The mapping's headings are matched by the one header rule (:func:`analysis.sources.headers.fold`); a heading it
    does not name is refused unless it already names a tracker column under the same rule ("Marking")."""
    by_fold = {headers.fold(c): c for c in frame.columns}
    problems: list[Problem] = []
    rename = {}
    for canonical, heading in mapping.columns.items():
        actual = by_fold.get(headers.fold(heading))
        if actual is None:
            if canonical in mapping.defaults:
                continue
            problems.append(
                Problem(name, "header", heading, f"column is missing (mapping {mapping.id} takes {canonical} from it)")
            )
        else:
            rename[actual] = canonical
    also = [by_fold[headers.fold(c)] for c in mapping.also if headers.fold(c) in by_fold]
    ignored = {by_fold[headers.fold(c)] for c in mapping.ignore if headers.fold(c) in by_fold}
    for column in frame.columns:
        if column in rename or column in ignored or column in also:
            continue
        if headers.canonical(column, TRACKER_COLUMNS):
            rename[column] = headers.canonical(column, TRACKER_COLUMNS)
            continue
        if str(column).startswith("Unnamed: ") and (frame[column].astype(str).str.strip() == "").all():
            continue  # an empty column with no heading
        problems.append(
            Problem(
                name,
                "header",
                str(column),
                f"unexpected column; mapping {mapping.id} does not name it (add it under columns or ignore)",
            )
        )
    if problems:
        return frame, problems, []
    frame = frame[[c for c in frame.columns if c not in ignored]]
    renamed, problems = canonical_headings([rename.get(c, c) for c in frame.columns], name)
    if problems:  # two of the force's columns give one field (both a "Protective Marking" and a "marking")
        return (
            frame,
            [Problem(p.file, p.row, _source_heading(frame, renamed, p.field), p.message) for p in problems],
            [],
        )
    frame = frame.set_axis(renamed, axis=1)
    for column, default in mapping.defaults.items():
        if column not in frame.columns:
            frame[column] = default
        else:
            frame[column] = frame[column].where(frame[column].astype(str).str.strip() != "", default)
    for column, table in mapping.values.items():
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v, t=table: t.get(_key(v), v))
    return frame, [], also


def _source_heading(frame: pd.DataFrame, renamed: list[str], field_name: str) -> str:
    """The headings in the force's file that became ``field_name``, for a message the force can act on."""
    return " and ".join(repr(str(c)) for c, r in zip(frame.columns, renamed) if r == field_name) or field_name


def _wrong_template(
    path: Path, name: str, framework: Framework, force: Force, quarter: Quarter, result: ImportResult
) -> bool:
    """Is this a template made for another framework, force or quarter? (Problems go on ``result``.)"""
    if path.suffix.lower() != ".xlsx":
        return False
    identity = read_template_identity(path)
    if identity is None:
        result.notes.append(
            "not a casey template (no force/quarter recorded in it): force and quarter taken from the command line"
        )
        return False
    expected = {"framework": framework.id, "force": force.id, "quarter": quarter.id}
    for key, want in expected.items():
        got = identity.get(key)
        if got is not None and got != want:
            result.problems.append(
                Problem(
                    name,
                    "file",
                    key,
                    f"this workbook is the template for {key} {got}, not {want}; check --{key} or use the right file",
                )
            )
    return bool(result.problems)


def _canonical_columns(frame: pd.DataFrame, mapping: Mapping | None, name: str, result: ImportResult):
    """Normalised text, a ``_row`` column numbering rows as the file does, columns renamed to the canonical
    ones (by the mapping, else by header); context columns dropped. (frame, extra reference columns) or None."""
    frame = frame.copy()
    frame.columns = [normalise_text(c) for c in frame.columns]
    frame = frame.astype(str).apply(lambda s: s.map(normalise_text))
    frame["_row"] = [i + HEADER_ROW + 1 for i in range(len(frame))]
    also: list[str] = []
    if mapping is not None:
        data = frame.drop(columns="_row")
        data, problems, also = apply_mapping(data, mapping, name)
        if problems:
            result.problems = problems
            return None
        data["_row"] = frame["_row"]
        frame = data
        result.notes.append(f"columns mapped with {mapping.path or mapping.id}")
    else:
        renamed, problems = canonical_headings(frame.columns, name)
        if problems:
            result.problems = problems
            return None
        frame.columns = renamed
    return frame.drop(columns=[c for c in CONTEXT_COLUMNS if c in frame.columns]), also


def _content_rows(
    frame: pd.DataFrame, also: list[str], force: Force, quarter: Quarter, path: Path, result: ImportResult
):
    """Drop blank rows and untouched template rows (listed as skipped); fill in the source where blank."""
    content = [c for c in frame.columns if c not in ("_row", *also)]
    frame = frame[(frame[content] != "").any(axis=1)]
    if all(c in frame.columns for c in ["recommendation_id", *REPORTED_FIELDS]):
        untouched = (frame[REPORTED_FIELDS] == "").all(axis=1) & (frame["recommendation_id"] != "")
        result.skipped = list(frame.loc[untouched, "recommendation_id"])
        frame = frame[~untouched]
    # the returned file's name stays out of the rows (it reaches reports); the .meta.yaml keeps it for people
    default_source = f"{force.name} return for {quarter.label}"
    if "source" not in frame.columns:
        frame["source"] = default_source
    else:
        frame.loc[frame["source"] == "", "source"] = default_source
    return frame


def _match_references(
    frame: pd.DataFrame, also: list[str], mapping: Mapping | None, framework: Framework, name: str, result: ImportResult
):
    """Free-text references -> catalogue ids; (frame, rows left unmatched, their problems)."""
    unmatched_rows: set[int] = set()
    match_problems: list[Problem] = []
    if mapping is None or not mapping.match or "recommendation_id" not in frame.columns:
        return frame, unmatched_rows, match_problems
    ids = []
    for index in frame.index:
        row = int(frame.at[index, "_row"])
        reference = " ".join(
            str(frame.at[index, c]) for c in ["recommendation_id", *also] if str(frame.at[index, c]).strip()
        ).strip()
        found = match_reference(reference, framework, mapping.threshold, mapping.confirmed)
        result.matches.append((row, found))
        if found.confident:
            ids.append(found.id)
        else:
            ids.append(reference)
            unmatched_rows.add(row)
            short = reference if len(reference) <= 70 else reference[:67] + "..."
            hint = f"best match {found.describe(framework)}" if found.id else found.describe()
            match_problems.append(
                Problem(
                    name,
                    row,
                    "recommendation_id",
                    f"{short!r}: {hint}; not accepted: confirm it under references: confirmed: in the mapping file, or write the id",
                )
            )
    frame["recommendation_id"] = ids
    frame = frame.drop(columns=[c for c in also if c in frame.columns])
    return frame, unmatched_rows, match_problems


def _validate(
    frame: pd.DataFrame,
    framework: Framework,
    name: str,
    unmatched_rows: set[int],
    match_problems: list[Problem],
    result: ImportResult,
):
    """Validate, report problems at the file's own row numbers; the checked rows in catalogue order, or None."""
    source_rows = list(frame["_row"])
    checked, problems = validate_frame(frame.drop(columns="_row").reset_index(drop=True), framework, name)

    def at_source(problem: Problem) -> Problem:
        if isinstance(problem.row, int) and 0 <= problem.row - HEADER_ROW - 1 < len(source_rows):
            return Problem(problem.file, source_rows[problem.row - HEADER_ROW - 1], problem.field, problem.message)
        return problem

    problems = [at_source(p) for p in problems]
    problems = [p for p in problems if not (p.field == "recommendation_id" and p.row in unmatched_rows)]
    result.problems = sorted(
        match_problems + problems,
        key=lambda p: (
            p.row if isinstance(p.row, int) else 0,
            TRACKER_COLUMNS.index(p.field) if p.field in TRACKER_COLUMNS else 99,
        ),
    )
    if result.problems:
        return None
    result.formulas = formula_cells(checked, name, source_rows)
    order = {item_id: i for i, item_id in enumerate(framework.ids)}
    checked = (
        checked.assign(_order=checked["recommendation_id"].map(order))
        .sort_values("_order", kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    result.frame = checked
    result.rows = len(checked)
    return checked


def _summarise_change(
    checked: pd.DataFrame, framework: Framework, force: Force, quarter: Quarter, data_dir, result: ImportResult
) -> None:
    """What changed since the force's previous snapshot (a broken previous snapshot is noted, not compared)."""
    previous = previous_snapshot(framework.id, force.id, quarter, data_dir)
    prev_frame = None
    if previous is not None:
        try:
            prev_frame = load_tracker(previous.path, framework)
        except TrackerError as exc:
            result.notes.append(
                f"the previous snapshot {previous.path} has {len(exc.problems)} problem(s); no comparison"
            )
            previous = None
    result.summary = change_summary(framework, checked, prev_frame, previous.quarter if previous else None)


def import_tracker(
    path: str | Path,
    force: str,
    quarter: Quarter | str,
    framework_id: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    mapping: str | Path | Mapping | None = None,
    replace: bool = False,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> ImportResult:
    """Check a returned tracker and, when it is valid, file it as the force's snapshot for ``quarter``.

    Raises UnknownForceError / PeriodError / FrameworkError / MappingError for bad arguments and
    SnapshotExists when the snapshot is on disk and ``replace`` is false (usage errors). Problems
    with the file's content are returned in ``result.problems`` and nothing is written.
    """
    path = Path(path)
    name = str(path)
    the_force: Force = get_force(force, data_dir)
    the_quarter = Quarter.of(quarter)
    framework = load_framework(framework_id, data_dir)
    today = today or dt.date.today()
    if the_quarter.start > today:
        raise PeriodError(
            f"{the_quarter.id} starts on {the_quarter.start.isoformat()}, after today ({today.isoformat()}); check --quarter"
        )
    the_mapping = mapping if isinstance(mapping, Mapping) or mapping is None else load_mapping(mapping, data_dir)
    target = snapshot_path(framework.id, the_force.id, the_quarter, data_dir)
    result = ImportResult(path, target, framework.id, the_force.id, the_quarter.id)

    try:
        frame = read_raw(path)
    except TrackerError as exc:
        result.problems = exc.problems
        return result
    if _wrong_template(path, name, framework, the_force, the_quarter, result):
        return result
    canonical = _canonical_columns(frame, the_mapping, name, result)
    if canonical is None:
        return result
    frame, also = canonical
    frame = _content_rows(frame, also, the_force, the_quarter, path, result)
    frame, unmatched_rows, match_problems = _match_references(frame, also, the_mapping, framework, name, result)
    checked = _validate(frame, framework, name, unmatched_rows, match_problems, result)
    if checked is None:
        return result
    _summarise_change(checked, framework, the_force, the_quarter, data_dir, result)

    existing = [p for p in (target, target.with_suffix(".xlsx"), target.with_suffix(".ods")) if p.exists()]
    if existing and not replace:
        raise SnapshotExists(
            f"{existing[0]} already exists; give --replace to replace it (the current file is kept in {target.parent / '.replaced'})"
        )
    if dry_run:
        result.notes.append("dry run: nothing written")
        return result
    _write(result, checked, the_force, the_quarter, path, existing, today, the_mapping)
    return result


def _meta(
    force: Force, quarter: Quarter, source: Path, today: dt.date, mapping: Mapping | None, skipped: list[str]
) -> dict:
    as_of = min(max(today, quarter.start), quarter.end)
    because = f"Return from {force.name} for {quarter.label}, imported on {today.isoformat()}."
    if as_of != today:
        because += f" Imported after the quarter ended, so dated to its last day ({as_of.isoformat()})."
    notes = ["Imported by casey import."]
    if mapping is not None:
        notes.append(f"Columns mapped with mapping {mapping.id}.")
    if skipped:
        notes.append(f"Template rows left blank and not imported: {', '.join(skipped)}.")
    return {
        "as_of": as_of,
        "document": f"{force.name} return for {quarter.label}",
        "dated_because": because,
        "notes": " ".join(notes),
        "imported_from": source.name,
    }  # imported_from: not read by build, never in a report


def _write(
    result: ImportResult,
    frame: pd.DataFrame,
    force: Force,
    quarter: Quarter,
    source: Path,
    existing: list[Path],
    today: dt.date,
    mapping: Mapping | None,
) -> None:
    target = result.target
    meta_path = target.with_name(f"{quarter.id}.meta.yaml")
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    kept_dir = target.parent / ".replaced"
    # Keep copies of everything about to be replaced before touching it.
    for old in [*existing, *([meta_path] if meta_path.exists() else [])]:
        suffix = ".meta.yaml" if old.name.endswith(".meta.yaml") else old.suffix
        copy = kept_dir / f"{quarter.id}.{stamp}{suffix}"
        atomic.write_bytes(copy, old.read_bytes())
        result.kept.append(copy)
    meta = _meta(force, quarter, source, today, mapping, result.skipped)
    # the snapshot and its .meta.yaml as one unit: a full disk leaves the old pair, never a mix
    result.written.extend(
        atomic.write_together(
            {
                meta_path: yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100).encode("utf-8"),
                target: atomic.csv_bytes(frame[TRACKER_COLUMNS]),
            }
        )
    )
    for old in existing:
        if old != target:  # an .xlsx or .ods snapshot replaced by the .csv (its copy is kept)
            old.unlink()
