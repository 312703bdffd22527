"""The national overview: every force in one quarter, for ``notebooks/national_overview.ipynb``.

* which forces submitted a tracker for the quarter, and each force's latest snapshot up to it;
* the status distribution across forces (each force's latest snapshot up to the quarter);
* the key measures that are published for every force, on funnel plots (not league tables);
* every force's charge rate on a Laney p′ process-behaviour chart: counts of forces by variation and
  assurance verdict, and which forces show special-cause variation of concern;
* forces to look at: outside the 99.8% funnel limits, special cause of concern, blank evidence,
  complete without evidence.

Everything is as at the overview's quarter: no figure from a later period is used.

Audience filtering comes first, as in :mod:`analysis.compute.report_model`: for the public, OFFICIAL-SENSITIVE
tracker rows are dropped before anything is counted. Every string from data is escaped with
:func:`analysis.present.fragments.esc`; charts carry alt text that states the numbers.

Every interpretive sentence with a number or a verdict in it is written by a function that, given a
:class:`~analysis.compute.claims.ClaimLedger`, also records the claim it makes from the same values
(:func:`national_claims`); the renderer writes the ledger to ``national-overview.claims.json``, as for a
force report. Those functions read only the :class:`Overview`, so the sentence on the page and the claim
in the ledger cannot differ.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analysis import __version__
from analysis.compute.as_at import LaterData, known_rows, known_snapshots, later_data
from analysis.compute.claims import CLAIMS_MIMETYPE, Claim, ClaimLedger
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
from analysis.compute.report_model import AUDIENCES, MissingProcessedData, without_tracker_hashes
from analysis.compute.spc import RULE_WORDS as SPC_RULE_WORDS
from analysis.core import config
from analysis.core.forces import Force, all_forces
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.settings import (
    FUNNEL_LEVELS,
    LOW_EVIDENCE_SHARE,
    SPC_MIN_POINTS,
    SPC_QUARTERS,
    STOP_SEARCH_PUBLICATION_LAG_MONTHS,
)
from analysis.present import style
from analysis.present.fragments import esc, figure, heading, paragraphs, publish
from analysis.present.narrative import CHARGE_RATE_FILE, later_data_sentence, plural
from analysis.present.style import STATUS_LABELS, STATUS_ORDER
from analysis.sources.catalogue import Framework, load_framework
from analysis.sources.trackers import file_sha256

TITLE = "National overview"
BASES = {"closed": "charge_rate_closed", "recorded": "charge_rate_recorded"}


@dataclass
class Overview:
    quarter: Quarter
    audience: str
    framework: Framework
    forces: tuple[Force, ...]
    submissions: pd.DataFrame  # one row per force: submitted this quarter, latest snapshot up to it
    status: pd.DataFrame  # one row per force with a snapshot: status counts and evidence
    withheld: int
    marking: str
    measure_quarter: Quarter | None  # the quarter the funnel plots use (latest with data, up to the quarter)
    funnels: dict = field(default_factory=dict)  # basis -> measure_sections.national_measure_table frame
    measures_note: str = ""
    spc: pd.DataFrame | None = None  # measure_sections.national_spc_table for measure_quarter (closed basis)
    look_at: pd.DataFrame | None = None  # force_id, force, reason, kind, claim (the claim's fields)
    inputs: list[dict] = field(default_factory=list)
    generated_at: str = ""
    # stop and search disparity for every force (measure_sections.national_fairness_table), Census 2021 ethnic
    # minority share by force, or why there are none
    fairness: pd.DataFrame | None = None
    minority_share: pd.Series | None = None
    fairness_error: str = ""
    later: LaterData | None = None  # data held for periods after the quarter, left out (counts only)
    # where the claims' rows are, relative to the data folder: tracker table and snapshot index, stop-search files
    tracker_files: tuple[str, str] = ("", "")
    stop_search_files: tuple[str, ...] = ()

    @property
    def submitted(self) -> int:
        return int(self.submissions["submitted"].sum())

    @property
    def parameters(self) -> dict:
        return {"quarter": self.quarter.id, "audience": self.audience, "framework": self.framework.id}


def _read(path) -> pd.DataFrame:
    if not path.exists():
        raise MissingProcessedData(f"{path} is missing: run `casey build` first to build data/processed from data/raw")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _qindex(series: pd.Series) -> pd.Series:
    return series.map(lambda q: parse_quarter(q).index)


def _funnels(quarter: Quarter, data_dir) -> tuple[Quarter | None, dict, str]:
    """Charge rates for every force at the latest quarter up to ``quarter`` that has them."""
    from analysis.compute import measure_sections, measures

    if not config.measures_raw_dir(data_dir).exists():
        return None, {}, "No key-measures data is present in this data tree (data/raw/measures)."
    national = measures.national_series(data_dir, as_at=quarter)
    closed = national[(national["basis"] == "closed") & (national["assigned"] > 0)]
    periods = sorted((parse_quarter(p) for p in closed["period"]), reverse=True)
    usable = [p for p in periods if p <= quarter]
    if not usable:
        return None, {}, f"No charge-rate data is published for {quarter.label} or any earlier quarter."
    used = usable[0]
    tables = {}
    for basis in BASES:
        try:
            tables[basis] = measure_sections.national_measure_table(used, data_dir, basis)
        except KeyError:
            continue
    note = (
        ""
        if used == quarter
        else (
            f"Charge-rate figures for {quarter.label} are not published yet; the funnel plots use "
            f"{used.label}, the most recent quarter with data."
        )
    )
    return used, tables, note


def load_overview(
    quarter,
    audience: str = "internal",
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    now: dt.datetime | None = None,
) -> Overview:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
    q = parse_quarter(quarter)
    fw = load_framework(framework, data_dir)
    forces = all_forces(data_dir)
    processed = config.processed_dir(data_dir) / "trackers"
    table_path, index_path = processed / f"{fw.id}.csv", processed / f"{fw.id}-snapshots.csv"
    table, index = _read(table_path), _read(index_path)
    later = later_data(q, index, data_dir, audience, framework=fw.id)  # before the index is cut to the quarter
    table, index = known_rows(table, index, q), known_snapshots(index, q)  # known by the quarter's end
    visible, _withheld_all = apply_audience(table.reset_index(drop=True), audience)

    latest = {}
    for row in index.itertuples(index=False):
        if row.force_id not in latest or parse_quarter(row.quarter) > parse_quarter(latest[row.force_id].quarter):
            latest[row.force_id] = row
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
                "quarters_behind": (q.index - parse_quarter(snap.quarter).index) if snap is not None else None,
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
    submissions = pd.DataFrame(submission_rows)
    status = pd.DataFrame(
        status_rows,
        columns=[
            "force_id",
            "force",
            "snapshot",
            *APPLICABLE_STATUSES,
            "not_applicable",
            "applicable",
            "evidenced",
            "complete_without_evidence",
        ],
    )
    shown = pd.concat(included, ignore_index=True) if included else visible.iloc[0:0]
    measure_quarter, funnels, note = _funnels(q, data_dir)
    spc_table = None
    if measure_quarter is not None:
        from analysis.compute import measure_sections

        spc_table = measure_sections.national_spc_table(measure_quarter, data_dir)

    from analysis.compute import disparity, measures

    root = config.data_dir(data_dir)
    rel = lambda p: str(p.relative_to(root)) if p.is_relative_to(root) else str(p)  # noqa: E731
    files = [fw.source_file, table_path, index_path]
    if config.measures_raw_dir(data_dir).exists():
        files += measures.input_paths(data_dir)
    inputs = [{"file": rel(p), "sha256": file_sha256(p)} for p in files]
    tracker_files = (rel(table_path), rel(index_path))
    if audience == "public":
        inputs = without_tracker_hashes(inputs, tracker_files)
    fairness, minority_share, fairness_error = _fairness(q, data_dir)
    overview = Overview(
        quarter=q,
        audience=audience,
        framework=fw,
        forces=forces,
        submissions=submissions,
        status=status,
        withheld=withheld if audience == "public" else 0,
        marking=report_marking(shown) if len(shown) else "OFFICIAL",
        measure_quarter=measure_quarter,
        funnels=funnels,
        measures_note=note,
        spc=spc_table,
        inputs=inputs,
        generated_at=(now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        fairness=fairness,
        minority_share=minority_share,
        fairness_error=fairness_error,
        later=later,
        tracker_files=tracker_files,
        stop_search_files=tuple(rel(p) for p in disparity.stop_search_files(data_dir)),
    )
    overview.look_at = forces_to_look_at(overview)
    return overview


def _fairness(quarter: Quarter, data_dir) -> tuple[pd.DataFrame | None, pd.Series | None, str]:
    """Every force's stop and search disparity as at ``quarter`` and the Census 2021 minority shares, or why not."""
    from analysis.compute import disparity, measure_sections

    try:
        table = measure_sections.national_fairness_table(quarter, data_dir)
        census = disparity.census2021_by_force(data_dir).set_index("force_id")
    except FileNotFoundError as error:
        return None, None, f"No stop and search or Census 2021 data in this data tree ({error})."
    return table, census["minority_share"], ""


