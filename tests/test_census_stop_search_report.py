"""The new measures in real rendered reports (papermill + nbconvert), checked against the raw files read with csv."""

import pytest
from conftest import make_measures_tree
from htmlcheck import Page
from test_census_stop_search import expected_sentence

from analysis.core.config import NATIONAL_STEM
from analysis.run.render import checked_job, render_report

pytestmark = pytest.mark.slow
FORCES = {
    "leicestershire": "Leicestershire",
    "metropolitan-police": "Metropolitan Police",
    "city-of-london": "London, City of",
    "cumbria": "Cumbria",
    "durham": "Durham",
    "dyfed-powys": "Dyfed-Powys",
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("new-measures")
    data = make_measures_tree(root / "data", build=True)
    out = {}
    for force in FORCES:  # Leicestershire in a real Jupyter kernel; the rest in-process, as casey batch runs them
        engine = "kernel" if force == "leicestershire" else "inprocess"
        path = render_report(checked_job(force, "2024-25-Q1", data_dir=data), data, root / "reports", engine=engine)
        out[force] = Page(path.read_text()).text
    national = render_report(
        checked_job(NATIONAL_STEM, "2024-25-Q1", data_dir=data, kind="national"), data, root / "reports"
    )
    out["national"] = Page(national.read_text()).text
    return out


@pytest.mark.parametrize("force", ["leicestershire", "metropolitan-police", "cumbria", "durham", "dyfed-powys"])
def test_rendered_ratio_and_unrecorded_share_match_the_raw_file(pages, force):
    ratio_text, unrecorded_text = expected_sentence(FORCES[force])
    text = " ".join(pages[force].split())
    assert ratio_text in text and unrecorded_text in text
    assert "Fairness indicator, not the review's own measure" in text
    assert "Of the years loaded here, the latest published by the end of 2024/25 Q1: 2022/23" in text


def test_city_of_london_report_says_there_is_no_resident_rate(pages):
    text = " ".join(pages["city-of-london"].split())
    assert "no rate per 1,000 residents" in text and "No Black/White rate ratio can be given" in text


def test_rendered_report_names_the_proxy_and_census_year(pages):
    text = " ".join(pages["leicestershire"].split())
    assert "all sexual offences, not only adult rape; charges, not cases reaching court" in text
    assert "Census 2021 put the ethnic minority share of Leicestershire's population at 27.5%" in text
    assert "joiners' representation ratio" in text


def test_national_overview_shows_every_force(pages):
    text = " ".join(pages["national"].split())
    assert "Fairness indicator: stop and search disparity (16.i)" in text
    nat = expected_sentence("All - excluding BTP")[0].split(" times")[0].rsplit(" ", 1)[1]
    assert f"Across England and Wales Black residents were searched at {nat} times" in text
    assert "No rate per 1,000 residents is published for City of London" in text
    assert "Proxy: sexual offences charged or summonsed (16.v)" in text
    for name in ("Avon and Somerset", "Wiltshire", "Dyfed-Powys"):
        assert text.count(name) >= 2  # in both tables
