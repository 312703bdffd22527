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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analysis import __version__
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
from analysis.compute.report_model import AUDIENCES, MissingProcessedData
from analysis.compute.spc import RULE_WORDS as SPC_RULE_WORDS
from analysis.core import config
from analysis.core.forces import Force, all_forces
from analysis.core.periods import Quarter, parse_quarter
from analysis.core.settings import FUNNEL_LEVELS, LOW_EVIDENCE_SHARE
from analysis.present import style
from analysis.present.fragments import esc, figure, heading, paragraphs, publish
from analysis.present.narrative import plural
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
    look_at: pd.DataFrame | None = None  # force_id, force, reason
    inputs: list[dict] = field(default_factory=list)
    generated_at: str = ""

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
    table = table[_qindex(table["quarter"]) <= q.index] if len(table) else table
    index = index[_qindex(index["quarter"]) <= q.index] if len(index) else index
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

    from analysis.compute import measures

    root = config.data_dir(data_dir)
    files = [fw.source_file, table_path, index_path]
    if config.measures_raw_dir(data_dir).exists():
        files += measures.input_paths(data_dir)
    inputs = [
        {"file": str(p.relative_to(root)) if p.is_relative_to(root) else str(p), "sha256": file_sha256(p)}
        for p in files
    ]
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
    )
    overview.look_at = forces_to_look_at(overview)
    return overview


def forces_to_look_at(overview: Overview) -> pd.DataFrame:
    """Forces outside the 99.8% funnel limits, or whose tracker has blank evidence; alphabetical."""
    found = []
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
                        f"around {row.national_rate_pct:.1f}% in {overview.measure_quarter.label}{caveat}",
                    )
                )
    if overview.spc is not None:
        for row in overview.spc[overview.spc["variation"] == "special_cause_concerning"].itertuples(index=False):
            found.append(
                (
                    row.force_id,
                    row.force_name,
                    f"charge rate (closed basis) shows special-cause variation of concern in "
                    f"{overview.measure_quarter.label} ({SPC_RULE_WORDS.get(row.rule, row.rule)})",
                )
            )
    for row in overview.status.itertuples(index=False):
        label = parse_quarter(row.snapshot).label
        if row.applicable and row.evidenced / row.applicable < LOW_EVIDENCE_SHARE:
            found.append(
                (
                    row.force_id,
                    row.force,
                    f"evidence is blank for all or part of {row.applicable - row.evidenced} of {row.applicable} "
                    f"applicable recommendations in its {label} tracker",
                )
            )
        if row.complete_without_evidence:
            found.append(
                (
                    row.force_id,
                    row.force,
                    f"{row.complete_without_evidence} recommendation(s) marked complete without evidence ({label})",
                )
            )
    frame = pd.DataFrame(found, columns=["force_id", "force", "reason"])
    return frame.sort_values(["force", "reason"], kind="stable").reset_index(drop=True)


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
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
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
    ax.legend(fontsize=8, loc="upper right")
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
    """The banner's marking and identity, for the template (see ``fragments.publish``)."""
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
    publish(meta)


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


def summary_sentences(o: Overview) -> list[str]:
    n = len(o.forces)
    out = [
        f"{o.submitted} of {n} forces submitted a tracker for {o.quarter.label}; "
        f"{len(o.status)} have at least one tracker snapshot up to this quarter."
    ]
    out += snapshot_sentences(o)
    if o.funnels:
        closed = o.funnels.get("closed")
        if closed is not None:
            outside = int(closed["funnel"].astype(str).str.endswith("99.8%").sum())
            out.append(
                f"In {o.measure_quarter.label} the England and Wales charge rate (closed basis) was "
                f"{closed['national_rate_pct'].iloc[0]:.1f}%; {outside} of {closed['assigned'].notna().sum()} forces "
                f"{'was' if outside == 1 else 'were'} outside the 99.8% funnel limits."
            )
    if o.measures_note:
        out.append(o.measures_note)
    n_look = len(o.look_at["force_id"].unique()) if o.look_at is not None else 0
    out.append(f"{plural(n_look, 'force')} {'is' if n_look == 1 else 'are'} listed to look at.")
    if o.withheld:
        out.append(f"{o.withheld} tracker item(s) marked OFFICIAL-SENSITIVE are withheld from this public version.")
    return out


def snapshot_sentences(o: Overview) -> list[str]:
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
    return out