def _claim(ledger: ClaimLedger | None, **fields) -> None:
    if ledger is not None:
        ledger.add(Claim(**fields))


def _outcome_rows(quarter: Quarter, slug: str = "") -> str:
    """The rows of the outcomes table for one quarter: one force's, or every force's (the national rate)."""
    who = f"slug={slug}" if slug else "every slug in raw/forces/forces.csv"
    return f"{who}; fy={quarter.financial_year}; q={quarter.q}"


RATE_METHOD = (
    "charges and summonses (outcome type 1) as a percentage of all assigned outcomes for investigations "
    "{basis} in the quarter"
)
BASIS_WORDS = {"closed": "closed", "recorded": "recorded (by the quarter the offence was recorded)"}


def forces_to_look_at(overview: Overview) -> pd.DataFrame:
    """Forces outside the 99.8% funnel limits, or whose tracker has blank evidence; alphabetical.

    Columns: force_id, force, reason (the sentence), kind (one per reason and force) and claim: the fields
    of the claim the reason makes, from the same values (see :func:`look_at_claims`)."""
    found = []
    mq = overview.measure_quarter
    for basis, table in overview.funnels.items():
        for row in table.itertuples(index=False):
            if str(row.funnel).endswith("99.8%"):
                side = "above" if row.funnel.startswith("above") else "below"
                caveat = " (recorded basis: recent quarters are incomplete)" if basis == "recorded" else ""
                found.append(
                    (
                        row.force_id,
                        row.force_name,
                        f"charge rate ({basis} basis) {row.rate_pct:.1f}% is {side} the 99.8% funnel limit "
                        f"around {row.national_rate_pct:.1f}% in {mq.label}{caveat}",
                        f"funnel_{basis}",
                        {
                            "value": round(float(row.rate_pct), 4),
                            "comparator": round(float(row.national_rate_pct), 4),
                            "method": RATE_METHOD.format(basis=BASIS_WORDS[basis])
                            + f"; {side} the 99.8% funnel limit around the England and Wales rate, widened "
                            f"for over-dispersion (phi {row.phi:.2f})",
                            "window": mq.id,
                            "source_file": CHARGE_RATE_FILE,
                            "source_rows": (_outcome_rows(mq, row.force_id),),
                            "detail": {
                                "numerator": int(row.charges),
                                "denominator": int(row.assigned),
                                "numerator_column": f"{basis}_all_t1",
                                "denominator_column": f"{basis}_all_assigned",
                                "funnel": row.funnel,
                                "comparator_rows": _outcome_rows(mq),
                            },
                        },
                    )
                )
    if overview.spc is not None:
        for row in overview.spc[overview.spc["variation"] == "special_cause_concerning"].itertuples(index=False):
            found.append(
                (
                    row.force_id,
                    row.force_name,
                    f"charge rate (closed basis) shows special-cause variation of concern in "
                    f"{mq.label} ({SPC_RULE_WORDS.get(row.rule, row.rule)})",
                    "spc_concern",
                    {**_spc_claim_fields(row), "value": row.variation},
                )
            )
    table_file = overview.tracker_files[0]
    for row in overview.status.itertuples(index=False):
        label = parse_quarter(row.snapshot).label
        rows = (f"force_id={row.force_id}; quarter={row.snapshot}",)
        if row.applicable and row.evidenced / row.applicable < LOW_EVIDENCE_SHARE:
            found.append(
                (
                    row.force_id,
                    row.force,
                    f"evidence is blank for all or part of {row.applicable - row.evidenced} of {row.applicable} "
                    f"applicable recommendations in its {label} tracker",
                    "low_evidence",
                    {
                        "value": int(row.applicable - row.evidenced),
                        "comparator": int(row.applicable),
                        "method": "applicable recommendations without evidence for every applicable part, listed "
                        f"when fewer than {LOW_EVIDENCE_SHARE:.0%} of the applicable ones are evidenced",
                        "window": row.snapshot,
                        "source_file": table_file,
                        "source_rows": rows,
                        "detail": {"evidenced": int(row.evidenced)},
                    },
                )
            )
        if row.complete_without_evidence:
            found.append(
                (
                    row.force_id,
                    row.force,
                    f"{row.complete_without_evidence} recommendation(s) marked complete without evidence ({label})",
                    "complete_without_evidence",
                    {
                        "value": int(row.complete_without_evidence),
                        "comparator": int(row.complete),
                        "method": "applicable recommendations rolled up to complete with blank evidence in some "
                        "applicable part; comparator: all complete ones",
                        "window": row.snapshot,
                        "source_file": table_file,
                        "source_rows": rows,
                    },
                )
            )
    frame = pd.DataFrame(found, columns=["force_id", "force", "reason", "kind", "claim"])
    return frame.sort_values(["force", "reason"], kind="stable").reset_index(drop=True)


