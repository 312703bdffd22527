"""Roll tracker rows up to recommendations, and compare a force's snapshots over time.

All functions take plain DataFrames (rows in the canonical tracker columns plus
``quarter``) and a Framework, so they are easy to test with hand-made rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from analysis.compute.as_at import rows_through
from analysis.core import settings
from analysis.core.audience import Audience
from analysis.core.periods import Quarter
from analysis.core.settings import STALE_AFTER_QUARTERS
from analysis.sources.catalogue import Framework
from analysis.sources.markings import OFFICIAL, highest_marking, public_mask

APPLICABLE_STATUSES = ["complete", "in_progress", "not_started", "not_assessed"]


class FlagKind(StrEnum):
    """What a flag is about; its value is the flag's wording (the stale one adds how long)."""

    NO_ENTRY = "no entry in the tracker"
    EVIDENCE_BLANK = "evidence is blank"
    ACTIONS_BLANK = "actions are blank"
    COMPLETE_WITHOUT_EVIDENCE = "marked complete without evidence"
    STALE = "not updated"
    PART_NOT_STARTED = "not started"  # only ever for named parts of a recommendation that is under way
    PART_NOT_ASSESSED = "not assessed"


class Flag(str):
    """A flag's sentence that also carries its :class:`FlagKind`, so code groups flags by kind, not by text."""

    kind: FlagKind
    parts: tuple  # the parts concerned, when the flag is about some parts only (else empty)

    def __new__(cls, kind: FlagKind, text: str | None = None, parts: tuple = ()):
        flag = super().__new__(cls, kind.value if text is None else text)
        flag.kind = kind
        flag.parts = tuple(parts)
        return flag

    def __getnewargs__(self):
        return (self.kind, str(self), self.parts)


def apply_audience(rows: pd.DataFrame, audience: Audience) -> tuple[pd.DataFrame, int]:
    """Drop OFFICIAL-SENSITIVE rows for the public; return the rows kept and how many were withheld."""
    if not audience.is_public:
        return rows, 0
    public = public_mask(rows["marking"], "tracker rows")  # the one public filter; unknown markings stop here
    return rows[public].reset_index(drop=True), int((~public).sum())


def withheld_recommendations(framework: Framework, rows: pd.DataFrame, audience: Audience) -> list[str]:
    """Recommendations the public may not see at all: any of their rows (parent or part) is OFFICIAL-SENSITIVE.

    Withholding the whole recommendation, not just the marked rows, means the parts that remain cannot
    hint at the status, owner or change of the parts that were withheld.
    """
    if not audience.is_public or rows.empty:
        return []
    withheld = ~public_mask(rows["marking"], "tracker rows")  # the one public filter (analysis.sources.markings)
    sensitive = rows.loc[withheld, "recommendation_id"].map(framework.recommendation_of)
    order = [rec.id for rec in framework.recommendations]
    return [rec_id for rec_id in order if rec_id in set(sensitive)]


def without_recommendations(framework: Framework, rows: pd.DataFrame, rec_ids: list[str]) -> pd.DataFrame:
    """``rows`` minus every row (parent or part) of the given recommendations."""
    if not rec_ids or rows.empty:
        return rows
    keep = ~rows["recommendation_id"].map(framework.recommendation_of).isin(rec_ids)
    return rows[keep].reset_index(drop=True)


def mark_withheld(status_table: pd.DataFrame, rec_ids: list[str]) -> pd.DataFrame:
    """Status table with the withheld recommendations as status ``withheld``: neither applicable nor counted."""
    out = status_table.copy()
    out["withheld"] = out["recommendation_id"].isin(rec_ids)
    for column, value in (
        ("status", "withheld"),
        ("applicable", False),
        ("in_tracker", False),
        ("has_evidence", False),
        ("has_actions", False),
        ("owner", ""),
        ("rows", 0),
    ):
        out.loc[out["withheld"], column] = value
    return out


def report_marking(rows: pd.DataFrame) -> str:
    """The highest protective marking of the content a report includes (OFFICIAL when it includes none)."""
    return highest_marking(rows["marking"]) if len(rows) else OFFICIAL


def rollup_status(statuses: list[str]) -> str | None:
    """One status for a recommendation from the statuses of its rows (parent and parts)."""
    if not statuses:
        return None
    live = [s for s in statuses if s != "not_applicable"]
    if not live:
        return "not_applicable"
    distinct = set(live)
    if len(distinct) == 1:
        return live[0]
    if distinct & {"complete", "in_progress"}:
        return settings.ROLLUP_MIXED_WITH_PROGRESS
    return settings.ROLLUP_MIXED_WITHOUT_PROGRESS  # a mix of not_started and not_assessed


