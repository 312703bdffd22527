"""The national overview's numbers: every force in one quarter, as data (no prose).

:func:`load_overview` gathers what ``present/national.py`` turns into claims and words:

* which forces submitted a tracker for the quarter, and each force's latest snapshot up to it;
* the status counts per force (each force's latest snapshot up to the quarter);
* every force's charge rate on funnel plots (closed and recorded bases) and its Laney p′ verdicts;
* every force's stop and search disparity and Census 2021 minority share; sexual-offence charges by year;
* the series the page's charts draw (the funnel tables above, and the stop and search rows of the year shown), so
  ``present/national.py`` reads no data of its own;
* the forces to look at, one row per reason, with the numbers the reason rests on
  (rules in :mod:`analysis.compute.meaning.national`).

Everything is as at the overview's quarter. Audience filtering comes first, as in
:func:`analysis.compute.report_model.load_report` (whose tracker loader this shares): for the public,
OFFICIAL-SENSITIVE tracker rows are dropped before anything is counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analysis.compute.as_at import LaterData, known_rows, known_snapshots, later_data, rows_through
from analysis.compute.meaning import national as meaning
from analysis.compute.progress import (
    APPLICABLE_STATUSES,
    apply_audience,
    mark_withheld,
    recommendation_status,
    report_marking,
    summarise,
    withheld_recommendations,
    without_recommendations,
)
from analysis.compute.report_model import (
    data_relpath,
    generated_stamp,
    input_hashes,
    later_observations,
    read_tracker_tables,
)
from analysis.core import config
from analysis.core.audience import Audience
from analysis.core.forces import Force, all_forces
from analysis.core.periods import Quarter
from analysis.sources.catalogue import Framework, load_framework

BASES = ("closed", "recorded")
STATUS_COLUMNS = (
    "force_id",
    "force",
    "snapshot",
    *APPLICABLE_STATUSES,
    "not_applicable",
    "applicable",
    "evidenced",
    "complete_without_evidence",
)
LOOK_AT_COLUMNS = ("force_id", "force", "kind", "numbers")


@dataclass
class Overview:
    quarter: Quarter
    audience: Audience
    framework: Framework
    forces: tuple[Force, ...]
    submissions: pd.DataFrame  # one row per force: submitted this quarter, latest snapshot up to it
    status: pd.DataFrame  # one row per force with a snapshot: status counts and evidence (STATUS_COLUMNS)
    withheld: int
    marking: str
    measure_quarter: Quarter | None  # the quarter the funnel plots use (latest with data, up to the quarter)
    funnels: dict = field(default_factory=dict)  # basis -> measure_sections.national_measure_table frame
    measures_missing: str = ""  # "" or why there are no charge rates: "no_data" / "none_published"
    spc: pd.DataFrame | None = None  # measure_sections.national_spc_table for measure_quarter (closed basis)
    # one row per reason to look at a force (LOOK_AT_COLUMNS): kind from meaning.LOOK_AT_KINDS, numbers a dict
    look_at: pd.DataFrame | None = None
    inputs: list[dict] = field(default_factory=list)
    generated_at: str = ""
    # stop and search disparity for every force (measure_sections.national_fairness_table), Census 2021 ethnic
    # minority share by force, or why there are none
    fairness: pd.DataFrame | None = None
    minority_share: pd.Series | None = None
    fairness_error: str = ""
    # sexual-offence charges (closed basis): force_id x financial year ('2023-24'), the last two years ending by
    # the quarter; None when the data tree has no outcomes by offence group
    sexual_offences: pd.DataFrame | None = None
    later: LaterData | None = None  # data held for periods after the quarter, left out (counts only)
    # where the claims' rows are, relative to the data folder: tracker table and snapshot index, stop-search files
    tracker_files: tuple[str, str] = ("", "")
    stop_search_files: tuple[str, ...] = ()
    census_files: tuple[str, ...] = ()  # the Census 2021 table and lookup the minority shares are worked from
    # the stop and search funnel chart's series: the rows of disparity.stop_search_disparity for the year the
    # fairness table shows, in that table's order (British Transport Police included, as the force pages' chart has)
    stop_search_year: pd.DataFrame | None = None
    national_name: str = ""  # what the charts call England and Wales (measures.NATIONAL_NAME)
    national_id: str = ""  # the England and Wales row's force_id in the fairness and offence tables
    sexual_offences_file: str = ""  # the outcomes-by-offence file's name (in raw/measures/home-office-outcomes)

    @property
    def submitted(self) -> int:
        return int(self.submissions["submitted"].sum())

    @property
    def parameters(self) -> dict:
        return {"quarter": self.quarter.id, "audience": self.audience.value, "framework": self.framework.id}

    def looked_at(self) -> list[str]:
        return sorted(self.look_at["force_id"].unique()) if self.look_at is not None else []


def _funnels(quarter: Quarter, data_dir) -> tuple[Quarter | None, dict, str]:
    """Charge rates for every force at the latest quarter up to ``quarter`` that has them."""
    from analysis.compute import measure_sections, measures

    if not config.measures_raw_dir(data_dir).exists():
        return None, {}, "no_data"
    national = measures.national_series(data_dir, as_at=quarter)
    closed = national[(national["basis"] == "closed") & (national["assigned"] > 0)]
    usable = sorted(map(Quarter.of, rows_through(closed, quarter, "period")["period"]), reverse=True)
    if not usable:
        return None, {}, "none_published"
    tables = {}
    for basis in BASES:
        try:
            tables[basis] = measure_sections.national_measure_table(usable[0], data_dir, basis)
        except KeyError:
            continue
    return usable[0], tables, ""


def _latest_snapshots(index: pd.DataFrame) -> dict:
    latest = {}
    for row in index.itertuples(index=False):
        if row.force_id not in latest or Quarter.of(row.quarter) > Quarter.of(latest[row.force_id].quarter):
            latest[row.force_id] = row
    return latest


def _trackers(
    q: Quarter, fw: Framework, forces, table, index, audience
) -> tuple[pd.DataFrame, pd.DataFrame, list, int]:
    """Submissions (every force) and status counts (forces with a snapshot), the rows shown, the rows withheld."""
    visible, _ = apply_audience(table.reset_index(drop=True), audience)
    latest = _latest_snapshots(index)
    submission_rows, status_rows, included, withheld = [], [], [], 0
    for force in forces:
        snap = latest.get(force.id)
        submission_rows.append(
            {
                "force_id": force.id,
                "force": force.name,
                "region": force.region,
                "submitted": bool(snap is not None and snap.quarter == q.id),
                "latest_quarter": snap.quarter if snap is not None else "",
                "as_of": snap.as_of if snap is not None else "",
                "quarters_behind": (q.index - Quarter.of(snap.quarter).index) if snap is not None else None,
            }
        )
        if snap is None:
            continue
        all_rows = table[(table["force_id"] == force.id) & (table["quarter"] == snap.quarter)]
        rows = visible[(visible["force_id"] == force.id) & (visible["quarter"] == snap.quarter)]
        withheld += len(all_rows) - len(rows)
        # as in a force's public report: a recommendation with any withheld row is left out whole, not counted
        withheld_ids = withheld_recommendations(fw, all_rows, audience)
        rows = without_recommendations(fw, rows, withheld_ids)
        included.append(rows)
        rec_status = mark_withheld(recommendation_status(fw, rows), withheld_ids)
        summary = summarise(rec_status)
        blank_complete = rec_status["applicable"] & (rec_status["status"] == "complete") & ~rec_status["has_evidence"]
        status_rows.append(
            {
                "force_id": force.id,
                "force": force.name,
                "snapshot": snap.quarter,
                **{s: summary.counts.get(s, 0) for s in APPLICABLE_STATUSES},
                "not_applicable": summary.not_applicable,
                "applicable": summary.applicable,
                "evidenced": summary.evidenced,
                "complete_without_evidence": int(blank_complete.sum()),
            }
        )
    shown = pd.concat(included, ignore_index=True) if included else visible.iloc[0:0]
    return pd.DataFrame(submission_rows), pd.DataFrame(status_rows, columns=list(STATUS_COLUMNS)), shown, withheld


def load_overview(
    quarter,
    audience: Audience | str = Audience.INTERNAL,
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    now: dt.datetime | None = None,
) -> Overview:
    q = Quarter.of(quarter)
    audience = Audience.of(audience)  # the notebook's string parameter, converted once
    fw = load_framework(framework, data_dir)
    forces = all_forces(data_dir)
    table, index, table_path, index_path = read_tracker_tables(fw.id, data_dir)
    later = later_data(q, index, later_observations(data_dir, q, audience), framework=fw.id)  # before the cut
    table, index = known_rows(table, index, q), known_snapshots(index, q)  # known by the quarter's end
    submissions, status, shown, withheld = _trackers(q, fw, forces, table, index, audience)

    measure_quarter, funnels, missing = _funnels(q, data_dir)
    spc_table = _national_spc(measure_quarter, data_dir) if measure_quarter is not None else None

    from analysis.compute import disparity, measures
    from analysis.sources.measure_files import input_paths

    rel = lambda p: data_relpath(p, data_dir)  # noqa: E731
    files = [fw.source_file, table_path, index_path]
    if config.measures_raw_dir(data_dir).exists():
        files += input_paths(data_dir)
    tracker_files = (rel(table_path), rel(index_path))
    inputs = input_hashes(files, data_dir, audience, tracker_files)
    fairness, minority_share, fairness_error, stop_search_year = _fairness(q, data_dir)
    overview = Overview(
        quarter=q,
        audience=audience,
        framework=fw,
        forces=forces,
        generated_at=generated_stamp(now),
        inputs=inputs,
        tracker_files=tracker_files,
        withheld=withheld if audience.is_public else 0,
        submissions=submissions,
        status=status,
        marking=report_marking(shown),
        measure_quarter=measure_quarter,
        funnels=funnels,
        measures_missing=missing,
        spc=spc_table,
        later=later,
        national_name=measures.NATIONAL_NAME,
        national_id=disparity.NATIONAL_ID,
        fairness=fairness,
        minority_share=minority_share,
        fairness_error=fairness_error,
        stop_search_year=stop_search_year,
        stop_search_files=tuple(rel(p) for p in disparity.stop_search_files(data_dir)),
        census_files=tuple(rel(p) for p in _census_files(data_dir)),
        sexual_offences=_sexual_offences(q, data_dir),
        sexual_offences_file=disparity.OFFENCE_YEAR_FILE,
    )
    overview.look_at = forces_to_look_at(overview)
    return overview


def _national_spc(measure_quarter, data_dir):
    """The national p′ chart table for the latest quarter with charge-rate data."""
    from analysis.compute import measure_sections

    return measure_sections.national_spc_table(measure_quarter, data_dir)


def _fairness(quarter: Quarter, data_dir) -> tuple[pd.DataFrame | None, pd.Series | None, str, pd.DataFrame | None]:
    """Every force's stop and search disparity as at ``quarter`` and the Census 2021 minority shares, or why not;
    and the chart's rows for the year shown (None without one)."""
    from analysis.compute import disparity, measure_sections

    try:
        table = measure_sections.national_fairness_table(quarter, data_dir)
        census = disparity.census2021_by_force(data_dir).set_index("force_id")
    except FileNotFoundError as error:
        return None, None, f"No stop and search or Census 2021 data in this data tree ({error}).", None
    year = None
    if not table.empty:
        every_year = disparity.stop_search_disparity(data_dir)
        year = every_year[every_year["period"] == table["period"].iloc[0]]
    return table, census["minority_share"], "", year


