"""Match free-text recommendation references to catalogue ids, with a similarity score.

Force trackers name recommendations in many ways: an id (``4.ii``), a label (``Rec 4 (ii)``,
``Recommendation 16 vii``), a bare number from a numbered list (``1.``), or the Met's own
wording of the recommendation ("Vetting standards should be changed ..."). ``match_reference``
returns the best catalogue id with a score between 0 and 1 and says whether the match is
confident enough to accept. Anything below the threshold is for a person to confirm; it is
never accepted silently.

Scores: an explicit id or label scores 1.0; a numbered paragraph (``3. Vetting standards ...``)
0.95; free text is scored by word overlap (weighted by how rare each word is in the catalogue)
blended with difflib's sequence similarity against the item's title. Uses only the standard
library (difflib).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from analysis.core.settings import MATCH_MIN_MARGIN, MATCH_THRESHOLD
from analysis.sources.catalogue import Framework

DEFAULT_THRESHOLD = MATCH_THRESHOLD
MIN_MARGIN = MATCH_MIN_MARGIN

_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
_PREFIX = r"(?:(?:rec(?:ommendation)?s?|no|number|item)\.?\s*|#\s*)?"
_PART = r"(?:\(\s*(?P<p1>[ivx]+|[a-j])\s*\)|(?P<p2>[ivx]+|[a-j])\s*\)|[.\-]\s*(?P<p3>[ivx]+|[a-j])|\s+(?P<p4>[ivx]+))"
_ID_ONLY = re.compile(rf"^\s*{_PREFIX}(?P<num>\d{{1,2}})\s*(?:{_PART}|(?P<p5>[a-j]))?\s*[.):]?\s*$", re.IGNORECASE)
_NUMBERED = re.compile(rf"^\s*{_PREFIX}(?P<num>\d{{1,2}})\s*[.):]\s+(?P<rest>\S.*)$", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = set(
    """a about above after again against all also an and any are as at be been before being by can could did do does
    for from further had has have having he her here hers him his how i if in into is it its itself may me more most
    must my no nor not of off on once only or other our ours out over own same she should so some such than that the
    their them then there these they this those through to too under until up upon very was we were what when where
    which while who whom why will with would you your met mets metropolitan police service""".split()
)


@dataclass(frozen=True)
class Match:
    text: str
    id: str | None  # best catalogue id, or None when nothing resembles the text
    score: float  # 0..1
    method: str  # "id", "numbered", "text", "confirmed" or "none"
    confident: bool
    alternatives: tuple[tuple[str, float], ...] = field(default=())  # next best (id, score)
    reason: str = ""

    def describe(self, framework: Framework | None = None) -> str:
        title = ""
        if framework is not None and self.id is not None:
            title = f" {framework.item(self.id).title!r}"
        best = f"{self.id}{title} (score {self.score:.2f}, {self.method})" if self.id else "no match"
        return best + (f"; {self.reason}" if self.reason else "")


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(str(text).lower()))


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(str(text).lower()) if w not in _STOP and not w.isdigit()}


def _part_id(num: str, part: str | None) -> str:
    if not part:
        return str(int(num))
    part = part.lower()
    if part not in _ROMAN:  # lettered parts a) b) c) -> i, ii, iii
        part = _ROMAN[ord(part) - ord("a")]
    return f"{int(num)}.{part}"


def parse_id(text: str) -> str | None:
    """The id a label such as ``4.ii``, ``Rec 4 (ii)``, ``16 vii``, ``4b`` or ``1.`` spells, if any.

    Roman numerals win over letters (``4i`` is 4.i); the id may not exist in the catalogue.
    """
    m = _ID_ONLY.match(str(text))
    if not m:
        return None
    part = next((m[g] for g in ("p1", "p2", "p3", "p4", "p5") if m[g]), None)
    return _part_id(m["num"], part)


@lru_cache(maxsize=8)
def _index(framework: Framework):
    docs = {i.id: _tokens(f"{i.title} {i.title} {i.summary}") for i in framework.items}
    n = len(docs)
    df: dict[str, int] = {}
    for toks in docs.values():
        for t in toks:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
    titles = {i.id: normalise(i.title) for i in framework.items}
    family = framework.recommendation_of
    return docs, idf, titles, family


def text_scores(text: str, framework: Framework) -> list[tuple[str, float]]:
    """Every item's similarity to free text, best first."""
    docs, idf, titles, _ = _index(framework)
    query = _tokens(text)
    default_idf = max(idf.values()) if idf else 1.0
    weight = sum(idf.get(t, default_idf) for t in query)
    norm_text = normalise(text)
    scores = []
    for item_id, doc in docs.items():
        shared = sum(idf.get(t, default_idf) for t in query & doc)
        doc_weight = sum(idf[t] for t in doc) or 1.0
        # containment of the query in the item, softened by how much of the item it covers
        overlap = shared / weight if weight else 0.0
        cover = shared / doc_weight
        words = 2 * overlap * cover / (overlap + cover) if overlap + cover else 0.0
        words = max(words, 0.85 * overlap * min(1.0, 4 * cover))
        title = SequenceMatcher(None, norm_text, titles[item_id]).ratio() if norm_text else 0.0
        scores.append((item_id, round(max(words, title), 4)))
    scores.sort(key=lambda pair: (-pair[1], framework.ids.index(pair[0])))
    return scores


