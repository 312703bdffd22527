"""The national overview in words and HTML: every force in one quarter, for ``notebooks/national_overview.ipynb``.

The numbers come from :func:`analysis.compute.overview_model.load_overview` (this module loads no data); what
they may be made to say comes from :mod:`analysis.compute.meaning.national`. Each section here is written in
two steps: a function ``*_claims`` turns the :class:`~analysis.compute.overview_model.Overview` into
:class:`~analysis.compute.claims.Claim` objects (the sentence or table cell, and the value, comparator, method,
window, rule and rows behind it), and the section renders each claim's sentence inside an element carrying
``data-claim="<id>"``. :func:`national_claims` collects the same claims, in page order, for the ledger
(``national-overview.claims.json``), so the ledger covers every figure and verdict on the page by construction
(``tests/ledger_coverage.py`` checks it).

Sections: tracker submissions and status across forces (each force's latest snapshot up to the quarter); the
charge rate on funnel plots (not league tables) and on Laney p′ process-behaviour charts; stop and search
disparity (a fairness indicator) and sexual-offence charges (a proxy); forces to look at. The markup comes from
the templates in ``src/analysis/templates/pieces/``, which escape every string from data; charts carry alt text that states the numbers, and draw
from the series the Overview holds (``tests/test_architecture.py`` keeps data loaders out of this module).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

import analysis
from analysis.compute.claims import CLAIMS_MIMETYPE, Claim, ClaimLedger
from analysis.compute.meaning import national as meaning
from analysis.compute.overview_model import Overview
from analysis.compute.progress import APPLICABLE_STATUSES
from analysis.compute.spc import RULE_WORDS as SPC_RULE_WORDS
from analysis.core import config
from analysis.core.periods import Quarter
from analysis.core.settings import (
    FUNNEL_LEVELS,
    LOW_EVIDENCE_SHARE,
    MOVING_TOGETHER_SHARE,
    SPC_MIN_POINTS,
    SPC_QUARTERS,
    STOP_SEARCH_PUBLICATION_LAG_MONTHS,
)
from analysis.present import style, templating
from analysis.present.claim_markup import claimed as claimed_element
from analysis.present.fragments import figure, heading, publish
from analysis.present.narrative import CHARGE_RATE_FILE, later_data_sentence, plural
from analysis.present.style import STATUS_LABELS, STATUS_ORDER
from analysis.present.templating import Markup

TITLE = "National overview"
SIDES = meaning.SIDES
OUTER = meaning.OUTER_LEVEL
RATE_METHOD = (
    "charges and summonses (outcome type 1) as a percentage of all assigned outcomes for investigations "
    "{basis} in the quarter"
)
BASIS_WORDS = {"closed": "closed", "recorded": "recorded (by the quarter the offence was recorded)"}


# --------------------------------------------------------------------------- claims to HTML
def claimed(claim: Claim, tag: str = "p") -> Markup:
    """One claim's sentence in an element that names the claim (``data-claim``), escaped."""
    return claimed_element(tag, claim.id, claim.sentence, None)


def claimed_paragraphs(items: Iterable[Claim | str]) -> Markup:
    """Paragraphs: a claim in an element naming it; a plain string (no figure, no verdict) as it is. A claim whose
    sentence is the one just written (two claims of one sentence) is not written twice."""
    out, last = [], None
    for item in items:
        if isinstance(item, Claim):
            if item.sentence != last:
                out.append(claimed(item))
            last = item.sentence
        else:
            out.append(templating.macro("paragraphs")([item]))
            last = item
    return Markup("").join(out)


def cell(claim: Claim | None, text: str = "") -> Markup:
    """A table cell: a claim's sentence naming the claim, or plain text that states nothing (a name, Yes/No)."""
    return claimed(claim, "td") if claim is not None else templating.macro("cell")(text)


def force_table(headers: list[str], rows: list[list[Markup]], caption: str = "", summary: str = "") -> Markup:
    """A table of forces (``rows``: each a list of :func:`cell`), with a caption, or folded under ``summary``."""
    return templating.render("force_table.html.j2", headers=headers, rows=rows, caption=caption, summary=summary)


def _claims_of(items) -> list[Claim]:
    return [c for c in items if isinstance(c, Claim)]


def _outcome_rows(quarter: Quarter, slug: str = "") -> str:
    """The rows of the outcomes table for one quarter: one force's, or every force's (the national rate)."""
    who = f"slug={slug}" if slug else "every slug in raw/forces/forces.csv"
    return f"{who}; fy={quarter.financial_year}; q={quarter.q}"


def distinct(a: float, b: float, digits: int = 1) -> tuple[str, str]:
    """Two figures written with enough decimals that the page never shows equal numbers for unequal ones (a
    difference or a side worked from rounded figures would read false)."""
    for d in range(digits, digits + 3):
        x, y = f"{a:.{d}f}", f"{b:.{d}f}"
        if x != y or a == b:
            return x, y
    return x, y


# --------------------------------------------------------------------------- header
def header_claims(o: Overview) -> list[Claim]:
    return [
        Claim(
            id="header.quarter",
            sentence=f"{o.quarter.label} ({o.quarter.months})",
            value=o.quarter.id,
            method="the overview's quarter (a parameter of the run)",
            window=o.quarter.id,
        ),
        Claim(
            id="header.framework",
            sentence=o.framework.title,
            value=o.framework.id,
            method="the framework's title from its file",
            source_file=str(o.framework.source_file.name),
        ),
        Claim(
            id="header.forces",
            sentence=f"{len(o.forces)} territorial forces of England and Wales",
            value=len(o.forces),
            method="forces in the force registry",
            source_file="raw/forces/forces.csv",
        ),
        Claim(id="header.generated", sentence=o.generated_at, value=o.generated_at, method="when the page was made"),
    ]


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


def header(o: Overview) -> str:
    quarter, framework, forces, generated = header_claims(o)
    rows = [
        ("Quarter", cell(quarter)),
        ("Framework", cell(framework)),
        ("Protective marking", cell(None, o.marking)),
        ("Audience", cell(None, o.audience.label)),
        ("Forces", cell(forces)),
        ("Generated", cell(generated)),
    ]
    title = f"{o.framework.short_title} progress: {TITLE.lower()}, {o.quarter.label}"
    return templating.render("national_header.html.j2", title=title, rows=rows, sections=SECTIONS)


