"""The national overview's numbers, on a hand-made tracker tree plus the real key-measures data."""

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis.compute import overview_model
from analysis.present import national
from analysis.run.build import build_all

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from conftest import make_data_tree

    root = make_data_tree(
        tmp_path_factory.mktemp("nat") / "data",
        {
            "leicestershire/2023-24-Q1.csv": "leicestershire-2023-24-Q1.csv",
            "leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv",
        },
    )
    shutil.copytree(ROOT / "data/raw/measures", root / "raw/measures")
    assert build_all(root).problems == []
    return root


def test_submissions_and_status_across_forces(data):
    o = overview_model.load_overview("2024-25-Q1", "internal", data_dir=data)
    assert len(o.submissions) == 43 and o.submitted == 1
    leics = o.submissions.set_index("force_id").loc["leicestershire"]
    assert leics["submitted"] and leics["latest_quarter"] == "2024-25-Q1"
    assert list(o.status["force_id"]) == ["leicestershire"]
    row = o.status.iloc[0]
    # fixture B: 1 complete, 3 in progress, 10 of the 14 applicable with no entry; evidence for 4
    assert (row["complete"], row["in_progress"], row["not_assessed"], row["applicable"], row["evidenced"]) == (
        1,
        3,
        10,
        14,
        4,
    )
    assert o.marking == "OFFICIAL-SENSITIVE"  # the fixture has a sensitive row


def test_a_later_quarter_uses_each_forces_latest_snapshot(data):
    o = overview_model.load_overview("2026-27-Q2", "internal", data_dir=data)
    assert o.submitted == 0
    assert o.status.iloc[0]["snapshot"] == "2024-25-Q1"
    assert o.measure_quarter.id == "2025-26-Q4"
    assert "had not been published by the end of the quarter" in " ".join(
        c.sentence for c in national.measure_quarter_claims(o)
    )
    before = overview_model.load_overview("2023-24-Q1", "internal", data_dir=data)
    assert before.status.iloc[0]["snapshot"] == "2023-24-Q1" and before.status.iloc[0]["evidenced"] == 1


def test_public_withholds_sensitive_rows_before_counting(data):
    internal = overview_model.load_overview("2024-25-Q1", "internal", data_dir=data)
    public = overview_model.load_overview("2024-25-Q1", "public", data_dir=data)
    assert public.withheld == 1 and internal.withheld == 0
    assert public.marking == "OFFICIAL"
    assert "withheld" in " ".join(c.sentence for c in national.summary_claims(public))


def test_public_overview_shows_no_hash_of_a_tracker_file(data):
    """Issue 18, class 9: the force pages promise tracker file hashes are never shown publicly (a hash of a
    file holding withheld rows lets a reader confirm a guess at them); the public overview printed them."""
    from analysis.compute.report_model import WITHHELD_HASH

    public = overview_model.load_overview("2024-25-Q1", "public", data_dir=data)
    internal = overview_model.load_overview("2024-25-Q1", "internal", data_dir=data)
    tracker_files = set(public.tracker_files)
    assert tracker_files == {"processed/trackers/casey-2023.csv", "processed/trackers/casey-2023-snapshots.csv"}
    shown = {i["file"]: i["sha256"] for i in public.inputs}
    assert all(shown[f] == WITHHELD_HASH for f in tracker_files)
    page = national.provenance(public)
    assert all(i["sha256"] not in page for i in internal.inputs if i["file"] in tracker_files)
    # the other files keep their hashes, and the internal overview shows every hash
    assert all(len(h) == 64 for f, h in shown.items() if f not in tracker_files)
    assert all(len(i["sha256"]) == 64 for i in internal.inputs)


def test_funnels_cover_every_force_and_feed_forces_to_look_at(data):
    o = overview_model.load_overview("2024-25-Q1", "internal", data_dir=data)
    closed = o.funnels["closed"]
    assert len(closed) == 43 and set(closed["funnel"]) <= {
        "within",
        "above 95%",
        "below 95%",
        "above 99.8%",
        "below 99.8%",
    }
    outside = set(closed.loc[closed["funnel"].str.endswith("99.8%"), "force_id"])
    look = o.look_at
    assert outside <= set(look["force_id"])
    reasons = [c.sentence for _, claims in national.look_at_reasons(o) for c in claims]
    assert any("evidence is blank for all or part of 10 of 14" in r for r in reasons)  # leicestershire's tracker
    assert list(look["force"]) == sorted(look["force"])  # alphabetical, not ranked


def test_markup_is_escaped_and_charts_have_alt_text(data):
    o = overview_model.load_overview("2024-25-Q1", "internal", data_dir=data)
    o.status.loc[0, "force"] = "<script>alert(1)</script>"
    html = national.status_section(o) + national.measures_section(o) + national.submissions_section(o)
    assert "<script>" not in html and "&lt;script&gt;" in html
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html)
    assert len(alts) == 3 and all(len(a) > 80 for a in alts)  # status chart + two funnel plots
    assert "Funnel plot of the charge rate (closed basis) for 43 forces" in html


