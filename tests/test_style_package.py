"""analysis.present.style is three modules by idea (house_theme, legibility, css, palette); ``style.X`` keeps working.

Analysts' notebooks, the README and some package modules write ``from analysis.present import style`` and
then ``style.themed``, ``style.HIGHLIGHT``: every such name must still be there, and be the owner's object
(a copy would not follow a monkeypatch or a cache clear).
"""

import re
from pathlib import Path

from analysis.core import palette
from analysis.present import style
from analysis.present.style import css, house_theme, legibility

ROOT = Path(__file__).resolve().parents[1]
# the places that may write style.X: notebooks, docs and package code that imports the facade
WRITTEN = [
    *ROOT.glob("notebooks/**/*.ipynb"),
    *ROOT.glob("docs/**/*.md"),
    ROOT / "README.md",
    ROOT / "benchmarks" / "README.md",
    *(p for p in (ROOT / "src").rglob("*.py") if "from analysis.present import style" in p.read_text()),
]


def _names_written() -> set[str]:
    found = set()
    for path in WRITTEN:
        found |= set(re.findall(r"\bstyle\.([A-Za-z_]\w*)", path.read_text(encoding="utf-8")))
    return found


def test_every_style_name_written_anywhere_is_on_the_facade():
    names = _names_written()
    assert {"themed", "HIGHLIGHT", "figure_png"} <= names  # the scan reads the notebook and the README
    assert not [n for n in names if not hasattr(style, n)]


def test_the_facade_hands_out_the_owners_objects():
    for name in style.__all__:
        owner = next((m for m in (house_theme, legibility, css, palette) if name in vars(m)), None)
        assert owner is not None and getattr(style, name) is getattr(owner, name), name