def look_at_claims(o: Overview, ledger: ClaimLedger | None) -> None:
    """A claim per reason a force is listed to look at: the reason is the sentence."""
    if o.look_at is None:
        return
    for row in o.look_at.itertuples(index=False):
        _claim(ledger, id=f"look_at.{row.force_id}.{row.kind}", sentence=row.reason, **row.claim)


# --------------------------------------------------------------------------- charts
def status_chart(overview: Overview):
    """Stacked bars: recommendation status per force (forces with a tracker), alphabetical."""
    from analysis.present.tracker_charts import horizontal_status_bars

    frame = overview.status.sort_values("force").set_index("force")
    columns = [s for s in STATUS_ORDER if s in frame.columns]
    table = frame[columns]
    # each bar says which quarter its tracker is from: forces' latest trackers need not be from the same quarter
    table = table.set_axis([f"{name} ({parse_quarter(frame.loc[name, 'snapshot']).label})" for name in table.index])
    fig = horizontal_status_bars(
        table,
        f"Recommendation status by force (latest tracker up to {overview.quarter.label})",
        row_height=0.45,
        legend_offset=-0.25,
    )
    described = "; ".join(
        f"{name} ({parse_quarter(frame.loc[name, 'snapshot']).label}): "
        + ", ".join(f"{int(frame.loc[name, s])} {STATUS_LABELS[s].lower()}" for s in columns if frame.loc[name, s])
        for name in frame.index
    )
    alt = f"Horizontal stacked bar chart of recommendation status for {len(table)} forces with a tracker. {described}."
    return fig, alt


@style.themed
def funnel_chart(table: pd.DataFrame, quarter: Quarter, basis: str):
    """Every force's charge rate against its number of assigned outcomes, with 95% and 99.8% limits."""
    import matplotlib.pyplot as plt

    from analysis.compute import measures
    from analysis.present.measure_charts import draw_funnel_limits

    table = table.dropna(subset=["assigned"])
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    target, phi = draw_funnel_limits(ax, table)
    outside = table["funnel"].astype(str).str.endswith("99.8%")
    ax.scatter(
        table.loc[~outside, "assigned"],
        table.loc[~outside, "rate_pct"],
        s=18,
        color=style.OTHERS,
        edgecolor=style.LIMITS,
        linewidth=0.4,
        label="Forces",
        zorder=3,
    )
    ax.scatter(
        table.loc[outside, "assigned"],
        table.loc[outside, "rate_pct"],
        s=40,
        color=style.HIGHLIGHT,
        label="Outside the 99.8% limits",
        zorder=4,
    )
    for row in table[outside].itertuples(index=False):
        ax.annotate(
            row.force_name,
            (row.assigned, row.rate_pct),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=7,
            color=style.HIGHLIGHT,
        )
    style.plain_log_scale(ax, "x")
    ax.set_xlabel(f"Assigned outcomes in the quarter ({basis} basis, log scale)")
    ax.set_ylabel("Charge rate (%)")
    ax.set_title(f"Charge rate by force ({basis} basis), {quarter.label}", loc="left")
    # below the axes: inside them the legend hid forces' points
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
    names = ", ".join(f"{r.force_name} {r.rate_pct:.1f}%" for r in table[outside].itertuples(index=False)) or "none"
    alt = (
        f"Funnel plot of the charge rate ({basis} basis) for {len(table)} forces in {quarter.label}, against the "
        f"number of assigned outcomes, with 95% and 99.8% limits around the {measures.NATIONAL_NAME} rate of "
        f"{100 * target:.1f}% (widened for over-dispersion, phi {phi:.0f}). "
        + " ".join(funnel_position_sentences(table))
        + f" Outside the 99.8% limits: {names}."
    )
    return fig, alt


# --------------------------------------------------------------------------- HTML pieces
def publish_meta(overview: Overview) -> None:
    """The banner's marking and identity, for the template, and the overview's claims ledger, for the renderer
    (which writes ``national-overview.claims.json``), via private mimetypes (see ``fragments.publish``)."""
    meta = {
        "force": "All forces",
        "force_id": config.NATIONAL_STEM,
        "quarter": overview.quarter.id,
        "quarter_label": overview.quarter.label,
        "audience": overview.audience,
        "marking": overview.marking,
        "framework": overview.framework.short_title,
        "title": f"{overview.framework.short_title} progress: {TITLE.lower()}, {overview.quarter.label}",
    }
    ledger = national_claims(overview).to_dict({k: meta[k] for k in ("force_id", "quarter", "audience")})
    publish(meta, {CLAIMS_MIMETYPE: ledger})


def national_claims(o: Overview) -> ClaimLedger:
    """The claims of the overview's interpretive sentences, in page order, collected by writing them: the same
    functions write the sentences the sections show."""
    ledger = ClaimLedger()
    summary_sentences(o, ledger)
    submissions_sentences(o, ledger)
    status_sentences(o, ledger)
    for basis, table in o.funnels.items():
        funnel_position_sentences(table, ledger, basis, o.measure_quarter)
    spc_sentences(o, ledger)
    for row in o.spc.itertuples(index=False) if o.spc is not None else ():
        spc_row_cells(row, ledger)
    fairness_sentences(o, ledger)
    fairness_outside_sentences(o, ledger)
    look_at_sentences(o, ledger)
    look_at_claims(o, ledger)
    later_data_sentence(o.later, ledger, whose="forces'")
    return ledger


SECTIONS = [
    ("summary", "Summary"),
    ("submissions", "Tracker submissions"),
    ("status", "Status across forces"),
    ("measures", "Key measures across forces"),
    ("spc", "Charge rates over time"),
    ("measures-fairness", "Fairness indicator: stop and search disparity"),
    ("measures-sexual-offences", "Proxy: sexual offences charged"),
    ("look-at", "Forces to look at"),
    ("sources", "Sources and provenance"),
]
VARIATION_LABELS = {
    "common_cause": "Common cause only",
    "special_cause_improving": "Special cause, improving",
    "special_cause_concerning": "Special cause, concerning",
    "special_cause_neutral": "Special cause, neutral",
    "too_few_points": "Too few quarters",
}
ASSURANCE_LABELS = {
    "consistently_passes": "Consistently above the England and Wales rate",
    "consistently_fails": "Consistently below the England and Wales rate",
    "hit_and_miss": "Hit and miss (the national rate lies inside the limits)",
}