def _census_files(data_dir) -> tuple:
    from analysis.compute import disparity

    try:
        return disparity.census_files(data_dir)
    except FileNotFoundError:
        return ()


def _sexual_offences(quarter: Quarter, data_dir) -> pd.DataFrame | None:
    """Sexual-offence charges per force (rows, England and Wales included) for the last two financial years
    published by the quarter's end (columns); None without the data."""
    from analysis.compute import disparity

    try:
        charges = disparity.sexual_offence_charges(data_dir)
    except FileNotFoundError:
        return None
    charges = charges[[disparity.year_published_by(p, quarter.end) for p in charges["period"]]]  # known by then
    years = sorted(charges["period"].unique())[-2:]
    wide = charges[charges["period"].isin(years)].pivot(index="force_id", columns="period", values="charges")
    return wide.reindex(columns=years)


# --------------------------------------------------------------------------- forces to look at
def _funnel_flags(o: Overview) -> list[tuple]:
    found = []
    for basis, table in o.funnels.items():
        for row in table.itertuples(index=False):
            side = meaning.outside_outer_limits(row.funnel)
            if side:
                numbers = {
                    "basis": basis,
                    "side": side,
                    "rate_pct": float(row.rate_pct),
                    "national_rate_pct": float(row.national_rate_pct),
                    "phi": float(row.phi),
                    "charges": int(row.charges),
                    "assigned": int(row.assigned),
                    "funnel": row.funnel,
                }
                found.append((row.force_id, row.force_name, f"funnel_{basis}", numbers))
    return found