def funnel_position_sentences(table: pd.DataFrame) -> list[str]:
    """Forces' funnel positions, one sentence per limit: 95% first, then the 99.8% limits (a subset of them)."""
    position = table["funnel"].astype(str)
    above95, below95 = position.str.startswith("above").sum(), position.str.startswith("below").sum()
    above998, below998 = (position == "above 99.8%").sum(), (position == "below 99.8%").sum()
    n = int(position.isin(["within", "above 95%", "below 95%", "above 99.8%", "below 99.8%"]).sum())
    return [
        f"Against the 95% limits: {above95 + below95} of {n} forces are outside ({above95} above, {below95} "
        f"below) and {n - above95 - below95} inside.",
        f"Against the wider 99.8% limits: {above998 + below998} are outside ({above998} above, {below998} below).",
    ]


def summary_section(o: Overview) -> str:
    return heading("Summary", "summary") + paragraphs(summary_sentences(o))


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
        + paragraphs([f"{o.submitted} of {len(o.forces)} forces submitted a tracker for {o.quarter.label}."])
        + "<table class='entries'><thead><tr><th scope='col'>Force</th><th scope='col'>Region</th>"
        f"<th scope='col'>Submitted for {esc(o.quarter.label)}</th><th scope='col'>Latest tracker</th>"
        f"<th scope='col'>Data as of</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def status_section(o: Overview) -> str:
    out = [heading("Status across forces", "status")]
    if o.status.empty:
        out.append(paragraphs([f"No force has submitted a tracker up to {o.quarter.label}."]))
        return "".join(out)
    out.append(
        paragraphs(
            [
                "Each force is shown at its latest tracker snapshot up to this quarter; the table says which "
                "quarter that is. Statuses are counted per recommendation."
            ]
        )
    )
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


def spc_sentences(o: Overview) -> list[str]:
    """Counts of forces by variation and assurance verdict, and the forces of concern, in words."""
    if o.spc is None or o.spc.empty:
        return ["No charge-rate data is loaded, so there are no process-behaviour verdicts."]
    t, label = o.spc, o.measure_quarter.label
    var = t["variation"].value_counts()
    ass = t["assurance"].value_counts()
    concern = t[t["variation"] == "special_cause_concerning"]["force_name"].tolist()
    out = [
        f"Each force's charge rate (closed basis) is drawn on a Laney p′ process-behaviour chart of its last "
        f"{int(t['n_points'].max())} quarters up to {label}, as in the force reports.",
        "Variation in the latest quarter: "
        + "; ".join(
            f"{VARIATION_LABELS[k].lower()}: {plural(int(var[k]), 'force')}" for k in VARIATION_LABELS if k in var
        )
        + ".",
        f"Assurance against the England and Wales rate for {label} "
        f"({o.funnels['closed']['national_rate_pct'].iloc[0]:.1f}%): "
        if "closed" in o.funnels
        else f"Assurance against the England and Wales rate for {label}: ",
    ]
    out[-1] += (
        "; ".join(
            f"{ASSURANCE_LABELS[k][0].lower()}{ASSURANCE_LABELS[k][1:]}: {plural(int(ass[k]), 'force')}"
            for k in ASSURANCE_LABELS
            if k in ass
        )
        + "."
    )
    broke = int((t["variation"].astype(str).str.startswith("special_cause") & t["assurance"].notna()).sum())
    if broke:
        out[-1] += (
            f" For {plural(broke, 'force')} the latest quarter is itself special cause, so its assurance rests on "
            "limits that quarter has broken out of and may no longer hold."
        )
    out.append(
        f"Special-cause variation of concern: {', '.join(concern)}."
        if concern
        else "No force shows special-cause variation of concern in its latest quarter."
    )
    if len(concern) > len(t) / 3:
        out.append(
            "When this many forces move together, look first for a common cause (for example a change in "
            "recording or in the courts) before a cause in each force."
        )
    return out


def assurance_words(assurance: str | None, variation: str) -> str:
    """The assurance label, qualified when the latest quarter itself broke the rules: the limits then describe the
    process before it, so 'consistently below' can sit beside a latest rate above the comparator."""
    words = ASSURANCE_LABELS.get(assurance, "None")
    if assurance and variation.startswith("special_cause"):
        words += " – on limits the latest quarter has broken out of, which may no longer hold"
    return words


