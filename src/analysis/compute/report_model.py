"""Everything one force report needs, gathered and computed in one place.

The notebook calls ``load_report`` once and passes the result to ``analysis.present.fragments`` (which
hands it on to ``narrative``, ``tracker_charts`` and ``measure_charts``). Audience filtering happens here, first, so nothing withheld from the
public can reach a later stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import analysis
from analysis.compute.as_at import LaterData, known_rows, known_snapshots, later_data
from analysis.compute.progress import (
    ChangeSummary,
    Summary,
    apply_audience,
    change_summary,
    compare,
    flags,
    mark_withheld,
    quarters_since_change,
    recommendation_status,
    report_marking,
    status_history,
    summarise,
    withheld_recommendations,
    without_recommendations,
)
from analysis.core import config
from analysis.core.audience import AUDIENCES, Audience  # noqa: F401  (AUDIENCES is re-exported)
from analysis.core.errors import MissingInputs
from analysis.core.forces import Force, get_force
from analysis.core.periods import Quarter
from analysis.sources.catalogue import Framework, load_framework
from analysis.sources.trackers import file_sha256

WITHHELD_HASH = "not shown in any public version: tracker files may hold rows that are not published"


class MissingProcessedData(MissingInputs):
    """The processed tables are not there: run ``casey build``."""


@dataclass
class Report:
    force: Force
    quarter: Quarter
    audience: Audience
    framework: Framework
    rows: pd.DataFrame  # this quarter's tracker rows the audience may see
    withheld: int  # rows withheld from this audience
    status: pd.DataFrame  # per recommendation
    summary: Summary | None
    previous_quarter: Quarter | None
    changes: pd.DataFrame | None
    flags: dict[str, list[str]]
    history: pd.DataFrame  # statuses across the force's snapshots up to this quarter
    snapshot: dict | None  # the snapshot index row (as_of, document, ...)
    marking: str
    generated_at: str
    measures: list = field(
        default_factory=list
    )  # analysis.compute.measure_sections.MeasureSection, one per key measure
    measures_error: str = ""  # why the measures could not be computed, if they could not
    inputs: list[dict] = field(default_factory=list)  # data files used, with hashes
    withheld_parts: dict[str, int] = field(default_factory=dict)  # recommendation -> rows withheld from this audience
    parameters: dict = field(default_factory=dict)
    withheld_ids: list[str] = field(default_factory=list)  # recommendations withheld whole from the public version
    later: LaterData | None = None  # data held for periods after the quarter, left out (counts only)
    change: ChangeSummary | None = None  # what changed since the previous snapshot (ids and counts)
    data_dir: str | Path | None = None  # as given to load_report: charts read their data from it (charts.block)

    def is_withheld(self, rec_id: str) -> bool:
        return rec_id in self.withheld_ids

    @property
    def has_tracker(self) -> bool:
        return self.snapshot is not None

    @property
    def as_of(self) -> str | None:
        return self.snapshot["as_of"] if self.snapshot else None

    @property
    def package_version(self) -> str:
        return analysis.__version__  # the pinned version on a Dask worker (analysis.pin_version)

    def rows_for(self, recommendation_id: str) -> pd.DataFrame:
        mask = self.rows["recommendation_id"].map(self.framework.recommendation_of) == recommendation_id
        return self.rows[mask].sort_values("item_order", kind="stable")


def _read_processed(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise MissingProcessedData(f"{path} is missing: run `casey build` first to build data/processed from data/raw")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise MissingProcessedData(
            f"{path} is damaged ({' '.join(str(exc).split())[:120]}): run `casey build`"
        ) from exc
    needed = {"force_id", "quarter"}
    if not needed <= set(frame.columns):
        raise MissingProcessedData(
            f"{path} is damaged (no {', '.join(sorted(needed - set(frame.columns)))} column): run `casey build`"
        )
    return frame


def read_tracker_tables(framework_id: str, data_dir=None) -> tuple[pd.DataFrame, pd.DataFrame, Path, Path]:
    """The processed tracker table and snapshot index of a framework, and their paths: the one loader that a
    force report (:func:`load_report`) and the national overview (``compute.overview_model``) share."""
    processed = config.processed_dir(data_dir) / "trackers"
    table_path, index_path = processed / f"{framework_id}.csv", processed / f"{framework_id}-snapshots.csv"
    return _read_processed(table_path), _read_processed(index_path), table_path, index_path


def without_tracker_hashes(inputs: list[dict], tracker_files) -> list[dict]:
    """The inputs list of a public page: the tracker files' hashes replaced by :data:`WITHHELD_HASH`.

    A hash of a file holding withheld rows would let a reader confirm a guess at them, so no public page (a
    force report or the national overview) shows one; the files are still named."""
    tracker_files = set(tracker_files)
    return [{**i, "sha256": WITHHELD_HASH} if i["file"] in tracker_files else i for i in inputs]


def data_relpath(path: Path, data_dir=None) -> str:
    """``path`` as pages name it: relative to the data root when under it, else as given."""
    root = config.data_dir(data_dir)
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def input_hashes(paths, data_dir, audience: Audience, tracker_files, recorded=()) -> list[dict]:
    """The inputs list of a page: each file under the data root with its SHA-256, then ``recorded`` entries
    (hashes already known, such as a snapshot's); on a public page the tracker files' hashes are withheld
    (:func:`without_tracker_hashes`). The one builder for force reports and the national overview."""
    inputs = [{"file": data_relpath(p, data_dir), "sha256": file_sha256(p)} for p in paths] + list(recorded)
    return without_tracker_hashes(inputs, tracker_files) if audience.is_public else inputs


def _key_measures(
    force_id: str, quarter: Quarter, data_dir, audience: Audience = Audience.INTERNAL
) -> tuple[list, str, list[Path]]:
    """The key-measure sections, or the reason there are none (no measures data in this tree)."""
    from analysis.compute import measure_sections
    from analysis.sources.measure_files import input_paths

    if not config.measures_raw_dir(data_dir).exists():
        return [], "No key-measures data is present in this data tree (data/raw/measures).", []
    return measure_sections.measure_sections(force_id, quarter, data_dir, audience), "", input_paths(data_dir)


def later_observations(data_dir, quarter: Quarter, audience: Audience, fw: Framework | None = None) -> int:
    """Key-measure observations ``audience`` may see that a report for ``quarter`` leaves out (0 when the
    framework ``fw`` shows no key measures), for :func:`analysis.compute.as_at.later_data`."""
    from analysis.compute import measures

    return measures.later_observations(data_dir, quarter, audience) if fw is None or fw.has_key_measures else 0


def _without(history: pd.DataFrame, rec_ids: list[str]) -> pd.DataFrame:
    return history[~history["recommendation_id"].isin(rec_ids)].reset_index(drop=True)


def _visible_to(audience: Audience, fw: Framework, mine: pd.DataFrame, current_all: pd.DataFrame):
    """What ``audience`` may see: the recommendations withheld whole, the visible history, this quarter's rows
    and how many of them were withheld.

    A recommendation with any OFFICIAL-SENSITIVE row this quarter is withheld whole, in every snapshot, so
    neither its remaining parts nor its history can hint at what was withheld."""
    withheld_ids = withheld_recommendations(fw, current_all, audience)
    visible_history, _ = apply_audience(without_recommendations(fw, mine, withheld_ids), audience)
    rows, withheld = apply_audience(current_all.reset_index(drop=True), audience)
    return withheld_ids, visible_history, without_recommendations(fw, rows, withheld_ids), withheld


def _report_inputs(fw: Framework, tracker_tables, measure_files, snapshot: dict | None, audience, data_dir):
    """A force report's inputs: the framework file, the processed tracker table and index, the measures files,
    then the snapshot's own source file, whose hash the build recorded."""
    table_path, index_path = tracker_tables
    files = (fw.source_file, table_path, index_path, *measure_files)
    recorded = [{"file": snapshot["source_file"], "sha256": snapshot["sha256"]}] if snapshot else []
    tracker_files = {data_relpath(table_path, data_dir), data_relpath(index_path, data_dir)}
    tracker_files.add(snapshot["source_file"] if snapshot else "")
    return input_hashes(files, data_dir, audience, tracker_files, recorded)


def _withheld_parts(fw: Framework, current_all: pd.DataFrame, rows: pd.DataFrame, withheld_ids) -> dict[str, int]:
    """Rows withheld this quarter, counted per recommendation, for a roll-up over the published rows only: the
    page must say so where rows are withheld (a recommendation withheld whole says so in its own section)."""
    shown = set(rows["recommendation_id"])
    parts: dict[str, int] = {}
    for item_id in current_all["recommendation_id"]:
        if item_id not in shown:
            rec = fw.recommendation_of.get(item_id, item_id)
            if rec not in withheld_ids:
                parts[rec] = parts.get(rec, 0) + 1
    return parts


def _snapshot_and_previous(force_index: pd.DataFrame, quarter: Quarter) -> tuple[dict | None, Quarter | None]:
    """The force's snapshot for ``quarter`` (None if it sent none) and its latest earlier known quarter."""
    snaps = known_snapshots(force_index, quarter)
    current_snap = snaps[snaps["quarter"] == quarter.id]
    snapshot = current_snap.iloc[0].to_dict() if len(current_snap) else None
    earlier = sorted((Quarter.of(q) for q in snaps["quarter"] if q != quarter.id), reverse=True)
    return snapshot, (earlier[0] if earlier else None)


def _changes_since(fw: Framework, status, visible_history, previous_quarter: Quarter, withheld_ids):
    """Status changes since ``previous_quarter`` (withheld recommendations left out) and their summary."""
    prev_rows = visible_history[visible_history["quarter"] == previous_quarter.id]
    changes = compare(status, recommendation_status(fw, prev_rows))
    changes = changes[~changes["recommendation_id"].isin(withheld_ids)].reset_index(drop=True)
    return changes, change_summary(changes, status, previous_quarter.id)


def generated_stamp(now: dt.datetime | None = None) -> str:
    """When a page was made, as its header prints it (UTC, to the minute); ``now`` for tests."""
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")


def load_report(
    force: str,
    quarter: Quarter | str,
    audience: Audience | str = Audience.INTERNAL,
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    now: dt.datetime | None = None,
) -> Report:
    audience = Audience.of(audience)  # the notebook's string parameter, converted once
    the_force = get_force(force, data_dir)
    the_quarter = Quarter.of(quarter)
    fw = load_framework(framework, data_dir).for_force(the_force.id)
    table, index, table_path, index_path = read_tracker_tables(fw.id, data_dir)
    table["item_order"] = pd.to_numeric(table["item_order"])

    mine = known_rows(table[table["force_id"] == the_force.id], index, the_quarter)  # known by the quarter's end
    current_all = mine[mine["quarter"] == the_quarter.id]
    withheld_ids, visible_history, rows, withheld = _visible_to(audience, fw, mine, current_all)
    withheld_parts = _withheld_parts(fw, current_all, rows, withheld_ids) if withheld else {}

    later = later_data(the_quarter, index, later_observations(data_dir, the_quarter, audience, fw), the_force.id, fw.id)
    snapshot, previous_quarter = _snapshot_and_previous(index[index["force_id"] == the_force.id], the_quarter)

    status = mark_withheld(recommendation_status(fw, rows), withheld_ids)
    changes, change = None, None
    if snapshot and previous_quarter:
        changes, change = _changes_since(fw, status, visible_history, previous_quarter, withheld_ids)
    stale = quarters_since_change(visible_history, fw, the_quarter) if snapshot else pd.Series(dtype=float)

    key_measures, measures_error, measure_files = (
        _key_measures(the_force.id, the_quarter, data_dir, audience) if fw.has_key_measures else ([], "", [])
    )
    inputs = _report_inputs(fw, (table_path, index_path), measure_files, snapshot, audience, data_dir)
    return Report(
        force=the_force,
        quarter=the_quarter,
        audience=audience,
        framework=fw,
        parameters={"force": the_force.id, "quarter": the_quarter.id, "audience": audience.value, "framework": fw.id},
        data_dir=data_dir,
        generated_at=generated_stamp(now),
        inputs=inputs,
        snapshot=snapshot,
        rows=rows,
        marking=report_marking(rows),
        status=status,
        summary=summarise(status) if snapshot else None,
        flags=flags(status, stale) if snapshot else {},
        measures=key_measures,
        measures_error=measures_error,
        withheld=withheld,
        withheld_ids=withheld_ids,
        withheld_parts=withheld_parts,
        history=_without(status_history(fw, visible_history), withheld_ids),
        previous_quarter=previous_quarter,
        changes=changes,
        change=change,
        later=later,
    )
