"""Issue 18, part "fair": the trust key measure and the stop and search fairness section.

Class 10: the trust section (and the trust tile drawn from it) showed the force's own domestic-abuse victim
survey for Leicestershire from 2024/25 Q1 and the stop and search ratio for the other 42 forces. Now the
fairness indicator leads for every force, with the national survey (CSEW) series as England and Wales context,
dated by when it was known."""

import json

import pytest
from conftest import ROOT

from analysis.compute import measure_sections as ms
from analysis.core import settings
from analysis.core.forces import all_forces
from analysis.core.periods import Quarter
from analysis.sources import csew


@pytest.mark.parametrize("quarter", ["2023-24-Q1", "2024-25-Q1", "2024-25-Q2"])
def test_trust_section_shows_the_same_kind_of_figure_for_every_force(real_data, quarter):
    sections = {f.id: ms.fairness_section(f.id, Quarter.of(quarter), real_data) for f in all_forces(real_data)}
    assert len(sections) == 43
    assert {s.measure_id for s in sections.values()} == {ms.FAIRNESS_MEASURE}
    with_ratio = [s for s in sections.values() if s.latest is not None]
    assert {s.latest.period for s in with_ratio} == {"2021-22" if quarter == "2023-24-Q1" else "2022-23"}


def test_the_same_kind_of_figure_from_one_quarter_to_the_next(real_data):
    for force in ("leicestershire", "metropolitan-police", "cumbria"):
        ids = {ms.fairness_section(force, Quarter.of(q), real_data).measure_id for q in ("2023-24-Q1", "2024-25-Q1")}
        assert ids == {ms.FAIRNESS_MEASURE}, force


def test_the_forces_own_trust_figures_follow_as_other_figures(real_data):
    section = ms.fairness_section("leicestershire", Quarter.of("2024-25-Q1"), real_data)
    assert "da_victim_confidence" in {e["measure_id"] for e in section.extra}
    assert section.latest.unit == "ratio"


def test_csew_context_appears_only_after_its_release(real_data):
    assert ms.csew_context(Quarter.of("2019-20-Q4"), real_data)[0]["period_label"] == "year ending March 2019"
    context = {c["series"]: c for c in ms.csew_context(Quarter.of("2024-25-Q1"), real_data)}
    # the survey year ending March 2024 counts as known from 31 October 2024, after this quarter (June 2024)
    assert context["confidence"]["period_label"] == "year ending March 2023"
    assert context["confidence"]["value"] == 67.7
    assert context["trust"]["value"] == 76.6
    for c in context.values():
        assert c["known_at"] <= "2024-06-30"
        assert c["geography"] == "England and Wales"
    later = {c["series"]: c for c in ms.csew_context(Quarter.of("2024-25-Q3"), real_data)}
    assert later["confidence"]["period_label"] == "year ending March 2024"
    assert later["confidence"]["known_at"] == "2024-10-31"
    assert settings.CSEW_PUBLICATION_LAG_MONTHS == 7


def test_no_csew_context_before_the_first_survey_year_is_known(real_data):
    assert ms.csew_context(Quarter.of("2004-05-Q1"), real_data) == []


def test_the_section_says_the_survey_figure_is_national_not_the_force(real_data):
    from analysis.present import fairness_text

    text = fairness_text.csew_sentence(ms.csew_context(Quarter.of("2024-25-Q1"), real_data), "Cumbria")
    assert "England and Wales as a whole, not Cumbria" in text
    assert "a proxy for fairness, not a measure of trust" in text


def test_the_bundled_copy_is_the_verified_file():
    import hashlib

    path = ROOT / "data/raw/measures/csew-perceptions/perceptions.json"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest in (ROOT / "data/raw/measures/csew-perceptions/README.md").read_text()


def test_a_bad_value_names_file_series_and_year(tmp_path):
    doc = json.loads((ROOT / "data/raw/measures/csew-perceptions/perceptions.json").read_text())
    doc["trust"]["values"]["2024"] = "n/a"
    path = tmp_path / "perceptions.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"perceptions.json: trust: values: 2024: not a percentage"):
        csew.read_csew(path)


def test_series_names_follow_the_header_rule(tmp_path):
    doc = json.loads((ROOT / "data/raw/measures/csew-perceptions/perceptions.json").read_text())
    doc[" Confidence "] = doc.pop("confidence")
    path = tmp_path / "perceptions.json"
    path.write_text(json.dumps(doc))
    assert len(csew.read_csew(path).query("series == 'confidence'")) == 19


def _trust_section(html: str) -> str:
    """The trust and confidence section of a rendered force page (it holds no nested section)."""
    import re

    start = re.search(r'<section[^>]*aria-labelledby="measure-trust-confidence"[^>]*>', html).start()
    return html[start : html.index("</section>", start) + len("</section>")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "force, quarter",
    [("leicestershire", "2024-25-Q1"), ("metropolitan-police", "2024-25-Q2"), ("cumbria", "2024-25-Q1")],
)
def test_rendered_trust_section_has_no_uncovered_items(real_data, tmp_path, force, quarter):
    from ledger_coverage import uncovered

    from analysis.run.render import checked_job, render_report

    path = render_report(checked_job(force, quarter, data_dir=real_data), real_data, tmp_path, engine="inprocess")
    html = path.read_text()
    ledger = json.loads(path.with_suffix(".claims.json").read_text())
    part = _trust_section(html)
    assert "Fairness indicator" in part and "Crime Survey for England and Wales" in part
    assert uncovered(part, ledger) == []
    claims = {c["id"]: c for c in ledger["claims"] if c["id"].startswith("fairness.")}
    assert claims and all(c["known_at"] and c["known_at"] <= "2024-09-30" for c in claims.values() if c["window"])


def test_each_trust_claim_names_where_its_figure_came_from_and_when(real_data):
    from analysis.compute.report_model import load_report
    from analysis.present import fragments

    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    claims = [c for c in fragments.report_claims(report).claims if c.id.startswith("fairness.")]
    ratio = next(c for c in claims if "times the rate of White residents" in c.sentence)
    assert (ratio.known_at, ratio.window) == ("2023-10-31", "2022/23")
    assert ratio.source_file.startswith("raw/measures/stop-search")
    own = next(c for c in claims if c.sentence.startswith("The most recent figure loaded for Leicestershire"))
    assert own.known_at == "2023-10-09" and own.source_file == "processed/measures/observations.csv"
    survey = next(c for c in claims if "Crime Survey for England and Wales, adults" in c.sentence)
    assert survey.known_at == "2023-10-31" and "Table 4" in " ".join(survey.source_rows)
    assert claims and all(c.method for c in claims)
