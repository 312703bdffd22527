"""Frameworks are data: their words, labels and switches come from the framework YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

from analysis.sources.catalogue import FrameworkError, Wording, load_framework, parse_framework

AFI = FIXTURES / "frameworks" / "hmicfrs-afi-test.yaml"


def test_wording_and_switches_come_from_the_yaml():
    casey = load_framework("casey-2023", ROOT / "data")
    assert casey.has_key_measures and casey.wording.asked_label == "What the review asked"
    assert casey.wording.not_applicable_note == "Specific to the Met, London or Government."
    afi = parse_framework(AFI)
    assert not afi.has_key_measures and afi.item_label == "Area for improvement"
    assert afi.wording.asked_label == "What the inspectors found" and afi.wording.key_measures_intro == ""


def test_defaults_when_the_yaml_says_nothing(tmp_path):
    text = AFI.read_text().split("wording:")[0].replace("has_key_measures: false\n", "")
    text += AFI.read_text().split("\nsections:", 1)[1].join(["\nsections:", ""])
    path = tmp_path / "hmicfrs-afi-test.yaml"
    path.write_text(text)
    fw = parse_framework(path)
    assert fw.wording == Wording() and fw.has_key_measures is False


def test_unknown_wording_key_is_an_error_naming_file_and_field(tmp_path):
    path = tmp_path / "hmicfrs-afi-test.yaml"
    path.write_text(AFI.read_text().replace("asked_label:", "asked_lable:"))
    with pytest.raises(FrameworkError, match=r"hmicfrs-afi-test.yaml: field 'wording': unknown keys \['asked_lable'\]"):
        parse_framework(path)


def test_items_differ_per_force():
    afi = parse_framework(AFI)
    assert [r.id for r in afi.for_force("leicestershire").recommendations] == ["AFI-1", "AFI-2"]
    assert [r.id for r in afi.for_force("cheshire").recommendations] == ["AFI-3"]
    casey = load_framework("casey-2023", ROOT / "data")
    assert casey.for_force("cheshire") is casey


def _with_afi_trackers(data: Path) -> None:
    """The test framework (its items differ per force) and a 2024-25 Q1 tracker for Leicestershire and Cheshire."""
    shutil.copy(AFI, data / "raw/frameworks/")
    for force, name in (
        ("leicestershire", "afi-leicestershire-2024-25-Q1.csv"),
        ("cheshire", "afi-cheshire-2024-25-Q1.csv"),
    ):
        dest = data / "raw/trackers/hmicfrs-afi-test" / force / "2024-25-Q1.csv"
        dest.parent.mkdir(parents=True)
        shutil.copy(FIXTURES / "trackers" / name, dest)


def test_fragments_use_the_framework_words(fixture_data):
    from analysis.compute.report_model import load_report
    from analysis.present import fragments

    _with_afi_trackers(fixture_data)
    from analysis.run.build import build_all

    assert build_all(fixture_data).problems == []
    report = load_report("leicestershire", "2024-25-Q1", framework="hmicfrs-afi-test", data_dir=fixture_data)
    section = fragments.recommendation_section(report, "AFI-1")
    assert "<strong>What the inspectors found:</strong>" in section and "review" not in section
    assert fragments.key_measures(report) == "" and "Key measures" not in fragments.toc(report)
    assert fragments.prose("marked *assessed* <b>") == "<p>marked <em>assessed</em> &lt;b&gt;</p>"


@pytest.mark.slow
def test_third_framework_renders_through_the_same_notebook(fixture_data, tmp_path):
    """A framework whose items differ per force, with its own words, and no code change."""
    from htmlcheck import Page

    from analysis.run.build import build_all
    from analysis.run.render import checked_job, render_report

    _with_afi_trackers(fixture_data)
    assert build_all(fixture_data).problems == []
    texts = {}
    for force in ("leicestershire", "cheshire"):
        job = checked_job(force, "2024-25-Q1", framework="hmicfrs-afi-test", data_dir=fixture_data)
        html = render_report(job, fixture_data, tmp_path / "out")
        texts[force] = Page(html.read_text()).text
    leics, cheshire = texts["leicestershire"], texts["cheshire"]
    assert "Area for improvement AFI-1:" in leics and "Area for improvement AFI-2:" in leics
    assert "AFI-3" not in leics and "AFI-3" in cheshire and "AFI-1" not in cheshire
    assert "What the inspectors found:" in leics and "What the review asked" not in leics
    assert "each force has its own list" in leics and "Key measures" not in leics
    assert "2 applicable areas for improvement of the 2 in the Inspection AFIs" in leics  # the framework's plural
    assert "Renewals backlog halved since January" in leics
