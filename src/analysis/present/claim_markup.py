"""Markup that carries its claim: an element with ``data-claim="<id>"`` whose visible text is the claim's sentence.

The sentence is read back from the very markup that is rendered (:func:`visible_text`, the way a browser and
``tests/ledger_coverage.py`` read it), so the element's text and the ledger's sentence cannot drift apart.
"""

from __future__ import annotations

from html.parser import HTMLParser

from markupsafe import Markup

from analysis.compute.claims import Claim, ClaimLedger
from analysis.present import templating


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(markup: str) -> str:
    """The text a reader sees in ``markup`` (entities decoded, tags dropped), with its spaces folded."""
    reader = _Text()
    reader.feed(markup)
    reader.close()
    return " ".join("".join(reader.parts).split())


def claimed(tag: str, claim_id: str, inner, ledger: ClaimLedger | None, attrs: str = "", **fields) -> Markup:
    """``<tag data-claim=id attrs>inner</tag>``; with a ``ledger``, also the claim whose sentence is its text.

    ``inner`` is text (escaped here) or :class:`~markupsafe.Markup` (a rendered piece, kept as it is); ``attrs``
    is markup written in code (``' class="note"'``), never from data. The result is :class:`~markupsafe.Markup`,
    so a template embeds it as it is. Join it with f-strings or ``"".join``: ``+`` with a plain ``str`` would
    escape that string with markupsafe's escaper."""
    element = templating.render("claimed.html.j2", tag=tag, claim_id=claim_id, attrs=Markup(attrs), inner=inner)
    if ledger is not None:
        ledger.add(Claim(id=claim_id, sentence=visible_text(element), **fields))
    return element