def _spc_flags(o: Overview) -> list[tuple]:
    if o.spc is None:
        return []
    concern = o.spc[o.spc["variation"] == "special_cause_concerning"]
    return [(r.force_id, r.force_name, "spc_concern", {"rule": r.rule}) for r in concern.itertuples(index=False)]


def _fairness_flags(o: Overview) -> list[tuple]:
    if o.fairness is None or o.fairness.empty:
        return []
    found = []
    for row in o.fairness.itertuples(index=False):
        side = meaning.outside_outer_limits(row.funnel)
        if side:
            numbers = {
                "side": side,
                "ratio": float(row.ratio),
                "lower": float(row.lower),
                "upper": float(row.upper),
                "period": str(row.period),
                "phi": float(row.phi),
            }
            found.append((row.force_id, row.force_name, "fairness_outside", numbers))
    return found


def _tracker_flags(o: Overview) -> list[tuple]:
    found = []
    for row in o.status.itertuples(index=False):
        numbers = {
            "snapshot": row.snapshot,
            "applicable": int(row.applicable),
            "evidenced": int(row.evidenced),
            "complete": int(row.complete),
            "complete_without_evidence": int(row.complete_without_evidence),
        }
        if meaning.low_evidence(row.applicable, row.evidenced):
            found.append((row.force_id, row.force, "low_evidence", numbers))
        if row.complete_without_evidence:
            found.append((row.force_id, row.force, "complete_without_evidence", numbers))
    return found


def forces_to_look_at(o: Overview) -> pd.DataFrame:
    """One row per reason to look at a force (:data:`meaning.LOOK_AT_KINDS`): outside the outer funnel limits of a
    charge rate or of the stop and search ratio, special cause of concern, mostly blank evidence, complete without
    evidence. Alphabetical by force, then in the order of the kinds."""
    found = _funnel_flags(o) + _spc_flags(o) + _fairness_flags(o) + _tracker_flags(o)
    frame = pd.DataFrame(found, columns=list(LOOK_AT_COLUMNS))
    order = frame["kind"].map(meaning.LOOK_AT_KINDS.index) if len(frame) else frame["kind"]
    return (
        frame.assign(_order=order).sort_values(["force", "_order"], kind="stable").drop(columns="_order")
    ).reset_index(drop=True)
