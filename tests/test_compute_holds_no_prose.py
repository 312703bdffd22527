"""Compute holds no prose (issue 18, "claims first"): ``compute/measure_sections.py`` returns numbers, periods,
rule names, flags and ids; the sentences are written in ``present/measure_text.py`` and
``present/fairness_text.py``. The check: no string literal (an f-string counts as one, its placeholders
left out) with three or more words, besides docstrings, error messages (``raise``), identifiers (no
spaces) and the allow-list below."""

import ast
import re
from pathlib import Path

SECTIONS = Path(__file__).resolve().parents[1] / "src" / "analysis" / "compute" / "measure_sections.py"
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")

# Labels still written in compute, each with why. They are noun phrases, not sentences, but they reach pages.
ALLOWED = {
    # comparator and subject labels handed to analysis.compute.spc.summarise and direction.reading_text, which
    # still write the process-behaviour sentences in compute (spc.py): they move with those sentences
    "the {} rate for {} ({}%)": "spc comparator label",
    "the {} rate of the same quarter": "recent-run comparator (direction.reading_text)",
    "the {} figure for {} ({})": "spc comparator label",
    "parity (a ratio of 1)": "spc comparator label",
    " {} later point(s) are left off because the source marks them incomplete.": "appended to spc's method_text",
    # Comparison.label values: present matches on them (measure_text.CHANGE_LABELS, narrative, tile_text) and
    # prints them in change_clause; turning them into ids with the words in present is still to do
    "the previous quarter": "Comparison.label",
    "the same quarter a year earlier": "Comparison.label",
    # Comparison.method values returned by _ratio_change: claim methods (the ledger, not the page)
    "difference of log rate ratios against its standard error ({}%)": "Comparison.method",
    "no test: an interval is missing": "Comparison.method",
    # a period label of the national survey, as period_label writes the others
    "year ending March {}": "CSEW period label",
    # a publication's name (data: the source of the figures)
    "ONS, Crime Survey for England and Wales: perceptions of the police (national figures)": "source name",
}


def _exempt_nodes(tree: ast.AST) -> set[int]:
    """Docstrings, anything inside a raise, the parts of an f-string, and the arguments of Comparison(...)
    (labels and methods: see ALLOWED)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if isinstance(node, ast.Raise):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Comparison":
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node) if n is not node)
    return skip


def prose_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal in ``source`` with three or more words, placeholders as '{}'."""
    tree = ast.parse(source)
    skip = _exempt_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if re.search(r"\s", text) and len(WORD.findall(text)) >= 3:
            found.append((node.lineno, text))
    return sorted(found)


def test_measure_sections_builds_no_sentences():
    found = [(line, text) for line, text in prose_literals(SECTIONS.read_text()) if text not in ALLOWED]
    assert not found, f"prose in compute/measure_sections.py (write it in present/measure_text.py): {found}"


def test_the_allow_list_holds_only_what_is_there():
    """An entry whose literal has gone is dropped, so the list only shrinks."""
    present = {text for _, text in prose_literals(SECTIONS.read_text())}
    assert set(ALLOWED) <= present, sorted(set(ALLOWED) - present)


def test_the_check_catches_a_sentence_and_spares_ids_docstrings_and_errors():
    source = '''
def f(name, n):
    """A docstring of many words is fine."""
    key = "charge_rate_closed"
    if n < 0:
        raise ValueError(f"no charge rate for {name} at all")
    return f"{name} charged or summonsed {n} crimes."
'''
    assert prose_literals(source) == [(7, "{} charged or summonsed {} crimes.")]
    assert prose_literals('x = "two words"\ny = "force_quarter.csv"\n') == []