def header(o: Overview) -> str:
    rows = [
        ("Quarter", f"{o.quarter.label} ({o.quarter.months})"),
        ("Framework", o.framework.title),
        ("Protective marking", o.marking),
        ("Audience", "Public" if o.audience == "public" else "Internal"),
        ("Forces", f"{len(o.forces)} territorial forces of England and Wales"),
        ("Generated", o.generated_at),
    ]
    cells = "".join(f"<tr><th scope='row'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in SECTIONS)
    return (
        f'<h1 id="top">{esc(o.framework.short_title)} progress: {esc(TITLE.lower())}, {esc(o.quarter.label)}</h1>'
        f'<table class="meta">{cells}</table>'
        f'<nav class="toc" aria-label="Contents"><h2 id="contents">Contents</h2><ol>{toc}</ol></nav>'
    )


def summary_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    n = len(o.forces)
    submitted = list(o.submissions.loc[o.submissions["submitted"], "force_id"])
    with_snapshot = list(o.status["force_id"])
    index_file = o.tracker_files[1]
    out = [
        f"{len(submitted)} of {n} forces submitted a tracker for {o.quarter.label}; "
        f"{len(with_snapshot)} {'has' if len(with_snapshot) == 1 else 'have'} at least one tracker snapshot up to "
        "this quarter."
    ]
    _claim(
        ledger,
        id="summary.submitted",
        sentence=out[-1],
        value=len(submitted),
        comparator=n,
        method="forces in the force registry with a tracker snapshot for this quarter; detail: forces with a "
        "snapshot for this quarter or an earlier one",
        window=o.quarter.id,
        source_file=index_file,
        source_rows=tuple(f"force_id={f}; quarter={o.quarter.id}" for f in submitted),
        detail={"submitted": submitted, "with_snapshot": len(with_snapshot), "with_snapshot_forces": with_snapshot},
    )
    out += snapshot_sentences(o, ledger)
    closed = o.funnels.get("closed")
    if closed is not None:
        position = closed["funnel"].astype(str)
        outside = closed[position.str.endswith("99.8%")]
        rate, forces = float(closed["national_rate_pct"].iloc[0]), int(closed["assigned"].notna().sum())
        mq = o.measure_quarter
        out.append(
            f"In {mq.label} the England and Wales charge rate (closed basis) was {rate:.1f}%; {len(outside)} of "
            f"{forces} forces {'was' if len(outside) == 1 else 'were'} outside the 99.8% funnel limits."
        )
        _claim(
            ledger,
            id="summary.charge_rate",
            sentence=out[-1],
            value=round(rate, 4),
            method=RATE_METHOD.format(basis="closed") + ", summed over the territorial forces with data (not British "
            "Transport Police)",
            window=mq.id,
            source_file=CHARGE_RATE_FILE,
            source_rows=(_outcome_rows(mq),),
            detail={
                "numerator": int(closed["national_charges"].iloc[0]),
                "denominator": int(closed["national_assigned"].iloc[0]),
                "numerator_column": "closed_all_t1",
                "denominator_column": "closed_all_assigned",
            },
        )
        _claim(
            ledger,
            id="summary.funnel_outside",
            sentence=out[-1],
            value=len(outside),
            comparator=forces,
            method="forces whose closed-basis charge rate lies outside the 99.8% funnel limits around the England "
            f"and Wales rate, widened for over-dispersion (phi {float(closed['phi'].iloc[0]):.2f})",
            window=mq.id,
            source_file=CHARGE_RATE_FILE,
            source_rows=tuple(_outcome_rows(mq, f) for f in outside["force_id"]),
            detail={side: list(outside.loc[outside["funnel"] == f"{side} 99.8%", "force_id"]) for side in SIDES},
        )
    if o.measures_note:
        out.append(o.measures_note)
        _claim(
            ledger,
            id="summary.measure_quarter",
            sentence=o.measures_note,
            value=o.measure_quarter.id if o.measure_quarter else None,
            comparator=o.quarter.id,
            method="the latest quarter up to this one with a closed-basis charge rate for England and Wales",
            window=o.quarter.id,
            source_file=CHARGE_RATE_FILE if o.measure_quarter else "",
        )
    looked = sorted(o.look_at["force_id"].unique()) if o.look_at is not None else []
    out.append(f"{plural(len(looked), 'force')} {'is' if len(looked) == 1 else 'are'} listed to look at.")
    _claim(
        ledger,
        id="summary.look_at",
        sentence=out[-1],
        value=len(looked),
        comparator=len(o.forces),
        method="forces with at least one reason under 'Forces to look at' (each reason has its own claim)",
        window=o.quarter.id,
        detail={"forces": looked},
    )
    if o.withheld:
        out.append(f"{o.withheld} tracker item(s) marked OFFICIAL-SENSITIVE are withheld from this public version.")
        _claim(
            ledger,
            id="summary.withheld",
            sentence=out[-1],
            value=o.withheld,
            method="tracker rows marked OFFICIAL-SENSITIVE in the forces' latest snapshots up to the quarter, "
            "dropped before anything is counted",
            window=o.quarter.id,
        )
    return out


SIDES = ("above", "below")


def snapshot_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    """Status totals for like with like: the forces whose trackers are for this quarter are added up; forces
    whose latest tracker is from an earlier quarter are counted per quarter, never pooled with this one."""
    out = []
    label = o.framework.item_label.lower()
    by_quarter = sorted(o.status.groupby("snapshot"), key=lambda kv: parse_quarter(kv[0]), reverse=True)
    for snapshot, group in by_quarter:
        applicable, complete = int(group["applicable"].sum()), int(group["complete"].sum())
        evidenced = int(group["evidenced"].sum())
        share = round(100 * evidenced / applicable) if applicable else 0
        forces = plural(len(group), "force")
        when = parse_quarter(snapshot).label
        if snapshot == o.quarter.id:
            out.append(
                f"In the trackers for {when} ({forces}), {complete} of {applicable} applicable {label}s are "
                f"complete and {evidenced} ({share}%) have evidence recorded for every applicable part."
            )
        else:
            out.append(
                f"{forces.capitalize()} last submitted a tracker for {when}; as at that quarter, {complete} of "
                f"{applicable} applicable {label}s were complete and {evidenced} ({share}%) had evidence "
                "recorded for every applicable part. These are not added to this quarter's figures."
            )
        if ledger is not None:
            _claim(
                ledger,
                id=f"trackers.{snapshot}",
                sentence=out[-1],
                value=complete,
                comparator=applicable,
                method="summed over the forces whose latest tracker up to this quarter is for the snapshot quarter: "
                "applicable recommendations whose rolled-up status is complete, of all applicable ones; "
                "evidenced: those with evidence for every applicable part",
                window=snapshot,
                source_file=o.tracker_files[0],
                source_rows=tuple(f"force_id={f}; quarter={snapshot}" for f in group["force_id"]),
                detail={"forces": list(group["force_id"]), "evidenced": evidenced, "evidenced_pct": share},
            )
    return out


def funnel_position_sentences(
    table: pd.DataFrame, ledger: ClaimLedger | None = None, basis: str = "closed", quarter: Quarter | None = None
) -> list[str]:
    """Forces' funnel positions, one sentence per limit: 95% first, then the 99.8% limits (a subset of them).
    With a ``ledger``, a claim per sentence (``table`` being ``basis``'s funnel table for ``quarter``)."""
    position = table["funnel"].astype(str)
    above95, below95 = position.str.startswith("above").sum(), position.str.startswith("below").sum()
    above998, below998 = (position == "above 99.8%").sum(), (position == "below 99.8%").sum()
    n = int(position.isin(["within", "above 95%", "below 95%", "above 99.8%", "below 99.8%"]).sum())
    out = [
        f"Against the 95% limits: {above95 + below95} of {n} forces are outside ({above95} above, {below95} "
        f"below) and {n - above95 - below95} inside.",
        f"Against the wider 99.8% limits: {above998 + below998} {'is' if above998 + below998 == 1 else 'are'} "
        f"outside ({above998} above, {below998} below).",
    ]
    if ledger is not None:
        for sentence, level, sides in (
            (out[0], "95", {side: position.str.startswith(side) for side in SIDES}),
            (out[1], "99.8", {side: position == f"{side} 99.8%" for side in SIDES}),
        ):
            _claim(
                ledger,
                id=f"funnel.{basis}.{level}",
                sentence=sentence,
                value={side: int(mask.sum()) for side, mask in sides.items()},
                comparator=n,
                method=RATE_METHOD.format(basis=BASIS_WORDS[basis])
                + f", for each force, against {level}% funnel limits around the England and Wales rate "
                f"({float(table['national_rate_pct'].iloc[0]):.4f}%) widened for over-dispersion "
                f"(phi {float(table['phi'].iloc[0]):.2f})",
                window=quarter.id if quarter else "",
                source_file=CHARGE_RATE_FILE,
                source_rows=(_outcome_rows(quarter),) if quarter else (),
                detail={side: list(table.loc[mask, "force_id"]) for side, mask in sides.items()},
            )
    return out


def summary_section(o: Overview) -> str:
    return heading("Summary", "summary") + paragraphs(summary_sentences(o))


def submissions_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    text = f"{o.submitted} of {len(o.forces)} forces submitted a tracker for {o.quarter.label}."
    _claim(
        ledger,
        id="submissions.submitted",
        sentence=text,
        value=o.submitted,
        comparator=len(o.forces),
        method="forces in the force registry with a tracker snapshot for this quarter",
        window=o.quarter.id,
        source_file=o.tracker_files[1],
        source_rows=tuple(
            f"force_id={f}; quarter={o.quarter.id}" for f in o.submissions.loc[o.submissions["submitted"], "force_id"]
        ),
    )
    return [text]


def submissions_section(o: Overview) -> str:
    rows = []
    for r in o.submissions.sort_values("force").itertuples(index=False):
        latest = parse_quarter(r.latest_quarter).label if r.latest_quarter else "none"
        behind = (
            ""
            if r.quarters_behind in (None, 0) or r.quarters_behind != r.quarters_behind
            else f" ({int(r.quarters_behind)} quarters earlier)"
        )
        rows.append(
            f"<tr><td>{esc(r.force)}</td><td>{esc(r.region)}</td><td>{'Yes' if r.submitted else 'No'}</td>"
            f"<td>{esc(latest)}{esc(behind)}</td><td>{esc(r.as_of or '')}</td></tr>"
        )
    return (
        heading("Tracker submissions", "submissions")
        + paragraphs(submissions_sentences(o))
        + "<table class='entries'><thead><tr><th scope='col'>Force</th><th scope='col'>Region</th>"
        f"<th scope='col'>Submitted for {esc(o.quarter.label)}</th><th scope='col'>Latest tracker</th>"
        f"<th scope='col'>Data as of</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def status_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    """The status section's words: what the chart and table cover, or that there is nothing to show."""
    if not o.status.empty:
        return [
            "Each force is shown at its latest tracker snapshot up to this quarter; the table says which "
            "quarter that is. Statuses are counted per recommendation."
        ]
    text = f"No force has submitted a tracker up to {o.quarter.label}."
    _claim(
        ledger,
        id="status.none",
        sentence=text,
        value=0,
        comparator=len(o.forces),
        method="forces with a tracker snapshot for this quarter or an earlier one",
        window=o.quarter.id,
        source_file=o.tracker_files[1],
    )
    return [text]


def status_section(o: Overview) -> str:
    out = [heading("Status across forces", "status"), paragraphs(status_sentences(o))]
    if o.status.empty:
        return "".join(out)
    fig, alt = status_chart(o)
    out.append(figure(fig, alt, "Recommendation status by force."))
    head = "".join(f"<th scope='col'>{esc(STATUS_LABELS[s])}</th>" for s in APPLICABLE_STATUSES)
    rows = "".join(
        f"<tr><td>{esc(r.force)}</td><td>{esc(parse_quarter(r.snapshot).label)}</td>"
        + "".join(f"<td>{int(getattr(r, s))}</td>" for s in APPLICABLE_STATUSES)
        + f"<td>{int(r.not_applicable)}</td><td>{int(r.evidenced)} of {int(r.applicable)}</td></tr>"
        for r in o.status.sort_values("force").itertuples(index=False)
    )
    out.append(
        "<table class='entries'><thead><tr><th scope='col'>Force</th><th scope='col'>Snapshot</th>"
        f"{head}<th scope='col'>Not applicable</th><th scope='col'>Evidenced</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return "".join(out)


def measures_section(o: Overview) -> str:
    out = [heading("Key measures across forces", "measures")]
    if not o.funnels:
        out.append(paragraphs([o.measures_note or "No key-measures data."]))
        return "".join(out)
    if o.measures_note:
        out.append(paragraphs([o.measures_note]))
    for basis, table in o.funnels.items():
        out.append(f'<section class="measure" aria-labelledby="measure-charge-{esc(basis)}">')
        out.append(heading(f"Charge rate ({basis} basis)", f"measure-charge-{basis}", 3))
        fig, alt = funnel_chart(table, o.measure_quarter, basis)
        out.append(figure(fig, alt))
        out.append(
            paragraphs(
                [
                    *funnel_position_sentences(table),
                    *(
                        ["Recorded-basis outcomes for recent quarters are incomplete (investigations still open)."]
                        if basis == "recorded"
                        else []
                    ),
                ]
            )
        )
        out.append("</section>")
    out.append(
        paragraphs(
            [
                "Misconduct, response times and workforce representation are not loaded for every "
                "force, so they are not compared here; each force's report shows what is known for that "
                "force. For trust and for rape cases reaching court, the sections below show official "
                "figures that exist for every force, each named for what it is: a fairness indicator "
                "and a proxy."
            ]
        )
    )
    return "".join(out)


def _spc_claim_fields(row) -> dict:
    """What a force's process-behaviour verdicts rest on (a row of ``measure_sections.national_spc_table``)."""
    first, last = (parse_quarter(p) if p else None for p in (row.first_period, row.period))
    numbers = {
        "rate_pct": row.rate_pct,
        "centre_pct": row.centre_pct,
        "lower_limit_pct": row.lower_limit_pct,
        "upper_limit_pct": row.upper_limit_pct,
    }
    return {
        "comparator": round(float(row.national_rate_pct), 4),
        "method": f"Laney p′ chart of the force's closed-basis charge rate over its last {row.n_points} quarters "
        f"(at most {SPC_QUARTERS}; a verdict needs {SPC_MIN_POINTS}), NHS England's Making Data Count rules: "
        "variation is the rule the latest quarter meets, by direction (higher is better); assurance compares the "
        "England and Wales rate for the latest quarter with that quarter's process limits (below the lower "
        "limit: consistently above it; above the upper limit: consistently below it; otherwise hit and miss)",
        "window": f"{first.id} to {last.id}" if first and last else "",
        "source_file": CHARGE_RATE_FILE,
        "source_rows": (
            f"slug={row.force_id}; fy={first.financial_year} q={first.q} to fy={last.financial_year} q={last.q}",
        )
        if first and last
        else (),
        "detail": {
            "variation": row.variation,
            "assurance": row.assurance,
            "rule": row.rule,
            "n_points": int(row.n_points),
            "numerator": None if pd.isna(row.charges) else int(row.charges),
            "denominator": None if pd.isna(row.assigned) else int(row.assigned),
            **{k: None if pd.isna(v) else round(float(v), 4) for k, v in numbers.items()},
            "comparator_rows": _outcome_rows(last) if last else "",
        },
    }


def spc_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    """Counts of forces by variation and assurance verdict, and the forces of concern, in words."""
    if o.spc is None or o.spc.empty:
        return ["No charge-rate data is loaded, so there are no process-behaviour verdicts."]
    t, mq = o.spc, o.measure_quarter
    label = mq.label
    var = t["variation"].value_counts()
    ass = t["assurance"].value_counts()
    concern = t[t["variation"] == "special_cause_concerning"]
    national = float(t["national_rate_pct"].iloc[0])  # the comparator the verdicts were reached against
    ids = lambda mask: list(t.loc[mask, "force_id"])  # noqa: E731
    base = {"source_file": CHARGE_RATE_FILE, "window": mq.id}
    out = [
        f"Each force's charge rate (closed basis) is drawn on a Laney p′ process-behaviour chart of its last "
        f"{int(t['n_points'].max())} quarters up to {label}, as in the force reports."
    ]
    _claim(
        ledger,
        id="spc.quarters",
        sentence=out[-1],
        value=int(t["n_points"].max()),
        comparator=SPC_QUARTERS,
        method="the most quarters on any force's chart: its quarters with a closed-basis rate up to the latest, "
        f"at most {SPC_QUARTERS}",
        **base,
    )
    out.append(
        "Variation in the latest quarter: "
        + "; ".join(
            f"{VARIATION_LABELS[k].lower()}: {plural(int(var[k]), 'force')}" for k in VARIATION_LABELS if k in var
        )
        + "."
    )
    _claim(
        ledger,
        id="spc.variation",
        sentence=out[-1],
        value={k: int(var[k]) for k in VARIATION_LABELS if k in var},
        comparator=len(t),
        method="forces by the variation verdict of their latest quarter (each force's own claim says why)",
        detail={k: ids(t["variation"] == k) for k in VARIATION_LABELS if k in var},
        **base,
    )
    out.append(
        f"Assurance against the England and Wales rate for {label} ({national:.1f}%): "
        + "; ".join(
            f"{ASSURANCE_LABELS[k][0].lower()}{ASSURANCE_LABELS[k][1:]}: {plural(int(ass[k]), 'force')}"
            for k in ASSURANCE_LABELS
            if k in ass
        )
        + "."
    )
    broke = t["variation"].astype(str).str.startswith("special_cause") & t["assurance"].notna()
    if broke.any():
        out[-1] += (
            f" For {plural(int(broke.sum()), 'force')} the latest quarter is itself special cause, so its assurance "
            "rests on limits that quarter has broken out of and may no longer hold."
        )
    _claim(
        ledger,
        id="spc.assurance",
        sentence=out[-1],
        value={k: int(ass[k]) for k in ASSURANCE_LABELS if k in ass},
        comparator=round(national, 4),
        method="forces by the assurance verdict of their latest quarter against the England and Wales rate "
        "(each force's own claim gives its limits); detail: the forces, and those whose latest quarter is "
        "special cause",
        detail={
            **{k: ids(t["assurance"] == k) for k in ASSURANCE_LABELS if k in ass},
            "latest_quarter_special_cause": ids(broke),
        },
        **base,
    )
    names = list(concern["force_name"])
    out.append(
        f"Special-cause variation of concern: {', '.join(names)}."
        if names
        else "No force shows special-cause variation of concern in its latest quarter."
    )
    _claim(
        ledger,
        id="spc.concern",
        sentence=out[-1],
        value=list(concern["force_id"]),
        comparator=len(t),
        method="forces whose latest quarter meets a special-cause rule on the side of concern (a lower charge rate)",
        **base,
    )
    if len(concern) > len(t) / 3:
        out.append(
            "When this many forces move together, look first for a common cause (for example a change in "
            "recording or in the courts) before a cause in each force."
        )
        _claim(
            ledger,
            id="spc.many_of_concern",
            sentence=out[-1],
            value=len(concern),
            comparator=len(t),
            method="said when more than a third of the forces show special-cause variation of concern",
            **base,
        )
    return out


def assurance_words(assurance: str | None, variation: str) -> str:
    """The assurance label, qualified when the latest quarter itself broke the rules: the limits then describe the
    process before it, so 'consistently below' can sit beside a latest rate above the comparator."""
    words = ASSURANCE_LABELS.get(assurance, "None")
    if assurance and variation.startswith("special_cause"):
        words += " – on limits the latest quarter has broken out of, which may no longer hold"
    return words


def spc_row_cells(r, ledger: ClaimLedger | None = None) -> list[str]:
    """One force's row of the verdicts table (plain text, one string per cell); with a ``ledger``, the claim its
    verdicts make (the row's text is the claim's sentence)."""
    cells = [
        r.force_name,
        "" if r.rate_pct != r.rate_pct else f"{r.rate_pct:.1f}%",
        VARIATION_LABELS[r.variation],
        SPC_RULE_WORDS.get(r.rule, r.rule) or "–",
        assurance_words(r.assurance, r.variation),
    ]
    if ledger is not None:
        sentence = " ".join(c for c in cells if c)
        _claim(ledger, id=f"spc.force.{r.force_id}", sentence=sentence, value=r.assurance, **_spc_claim_fields(r))
    return cells


def spc_section(o: Overview) -> str:
    """Charge rates over time for all forces: verdict counts and a table, alphabetical, not ranked."""
    out = [heading("Charge rates over time", "spc"), paragraphs(spc_sentences(o))]
    if o.spc is None or o.spc.empty:
        return "".join(out)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in spc_row_cells(r)) + "</tr>"
        for r in o.spc.itertuples(index=False)
    )
    out.append(
        "<details><summary>Every force's verdicts (alphabetical)</summary><table class='entries'><thead><tr>"
        "<th scope='col'>Force</th><th scope='col'>Latest rate</th><th scope='col'>Variation</th>"
        "<th scope='col'>Rule met by the latest quarter</th><th scope='col'>Assurance</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )
    return "".join(out)


NO_ONE_TO_LOOK_AT = (
    "No force is outside the 99.8% funnel limits, shows special-cause variation of concern "
    "or has a tracker with mostly blank evidence."
)


def look_at_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    """The words above the list of forces to look at (each reason claims for itself: :func:`look_at_claims`)."""
    if o.look_at is None or o.look_at.empty:
        _claim(
            ledger,
            id="look_at.none",
            sentence=NO_ONE_TO_LOOK_AT,
            value=0,
            comparator=len(o.forces),
            method="forces outside the 99.8% funnel limits of a charge rate, with special-cause variation of concern, "
            f"with evidence for fewer than {LOW_EVIDENCE_SHARE:.0%} of their applicable recommendations, or with "
            "recommendations complete without evidence",
            window=o.quarter.id,
        )
        return [NO_ONE_TO_LOOK_AT]
    return [
        "Listed alphabetically, not ranked. A point outside the 99.8% limits is unlikely to be "
        "chance alone; it is a prompt for a question, not a verdict."
    ]


def look_at_section(o: Overview) -> str:
    out = [heading("Forces to look at", "look-at"), paragraphs(look_at_sentences(o))]
    if o.look_at is None or o.look_at.empty:
        return "".join(out)
    items = "".join(
        f"<li><strong>{esc(force)}</strong>: <ul>{''.join(f'<li>{esc(r)}</li>' for r in grp['reason'])}</ul></li>"
        for force, grp in o.look_at.groupby("force", sort=True)
    )
    out.append(f"<ul class='flags'>{items}</ul>")
    return "".join(out)


def provenance(o: Overview) -> str:
    params = "".join(
        f"<tr><th scope='row'>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in o.parameters.items()
    )
    files = "".join(
        f"<tr><td><code>{esc(i['file'])}</code></td><td><code>{esc(i['sha256'])}</code></td></tr>" for i in o.inputs
    )
    later = later_data_sentence(o.later, whose="forces'")  # one line, no figure: what is held but left out
    return (
        heading("Sources and provenance", "sources")
        + (paragraphs([later]) if later else "")
        + f"<h3>Parameters</h3><table class='meta'>{params}</table>"
        + "<h3>Data files used</h3><table class='files'><thead><tr><th scope='col'>File</th><th scope='col'>SHA-256</th>"
        f"</tr></thead><tbody>{files}</tbody></table>"
        + f"<p>Produced by the <code>analysis</code> package version {esc(__version__)}.</p>"
    )


# --------------------------------------------------------------------------- new measures across forces (issue 11)
def _fmt_number(value, pattern: str = "{:.1f}", missing: str = "no rate") -> str:
    return missing if value is None or pd.isna(value) else pattern.format(value)


FAIRNESS_INTRO = (
    "This is a fairness indicator, not the review's own measure: the review asks for a smaller gap in trust "
    "between Black people and the population as a whole, a survey measure with no figure for each force. The "
    "official figure that exists for every force is how often Black and White residents are stopped and searched."
)


def _stop_search_rows(year: str, geography: str) -> tuple[str, ...]:
    return tuple(
        f"time={year}; geography={geography}; legislation_type=All; ethnicity_type=5+1 (newest); Ethnicity={group}"
        for group in ("Black", "White", "Unknown")
    )


def fairness_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    """The words before the stop and search funnel chart: what the indicator is and the England and Wales ratio."""
    from analysis.compute import disparity

    if o.fairness is None:
        return [o.fairness_error]
    table = o.fairness
    if table.empty:
        text = f"No year of stop and search data had been published by the end of {o.quarter.label}."
        _claim(
            ledger,
            id="fairness.none",
            sentence=text,
            value=None,
            comparator=o.quarter.end.isoformat(),
            method=f"a financial year counts as published {STOP_SEARCH_PUBLICATION_LAG_MONTHS} months after it ends",
            window=o.quarter.id,
            source_file="; ".join(o.stop_search_files),
        )
        return [text]
    period = table["period"].iloc[0]
    year = period.replace("-", "/")
    nat = table[table["force_id"] == disparity.NATIONAL_ID].iloc[0]
    no_rate = table[(table["force_id"] != disparity.NATIONAL_ID) & table["ratio"].isna()]
    out = [
        FAIRNESS_INTRO,
        f"{year} is the latest year published by the end of {o.quarter.label}. Across England and Wales Black "
        f"residents were searched at {nat['ratio']:.2f} times the rate of White residents (95% confidence interval "
        f"{nat['lower']:.2f} to {nat['upper']:.2f})"
        + (
            f"; the ethnicity of {nat['unknown_share']:.1f}% of searches was not recorded, and those searches are in "
            f"neither rate."
            if pd.notna(nat["unknown_share"])
            else "."
        ),
    ]
    counts = ("black_searches", "black_population", "white_searches", "white_population", "unknown_searches")
    _claim(
        ledger,
        id="fairness.national_ratio",
        sentence=out[-1],
        value=round(float(nat["ratio"]), 4),
        comparator=1.0,
        method="Black searches per Black resident divided by White searches per White resident (Census 2021 "
        "populations), stop and search under all legislation, 5+1 ethnic groups; 95% interval by Katz's log "
        "method; the latest financial year counted as published "
        f"{STOP_SEARCH_PUBLICATION_LAG_MONTHS} months after it ends; comparator: parity",
        window=period,
        source_file="; ".join(o.stop_search_files),
        source_rows=_stop_search_rows(year, str(nat["geography"])),
        detail={
            "lower": round(float(nat["lower"]), 4),
            "upper": round(float(nat["upper"]), 4),
            "unknown_share_pct": None if pd.isna(nat["unknown_share"]) else round(float(nat["unknown_share"]), 4),
            **{k: None if pd.isna(nat[k]) else int(nat[k]) for k in counts},
        },
    )
    if len(no_rate):
        out.append(
            f"No rate per 1,000 residents is published for {', '.join(no_rate['force_name'])}, so no ratio is shown."
        )
        _claim(
            ledger,
            id="fairness.no_rate",
            sentence=out[-1],
            value=list(no_rate["force_id"]),
            method="forces whose stop and search rows give no resident population for the Black or White group",
            window=period,
            source_file="; ".join(o.stop_search_files),
        )
    return out


def fairness_outside_sentences(o: Overview, ledger: ClaimLedger | None = None) -> list[str]:
    """The forces outside the widened outer funnel limits around the England and Wales ratio, in words."""
    from analysis.compute import disparity

    if o.fairness is None or o.fairness.empty:
        return []
    table = o.fairness
    outer = f"{max(FUNNEL_LEVELS) * 100:g}%"
    outside = table[table["funnel"].str.endswith(outer)]
    if not len(outside):
        return []
    listed = "; ".join(f"{r.force_name} ({r.funnel.split()[0]}, {r.ratio:.2f})" for r in outside.itertuples())
    text = (
        f"Outside the widened {outer} limits around the England and Wales ratio, in "
        f"alphabetical order: {listed}. A point outside them is unlikely to be chance alone; "
        f"it is a prompt for a question, not a verdict."
    )
    nat = table[table["force_id"] == disparity.NATIONAL_ID].iloc[0]
    _claim(
        ledger,
        id="fairness.outside",
        sentence=text,
        value={r.force_id: round(float(r.ratio), 4) for r in outside.itertuples()},
        comparator=round(float(nat["ratio"]), 4),
        method=f"each force's Black/White ratio against {outer} funnel limits around the England and Wales ratio "
        f"on the log scale, widened for over-dispersion (phi {float(table['phi'].iloc[0]):.2f})",
        window=str(table["period"].iloc[0]),
        source_file="; ".join(o.stop_search_files),
        detail={side: list(outside.loc[outside["funnel"] == f"{side} {outer}", "force_id"]) for side in SIDES},
    )
    return [text]


def fairness_section(o: Overview, data_dir=None) -> str:
    """Stop and search disparity for every force (a fairness indicator under 16.i), with Census 2021 shares:
    a funnel chart and an alphabetical table (never a league table)."""
    from analysis.present import measure_charts

    out = [heading("Fairness indicator: stop and search disparity (16.i)", "measures-fairness")]
    out.append(paragraphs(fairness_sentences(o)))
    if o.fairness is None or o.fairness.empty:
        return "".join(out)
    table = o.fairness
    period = table["period"].iloc[0]
    year = period.replace("-", "/")
    fig, alt = measure_charts.chart_stop_search_funnel(None, period, data_dir)
    out.append(figure(fig, alt))
    outside = fairness_outside_sentences(o)
    if outside:
        out.append(paragraphs(outside))
    rows = []
    for r in table.itertuples(index=False):
        share = o.minority_share.get(r.force_id)
        ratio = "no rate" if pd.isna(r.ratio) else f"{r.ratio:.2f} ({r.lower:.2f} to {r.upper:.2f})"
        rows.append(
            f"<tr><td>{esc(r.force_name)}</td><td>{_fmt_number(r.black_rate)}</td>"
            f"<td>{_fmt_number(r.white_rate)}</td><td>{esc(ratio)}</td>"
            f"<td>{_fmt_number(r.unknown_share, '{:.1f}%', 'not given')}</td>"
            f"<td>{_fmt_number(share, '{:.1f}%', 'not given')}</td></tr>"
        )
    out.append(
        f"<table class='entries'><caption>Stop and search by ethnicity, {esc(year)}, forces in alphabetical order "
        "(not ranked); rates per 1,000 residents of each group (Census 2021)</caption><thead><tr>"
        "<th scope='col'>Force</th><th scope='col'>Black, per 1,000</th><th scope='col'>White, per 1,000</th>"
        "<th scope='col'>Black/White ratio (95% CI)</th><th scope='col'>Ethnicity not recorded</th>"
        "<th scope='col'>Ethnic minority share of residents (Census 2021)</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return "".join(out)


def sexual_offences_proxy_section(o: Overview, data_dir=None) -> str:
    """Sexual-offence charges per force for the last two years ending by the quarter: a proxy under 16.v."""
    from analysis.compute import disparity

    out = [heading("Proxy: sexual offences charged or summonsed (16.v)", "measures-sexual-offences")]
    try:
        charges = disparity.sexual_offence_charges(data_dir)
    except FileNotFoundError:
        out.append(paragraphs(["No outcomes-by-offence-group data in this data tree."]))
        return "".join(out)
    charges = charges[[disparity.financial_year_end(p) <= o.quarter.end for p in charges["period"]]]
    years = sorted(charges["period"].unique())[-2:]
    if not years:
        out.append(paragraphs([f"No year of outcomes ends by {o.quarter.label}."]))
        return "".join(out)
    labels = [y.replace("-", "/") for y in years]
    wide = charges[charges["period"].isin(years)].pivot(index="force_id", columns="period", values="charges")
    names = {f.id: f.name for f in o.forces}
    out.append(
        paragraphs(
            [
                "Proxy, not the review's measure: all sexual offences, not only adult rape; charges, not cases reaching "
                "court. The figures are counts of investigations closed in the year with a charge or summons; the source "
                "has no total of all outcomes by offence group, so no rate is given and forces of different sizes should "
                "not be compared by these numbers.",
            ]
        )
    )
    rows = "".join(
        f"<tr><td>{esc(names[f])}</td>" + "".join(f"<td>{int(wide.at[f, y]):,}</td>" for y in years) + "</tr>"
        for f in sorted(names, key=names.get)
        if f in wide.index
    )
    nat = "".join(f"<td>{int(wide.at[disparity.NATIONAL_ID, y]):,}</td>" for y in years)
    out.append(
        "<table class='entries'><caption>Sexual offences charged or summonsed (closed basis), forces in "
        "alphabetical order</caption><thead><tr><th scope='col'>Force</th>"
        + "".join(f"<th scope='col'>{esc(label)}</th>" for label in labels)
        + "</tr></thead><tbody>"
        + rows
        + f"<tr><td>{esc(NATIONAL_NAME_TEXT)}</td>{nat}</tr></tbody></table>"
    )
    return "".join(out)


NATIONAL_NAME_TEXT = "England and Wales (43 territorial forces)"