# --------------------------------------------------------------------------- summary
def summary_claims(o: Overview) -> list[Claim]:
    n = len(o.forces)
    submitted = list(o.submissions.loc[o.submissions["submitted"], "force_id"])
    with_snapshot = list(o.status["force_id"])
    out = [
        Claim(
            id="summary.submitted",
            sentence=f"{len(submitted)} of {n} forces submitted a tracker for {o.quarter.label}; "
            f"{len(with_snapshot)} {'has' if len(with_snapshot) == 1 else 'have'} at least one tracker snapshot up "
            "to this quarter.",
            value=len(submitted),
            comparator=n,
            method="forces in the force registry with a tracker snapshot for this quarter; detail: forces with a "
            "snapshot for this quarter or an earlier one",
            window=o.quarter.id,
            source_file=o.tracker_files[1],
            source_rows=tuple(f"force_id={f}; quarter={o.quarter.id}" for f in submitted),
            detail={"submitted": submitted, "with_snapshot": len(with_snapshot), "with_snapshot_forces": with_snapshot},
        )
    ]
    out += snapshot_claims(o)
    out += charge_rate_summary_claims(o)
    out += measure_quarter_claims(o)
    looked = o.looked_at()
    out.append(
        Claim(
            id="summary.look_at",
            sentence=f"{plural(len(looked), 'force')} {'is' if len(looked) == 1 else 'are'} listed to look at.",
            value=len(looked),
            comparator=n,
            method="forces with at least one reason under 'Forces to look at' (each reason has its own claim)",
            window=o.quarter.id,
            detail={"forces": looked},
        )
    )
    if o.withheld:
        out.append(
            Claim(
                id="summary.withheld",
                sentence=f"{o.withheld} tracker item(s) marked OFFICIAL-SENSITIVE are withheld from this public "
                "version.",
                value=o.withheld,
                method="tracker rows marked OFFICIAL-SENSITIVE in the forces' latest snapshots up to the quarter, "
                "dropped before anything is counted",
                window=o.quarter.id,
            )
        )
    return out


def charge_rate_summary_claims(o: Overview) -> list[Claim]:
    """The England and Wales charge rate and how many forces are outside the outer funnel limits (one sentence,
    two claims)."""
    closed = o.funnels.get("closed")
    if closed is None:
        return []
    sides = {side: closed["funnel"].map(meaning.outside_outer_limits) == side for side in SIDES}
    outside = closed[sides["above"] | sides["below"]]
    rate, forces = float(closed["national_rate_pct"].iloc[0]), int(closed["assigned"].notna().sum())
    mq = o.measure_quarter
    sentence = (
        f"In {mq.label} the England and Wales charge rate (closed basis) was {rate:.1f}%; {len(outside)} of "
        f"{forces} forces {'was' if len(outside) == 1 else 'were'} outside the {OUTER} funnel limits."
    )
    return [
        Claim(
            id="summary.charge_rate",
            sentence=sentence,
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
        ),
        Claim(
            id="summary.funnel_outside",
            sentence=sentence,
            value=len(outside),
            comparator=forces,
            method=f"forces whose closed-basis charge rate lies outside the {OUTER} funnel limits around the England "
            f"and Wales rate, widened for over-dispersion (phi {float(closed['phi'].iloc[0]):.2f})",
            window=mq.id,
            source_file=CHARGE_RATE_FILE,
            source_rows=tuple(_outcome_rows(mq, f) for f in outside["force_id"]),
            detail={side: list(closed.loc[mask, "force_id"]) for side, mask in sides.items()},
            rule="meaning.national.outside_outer_limits",
        ),
    ]


def measure_quarter_claims(o: Overview) -> list[Claim]:
    """Why the charge rates are from an earlier quarter, or missing; [] when they are this quarter's."""
    if o.measures_missing == "no_data":
        return []  # said in plain words by the measures section: nothing to claim
    if o.measures_missing == "none_published":
        sentence = f"No charge-rate data for {o.quarter.label} or any earlier quarter had been published by its end."
    elif o.measure_quarter is not None and o.measure_quarter != o.quarter:
        sentence = (
            # as known at the quarter's end: "not published yet" would be a claim about today
            f"Charge-rate figures for {o.quarter.label} had not been published by the end of the quarter; the "
            f"funnel plots use {o.measure_quarter.label}, the most recent quarter published by then."
        )
    else:
        return []
    return [
        Claim(
            id="summary.measure_quarter",
            sentence=sentence,
            value=o.measure_quarter.id if o.measure_quarter else None,
            comparator=o.quarter.id,
            method="the latest quarter up to this one with a closed-basis charge rate for England and Wales",
            window=o.quarter.id,
            source_file=CHARGE_RATE_FILE,
        )
    ]


