"""The claims ledger: every interpretive sentence of a report with the numbers and rows behind it.

A :class:`Claim` records what a sentence asserts (``value``), what it is set against
(``comparator``), how the value was worked out (``method``), the period it covers (``window``)
and where it came from (``source_file`` and ``source_rows``), and the meaning rule that chose its
words (``rule``). The narrative adds a claim as it
writes each sentence, so the claim and the sentence come from the same numbers; the renderer
writes the claims of each report to ``<stem>.claims.json`` beside the HTML, where anyone can
re-derive them from ``data/raw`` without this package.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

CLAIMS_MIMETYPE = "application/vnd.casey.claims+json"
LEDGER_VERSION = 2  # 2: each claim records the meaning rule that fired (`rule`)


@dataclass(frozen=True)
class Claim:
    id: str  # stable within a report, e.g. "tracker.status.complete", "charge_rate.latest"
    sentence: str  # the sentence of the report that makes the claim
    value: object  # what the sentence asserts (a number, or a list of ids)
    comparator: object = None  # what it is set against, if anything
    method: str = ""  # how the value was computed, in words an analyst can repeat
    window: str = ""  # the period(s) the value covers
    source_file: str = ""  # path relative to the data folder
    source_rows: tuple = ()  # which rows of source_file (ids, or "column=value" keys)
    detail: dict = field(default_factory=dict)  # further numbers: numerator, denominator, interval...
    rule: str = ""  # the meaning rule that chose the words (analysis.compute.meaning), "" for a plain figure


@dataclass
class ClaimLedger:
    """The claims of one report, in the order the sentences appear."""

    claims: list[Claim] = field(default_factory=list)

    def add(self, claim: Claim) -> Claim:
        if any(c.id == claim.id for c in self.claims):
            raise ValueError(f"claim id {claim.id!r} is already in the ledger")
        self.claims.append(claim)
        return claim

    def get(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)

    def ids(self) -> list[str]:
        return [c.id for c in self.claims]

    def to_dict(self, report_identity: dict) -> dict:
        return {
            "version": LEDGER_VERSION,
            "report": report_identity,
            "claims": [_plain(asdict(c)) for c in self.claims],
        }


def _plain(value):
    """JSON-safe: numpy numbers to Python numbers, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def dumps(ledger_dict: dict) -> str:
    return json.dumps(ledger_dict, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
