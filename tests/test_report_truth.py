"""Sentences of real reports (the bundled trackers and measures) checked against what the body shows."""

import pytest
from conftest import ROOT

from analysis.compute.report_model import load_report
from analysis.present import narrative


def summary_text(data, force, quarter, audience="internal"):
    return " ".join(narrative.executive_summary(load_report(force, quarter, audience, data_dir=data)))


def test_leicestershire_summary_does_not_hide_blank_parts(real_data):
    text = summary_text(real_data, "leicestershire", "2024-25-Q1")
    assert "100%" not in text.split("Needing attention")[0]
    assert "The evidence entry is blank for 4 items: 7.ii, 16.ii, 16.iii and 16.iv." in text
    assert "No applicable recommendation is flagged" not in text
    assert "not started for recommendation 16 (16.iv)" in text


def test_a_reconstructed_blank_baseline_gives_first_assessed_not_changed_status(real_data):
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    text = " ".join(narrative.executive_summary(report))
    assert "0 recommendations changed status" in text
    assert "14 recommendations had no status that could be judged then and are assessed for the first time now" in text
    assert narrative.change_text(report, "1").startswith("First assessed this quarter")


def test_every_assessed_status_in_the_bundled_trackers_carries_a_reason():
    import csv

    files = sorted((ROOT / "data/raw/trackers").glob("*/*/*.csv"))
    assert len(files) >= 4
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["status_basis"] == "assessed":
                    assert row["status_reason"].strip(), f"{path.name} {row['recommendation_id']}: no status_reason"
                    assert row["status_reason"] not in row["evidence"]  # our reason, not a copy of the evidence


@pytest.mark.parametrize(
    "force, quarter, items",
    [
        ("leicestershire", "2024-25-Q1", ["1", "4.iii", "4.iv"]),
        ("city-of-london", "2023-24-Q1", ["4.iii", "4.iv", "11.iii", "14"]),
    ],
)
def test_complete_needs_the_recommendations_own_ask_met(real_data, force, quarter, items):
    rows = load_report(force, quarter, data_dir=real_data).rows.set_index("recommendation_id")
    for item in items:
        assert rows.loc[item, "status"] != "complete", item
        assert rows.loc[item, "status_reason"], item


def test_the_reason_is_printed_beside_the_status(real_data):
    from analysis.present import fragments

    report = load_report("city-of-london", "2023-24-Q1", data_dir=real_data)
    html = fragments.recommendation_section(report, "4")
    assert (
        "(assessed by analyst: Relies on its own firearms training and student feedback; no outside management" in html
    )
    assert "(assessed by analyst: One local policing directorate" in fragments.recommendation_section(report, "11")


def test_section_labels_are_neutral_outside_the_met_and_come_from_the_framework(real_data, casey, monkeypatch):
    from analysis.present import tracker_charts

    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    assert not any("London" in s or "Met" in s.split() for s in report.status["section"])
    seen = {}
    monkeypatch.setattr(
        tracker_charts,
        "chart_status_by_section",
        lambda table, order, *a: seen.update(sections=set(table["section"]), order=order) or (None, ""),
    )
    from analysis.present import fragments

    monkeypatch.setattr(fragments, "figure", lambda *a, **k: "")
    fragments.tracker_charts(report)
    assert "Valuing and supporting the frontline" in seen["sections"]
    assert not any("London" in s or "the Met" in s for s in seen["order"])
    met = casey.section_labels("metropolitan-police")
    assert met["new-police-deal-for-londoners"] == "A new police deal for Londoners"
    assert casey.section_labels("leicestershire")["new-leadership-and-management"] == "New leadership and management"


def test_every_registry_entry_says_its_coverage_and_every_proxy_says_what_it_is():
    import yaml

    for path in sorted((ROOT / "data/raw/measures/registry").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text())["measures"]:
            assert entry.get("coverage") in ("official", "force-supplied", "proxy"), entry["id"]
            assert (entry["coverage"] == "proxy") == bool(entry.get("proxy_note")), entry["id"]
            if path.stem == "force-supplied":
                assert entry["coverage"] != "official", entry["id"]


def test_key_measures_are_counted_by_coverage_and_proxies_are_named(real_data):
    import yaml

    registry = {
        e["id"]: e
        for path in sorted((ROOT / "data/raw/measures/registry").glob("*.yaml"))
        for e in yaml.safe_load(path.read_text())["measures"]
    }
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    text = narrative.measures_summary(report)
    assert "Figures are loaded for" not in text
    assert "Of the 7 key measures, 1 has official figures comparable across forces (charge rates)" in text
    kinds = {"official": [], "force-supplied": [], "proxy": [], "none": []}
    for section in report.measures:
        entry = registry.get(section.measure_id) if section.has_data else None
        kinds[entry["coverage"] if entry else "none"].append(section)
        if entry and entry["coverage"] == "proxy":  # named as a proxy in the summary and in its section
            assert f"{section.title.lower()}: {entry['proxy_note']}" in text
            assert narrative.proxy_note(report, section).startswith("This is a proxy, not the review's own measure")
    assert any(s.key_measure == "trust-confidence" for s in kinds["proxy"])  # not counted as the review's measure
    assert f"{len(kinds['proxy'])} {'rests' if len(kinds['proxy']) == 1 else 'rest'} only on a proxy" in text
    assert f"{len(kinds['none'])} {'has' if len(kinds['none']) == 1 else 'have'} no figures yet" in text


def test_a_force_supplied_series_is_summarised_beside_its_latest_value(real_data):
    import csv
    import datetime as dt
    import statistics
    from types import SimpleNamespace

    with open(ROOT / "data/raw/measures/local/leicestershire.csv", newline="") as f:
        raw = [r for r in csv.DictReader(f) if r["measure_id"] == "dvpn_to_dvpo_conversion"]
    raw.sort(key=lambda r: r["period"])
    report = load_report("leicestershire", "2024-25-Q1", data_dir=real_data)
    section = SimpleNamespace(
        has_data=True,
        force_supplied=True,
        measure_id="dvpn_to_dvpo_conversion",
        latest=SimpleNamespace(period_type="month", unit="percent", period=raw[-1]["period"]),
    )
    text = narrative.series_text(report, section)
    last = dt.date(int(raw[-1]["period"][:4]), int(raw[-1]["period"][5:]), 1).strftime("%B %Y")
    assert f"The latest figure, {float(raw[-1]['value']):.1f}% for {last}, is one of {len(raw)} in the series" in text
    assert f"the median is {statistics.median(float(r['value']) for r in raw):.1f}%" in text
    num, den = sum(int(r["numerator"]) for r in raw), sum(int(r["denominator"]) for r in raw)
    assert f"in all, {num:,} of {den:,}" in text