def _blank(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str).str.strip() == ""


def _part_ids(rows: pd.DataFrame, mask: pd.Series) -> tuple[str, ...]:
    return tuple(rows.loc[mask, "recommendation_id"])


def recommendation_status(framework: Framework, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per top-level recommendation: status, counts and flags from its tracker rows.

    A recommendation with no rows is ``not_applicable`` when the catalogue says it (and all its
    parts) are specific to the Met, London or Government, otherwise ``not_assessed``.

    ``has_evidence`` is true only when *every* applicable row (the recommendation and each part
    answered) records evidence: a recommendation with one blank part is not "evidenced", so the
    summary never counts more than the body shows. ``blank_evidence``, ``blank_actions``,
    ``complete_without_evidence`` and ``parts_behind`` name the rows concerned.
    """
    rows = rows.assign(rec=rows["recommendation_id"].map(framework.recommendation_of))
    order = {item_id: i for i, item_id in enumerate(framework.ids)}
    records = []
    for rec in framework.recommendations:
        mine = rows[rows["rec"] == rec.id]
        mine = mine.iloc[sorted(range(len(mine)), key=lambda i: order.get(mine["recommendation_id"].iloc[i], 0))]
        parts = framework.parts_of(rec.id)
        met_only = not rec.applies_beyond_met and all(not p.applies_beyond_met for p in parts)
        status = rollup_status(list(mine["status"]))
        if status is None:
            status = settings.NO_ROWS_MET_ONLY_STATUS if met_only else settings.NO_ROWS_STATUS
        applicable = status != "not_applicable"
        live = mine[mine["status"] != "not_applicable"]
        blank_evidence = _blank(live["evidence"])
        blank_actions = _blank(live["actions"])
        # parts that hold the recommendation back: not started or not assessed while others moved on
        behind = (
            live["status"].isin(["not_started", "not_assessed"])
            if status in ("in_progress", "complete")
            else pd.Series(False, index=live.index)
        )
        records.append(
            {
                "recommendation_id": rec.id,
                "section_id": rec.section_id,
                "section": framework.section_label(rec.section_id),  # neutral unless a force is named
                "title": rec.title,
                "status": status,
                "applicable": applicable,
                "rows": len(mine),
                "in_tracker": len(mine) > 0,
                "has_evidence": bool(len(live) and not blank_evidence.any()),
                "any_evidence": bool(len(live) and (~blank_evidence).any()),
                "has_actions": bool(len(live) and not blank_actions.any()),
                "blank_evidence": _part_ids(live, blank_evidence),
                "blank_actions": _part_ids(live, blank_actions & (live["status"] != "complete")),
                "complete_without_evidence": _part_ids(live, blank_evidence & (live["status"] == "complete")),
                "parts_behind": tuple(
                    f"{i} {s.replace('_', ' ')}"
                    for i, s in zip(live.loc[behind, "recommendation_id"], live.loc[behind, "status"])
                ),
                "owner": "; ".join(dict.fromkeys(o for o in mine["owner"] if str(o).strip())),
            }
        )
    return pd.DataFrame(records)


@dataclass(frozen=True)
class Summary:
    applicable: int
    counts: dict  # status -> number of applicable recommendations
    evidenced: int  # applicable recommendations with evidence in every applicable row
    not_applicable: int
    partly_evidenced: int = 0  # some applicable rows evidenced, some blank
    blank_evidence_parts: tuple = ()  # every applicable row (part or whole) whose evidence is blank
    withheld: int = 0  # recommendations withheld from the public version: in no other count

    @property
    def evidence_share(self) -> float | None:
        return self.evidenced / self.applicable if self.applicable else None


def summarise(status_table: pd.DataFrame) -> Summary:
    applicable = status_table[status_table["applicable"]]
    counts = {s: int((applicable["status"] == s).sum()) for s in APPLICABLE_STATUSES}
    partly = applicable["any_evidence"] & ~applicable["has_evidence"] if "any_evidence" in applicable else []
    blank_parts = tuple(i for ids in applicable.get("blank_evidence", []) for i in ids)
    return Summary(
        applicable=len(applicable),
        counts=counts,
        evidenced=int(applicable["has_evidence"].sum()),
        not_applicable=int((status_table["status"] == "not_applicable").sum()),
        partly_evidenced=int(sum(partly)),
        blank_evidence_parts=blank_parts,
        withheld=int((status_table["status"] == "withheld").sum()),
    )


def compare(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Change per recommendation between two status tables (from ``recommendation_status``).

    ``change`` is the kind of status change (:func:`analysis.compute.meaning.tracker.status_change`):
    a recommendation that had no status to judge before (``not_assessed``, or no row) and has one now is
    ``first_assessed``, not ``moved``; one now treated as not applicable is ``reclassified_not_applicable``,
    never "unchanged". ``moved`` is a change between two statuses where the earlier one could be judged.
    ``newly_evidenced`` (gained evidence) and ``evidence_removed`` follow
    :func:`analysis.compute.meaning.tracker.evidence_change`: any evidence in an applicable row now, none
    before (and the other way round). This matters when the earlier snapshot was reconstructed from a
    statement that the tracker was blank (Leicestershire 2023-24 Q1).
    """
    from analysis.compute.meaning.tracker import EvidenceChange, StatusChange, evidence_change, status_change

    cur = current.set_index("recommendation_id")
    out = pd.DataFrame(index=cur.index)
    out["status"] = cur["status"]
    if previous is None:
        out["previous_status"] = None
        out["change"] = None
        for column in ("moved", "first_assessed", "reclassified", "newly_evidenced", "evidence_removed"):
            out[column] = False
        return out.reset_index()
    prev = previous.set_index("recommendation_id").reindex(cur.index)
    out["previous_status"] = prev["status"]
    out["change"] = [str(status_change(a, b)) for a, b in zip(prev["status"], cur["status"])]
    unassessed_before = prev["status"].isna() | (prev["status"] == "not_assessed")
    changed = out["change"] != StatusChange.UNCHANGED
    out["moved"] = changed & ~unassessed_before
    out["first_assessed"] = out["change"] == StatusChange.FIRST_ASSESSED
    out["reclassified"] = out["change"] == StatusChange.RECLASSIFIED_NOT_APPLICABLE
    before = prev["any_evidence"] if "any_evidence" in prev else prev["has_evidence"]
    now = cur["any_evidence"] if "any_evidence" in cur else cur["has_evidence"]
    evidence = [evidence_change(bool(b), bool(n)) for b, n in zip(before.fillna(False), now.fillna(False))]
    out["newly_evidenced"] = [e == EvidenceChange.GAINED for e in evidence]
    out["evidence_removed"] = [e == EvidenceChange.REMOVED for e in evidence]
    return out.reset_index()


@dataclass(frozen=True)
class ChangeSummary:
    """What changed since the previous snapshot, as lists of recommendation ids (numbers only, no words)."""

    previous_quarter: str
    moved: tuple  # (id, previous status, status) between two statuses that could be judged
    backwards: tuple  # the moves that went down the STATUS_PROGRESS scale
    first_assessed: tuple  # (id, status)
    reclassified: tuple  # (id, previous status): now treated as not applicable
    gained_evidence: tuple  # ids: evidence in an applicable row now, none before
    gained_evidence_partly: tuple  # of those, the ids whose evidence is still blank for some parts
    evidence_removed: tuple


def change_summary(changes: pd.DataFrame, status_table: pd.DataFrame | None, previous_quarter: str) -> ChangeSummary:
    """The counts behind "what changed", from :func:`compare` and this quarter's status table (without one,
    no recommendation is counted as still partly blank)."""
    changes = changes.assign(
        **{c: changes.get(c, False) for c in ("first_assessed", "reclassified", "newly_evidenced", "evidence_removed")}
    )
    moved = changes[changes["moved"]]
    triples = tuple(zip(moved["recommendation_id"], moved["previous_status"], moved["status"]))
    steps = settings.STATUS_PROGRESS
    back = tuple(t for t in triples if t[1] in steps and t[2] in steps and steps[t[2]] < steps[t[1]])
    first = changes[changes["first_assessed"]]
    reclassified = changes[changes["reclassified"]]
    gained = tuple(changes.loc[changes["newly_evidenced"], "recommendation_id"])
    full = (
        dict(zip(status_table["recommendation_id"], status_table["has_evidence"]))
        if status_table is not None
        else dict.fromkeys(gained, True)
    )
    return ChangeSummary(
        previous_quarter=previous_quarter,
        moved=triples,
        backwards=back,
        first_assessed=tuple(zip(first["recommendation_id"], first["status"])),
        reclassified=tuple(zip(reclassified["recommendation_id"], reclassified["previous_status"].fillna(""))),
        gained_evidence=gained,
        gained_evidence_partly=tuple(i for i in gained if not full.get(i, False)),
        evidence_removed=tuple(changes.loc[changes["evidence_removed"], "recommendation_id"]),
    )


def quarters_since_change(history: pd.DataFrame, framework: Framework, quarter: Quarter) -> pd.Series:
    """For each recommendation, how many quarters since its tracker entry last changed.

    ``history`` holds the force's rows for every snapshot up to and including ``quarter``.
    A change is any difference in the status, evidence or actions of the recommendation's rows.
    Returns NaN where the recommendation never appears.
    """
    target = quarter
    hist = history.assign(rec=history["recommendation_id"].map(framework.recommendation_of))
    hist = rows_through(hist, target)
    result = {}
    for rec in framework.recommendations:
        mine = hist[hist["rec"] == rec.id]
        last_change, last_content = None, None
        for q in sorted(hist["quarter"].unique(), key=lambda q: Quarter.of(q).index):
            rows = mine[mine["quarter"] == q].sort_values("recommendation_id")
            content = tuple(map(tuple, rows[["recommendation_id", "status", "evidence", "actions"]].to_numpy()))
            if content != last_content:
                last_change, last_content = q, content
        result[rec.id] = (
            float(target.index - Quarter.of(last_change).index) if last_change and last_content else float("nan")
        )
    return pd.Series(result, name="quarters_since_change")


PART_SEPARATOR = " for "  # a flag reads "<kind>" for a whole recommendation, "<kind> for part(s) X" for parts


def _join_ids(ids) -> str:
    ids = list(ids)
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def _scoped(kind: FlagKind, ids: tuple, row) -> Flag | None:
    """'evidence is blank' when every applicable row is affected, else naming the parts."""
    if not ids:
        return None
    if row.rows <= 1 or set(ids) == {row.recommendation_id}:
        return Flag(kind)
    named = [("the recommendation as a whole" if i == row.recommendation_id else i) for i in ids]
    text = f"{kind.value}{PART_SEPARATOR}{'part' if len(named) == 1 else 'parts'} {_join_ids(named)}"
    return Flag(kind, text, tuple(named))


def flags(status_table: pd.DataFrame, stale: pd.Series) -> dict[str, list[Flag]]:
    """Plain-language flags per recommendation (only for applicable ones), naming the parts concerned."""
    out: dict[str, list[Flag]] = {}
    for row in status_table.itertuples(index=False):
        found = []
        if row.applicable:
            if not row.in_tracker:
                found.append(Flag(FlagKind.NO_ENTRY))
            else:
                found.append(_scoped(FlagKind.EVIDENCE_BLANK, tuple(row.blank_evidence), row))
                found.append(_scoped(FlagKind.ACTIONS_BLANK, tuple(row.blank_actions), row))
                found.append(_scoped(FlagKind.COMPLETE_WITHOUT_EVIDENCE, tuple(row.complete_without_evidence), row))
                for kind, state in (
                    (FlagKind.PART_NOT_STARTED, "not started"),
                    (FlagKind.PART_NOT_ASSESSED, "not assessed"),
                ):
                    ids = tuple(p.split(" ", 1)[0] for p in row.parts_behind if p.endswith(state))
                    found.append(_scoped(kind, ids, row) if ids and row.rows > 1 else None)
            since = stale.get(row.recommendation_id)
            if since is not None and since == since and since >= STALE_AFTER_QUARTERS:
                found.append(Flag(FlagKind.STALE, f"{FlagKind.STALE.value} for {int(since)} quarters"))
        out[row.recommendation_id] = [f for f in found if f]
    return out


def status_history(framework: Framework, history: pd.DataFrame) -> pd.DataFrame:
    """Recommendation statuses in every snapshot: columns quarter, recommendation_id, status."""
    frames = []
    for quarter, rows in history.groupby("quarter", sort=False):
        table = recommendation_status(framework, rows)
        frames.append(table[["recommendation_id", "status", "applicable"]].assign(quarter=quarter))
    if not frames:
        return pd.DataFrame(columns=["quarter", "recommendation_id", "status", "applicable"])
    out = pd.concat(frames, ignore_index=True)
    out["_q"] = out["quarter"].map(lambda q: Quarter.of(q).index)
    return out.sort_values(["_q", "recommendation_id"], kind="stable").drop(columns="_q").reset_index(drop=True)
