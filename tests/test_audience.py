"""The audience as a type (analysis.core.audience), the folder layout written once
(analysis.core.config.report_relpath) and the one test of a public row (analysis.sources.markings.is_public)."""

import pickle

import pandas as pd
import pytest

from analysis.core import config
from analysis.core.audience import AUDIENCES, Audience
from analysis.core.errors import UsageError
from analysis.sources.markings import UnknownMarking, is_public, public_mask

Q = "2024-25-Q1"


def test_an_audience_has_a_label_a_folder_and_knows_if_it_is_public():
    assert [(a.value, a.label, a.folder, a.is_public) for a in Audience] == [
        ("internal", "Internal", "", False),
        ("public", "Public", "public", True),
    ]
    assert AUDIENCES == ("internal", "public") and str(Audience.PUBLIC) == "public"
    assert pickle.loads(pickle.dumps(Audience.PUBLIC)) is Audience.PUBLIC  # a JobSpec travels to Dask workers


def test_the_boundaries_convert_strings_once_and_name_a_bad_value():
    assert Audience.of("public") is Audience.PUBLIC and Audience.of(Audience.INTERNAL) is Audience.INTERNAL
    for bad in ("Public", "press", "", None, "internal'; x='"):
        with pytest.raises(UsageError, match="unknown audience") as caught:
            Audience.of(bad)
        assert repr(bad) in str(caught.value) and "internal, public" in str(caught.value)


def test_the_folder_layout_is_written_once():
    rel = config.report_relpath
    assert rel(Q, "cumbria", Audience.INTERNAL).as_posix() == f"{Q}/cumbria.html"
    assert rel(Q, "cumbria", Audience.PUBLIC).as_posix() == f"{Q}/public/cumbria.html"
    assert rel(Q, "cumbria", Audience.PUBLIC, "etp-2023").as_posix() == f"{Q}/etp-2023/public/cumbria.html"
    # the public mirror (reports/public/): every page is public, no folder says so
    assert rel(Q, "cumbria", Audience.PUBLIC, "etp-2023", public_site=True).as_posix() == f"{Q}/etp-2023/cumbria.html"
    with pytest.raises(ValueError, match="public reports only"):
        rel(Q, "cumbria", Audience.INTERNAL, public_site=True)


@pytest.mark.parametrize("framework", [config.DEFAULT_FRAMEWORK, "etp-2023"])
@pytest.mark.parametrize("audience", list(Audience))
def test_report_place_reads_back_what_report_relpath_wrote(framework, audience):
    where = config.report_relpath(Q, "leicestershire", audience, framework)
    assert config.report_place(where.relative_to(Q)) == (framework, audience)
    if audience.is_public:
        mirrored = config.report_relpath(Q, "leicestershire", audience, framework, public_site=True)
        assert config.report_place(mirrored.relative_to(Q), public_site=True) == (framework, audience)


def test_is_public_is_the_one_test_of_a_row():
    assert is_public("OFFICIAL") and is_public("official") and is_public({"marking": "OFFICIAL"})
    assert not is_public("OFFICIAL-SENSITIVE") and not is_public({"marking": "Official Sensitive"})
    assert not is_public(pd.Series({"marking": "OFFICIAL – SENSITIVE", "text": "x"}))
    for unknown in ("SECRET", "", None, {"text": "no marking"}):
        assert not is_public(unknown)  # an unknown or missing marking never reaches the public


def test_the_public_mask_applies_is_public_and_stops_on_an_unknown_marking():
    column = pd.Series(["OFFICIAL", "official sensitive", "OFFICIAL"], index=[5, 6, 7])
    assert public_mask(column).tolist() == [True, False, True] and list(public_mask(column).index) == [5, 6, 7]
    assert public_mask(pd.Series([], dtype=object)).dtype == bool
    with pytest.raises(UnknownMarking, match="'SECRET'"):
        public_mask(pd.Series(["OFFICIAL", "SECRET"]))


def _published(meta: dict):
    import nbformat

    from analysis.present.fragments import META_MIMETYPE

    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={META_MIMETYPE: meta})]
    return nbformat.v4.new_notebook(cells=[cell])


def test_the_banner_takes_the_audience_from_the_report_parameters_alone():
    from analysis.run.render import to_html

    meta = {"marking": "OFFICIAL", "force": "Cumbria", "quarter_label": "2024/25 Q1", "audience": "public"}
    html = to_html(_published(meta), Audience.PUBLIC)
    assert "OFFICIAL · Cumbria · 2024/25 Q1 · Public" in html and "Internal" not in html
    with pytest.raises(ValueError, match="an audience of 'public'; its parameter is 'internal'"):
        to_html(_published(meta), Audience.INTERNAL)  # the notebook and the parameters disagree: never guess
