"""The public version shows withheld recommendations as withheld: never as missing, flagged or counted.

Two recommendations' rows are marked OFFICIAL-SENSITIVE (one that moved status, one unchanged for four
quarters, so each would otherwise carry a status, a change and a flag). The public HTML, its executed
notebook and the batch manifest are checked for every trace of them.
"""

import json
import re

import pytest
from conftest import FIXTURES, make_data_tree
from htmlcheck import Page

from analysis.core.audience import Audience
from analysis.core.config import report_relpath
from analysis.present.fragments import WITHHELD_TEXT
from analysis.run.batch import BatchOptions, run_batch
from analysis.run.build import build_all

pytestmark = pytest.mark.slow
Q = "2024-25-Q1"
PUBLIC_PAGE = report_relpath(Q, "leicestershire", Audience.PUBLIC)
INTERNAL_PAGE = report_relpath(Q, "leicestershire", Audience.INTERNAL)
WITHHELD = ("1", "2")


def _tree(root, token: str):
    data = make_data_tree(root / "data", {"leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv"})
    lines = (FIXTURES / "trackers/leicestershire-2024-25-Q1.csv").read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        rec_id, status, owner, evidence, *rest = line.split(",")
        if rec_id in WITHHELD:
            owner, evidence = f"{token}-OWNER", f"{token}-EVIDENCE"
            rest[2] = "OFFICIAL-SENSITIVE"  # marking
        elif rest[2] == "OFFICIAL-SENSITIVE":
            rest[2] = "OFFICIAL"  # exactly the two above are withheld
        out.append(",".join([rec_id, status, owner, evidence, *rest]))
    target = data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(out) + "\n")
    assert build_all(data).problems == []
    return data


def _run(data, out):
    result = run_batch(
        BatchOptions(
            quarters=[Q],
            forces=["leicestershire"],
            data_dir=str(data),
            out_dir=str(out),
            workers=1,
            national=False,
            progress=False,
        ),
    )
    assert result.exit_code == 0
    return json.loads((out / Q / "manifest.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("withheld")
    first = _run(_tree(root / "a", "WITHHELD-TOKEN-AAA"), root / "a/reports")
    second = _run(_tree(root / "b", "WITHHELD-TOKEN-BBB"), root / "b/reports")
    return root, first, second


def _section(html: str, rec_id: str) -> str:
    start = html.index(f'id="rec-{rec_id}"')
    return html[start : html.index("</section>", start)]


def test_public_html_shows_the_two_only_as_withheld(runs):
    root, _, _ = runs
    html = (root / "a/reports" / PUBLIC_PAGE).read_text()
    text = Page(html).text
    assert "WITHHELD-TOKEN" not in html
    for rec_id in WITHHELD:
        section = _section(html, rec_id)
        assert WITHHELD_TEXT in section
        for trace in ("Status:", "badge", "Change:", "flags", "no entry", "Owner", "Evidence"):
            assert trace not in section, f"recommendation {rec_id}: {trace!r} in its public section"
    # not counted, not flagged, not listed as needing attention, nowhere called missing
    questions = html[html.index('id="questions"') : html.index("</ol>", html.index('id="questions"'))]
    assert 'href="#rec-1"' not in questions and 'href="#rec-2"' not in questions
    attention = re.search(r"Needing attention: (.*?)\.", text)
    assert attention is None or not re.search(r"\b(1|2)\b", attention.group(1))
    assert "2 recommendations (1 and 2) are withheld from this public version under their protective marking" in text
    assert "withheld from this public version are not counted" in text
    # the internal report still has them in full
    internal = (root / "a/reports" / INTERNAL_PAGE).read_text()
    assert "WITHHELD-TOKEN-AAA-EVIDENCE" in internal and WITHHELD_TEXT not in internal


def test_public_notebook_carries_nothing_of_them(runs):
    root, _, _ = runs
    notebook = (root / "a/reports" / PUBLIC_PAGE.with_suffix(".ipynb")).read_text()
    assert "WITHHELD-TOKEN" not in notebook
    assert "Moved from not started" not in notebook  # recommendation 1's change
    assert "not updated for 4 quarters" not in notebook  # recommendation 2's flag


def test_public_claims_ledger_names_them_nowhere(runs):
    root, _, _ = runs
    ledger = json.loads((root / "a/reports" / PUBLIC_PAGE.with_suffix(".claims.json")).read_text())
    assert "WITHHELD-TOKEN" not in json.dumps(ledger)
    for claim in ledger["claims"]:
        listed = [*claim.get("source_rows", [])]
        for value in (claim.get("detail") or {}).values():
            listed += value if isinstance(value, list) else list(value) if isinstance(value, dict) else []
        assert not set(WITHHELD) & set(map(str, listed)), claim["id"]


def test_public_manifest_entry_does_not_change_with_the_withheld_content(runs):
    _, first, second = runs
    public, internal = (str(page.relative_to(Q)) for page in (PUBLIC_PAGE, INTERNAL_PAGE))  # the manifest keys
    assert "WITHHELD-TOKEN" not in json.dumps(first) + json.dumps(second)
    assert first["reports"][public]["inputs"] == second["reports"][public]["inputs"]
    assert first["reports"][public]["input_sha256"] == second["reports"][public]["input_sha256"]
    assert first["reports"][internal]["inputs"]["tracker_rows"] != second["reports"][internal]["inputs"]["tracker_rows"]


def test_a_public_report_with_nothing_withheld_says_so(tmp_path):
    from analysis.run.render import checked_job, render_report

    data = make_data_tree(tmp_path / "data", {"leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv"})
    assert build_all(data).problems == []
    html = render_report(
        checked_job("leicestershire", "2023-24-Q1", "public", data_dir=data), data, tmp_path / "out"
    ).read_text()
    text = Page(html).text
    assert "Nothing is withheld from this public version." in text
    assert "nothing is withheld from this public version" in text  # the status counts say what they cover