def snapshot_claims(o: Overview) -> list[Claim]:
    """Status totals for like with like: the forces whose trackers are for this quarter are added up; forces
    whose latest tracker is from an earlier quarter are counted per quarter, never pooled with this one."""
    out = []
    label = o.framework.item_label.lower()
    by_quarter = sorted(o.status.groupby("snapshot"), key=lambda kv: Quarter.of(kv[0]), reverse=True)
    for snapshot, group in by_quarter:
        applicable, complete = int(group["applicable"].sum()), int(group["complete"].sum())
        evidenced = int(group["evidenced"].sum())
        share = round(100 * evidenced / applicable) if applicable else 0
        forces = plural(len(group), "force")
        when = Quarter.of(snapshot).label
        if snapshot == o.quarter.id:
            sentence = (
                f"In the trackers for {when} ({forces}), {complete} of {applicable} applicable {label}s are "
                f"complete and {evidenced} ({share}%) have evidence recorded for every applicable part."
            )
        else:
            sentence = (
                f"{forces.capitalize()} last submitted a tracker for {when}; as at that quarter, {complete} of "
                f"{applicable} applicable {label}s were complete and {evidenced} ({share}%) had evidence "
                "recorded for every applicable part. These are not added to this quarter's figures."
            )
        out.append(
            Claim(
                id=f"trackers.{snapshot}",
                sentence=sentence,
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
        )
    return out


def summary_section(o: Overview) -> str:
    return heading("Summary", "summary") + claimed_paragraphs(summary_claims(o))


# --------------------------------------------------------------------------- tracker submissions
def submissions_claims(o: Overview) -> list[Claim]:
    return [
        Claim(
            id="submissions.submitted",
            sentence=f"{o.submitted} of {len(o.forces)} forces submitted a tracker for {o.quarter.label}.",
            value=o.submitted,
            comparator=len(o.forces),
            method="forces in the force registry with a tracker snapshot for this quarter",
            window=o.quarter.id,
            source_file=o.tracker_files[1],
            source_rows=tuple(
                f"force_id={f}; quarter={o.quarter.id}"
                for f in o.submissions.loc[o.submissions["submitted"], "force_id"]
            ),
        )
    ]


def submission_cell_claims(o: Overview, r) -> tuple[Claim | None, Claim | None]:
    """A force's latest-tracker and data-as-of cells (None: the force has no tracker, shown as 'none')."""
    if not r.latest_quarter:
        return None, None
    behind = r.quarters_behind
    later = "" if behind in (None, 0) or behind != behind else f" ({plural(int(behind), 'quarter')} earlier)"
    rows = (f"force_id={r.force_id}; quarter={r.latest_quarter}",)
    latest = Claim(
        id=f"submissions.{r.force_id}.latest",
        sentence=f"{Quarter.of(r.latest_quarter).label}{later}",
        value=r.latest_quarter,
        comparator=o.quarter.id,
        method="the force's latest tracker snapshot up to this quarter, and how many quarters before it",
        window=r.latest_quarter,
        source_file=o.tracker_files[1],
        source_rows=rows,
        detail={"quarters_behind": None if behind is None else int(behind)},
    )
    as_of = (
        Claim(
            id=f"submissions.{r.force_id}.as_of",
            sentence=str(r.as_of),
            value=str(r.as_of),
            method="the date the force's latest tracker gives its data as of",
            window=r.latest_quarter,
            source_file=o.tracker_files[1],
            source_rows=rows,
        )
        if r.as_of
        else None
    )
    return latest, as_of


def submissions_table_claims(o: Overview) -> list[Claim]:
    return [
        c for r in o.submissions.sort_values("force").itertuples(index=False) for c in submission_cell_claims(o, r) if c
    ]


def submissions_section(o: Overview) -> str:
    rows = []
    for r in o.submissions.sort_values("force").itertuples(index=False):
        latest, as_of = submission_cell_claims(o, r)
        names = [cell(None, r.force), cell(None, r.region), cell(None, "Yes" if r.submitted else "No")]
        rows.append([*names, cell(latest, "none"), cell(as_of)])
    headers = ["Force", "Region", f"Submitted for {o.quarter.label}", "Latest tracker", "Data as of"]
    intro = heading("Tracker submissions", "submissions") + claimed_paragraphs(submissions_claims(o))
    return f"{intro}{force_table(headers, rows)}"


# --------------------------------------------------------------------------- status across forces
STATUS_WORDS = (
    "Each force is shown at its latest tracker snapshot up to this quarter; the table says which "
    "quarter that is. Statuses are counted per recommendation."
)


def status_claims(o: Overview) -> list[Claim | str]:
    """The status section's words: what the chart and table cover, or that there is nothing to show."""
    if not o.status.empty:
        return [STATUS_WORDS]
    return [
        Claim(
            id="status.none",
            sentence=f"No force has submitted a tracker up to {o.quarter.label}.",
            value=0,
            comparator=len(o.forces),
            method="forces with a tracker snapshot for this quarter or an earlier one",
            window=o.quarter.id,
            source_file=o.tracker_files[1],
        )
    ]


def status_cell_claims(o: Overview, r) -> list[Claim]:
    """One force's row of the status table: its snapshot, a count per status, not applicable, evidenced."""
    base = {
        "window": r.snapshot,
        "source_file": o.tracker_files[0],
        "source_rows": (f"force_id={r.force_id}; quarter={r.snapshot}",),
    }
    rollup = "recommendations whose applicable rows roll up to this status (see the force's report)"
    out = [
        Claim(
            id=f"status.{r.force_id}.snapshot",
            sentence=Quarter.of(r.snapshot).label,
            value=r.snapshot,
            method="the force's latest tracker snapshot up to this quarter",
            **base,
        )
    ]
    for s in APPLICABLE_STATUSES:
        out.append(
            Claim(
                id=f"status.{r.force_id}.{s}",
                sentence=str(int(getattr(r, s))),
                value=int(getattr(r, s)),
                method=rollup,
                **base,
            )
        )
    out.append(
        Claim(
            id=f"status.{r.force_id}.not_applicable",
            sentence=str(int(r.not_applicable)),
            value=int(r.not_applicable),
            method="recommendations the force marks not applicable",
            **base,
        )
    )
    out.append(
        Claim(
            id=f"status.{r.force_id}.evidenced",
            sentence=f"{int(r.evidenced)} of {int(r.applicable)}",
            value=int(r.evidenced),
            comparator=int(r.applicable),
            method="applicable recommendations with evidence for every applicable part, of all applicable ones",
            **base,
        )
    )
    return out


def status_table_claims(o: Overview) -> list[Claim]:
    return [c for r in o.status.sort_values("force").itertuples(index=False) for c in status_cell_claims(o, r)]


def status_section(o: Overview) -> str:
    out = [heading("Status across forces", "status"), claimed_paragraphs(status_claims(o))]
    if o.status.empty:
        return "".join(out)
    fig, alt = status_chart(o)
    out.append(figure(fig, alt, "Recommendation status by force."))
    headers = ["Force", "Snapshot", *(STATUS_LABELS[s] for s in APPLICABLE_STATUSES), "Not applicable", "Evidenced"]
    rows = [
        [cell(None, r.force), *(cell(c) for c in status_cell_claims(o, r))]
        for r in o.status.sort_values("force").itertuples(index=False)
    ]
    out.append(force_table(headers, rows))
    return "".join(out)


# --------------------------------------------------------------------------- key measures across forces
def funnel_position_claims(table: pd.DataFrame, basis: str = "closed", quarter: Quarter | None = None) -> list[Claim]:
    """Forces' funnel positions, one sentence per limit: 95% first, then the outer limits (a subset of them)."""
    position = table["funnel"].astype(str)
    inner = {side: position.str.startswith(side) for side in SIDES}
    outer = {side: position.map(meaning.outside_outer_limits) == side for side in SIDES}
    n = int(position.isin(["within", *(f"{s} {level * 100:g}%" for s in SIDES for level in FUNNEL_LEVELS)]).sum())
    above95, below95 = int(inner["above"].sum()), int(inner["below"].sum())
    above998, below998 = int(outer["above"].sum()), int(outer["below"].sum())
    sentences = (
        f"Against the 95% limits: {above95 + below95} of {n} forces are outside ({above95} above, {below95} "
        f"below) and {n - above95 - below95} inside.",
        f"Against the wider {OUTER} limits: {above998 + below998} {'is' if above998 + below998 == 1 else 'are'} "
        f"outside ({above998} above, {below998} below).",
    )
    national = (
        float(table["national_rate_pct"].iloc[0]) if "national_rate_pct" in table and len(table) else float("nan")
    )
    phi = float(table["phi"].iloc[0]) if "phi" in table and len(table) else float("nan")
    out = []
    for sentence, level, sides in ((sentences[0], "95", inner), (sentences[1], f"{OUTER[:-1]}", outer)):
        out.append(
            Claim(
                id=f"funnel.{basis}.{level}",
                sentence=sentence,
                value={side: int(mask.sum()) for side, mask in sides.items()},
                comparator=n,
                method=RATE_METHOD.format(basis=BASIS_WORDS[basis])
                + f", for each force, against {level}% funnel limits around the England and Wales rate "
                f"({national:.4f}%) widened for over-dispersion (phi {phi:.2f})",
                window=quarter.id if quarter else "",
                source_file=CHARGE_RATE_FILE,
                source_rows=(_outcome_rows(quarter),) if quarter else (),
                detail={side: list(table.loc[mask, "force_id"]) for side, mask in sides.items()}
                if "force_id" in table
                else {},
                rule="meaning.national.outside_outer_limits" if level != "95" else "",
            )
        )
    return out


def funnel_position_sentences(table: pd.DataFrame) -> list[str]:
    return [c.sentence for c in funnel_position_claims(table)]


RECORDED_CAVEAT = "Recorded-basis outcomes for recent quarters are incomplete (investigations still open)."
NOT_COMPARED = (
    "Misconduct, response times and workforce representation are not loaded for every "
    "force, so they are not compared here; each force's report shows what is known for that "
    "force. For trust and for rape cases reaching court, the sections below show official "
    "figures that exist for every force, each named for what it is: a fairness indicator "
    "and a proxy."
)
NO_MEASURES = "No key-measures data is present in this data tree (data/raw/measures)."


def measures_claims(o: Overview) -> list[Claim | str]:
    """The measures section's words in page order (the funnel charts sit between the bases' sentences)."""
    if not o.funnels:
        return measure_quarter_claims(o) or [NO_MEASURES]
    out: list[Claim | str] = list(measure_quarter_claims(o))
    for basis, table in o.funnels.items():
        out += funnel_position_claims(table, basis, o.measure_quarter)
        if basis == "recorded":
            out.append(RECORDED_CAVEAT)
    return [*out, NOT_COMPARED]


def measures_section(o: Overview) -> str:
    out = [heading("Key measures across forces", "measures")]
    if not o.funnels:
        out.append(claimed_paragraphs(measures_claims(o)))
        return "".join(out)
    out.append(claimed_paragraphs(measure_quarter_claims(o)))
    for basis, table in o.funnels.items():
        fig, alt = funnel_chart(o, basis)
        words = [*funnel_position_claims(table, basis, o.measure_quarter)]
        lines = [figure(fig, alt), claimed_paragraphs(words + ([RECORDED_CAVEAT] if basis == "recorded" else []))]
        title = f"Charge rate ({basis} basis)"
        out.append(templating.render("measure_section.html.j2", key=f"charge-{basis}", title=title, lines=lines))
    out.append(claimed_paragraphs([NOT_COMPARED]))
    return "".join(out)


# --------------------------------------------------------------------------- charge rates over time
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
BROKEN_LIMITS = " – on limits the latest quarter has broken out of, which may no longer hold"
NO_ASSURANCE = "No verdict (too few quarters)"
# the side a consistent verdict's limits lay on, against the England and Wales rate
LIMITS_SIDE = {"consistently_passes": "above", "consistently_fails": "below"}


def _spc_claim_fields(row) -> dict:
    """What a force's process-behaviour verdicts rest on (a row of ``measure_sections.national_spc_table``)."""
    first, last = (Quarter.of(p) if p else None for p in (row.first_period, row.period))
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


def reading_of(row) -> meaning.AssuranceReading:
    rate = None if pd.isna(row.rate_pct) else float(row.rate_pct)
    return meaning.assurance_reading(row.assurance, row.variation, rate, float(row.national_rate_pct))


def assurance_words(row) -> str:
    """A force's assurance cell: the verdict, qualified when the latest quarter itself broke the rules (the limits
    then describe the process before it), and not stated when the latest rate is on the other side of the England
    and Wales rate from the limits it rests on (class 2: never 'consistently below' beside a rate above)."""
    reading = reading_of(row)
    if reading.verdict is None:
        return NO_ASSURANCE
    if reading.contradicted:
        rate, national = distinct(float(row.rate_pct), float(row.national_rate_pct))
        return (
            f"Not stated: the limits before this quarter lay {LIMITS_SIDE[reading.verdict]} the England and Wales "
            f"rate ({national}%), but the latest rate ({rate}%) is {reading.latest_side} it"
        )
    return ASSURANCE_LABELS[reading.verdict] + (BROKEN_LIMITS if reading.on_broken_limits else "")


def spc_cell_claims(r) -> list[Claim]:
    """One force's row of the verdicts table: latest rate, variation, rule, assurance (the force's claim)."""
    fields = _spc_claim_fields(r)
    reading = reading_of(r)
    rate = "" if pd.isna(r.rate_pct) else f"{r.rate_pct:.1f}%"
    out = []
    if rate:
        out.append(
            Claim(
                id=f"spc.force.{r.force_id}.rate",
                sentence=rate,
                value=round(float(r.rate_pct), 4),
                **{**fields, "comparator": None},
            )
        )
    out.append(
        Claim(
            id=f"spc.force.{r.force_id}.variation", sentence=VARIATION_LABELS[r.variation], value=r.variation, **fields
        )
    )
    out.append(
        Claim(
            id=f"spc.force.{r.force_id}.rule",
            sentence=SPC_RULE_WORDS.get(r.rule, r.rule) or "–",
            value=r.rule,
            **fields,
        )
    )
    out.append(
        Claim(
            id=f"spc.force.{r.force_id}",
            sentence=assurance_words(r),
            value=r.assurance,
            **{**fields, "detail": {**fields["detail"], "stated": reading.stated, "latest_side": reading.latest_side}},
            rule="meaning.national.assurance_reading",
        )
    )
    return out


def spc_claims(o: Overview) -> list[Claim | str]:
    """Counts of forces by variation and assurance verdict, the forces of concern, and the caution when many forces
    move together (either way), in words."""
    if o.spc is None or o.spc.empty:
        return ["No charge-rate data is loaded, so there are no process-behaviour verdicts."]
    t, mq = o.spc, o.measure_quarter
    var = t["variation"].value_counts()
    ids = lambda mask: list(t.loc[mask, "force_id"])  # noqa: E731
    base = {"source_file": CHARGE_RATE_FILE, "window": mq.id}
    out = [
        Claim(
            id="spc.quarters",
            sentence=f"Each force's charge rate (closed basis) is drawn on a Laney p′ process-behaviour chart of its "
            f"last {int(t['n_points'].max())} quarters up to {mq.label}, as in the force reports.",
            value=int(t["n_points"].max()),
            comparator=SPC_QUARTERS,
            method="the most quarters on any force's chart: its quarters with a closed-basis rate up to the latest, "
            f"at most {SPC_QUARTERS}",
            **base,
        ),
        Claim(
            id="spc.variation",
            sentence="Variation in the latest quarter: "
            + "; ".join(
                f"{VARIATION_LABELS[k].lower()}: {plural(int(var[k]), 'force')}" for k in VARIATION_LABELS if k in var
            )
            + ".",
            value={k: int(var[k]) for k in VARIATION_LABELS if k in var},
            comparator=len(t),
            method="forces by the variation verdict of their latest quarter (each force's own claim says why)",
            detail={k: ids(t["variation"] == k) for k in VARIATION_LABELS if k in var},
            **base,
        ),
        assurance_summary_claim(o),
    ]
    concern = t[t["variation"] == "special_cause_concerning"]
    names = list(concern["force_name"])
    out.append(
        Claim(
            id="spc.concern",
            sentence=f"Special-cause variation of concern: {', '.join(names)}."
            if names
            else "No force shows special-cause variation of concern in its latest quarter.",
            value=list(concern["force_id"]),
            comparator=len(t),
            method="forces whose latest quarter meets a special-cause rule on the side of concern (a lower charge "
            "rate)",
            **base,
        )
    )
    return out + moving_together_claims(o)


def assurance_summary_claim(o: Overview) -> Claim:
    """Forces by the assurance their rows state, against the England and Wales rate; the verdicts not stated
    (a latest rate on the other side) and those resting on broken limits are counted apart."""
    t, mq = o.spc, o.measure_quarter
    national = float(t["national_rate_pct"].iloc[0])
    readings = [reading_of(r) for r in t.itertuples(index=False)]
    stated = pd.Series([r.verdict for r in readings if r.stated], dtype=object).value_counts()
    unstated = [f for f, r in zip(t["force_id"], readings) if r.contradicted]
    broke = [f for f, r in zip(t["force_id"], readings) if r.stated and r.on_broken_limits]
    sentence = (
        f"Assurance against the England and Wales rate for {mq.label} ({national:.1f}%): "
        + "; ".join(
            f"{ASSURANCE_LABELS[k][0].lower()}{ASSURANCE_LABELS[k][1:]}: {plural(int(stated[k]), 'force')}"
            for k in ASSURANCE_LABELS
            if k in stated
        )
        + "."
    )
    if unstated:
        sentence += (
            f" For {plural(len(unstated), 'force')} no verdict is stated: the latest rate is on the other side of "
            "the England and Wales rate from the limits the verdict rests on."
        )
    if broke:
        sentence += (
            f" For {plural(len(broke), 'force')} the latest quarter is itself special cause, so its assurance "
            "rests on limits that quarter has broken out of and may no longer hold."
        )
    verdicts = t["assurance"].value_counts()
    return Claim(
        id="spc.assurance",
        sentence=sentence,
        value={k: int(stated[k]) for k in ASSURANCE_LABELS if k in stated},
        comparator=round(national, 4),
        method="forces by the assurance verdict their row states against the England and Wales rate (each "
        "force's own claim gives its limits); a consistent verdict is not stated beside a latest rate on the "
        "other side of the England and Wales rate; detail: every chart's verdict, the forces, those not stated "
        "and those whose latest quarter is special cause",
        source_file=CHARGE_RATE_FILE,
        window=mq.id,
        detail={
            "verdicts": {k: int(verdicts[k]) for k in ASSURANCE_LABELS if k in verdicts},
            **{k: list(t.loc[t["assurance"] == k, "force_id"]) for k in ASSURANCE_LABELS if k in verdicts},
            "not_stated": unstated,
            "latest_quarter_special_cause": broke,
        },
        rule="meaning.national.assurance_reading",
    )


MOVING_WORDS = {
    "special_cause_concerning": ("show special-cause variation of concern", "before a cause in each force"),
    "special_cause_improving": ("show special-cause variation that is improving", "before crediting each force"),
}


def moving_together_claims(o: Overview) -> list[Claim]:
    """The same caution for good news as for bad (class 6): many forces moving the same way together."""
    t, mq = o.spc, o.measure_quarter
    counts = t["variation"].value_counts().to_dict()
    out = []
    for direction in meaning.moving_together(counts, len(t)):
        which, instead = MOVING_WORDS[direction]
        n = int(counts[direction])
        out.append(
            Claim(
                id=f"spc.moving_together.{direction.removeprefix('special_cause_')}",
                sentence=f"{n} of {len(t)} forces {which} in {mq.label}. When this many forces move together, "
                "look first for a common cause (for example a change in recording, in the courts or in the England "
                f"and Wales rate itself) {instead}.",
                value=n,
                comparator=len(t),
                method=f"said when more than {MOVING_TOGETHER_SHARE:.0%} of the forces show special-cause variation "
                "in the same direction, improving or worsening alike",
                window=mq.id,
                source_file=CHARGE_RATE_FILE,
                detail={"forces": list(t.loc[t["variation"] == direction, "force_id"])},
                rule="meaning.national.moving_together",
            )
        )
    return out


def spc_table_claims(o: Overview) -> list[Claim]:
    return [c for r in (o.spc.itertuples(index=False) if o.spc is not None else ()) for c in spc_cell_claims(r)]


def spc_section(o: Overview) -> str:
    """Charge rates over time for all forces: verdict counts and a table, alphabetical, not ranked."""
    out = [heading("Charge rates over time", "spc"), claimed_paragraphs(spc_claims(o))]
    if o.spc is None or o.spc.empty:
        return "".join(out)
    rows = [
        [cell(None, r.force_name), *([] if not pd.isna(r.rate_pct) else [cell(None, "no rate")])]
        + [cell(c) for c in spc_cell_claims(r)]
        for r in o.spc.itertuples(index=False)
    ]
    headers = ["Force", "Latest rate", "Variation", "Rule met by the latest quarter", "Assurance"]
    out.append(force_table(headers, rows, summary="Every force's verdicts (alphabetical)"))
    return "".join(out)


# --------------------------------------------------------------------------- charts
def status_chart(overview: Overview):
    """Stacked bars: recommendation status per force (forces with a tracker), alphabetical."""
    from analysis.present.tracker_charts import horizontal_status_bars

    frame = overview.status.sort_values("force").set_index("force")
    columns = [s for s in STATUS_ORDER if s in frame.columns]
    table = frame[columns]
    # each bar says which quarter its tracker is from: forces' latest trackers need not be from the same quarter
    table = table.set_axis([f"{name} ({Quarter.of(frame.loc[name, 'snapshot']).label})" for name in table.index])
    fig = horizontal_status_bars(
        table,
        f"Recommendation status by force (latest tracker up to {overview.quarter.label})",
        row_height=0.45,
        legend_offset=-0.25,
    )
    described = "; ".join(
        f"{name} ({Quarter.of(frame.loc[name, 'snapshot']).label}): "
        + ", ".join(f"{int(frame.loc[name, s])} {STATUS_LABELS[s].lower()}" for s in columns if frame.loc[name, s])
        for name in frame.index
    )
    alt = f"Horizontal stacked bar chart of recommendation status for {len(table)} forces with a tracker. {described}."
    return fig, alt


@style.themed
def funnel_chart(o: Overview, basis: str):
    """Every force's charge rate against its number of assigned outcomes, with 95% and 99.8% limits."""
    import matplotlib.pyplot as plt

    from analysis.present.measure_charts import draw_funnel_limits, funnel_points

    quarter = o.measure_quarter
    table = o.funnels[basis].dropna(subset=["assigned"])
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    target, phi = draw_funnel_limits(ax, table)
    outside = table["funnel"].astype(str).str.endswith("99.8%")
    ax.scatter(
        table.loc[~outside, "assigned"],
        table.loc[~outside, "rate_pct"],
        label="Forces",
        **funnel_points(),
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
        f"number of assigned outcomes, with 95% and 99.8% limits around the {o.national_name} rate of "
        f"{100 * target:.1f}% (widened for over-dispersion, phi {phi:.0f}). "
        + " ".join(funnel_position_sentences(table))
        + f" Outside the 99.8% limits: {names}."
    )
    return fig, alt


# --------------------------------------------------------------------------- fairness indicator (16.i)
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


def _national_fairness_row(o: Overview):
    return o.fairness[o.fairness["force_id"] == o.national_id].iloc[0]


def _nothing_by_quarter_end(o: Overview, claim_id: str, sentence: str, method: str, source_file: str = "") -> Claim:
    """A claim that no year of a table was there by the quarter's last day (the day it is checked against)."""
    return Claim(
        id=claim_id,
        sentence=sentence,
        value=None,
        comparator=o.quarter.end.isoformat(),
        method=method,
        window=o.quarter.id,
        source_file=source_file,
    )


def fairness_claims(o: Overview) -> list[Claim | str]:
    """The words before the stop and search funnel chart: what the indicator is and the England and Wales ratio."""
    if o.fairness is None:
        return [o.fairness_error]
    table = o.fairness
    ss_files = "; ".join(o.stop_search_files)
    if table.empty:
        sentence = f"No year of stop and search data had been published by the end of {o.quarter.label}."
        method = f"a financial year counts as published {STOP_SEARCH_PUBLICATION_LAG_MONTHS} months after it ends"
        return [_nothing_by_quarter_end(o, "fairness.none", sentence, method, ss_files)]
    period = table["period"].iloc[0]
    no_rate = table[(table["force_id"] != o.national_id) & table["ratio"].isna()]
    out: list[Claim | str] = [FAIRNESS_INTRO, _national_ratio_claim(o, period, ss_files)]
    if len(no_rate):
        out.append(
            Claim(
                id="fairness.no_rate",
                sentence=f"No rate per 1,000 residents is published for {', '.join(no_rate['force_name'])}, so no "
                "ratio is shown.",
                value=list(no_rate["force_id"]),
                method="forces whose stop and search rows give no resident population for the Black or White group",
                window=period,
                source_file=ss_files,
            )
        )
    return out


def _national_ratio_claim(o: Overview, period: str, ss_files: str) -> Claim:
    """The England and Wales Black/White ratio of the latest year published by the quarter's end."""
    year = period.replace("-", "/")
    nat = _national_fairness_row(o)
    counts = ("black_searches", "black_population", "white_searches", "white_population", "unknown_searches")
    return Claim(
        id="fairness.national_ratio",
        sentence=f"Of the years loaded here, {year} is the latest published by the end of {o.quarter.label}. "
        "Across England and Wales "
        f"Black residents were searched at {nat['ratio']:.2f} times the rate of White residents (95% confidence "
        f"interval {nat['lower']:.2f} to {nat['upper']:.2f})"
        + (
            f"; the ethnicity of {nat['unknown_share']:.1f}% of searches was not recorded, and those searches are "
            "in neither rate."
            if pd.notna(nat["unknown_share"])
            else "."
        ),
        value=round(float(nat["ratio"]), 4),
        comparator=1.0,
        method="Black searches per Black resident divided by White searches per White resident (Census 2021 "
        "populations), stop and search under all legislation, 5+1 ethnic groups; 95% interval by Katz's log "
        "method; the latest financial year counted as published "
        f"{STOP_SEARCH_PUBLICATION_LAG_MONTHS} months after it ends; comparator: parity",
        window=period,
        source_file=ss_files,
        source_rows=_stop_search_rows(year, str(nat["geography"])),
        detail={
            "lower": round(float(nat["lower"]), 4),
            "upper": round(float(nat["upper"]), 4),
            "unknown_share_pct": None if pd.isna(nat["unknown_share"]) else round(float(nat["unknown_share"]), 4),
            **{k: None if pd.isna(nat[k]) else int(nat[k]) for k in counts},
        },
    )


def fairness_outside_claims(o: Overview) -> list[Claim]:
    """The forces outside the widened outer funnel limits around the England and Wales ratio, in words."""
    if o.fairness is None or o.fairness.empty:
        return []
    table = o.fairness
    side = table["funnel"].map(meaning.outside_outer_limits)
    outside = table[side.notna()]
    if not len(outside):
        return []
    listed = "; ".join(f"{r.force_name} ({r.funnel.split()[0]}, {r.ratio:.2f})" for r in outside.itertuples())
    return [
        Claim(
            id="fairness.outside",
            sentence=f"Outside the widened {OUTER} limits around the England and Wales ratio, in alphabetical order: "
            f"{listed}. A point outside them is unlikely to be chance alone; it is a prompt for a question, not a "
            "verdict.",
            value={r.force_id: round(float(r.ratio), 4) for r in outside.itertuples()},
            comparator=round(float(_national_fairness_row(o)["ratio"]), 4),
            method=f"each force's Black/White ratio against {OUTER} funnel limits around the England and Wales ratio "
            f"on the log scale, widened for over-dispersion (phi {float(table['phi'].iloc[0]):.2f})",
            window=str(table["period"].iloc[0]),
            source_file="; ".join(o.stop_search_files),
            detail={s: list(outside.loc[side[outside.index] == s, "force_id"]) for s in SIDES},
            rule="meaning.national.outside_outer_limits",
        )
    ]


def _fmt_number(value, pattern: str = "{:.1f}", missing: str = "no rate") -> str:
    return missing if value is None or pd.isna(value) else pattern.format(value)


def fairness_cell_claims(o: Overview, r) -> list[Claim]:
    """One force's row of the stop and search table (England and Wales last): rates, ratio, shares."""
    year = str(r.period).replace("-", "/")
    base = {
        "window": str(r.period),
        "source_file": "; ".join(o.stop_search_files),
        "source_rows": _stop_search_rows(year, str(r.geography)),
    }
    share = o.minority_share.get(r.force_id) if o.minority_share is not None else None
    ratio = "no rate" if pd.isna(r.ratio) else f"{r.ratio:.2f} ({r.lower:.2f} to {r.upper:.2f})"
    per_1000 = "searches per 1,000 residents of the group (Census 2021 populations)"
    number = lambda v: None if v is None or pd.isna(v) else round(float(v), 4)  # noqa: E731
    return [
        Claim(
            id=f"fairness.{r.force_id}.black_rate",
            sentence=_fmt_number(r.black_rate),
            value=number(r.black_rate),
            method="Black " + per_1000,
            **base,
        ),
        Claim(
            id=f"fairness.{r.force_id}.white_rate",
            sentence=_fmt_number(r.white_rate),
            value=number(r.white_rate),
            method="White " + per_1000,
            **base,
        ),
        Claim(
            id=f"fairness.{r.force_id}.ratio",
            sentence=ratio,
            value=number(r.ratio),
            comparator=1.0,
            method="Black rate divided by White rate, 95% interval by Katz's log method",
            detail={"lower": number(r.lower), "upper": number(r.upper), "funnel": str(r.funnel)},
            **base,
        ),
        Claim(
            id=f"fairness.{r.force_id}.unknown_share",
            sentence=_fmt_number(r.unknown_share, "{:.1f}%", "not given"),
            value=number(r.unknown_share),
            method="searches with ethnicity not recorded, as a share of all searches",
            **base,
        ),
        Claim(
            id=f"fairness.{r.force_id}.minority_share",
            sentence=_fmt_number(share, "{:.1f}%", "not given"),
            value=number(share),
            method="ethnic minority share of residents, Census 2021 by police force area",
            source_file="; ".join(o.census_files),
            source_rows=(f"the local authorities the lookup places in force_id={r.force_id}",),
        ),
    ]


def fairness_table_claims(o: Overview) -> list[Claim]:
    if o.fairness is None or o.fairness.empty:
        return []
    return [c for r in o.fairness.itertuples(index=False) for c in fairness_cell_claims(o, r)]


def fairness_section(o: Overview) -> str:
    """Stop and search disparity for every force (a fairness indicator under 16.i), with Census 2021 shares:
    a funnel chart (drawn from ``o.stop_search_year``) and an alphabetical table (never a league table)."""
    from analysis.present import measure_charts

    out = [heading("Fairness indicator: stop and search disparity (16.i)", "measures-fairness")]
    out.append(claimed_paragraphs(fairness_claims(o)))
    if o.fairness is None or o.fairness.empty:
        return "".join(out)
    table = o.fairness
    period = table["period"].iloc[0]
    year = period.replace("-", "/")
    names = {f.id: f.name for f in o.forces}
    fig, alt = measure_charts.draw_stop_search_funnel(o.stop_search_year, period, name_of=names.__getitem__)
    out.append(figure(fig, alt))
    out.append(claimed_paragraphs(fairness_outside_claims(o)))
    rows = [
        [cell(None, r.force_name), *(cell(c) for c in fairness_cell_claims(o, r))]
        for r in table.itertuples(index=False)
    ]
    headers = ["Force", "Black, per 1,000", "White, per 1,000", "Black/White ratio (95% CI)"]
    headers += ["Ethnicity not recorded", "Ethnic minority share of residents (Census 2021)"]
    caption = (
        f"Stop and search by ethnicity, {year}, forces in alphabetical order (not ranked); rates per 1,000 "
        "residents of each group (Census 2021)"
    )
    out.append(force_table(headers, rows, caption=caption))
    return "".join(out)


# --------------------------------------------------------------------------- proxy for 16.v
PROXY_WORDS = (
    "Proxy, not the review's measure: all sexual offences, not only adult rape; charges, not cases reaching "
    "court. The figures are counts of investigations closed in the year with a charge or summons; the source "
    "has no total of all outcomes by offence group, so no rate is given and forces of different sizes should "
    "not be compared by these numbers."
)
SEXUAL_OFFENCES_FILE = "raw/measures/home-office-outcomes"


def sexual_offences_claims(o: Overview) -> list[Claim | str]:
    if o.sexual_offences is None:
        return ["No outcomes-by-offence-group data in this data tree."]
    if not len(o.sexual_offences.columns):
        method = "financial years of the outcomes-by-offence table that end by the quarter's last day"
        return [
            _nothing_by_quarter_end(
                o, "sexual_offences.none", f"No year of outcomes ends by {o.quarter.label}.", method
            )
        ]
    return [PROXY_WORDS]


def sexual_offences_rows(o: Overview) -> list[tuple[str, list[Claim]]]:
    """The table's rows: a name and a claim per year's count, forces alphabetical, England and Wales last."""
    wide = o.sexual_offences
    if wide is None or not len(wide.columns):
        return []
    names = {f.id: f.name for f in o.forces}
    method = "investigations of sexual offences closed in the financial year with a charge or summons (closed basis)"
    source = f"{SEXUAL_OFFENCES_FILE}/{o.sexual_offences_file}"

    def counts(force_id: str, method: str) -> list[Claim]:
        return [
            Claim(
                id=f"sexual_offences.{force_id}.{y}",
                sentence=f"{int(wide.at[force_id, y]):,}",
                value=int(wide.at[force_id, y]),
                method=method,
                window=y,
                source_file=source,
                source_rows=(f"slug={force_id}; fy={y.replace('-', '/')}; offence_group=sexual offences",)
                if force_id != o.national_id
                else (),
            )
            for y in wide.columns
        ]

    rows = [(names[f], counts(f, method)) for f in sorted(names, key=names.get) if f in wide.index]
    rows.append((NATIONAL_NAME, counts(o.national_id, method + ", summed over the 43 territorial forces")))
    return rows


NATIONAL_NAME = "England and Wales (all territorial forces)"


def sexual_offences_proxy_section(o: Overview) -> str:
    """Sexual-offence charges per force for the last two years ending by the quarter: a proxy under 16.v."""
    out = [
        heading("Proxy: sexual offences charged or summonsed (16.v)", "measures-sexual-offences"),
        claimed_paragraphs(sexual_offences_claims(o)),
    ]
    rows = sexual_offences_rows(o)
    if not rows:
        return "".join(out)
    labels = [y.replace("-", "/") for y in o.sexual_offences.columns]
    body = [[cell(None, name), *(cell(c) for c in claims)] for name, claims in rows]
    caption = "Sexual offences charged or summonsed (closed basis), forces in alphabetical order"
    out.append(force_table(["Force", *labels], body, caption=caption))
    return "".join(out)


def sexual_offences_table_claims(o: Overview) -> list[Claim]:
    return [c for _, claims in sexual_offences_rows(o) for c in claims]


# --------------------------------------------------------------------------- forces to look at
LOOK_AT_INTRO = (
    f"Listed alphabetically, not ranked. A point outside the {OUTER} limits is unlikely to be "
    "chance alone; it is a prompt for a question, not a verdict."
)
NO_ONE_TO_LOOK_AT = (
    f"No force is outside the {OUTER} funnel limits of a charge rate or of the stop and search ratio, shows "
    "special-cause variation of concern or has a tracker with mostly blank evidence."
)
LOOK_AT_METHOD = (
    f"forces outside the {OUTER} funnel limits of a charge rate (either basis) or of the stop and search ratio, with "
    f"special-cause variation of concern, with evidence for fewer than {LOW_EVIDENCE_SHARE:.0%} of their applicable "
    "recommendations, or with recommendations complete without evidence"
)


def look_at_intro_claims(o: Overview) -> list[Claim]:
    looked = o.looked_at()
    return [
        Claim(
            id="look_at.none" if not looked else "look_at.intro",
            sentence=NO_ONE_TO_LOOK_AT if not looked else LOOK_AT_INTRO,
            value=len(looked),
            comparator=len(o.forces),
            method=LOOK_AT_METHOD,
            window=o.quarter.id,
            detail={"forces": looked},
            rule="meaning.national.LOOK_AT_KINDS",
        )
    ]


def _funnel_reason(o: Overview, row, n: dict) -> Claim:
    mq, basis, side = o.measure_quarter, n["basis"], n["side"]
    caveat = " (recorded basis: recent quarters are incomplete)" if basis == "recorded" else ""
    return Claim(
        id=f"look_at.{row.force_id}.{row.kind}",
        sentence=f"charge rate ({basis} basis) {n['rate_pct']:.1f}% is {side} the {OUTER} funnel limit around "
        f"{n['national_rate_pct']:.1f}% in {mq.label}{caveat}",
        value=round(n["rate_pct"], 4),
        comparator=round(n["national_rate_pct"], 4),
        method=RATE_METHOD.format(basis=BASIS_WORDS[basis]) + f"; {side} the {OUTER} funnel limit around the "
        f"England and Wales rate, widened for over-dispersion (phi {n['phi']:.2f})",
        window=mq.id,
        source_file=CHARGE_RATE_FILE,
        source_rows=(_outcome_rows(mq, row.force_id),),
        detail={
            "numerator": n["charges"],
            "denominator": n["assigned"],
            "numerator_column": f"{basis}_all_t1",
            "denominator_column": f"{basis}_all_assigned",
            "funnel": n["funnel"],
            "comparator_rows": _outcome_rows(mq),
        },
        rule="meaning.national.outside_outer_limits",
    )


def _spc_reason(o: Overview, row, n: dict) -> Claim:
    spc_row = o.spc.set_index("force_id").loc[row.force_id]
    fields = _spc_claim_fields(spc_row.rename(None).to_frame().T.assign(force_id=row.force_id).iloc[0])
    return Claim(
        id=f"look_at.{row.force_id}.{row.kind}",
        sentence=f"charge rate (closed basis) shows special-cause variation of concern in {o.measure_quarter.label} "
        f"({SPC_RULE_WORDS.get(n['rule'], n['rule'])})",
        value="special_cause_concerning",
        **fields,
    )


def _fairness_reason(o: Overview, row, n: dict) -> Claim:
    year = n["period"].replace("-", "/")
    return Claim(
        id=f"look_at.{row.force_id}.{row.kind}",
        sentence=f"the Black/White stop and search ratio {n['ratio']:.2f} is {n['side']} the widened {OUTER} funnel "
        f"limit around the England and Wales ratio in {year}",
        value=round(n["ratio"], 4),
        comparator=round(float(_national_fairness_row(o)["ratio"]), 4),
        method=f"the force's Black/White ratio against {OUTER} funnel limits around the England and Wales ratio on "
        f"the log scale, widened for over-dispersion (phi {n['phi']:.2f})",
        window=n["period"],
        source_file="; ".join(o.stop_search_files),
        detail={"lower": round(n["lower"], 4), "upper": round(n["upper"], 4)},
        rule="meaning.national.outside_outer_limits",
    )


def _tracker_reason(o: Overview, row, n: dict) -> Claim:
    label = Quarter.of(n["snapshot"]).label
    base = {
        "window": n["snapshot"],
        "source_file": o.tracker_files[0],
        "source_rows": (f"force_id={row.force_id}; quarter={n['snapshot']}",),
    }
    if row.kind == "low_evidence":
        blank = n["applicable"] - n["evidenced"]
        return Claim(
            id=f"look_at.{row.force_id}.{row.kind}",
            sentence=f"evidence is blank for all or part of {blank} of {n['applicable']} applicable recommendations "
            f"in its {label} tracker",
            value=blank,
            comparator=n["applicable"],
            method="applicable recommendations without evidence for every applicable part, listed when fewer than "
            f"{LOW_EVIDENCE_SHARE:.0%} of the applicable ones are evidenced",
            detail={"evidenced": n["evidenced"]},
            rule="meaning.national.low_evidence",
            **base,
        )
    return Claim(
        id=f"look_at.{row.force_id}.{row.kind}",
        sentence=f"{n['complete_without_evidence']} recommendation(s) marked complete without evidence ({label})",
        value=n["complete_without_evidence"],
        comparator=n["complete"],
        method="applicable recommendations rolled up to complete with blank evidence in some applicable part; "
        "comparator: all complete ones",
        **base,
    )


REASONS = {
    "funnel_closed": _funnel_reason,
    "funnel_recorded": _funnel_reason,
    "spc_concern": _spc_reason,
    "fairness_outside": _fairness_reason,
    "low_evidence": _tracker_reason,
    "complete_without_evidence": _tracker_reason,
}


def look_at_reasons(o: Overview) -> list[tuple[str, list[Claim]]]:
    """Each force to look at, alphabetical, with a claim per reason (the reason is the sentence)."""
    if o.look_at is None or o.look_at.empty:
        return []
    return [
        (force, [REASONS[r.kind](o, r, r.numbers) for r in group.itertuples(index=False)])
        for force, group in o.look_at.groupby("force", sort=True)
    ]


def look_at_section(o: Overview) -> str:
    out = [heading("Forces to look at", "look-at"), claimed_paragraphs(look_at_intro_claims(o))]
    reasons = look_at_reasons(o)
    if not reasons:
        return "".join(out)
    items = [(force, [claimed(c, "li") for c in claims]) for force, claims in reasons]
    out.append(templating.render("look_at.html.j2", forces=items))
    return "".join(out)


# --------------------------------------------------------------------------- provenance
def later_data_claims(o: Overview) -> list[Claim]:
    ledger = ClaimLedger()
    later_data_sentence(o.later, ledger, whose="forces'")  # one line, no figure: what is held but left out
    return list(ledger.claims)


def provenance(o: Overview) -> str:
    """Sources and provenance: names, parameters and hashes (a provenance block, exempt from claims), after the
    one claimed line saying what later data are held but left out."""
    return templating.render(
        "provenance.html.j2",
        heading=heading("Sources and provenance", "sources"),
        claimed_lines=[claimed_paragraphs(later_data_claims(o))],
        container="section",
        parameters=list(o.parameters.items()),
        files=o.inputs,
        version=analysis.__version__,
    )


# --------------------------------------------------------------------------- the ledger
def national_claims(o: Overview) -> ClaimLedger:
    """The claims of the overview, in page order: the same functions give the sections their sentences and cells,
    so every figure and verdict on the page is one of these claims."""
    ledger = ClaimLedger()
    seen = set()
    pieces = [
        header_claims(o),
        summary_claims(o),
        submissions_claims(o),
        submissions_table_claims(o),
        _claims_of(status_claims(o)),
        status_table_claims(o),
        _claims_of(measures_claims(o)),
        _claims_of(spc_claims(o)),
        spc_table_claims(o),
        _claims_of(fairness_claims(o)),
        fairness_outside_claims(o),
        fairness_table_claims(o),
        _claims_of(sexual_offences_claims(o)),
        sexual_offences_table_claims(o),
        look_at_intro_claims(o),
        [c for _, claims in look_at_reasons(o) for c in claims],
        later_data_claims(o),
    ]
    for claim in (c for piece in pieces for c in piece):
        if claim.id not in seen:  # a claim shown twice (the measures note) is recorded once
            seen.add(claim.id)
            ledger.add(claim)
    return ledger


def publish_meta(overview: Overview) -> None:
    """The banner's marking and identity, for the template, and the overview's claims ledger, for the renderer
    (which writes ``national-overview.claims.json``), via private mimetypes (see ``fragments.publish``)."""
    meta = {
        "force": "All forces",
        "force_id": config.NATIONAL_STEM,
        "quarter": overview.quarter.id,
        "quarter_label": overview.quarter.label,
        "audience": overview.audience.value,
        "marking": overview.marking,
        "framework": overview.framework.short_title,
        "title": f"{overview.framework.short_title} progress: {TITLE.lower()}, {overview.quarter.label}",
    }
    ledger = national_claims(overview).to_dict({k: meta[k] for k in ("force_id", "quarter", "audience")})
    publish(meta, {CLAIMS_MIMETYPE: ledger})
