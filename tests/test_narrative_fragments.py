"""Fast unit tests for the narrative sentences and HTML pieces (no notebook run)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from analysis.compute.progress import Flag, FlagKind
from analysis.core.settings import STALE_AFTER_QUARTERS
from analysis.present import fragments, narrative

FRAMEWORK = SimpleNamespace(item_label="Recommendation", item_label_plural="Recommendations")


def test_small_words():
    assert narrative.plural(1, "force") == "1 force" and narrative.plural(2, "force") == "2 forces"
    assert narrative.plural(2, "area for improvement", "areas for improvement") == "2 areas for improvement"
    assert narrative.percent(1, 3) == "33%" and narrative.percent(0, 0) == "n/a"
    assert narrative._join(["a", "b", "c"]) == "a, b and c" and narrative._join(["a"]) == "a"
    assert narrative.status_label("in_progress") == "In progress" and narrative.status_label(None) == "none"


def test_needing_attention_groups_flags_by_kind():
    report = SimpleNamespace(
        framework=FRAMEWORK,
        flags={
            "1": [Flag(FlagKind.STALE, "not updated for 3 quarters")],
            "2": [Flag(FlagKind.STALE, "not updated for 2 quarters"), Flag(FlagKind.EVIDENCE_BLANK)],
        },
    )
    assert narrative.needing_attention(report) == [
        f"not updated for {STALE_AFTER_QUARTERS} or more quarters for recommendations 1 and 2",
        "evidence is blank for recommendation 2",
    ]


def test_change_text():
    assert narrative.change_text(SimpleNamespace(has_tracker=False), "1") == "No tracker this quarter."
    assert narrative.change_text(SimpleNamespace(has_tracker=True, changes=None), "1").startswith("No earlier snapshot")
    changes = pd.DataFrame(
        [
            {
                "recommendation_id": "1",
                "status": "complete",
                "previous_status": "in_progress",
                "moved": True,
                "newly_evidenced": True,
                "evidence_removed": False,
            }
        ]
    )
    report = SimpleNamespace(has_tracker=True, changes=changes, previous_quarter=SimpleNamespace(label="2023/24 Q1"))
    assert narrative.change_text(report, "1") == (
        "Moved from in progress (2023/24 Q1) to complete. Evidence recorded for the first time."
    )


def test_html_pieces_escape_what_they_are_given():
    assert fragments.heading("<b>x</b>", 'a"b') == '<h2 id="a&quot;b">&lt;b&gt;x&lt;/b&gt;</h2>'
    assert fragments.paragraphs(["1 < 2", "&"]) == "<p>1 &lt; 2</p><p>&amp;</p>"
    assert fragments.badge("complete") == '<span class="badge badge-complete">Complete</span>'
    assert "<script>" not in fragments.badge("<script>")
    assert fragments.anchor("4.1(a)") == "rec-4-1-a-"
    assert fragments.prose("") == ""


@pytest.fixture
def report(fixture_data):
    from analysis.compute.report_model import load_report
    from analysis.run.build import build_all

    assert build_all(fixture_data).problems == []
    return load_report("leicestershire", "2024-25-Q1", data_dir=fixture_data)


def test_summary_and_sections_from_a_real_report(report):
    paras = narrative.executive_summary(report)
    assert (
        paras[0].startswith("Leicestershire's tracker for 2024/25 Q1 (position as at 2024-06-30)")
        and "of the 16 in the Casey Review" in paras[0]
    )
    assert any(p.startswith("Since the previous snapshot (2023/24 Q1)") for p in paras)
    rec = report.framework.recommendations[0].id
    row = report.rows.index[report.rows["recommendation_id"].map(report.framework.recommendation_of) == rec][0]
    report.rows.loc[row, "evidence"] = "<script>alert(1)</script>"
    section = fragments.recommendation_section(report, rec)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and "<script>" not in section
    assert "<strong>What the review asked:</strong>" in section
    toc = fragments.toc(report)
    assert '<a href="#measures">Key measures</a>' in toc and '<a href="#recommendations">Recommendations</a>' in toc


def test_a_stated_difference_is_the_unrounded_one_and_says_so_when_the_printed_figures_differ():
    """9.26% then 8.44%: 0.82 points apart, printed as 9.3% and 8.4% (which subtract to 0.9): the clause states
    0.8 and names the unrounded figures; where the printed figures agree, no note (issue 18, class 8)."""
    from analysis.compute.measure_sections import Comparison
    from analysis.present.measure_text import change_clause as _change_clause

    comp = Comparison("the previous quarter", "2023/24 Q4", 9.26, 8.44 - 9.26, "difference")
    text = _change_clause(comp)
    assert (
        text
        == "0.8 percentage points lower than the previous quarter (2023/24 Q4: 9.3%) (worked from the unrounded figures)"
    )
    plain = _change_clause(Comparison("the previous quarter", "2023/24 Q4", 9.2, 8.4 - 9.2, "difference"))
    assert plain == "0.8 percentage points lower than the previous quarter (2023/24 Q4: 9.2%)"


def test_national_assurance_is_qualified_when_the_latest_quarter_broke_the_limits():
    from types import SimpleNamespace

    from analysis.present.national import assurance_words

    def row(assurance, variation, rate=7.0, national=8.8):
        return SimpleNamespace(assurance=assurance, variation=variation, rate_pct=rate, national_rate_pct=national)

    assert assurance_words(row("consistently_fails", "common_cause")) == "Consistently below the England and Wales rate"
    qualified = assurance_words(row("consistently_fails", "special_cause_improving", 8.5))
    assert qualified.startswith("Consistently below") and "may no longer hold" in qualified
    # issue 18, class 2: above the national rate, the verdict is not stated beside it
    above = assurance_words(row("consistently_fails", "special_cause_improving", 9.4))
    assert above.startswith("Not stated") and "Consistently" not in above and "(9.4%)" in above
    assert assurance_words(row(None, "special_cause_improving", None)) == "No verdict (too few quarters)"
