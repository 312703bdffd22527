"""Roll tracker rows up to recommendations, and compare a force's snapshots over time.

All functions take plain DataFrames (rows in the canonical tracker columns plus
``quarter``) and a Framework, so they are easy to test with hand-made rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from analysis.core import settings
from analysis.core.settings import STALE_AFTER_QUARTERS
from analysis.sources.catalogue import Framework
from analysis.core.periods import parse_quarter
from analysis.sources.trackers import SENSITIVE

APPLICABLE_STATUSES = ["complete", "in_progress", "not_started", "not_assessed"]


class FlagKind(StrEnum):
    """What a flag is about; its value is the flag's wording (the stale one adds how long)."""

    NO_ENTRY = "no entry in the tracker"
    EVIDENCE_BLANK = "evidence is blank"
    ACTIONS_BLANK = "actions are blank"
    COMPLETE_WITHOUT_EVIDENCE = "marked complete without evidence"
    STALE = "not updated"


class Flag(str):
    """A flag's sentence that also carries its :class:`FlagKind`, so code groups flags by kind, not by text."""

    kind: FlagKind

    def __new__(cls, kind: FlagKind, text: str | None = None):
        flag = super().__new__(cls, kind.value if text is None else text)
        flag.kind = kind
        return flag

    def __getnewargs__(self):
        return (self.kind, str(self))


def apply_audience(rows: pd.DataFrame, audience: str) -> tuple[pd.DataFrame, int]:
    """Drop OFFICIAL-SENSITIVE rows for the public; return the rows kept and how many were withheld."""
    if audience == "internal":
        return rows, 0
    if audience != "public":
        raise ValueError(f"audience must be internal or public, got {audience!r}")
    sensitive = rows["marking"] == SENSITIVE
    return rows[~sensitive].reset_index(drop=True), int(sensitive.sum())


def withheld_recommendations(framework: Framework, rows: pd.DataFrame, audience: str) -> list[str]:
    """Recommendations the public may not see at all: any of their rows (parent or part) is OFFICIAL-SENSITIVE.

    Withholding the whole recommendation, not just the marked rows, means the parts that remain cannot
    hint at the status, owner or change of the parts that were withheld.
    """
    if audience != "public" or rows.empty:
        return []
    sensitive = rows.loc[rows["marking"] == SENSITIVE, "recommendation_id"].map(framework.recommendation_of)
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
    for column, value in (("status", "withheld"), ("applicable", False), ("in_tracker", False),
                          ("has_evidence", False), ("has_actions", False), ("owner", ""), ("rows", 0)):
        out.loc[out["withheld"], column] = value
    return out


def report_marking(rows: pd.DataFrame) -> str:
    """The highest protective marking of the content a report includes."""
    return SENSITIVE if (rows["marking"] == SENSITIVE).any() else "OFFICIAL"


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


