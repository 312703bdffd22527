"""Execute the real notebook with papermill on a hand-made fixture and read the HTML it makes."""

import re

import pytest

from analysis.run.build import build_all
from analysis.run.render import checked_job, render_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from conftest import LEICESTERSHIRE_TWO_SNAPSHOTS, make_data_tree

    root = tmp_path_factory.mktemp("nb")
    data = make_data_tree(root / "data", LEICESTERSHIRE_TWO_SNAPSHOTS)
    assert build_all(data).problems == []
    out = root / "reports"
    internal = render_report(checked_job("leicestershire", "2024-25-Q1", "internal", data_dir=data), data, out)
    public = render_report(checked_job("E23000021", "2024/25 Q1", "public", data_dir=data), data, out)
    return internal, public


def text_of(html: str) -> str:
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_outputs_land_where_promised(rendered):
    internal, public = rendered
    assert internal.name == "leicestershire.html" and internal.parent.name == "2024-25-Q1"
    assert public.parent.name == "public" and public.parent.parent.name == "2024-25-Q1"
    assert internal.with_suffix(".ipynb").exists()


def test_summary_counts_match_the_fixture(rendered):
    text = text_of(rendered[0].read_text())
    # fixture B: rec 1 complete; 2, 3, 6 in progress; the other 10 of the 14 applicable recs have no entry
    assert "Of the applicable ones, 1 is complete, 3 in progress and 0 not started, and 10 cannot be assessed" in text
    assert "Evidence is recorded for every applicable part of 4 of the 14 applicable recommendations (29%)" in text
    assert "Moved from not started (2023/24 Q1) to complete." in text
    assert "not updated for 4 quarters" in text  # rec 2 unchanged since 2023-24 Q1


def test_all_sixteen_sections_and_no_code(rendered):
    html = rendered[0].read_text()
    for n in range(1, 17):
        assert f'id="rec-{n}"' in html
        assert f">Recommendation {n}: " in html
    assert "load_report(" not in html and "import " not in text_of(html)
    assert 'src="data:image/png;base64,' in html


def test_untrusted_text_is_escaped(rendered):
    from htmlcheck import Page

    page = Page(rendered[0].read_text())
    assert page.executable_markup() == []
    # the payloads are shown to the reader as text
    assert "<script>alert('owned')</script> re-vetting 40% done" in page.text
    assert "<img src=x onerror=alert(1)>" in page.text
    assert "[click](javascript:alert(1))" in page.text
    assert "<svg onload=alert(2)>" in page.text


def test_public_report_withholds_sensitive_rows(rendered):
    internal, public = rendered
    assert "SENSITIVE-TOKEN-7731" in internal.read_text()
    assert "OFFICIAL-SENSITIVE" in text_of(internal.read_text()).split("Protective marking")[1][:40]
    public_html = public.read_text()
    assert "SENSITIVE-TOKEN-7731" not in public_html
    assert "SENSITIVE-TOKEN-7731" not in public.with_suffix(".ipynb").read_text()
    assert "SENSITIVE-TOKEN-7731" not in public.with_suffix(".claims.json").read_text()  # public claims only
    assert "1 recommendation (6) is withheld from this public version under its protective marking" in text_of(
        public_html
    )
    assert "Protective marking OFFICIAL " in text_of(public_html)


def test_failed_notebook_is_kept(tmp_path):
    from conftest import make_data_tree

    from analysis.run.render import RenderError

    data = make_data_tree(tmp_path / "data", {"leicestershire/2024-25-Q1.csv": "leicestershire-2024-25-Q1.csv"})
    # no build: the notebook fails because data/processed is missing
    with pytest.raises(RenderError) as info:
        render_report(checked_job("leicestershire", "2024-25-Q1", data_dir=data), data, tmp_path / "out")
    assert info.value.failed_notebook.exists()
    assert not (tmp_path / "out/2024-25-Q1/leicestershire.html").exists()