def match_reference(
    text: str,
    framework: Framework,
    threshold: float = DEFAULT_THRESHOLD,
    confirmed: dict[str, str] | None = None,
) -> Match:
    """Best catalogue id for a reference, with a score and whether to accept it without a person."""
    raw = "" if text is None else str(text)
    stripped = raw.strip()
    if not stripped:
        return Match(raw, None, 0.0, "none", False, reason="the reference is blank")
    for key, value in (confirmed or {}).items():
        nk = normalise(key)
        if nk and (normalise(stripped) == nk or (len(nk) >= 10 and normalise(stripped).startswith(nk))):
            ok = str(value) in framework.ids
            return Match(
                raw,
                str(value) if ok else None,
                1.0 if ok else 0.0,
                "confirmed",
                ok,
                reason="" if ok else f"confirmed id {value!r} is not a {framework.id} id",
            )
    if stripped in framework.ids:
        return Match(raw, stripped, 1.0, "id", True)
    parsed = parse_id(stripped)
    if parsed is not None:
        if parsed in framework.ids:
            return Match(raw, parsed, 1.0, "id", True)
        return Match(
            raw, None, 0.0, "id", False, reason=f"there is no {framework.item_label.lower()} {parsed} in {framework.id}"
        )
    numbered = _NUMBERED.match(stripped)
    scores = text_scores(stripped, framework)
    if numbered and str(int(numbered["num"])) in framework.ids:
        rec = str(int(numbered["num"]))
        return Match(raw, rec, 0.95, "numbered", 0.95 >= threshold, alternatives=tuple(scores[:3]))
    _, _, _, family = _index(framework)
    best_id, best = scores[0]
    rival = next((s for i, s in scores[1:] if family[i] != family[best_id]), 0.0)
    alternatives = tuple((i, s) for i, s in scores[1:4])
    if best <= 0:
        return Match(raw, None, 0.0, "none", False, reason="no words in common with any recommendation")
    reasons = []
    if best < threshold:
        reasons.append(f"below the threshold {threshold:.2f}")
    if best - rival < MIN_MARGIN:
        reasons.append(f"too close to the next candidate ({rival:.2f})")
    return Match(raw, best_id, best, "text", not reasons, alternatives, "; ".join(reasons))


def match_references(
    texts, framework: Framework, threshold: float = DEFAULT_THRESHOLD, confirmed: dict[str, str] | None = None
) -> list[Match]:
    return [match_reference(t, framework, threshold, confirmed) for t in texts]