def spc_section(o: Overview) -> str:
    """Charge rates over time for all forces: verdict counts and a table, alphabetical, not ranked."""
    out = [heading("Charge rates over time", "spc"), paragraphs(spc_sentences(o))]
    if o.spc is None or o.spc.empty:
        return "".join(out)
    rows = "".join(
        f"<tr><td>{esc(r.force_name)}</td><td>{'' if r.rate_pct != r.rate_pct else f'{r.rate_pct:.1f}%'}</td>"
        f"<td>{esc(VARIATION_LABELS[r.variation])}</td><td>{esc(SPC_RULE_WORDS.get(r.rule, r.rule) or '–')}</td>"
        f"<td>{esc(assurance_words(r.assurance, r.variation))}</td></tr>"
        for r in o.spc.itertuples(index=False)
    )
    out.append(
        "<details><summary>Every force's verdicts (alphabetical)</summary><table class='entries'><thead><tr>"
        "<th scope='col'>Force</th><th scope='col'>Latest rate</th><th scope='col'>Variation</th>"
        "<th scope='col'>Rule met by the latest quarter</th><th scope='col'>Assurance</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )
    return "".join(out)


def look_at_section(o: Overview) -> str:
    out = [heading("Forces to look at", "look-at")]
    if o.look_at is None or o.look_at.empty:
        out.append(
            paragraphs(
                [
                    "No force is outside the 99.8% funnel limits, shows special-cause variation of concern "
                    "or has a tracker with mostly blank evidence."
                ]
            )
        )
        return "".join(out)
    out.append(
        paragraphs(
            [
                "Listed alphabetically, not ranked. A point outside the 99.8% limits is unlikely to be "
                "chance alone; it is a prompt for a question, not a verdict."
            ]
        )
    )
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
    return (
        heading("Sources and provenance", "sources")
        + f"<h3>Parameters</h3><table class='meta'>{params}</table>"
        + "<h3>Data files used</h3><table class='files'><thead><tr><th scope='col'>File</th><th scope='col'>SHA-256</th>"
        f"</tr></thead><tbody>{files}</tbody></table>"
        + f"<p>Produced by the <code>analysis</code> package version {esc(__version__)}.</p>"
    )


# --------------------------------------------------------------------------- new measures across forces (issue 11)
def _fmt_number(value, pattern: str = "{:.1f}", missing: str = "no rate") -> str:
    return missing if value is None or pd.isna(value) else pattern.format(value)


def fairness_section(o: Overview, data_dir=None) -> str:
    """Stop and search disparity for every force (a fairness indicator under 16.i), with Census 2021 shares:
    a funnel chart and an alphabetical table (never a league table)."""
    from analysis.compute import disparity, measure_sections
    from analysis.present import measure_charts

    out = [heading("Fairness indicator: stop and search disparity (16.i)", "measures-fairness")]
    try:
        table = measure_sections.national_fairness_table(o.quarter, data_dir)
        census = disparity.census2021_by_force(data_dir).set_index("force_id")
    except FileNotFoundError as error:
        out.append(paragraphs([f"No stop and search or Census 2021 data in this data tree ({error})."]))
        return "".join(out)
    if table.empty:
        out.append(paragraphs([f"No year of stop and search data had been published by the end of {o.quarter.label}."]))
        return "".join(out)
    period = table["period"].iloc[0]
    year = period.replace("-", "/")
    nat = table[table["force_id"] == disparity.NATIONAL_ID].iloc[0]
    no_rate = table[(table["force_id"] != disparity.NATIONAL_ID) & table["ratio"].isna()]["force_name"].tolist()
    out.append(
        paragraphs(
            [
                "This is a fairness indicator, not the review's own measure: the review asks for a smaller gap in trust "
                "between Black people and the population as a whole, a survey measure with no figure for each force. The "
                "official figure that exists for every force is how often Black and White residents are stopped and searched.",
                f"{year} is the latest year published by the end of {o.quarter.label}. Across England and Wales Black "
                f"residents were searched at {nat['ratio']:.2f} times the rate of White residents (95% confidence interval "
                f"{nat['lower']:.2f} to {nat['upper']:.2f})"
                + (
                    f"; the ethnicity of {nat['unknown_share']:.1f}% of searches was not recorded, and those searches are in "
                    f"neither rate."
                    if pd.notna(nat["unknown_share"])
                    else "."
                ),
                *(
                    [f"No rate per 1,000 residents is published for {', '.join(no_rate)}, so no ratio is shown."]
                    if no_rate
                    else []
                ),
            ]
        )
    )
    fig, alt = measure_charts.chart_stop_search_funnel(None, period, data_dir)
    out.append(figure(fig, alt))
    outer = f"{max(FUNNEL_LEVELS) * 100:g}%"
    outside = table[table["funnel"].str.endswith(outer)]
    if len(outside):
        listed = "; ".join(f"{r.force_name} ({r.funnel.split()[0]}, {r.ratio:.2f})" for r in outside.itertuples())
        out.append(
            paragraphs(
                [
                    f"Outside the widened {outer} limits around the England and Wales ratio, in "
                    f"alphabetical order: {listed}. A point outside them is unlikely to be chance alone; "
                    f"it is a prompt for a question, not a verdict."
                ]
            )
        )
    rows = []
    for r in table.itertuples(index=False):
        share = census["minority_share"].get(r.force_id)
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