def test_notebook_parameters_match_the_renderer():
    from analysis.run.render import NATIONAL_PARAMETERS

    nb = nbformat.read(ROOT / "notebooks/national_overview.ipynb", as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    names = {line.split("=")[0].strip() for line in cells[0].source.splitlines() if "=" in line}
    assert names == set(NATIONAL_PARAMETERS)


def test_one_job_type_for_both_kinds_of_report(tmp_path):
    """The national overview is a ReportJob of kind "national": its own notebook, parameters, label and file."""
    from conftest import make_data_tree

    from analysis.core.config import NATIONAL_STEM
    from analysis.run.render import REPORT_KINDS, checked_job

    data = make_data_tree(tmp_path / "data")
    national = checked_job(NATIONAL_STEM, "2024/25 Q1", "public", data_dir=data, kind="national")
    force = checked_job("E23000021", "2024-25-Q1", data_dir=data)
    assert (national.kind, national.quarter, national.label) == (
        "national",
        "2024-25-Q1",
        "national overview 2024-25-Q1 (public)",
    )
    assert (force.kind, force.force, force.label) == ("force", "leicestershire", "leicestershire 2024-25-Q1 (internal)")
    assert national.html_path(tmp_path) == tmp_path / "2024-25-Q1/public/national-overview.html"
    assert REPORT_KINDS["national"].notebook == ROOT / "notebooks/national_overview.ipynb"
    assert REPORT_KINDS["force"].notebook == ROOT / "notebooks/force_report.ipynb"
    assert "force" not in REPORT_KINDS["national"].parameters and "force" in REPORT_KINDS["force"].parameters


def test_headline_compares_like_with_like_and_funnel_levels_are_not_mixed():
    from types import SimpleNamespace

    import pandas as pd

    from analysis.core.periods import parse_quarter

    status = pd.DataFrame(
        [
            {"force_id": "a", "force": "A", "snapshot": "2024-25-Q1", "applicable": 14, "complete": 2, "evidenced": 10},
            {"force_id": "b", "force": "B", "snapshot": "2023-24-Q1", "applicable": 13, "complete": 0, "evidenced": 1},
        ]
    )
    o = SimpleNamespace(
        status=status,
        quarter=parse_quarter("2024-25-Q1"),
        framework=SimpleNamespace(item_label="Recommendation"),
        tracker_files=("processed/trackers/casey-2023.csv", ""),
    )
    text = " ".join(c.sentence for c in national.snapshot_claims(o))
    assert "In the trackers for 2024/25 Q1 (1 force), 2 of 14 applicable recommendations are complete" in text
    assert "1 force last submitted a tracker for 2023/24 Q1; as at that quarter, 0 of 13" in text
    assert "2 of 27" not in text  # never pooled across quarters
    table = pd.DataFrame({"funnel": ["within"] * 5 + ["above 95%", "above 99.8%", "below 99.8%"]})
    first, second = national.funnel_position_sentences(table)
    assert first == "Against the 95% limits: 3 of 8 forces are outside (2 above, 1 below) and 5 inside."
    assert second == "Against the wider 99.8% limits: 2 are outside (1 above, 1 below)."


def test_spc_verdicts_for_all_43_forces_as_at_the_quarter(data):
    o = overview_model.load_overview("2023-24-Q1", "internal", data_dir=data)
    t = o.spc
    # the latest quarter published by the end of 2023/24 Q1 (two quarters after it ends): nothing later
    assert len(t) == 43 and set(t["period"]) == {"2022-23-Q3"}
    assert set(t["variation"]) <= {"common_cause", "special_cause_improving", "special_cause_concerning"}
    sentences = " ".join(c.sentence for c in national.spc_claims(o))
    counts = t["variation"].value_counts()
    assert f"special cause, concerning: {counts['special_cause_concerning']} forces" in sentences
    concern = t.loc[t["variation"] == "special_cause_concerning", "force_id"]
    assert set(concern) <= set(o.look_at["force_id"])
    reasons = [c.sentence for _, claims in national.look_at_reasons(o) for c in claims]
    assert sum("special-cause variation of concern" in r for r in reasons) == len(concern)
    html = national.spc_section(o)
    assert html.count("<tr>") == 44  # header + 43 forces


def test_spc_section_escapes_force_names(data):
    o = overview_model.load_overview("2024-25-Q1", "internal", data_dir=data)
    o.spc.loc[0, "force_name"] = "<b>x</b>"
    assert "<b>x</b>" not in national.spc_section(o)