def recommendation_status(framework: Framework, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per top-level recommendation: status, counts and flags from its tracker rows.

    A recommendation with no rows is ``not_applicable`` when the catalogue says it (and all its
    parts) are specific to the Met, London or Government, otherwise ``not_assessed``.
    """
    rows = rows.assign(rec=rows["recommendation_id"].map(framework.recommendation_of))
    records = []
    for rec in framework.recommendations:
        mine = rows[rows["rec"] == rec.id]
        parts = framework.parts_of(rec.id)
        met_only = not rec.applies_beyond_met and all(not p.applies_beyond_met for p in parts)
        status = rollup_status(list(mine["status"]))
        if status is None:
            status = settings.NO_ROWS_MET_ONLY_STATUS if met_only else settings.NO_ROWS_STATUS
        applicable = status != "not_applicable"
        live = mine[mine["status"] != "not_applicable"]
        records.append(
            {
                "recommendation_id": rec.id,
                "section_id": rec.section_id,
                "section": framework.section_title(rec.section_id),
                "title": rec.title,
                "status": status,
                "applicable": applicable,
                "rows": len(mine),
                "in_tracker": len(mine) > 0,
                "has_evidence": bool((~_blank(live["evidence"])).any()) if len(live) else False,
                "has_actions": bool((~_blank(live["actions"])).any()) if len(live) else False,
                "owner": "; ".join(dict.fromkeys(o for o in mine["owner"] if str(o).strip())),
            }
        )
    return pd.DataFrame(records)


@dataclass(frozen=True)
class Summary:
    applicable: int
    counts: dict  # status -> number of applicable recommendations
    evidenced: int
    not_applicable: int
    withheld: int = 0  # recommendations withheld from the public version: in no other count

    @property
    def evidence_share(self) -> float | None:
        return self.evidenced / self.applicable if self.applicable else None


def summarise(status_table: pd.DataFrame) -> Summary:
    applicable = status_table[status_table["applicable"]]
    counts = {s: int((applicable["status"] == s).sum()) for s in APPLICABLE_STATUSES}
    return Summary(
        applicable=len(applicable),
        counts=counts,
        evidenced=int(applicable["has_evidence"].sum()),
        not_applicable=int((status_table["status"] == "not_applicable").sum()),
        withheld=int((status_table["status"] == "withheld").sum()),
    )


def compare(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Change per recommendation between two status tables (from ``recommendation_status``)."""
    cur = current.set_index("recommendation_id")
    out = pd.DataFrame(index=cur.index)
    out["status"] = cur["status"]
    if previous is None:
        out["previous_status"] = None
        out["moved"] = False
        out["newly_evidenced"] = False
        out["evidence_removed"] = False
        return out.reset_index()
    prev = previous.set_index("recommendation_id").reindex(cur.index)
    out["previous_status"] = prev["status"]
    out["moved"] = out["status"] != out["previous_status"]
    out["newly_evidenced"] = cur["has_evidence"] & ~prev["has_evidence"].fillna(False).astype(bool)
    out["evidence_removed"] = ~cur["has_evidence"] & prev["has_evidence"].fillna(False).astype(bool)
    return out.reset_index()


def quarters_since_change(history: pd.DataFrame, framework: Framework, quarter: str) -> pd.Series:
    """For each recommendation, how many quarters since its tracker entry last changed.

    ``history`` holds the force's rows for every snapshot up to and including ``quarter``.
    A change is any difference in the status, evidence or actions of the recommendation's rows.
    Returns NaN where the recommendation never appears.
    """
    target = parse_quarter(quarter).index
    hist = history.assign(rec=history["recommendation_id"].map(framework.recommendation_of))
    hist = hist[hist["quarter"].map(lambda q: parse_quarter(q).index) <= target]
    result = {}
    for rec in framework.recommendations:
        mine = hist[hist["rec"] == rec.id]
        last_change, last_content = None, None
        for q in sorted(hist["quarter"].unique(), key=lambda q: parse_quarter(q).index):
            rows = mine[mine["quarter"] == q].sort_values("recommendation_id")
            content = tuple(map(tuple, rows[["recommendation_id", "status", "evidence", "actions"]].to_numpy()))
            if content != last_content:
                last_change, last_content = q, content
        result[rec.id] = float(target - parse_quarter(last_change).index) if last_change and last_content else float("nan")
    return pd.Series(result, name="quarters_since_change")


def flags(status_table: pd.DataFrame, stale: pd.Series) -> dict[str, list[Flag]]:
    """Plain-language flags per recommendation (only for applicable ones)."""
    out: dict[str, list[str]] = {}
    for row in status_table.itertuples(index=False):
        found = []
        if row.applicable:
            if not row.in_tracker:
                found.append(Flag(FlagKind.NO_ENTRY))
            else:
                if not row.has_evidence:
                    found.append(Flag(FlagKind.EVIDENCE_BLANK))
                if not row.has_actions and row.status != "complete":
                    found.append(Flag(FlagKind.ACTIONS_BLANK))
                if row.status == "complete" and not row.has_evidence:
                    found.append(Flag(FlagKind.COMPLETE_WITHOUT_EVIDENCE))
            since = stale.get(row.recommendation_id)
            if since is not None and since == since and since >= STALE_AFTER_QUARTERS:
                found.append(Flag(FlagKind.STALE, f"{FlagKind.STALE.value} for {int(since)} quarters"))
        out[row.recommendation_id] = found
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
    out["_q"] = out["quarter"].map(lambda q: parse_quarter(q).index)
    return out.sort_values(["_q", "recommendation_id"], kind="stable").drop(columns="_q").reset_index(drop=True)
