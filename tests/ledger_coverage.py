"""Does every number and verdict on a rendered page come from a claim in that page's ledger?

The convention (issue 18, "words from claims"): a piece of a page that states a number or a verdict is
rendered from a claim object, and its element carries the claim's id, ``data-claim="<id>"``. The page's
ledger (``<stem>.claims.json``) holds a claim with that id whose ``sentence`` is the element's visible
text (spaces folded). So a sentence, a tile or a table cell proves itself by construction.

:func:`uncovered` reads a page and its ledger and returns every piece of visible text that states a
number or a verdict and is not inside such an element, or whose element's text is not its claim's
sentence. The only text exempt is listed in :data:`EXEMPT_TAGS` and :data:`EXEMPT_CLASSES`: names and
labels, not statements (headings, the marking banner, the table of contents, the provenance table of
files and hashes, chart images' alt text, which is an attribute and never visible text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# words that pass a judgement on a figure or a status: text holding one must come from a claim
VERDICT_WORDS = re.compile(
    r"\b(improv\w*|wors\w*|deteriorat\w*|concern\w*|significan\w*|consistent\w*|hit and miss|special cause|"
    r"common cause|better|outside the|inside the|within the|higher than|lower than|above the|below the|"
    r"meets|fails|stale|unchanged|on track|off track)\b",
    re.IGNORECASE,
)
DIGIT = re.compile(r"\d")

# elements whose text names things rather than states them
EXEMPT_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "style", "script", "title", "nav", "th", "caption"})
# classes of elements that name, label or list provenance (no judgement, no figure about the force)
EXEMPT_CLASSES = frozenset(
    {"banner", "marking", "casey-marking", "toc", "provenance", "casey-provenance", "print-banner"}
)

VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "source", "wbr"})


def fold(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Open:
    tag: str
    claim: str | None
    exempt: bool
    text: list


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.claimed: list[tuple[str, str]] = []  # (claim id, visible text of its element)
        self.loose: list[str] = []  # text runs outside any claim element and not exempt

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        exempt = tag in EXEMPT_TAGS or bool(classes & EXEMPT_CLASSES) or "data-claim-exempt" in a
        self.stack.append(_Open(tag, a.get("data-claim"), exempt, []))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        # close up to the matching tag (tolerates unclosed <p>, <li>)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                while len(self.stack) > i:
                    node = self.stack.pop()
                    if node.claim is not None:
                        self.claimed.append((node.claim, fold("".join(node.text))))
                return

    def handle_data(self, data):
        if not data.strip():
            for node in self.stack:
                node.text.append(data)
            return
        for node in self.stack:
            node.text.append(data)
        if any(n.claim is not None or n.exempt for n in self.stack):
            return
        self.loose.append(fold(data))


def states_something(text: str) -> bool:
    return bool(DIGIT.search(text) or VERDICT_WORDS.search(text))


def uncovered(html: str, ledger: dict) -> list[str]:
    """Every problem on the page: loose text with a number or verdict, an unknown claim id, or an element
    whose text differs from its claim's sentence. An empty list means 100% coverage."""
    reader = _Reader()
    reader.feed(html)
    sentences = {c["id"]: fold(str(c.get("sentence", ""))) for c in ledger.get("claims", [])}
    problems = [f"no claim: {t!r}" for t in reader.loose if states_something(t)]
    for claim_id, text in reader.claimed:
        if claim_id not in sentences:
            problems.append(f"claim {claim_id!r} is not in the ledger (text {text!r})")
        elif sentences[claim_id] != text:
            problems.append(f"claim {claim_id!r}: page says {text!r}, ledger says {sentences[claim_id]!r}")
    return problems
