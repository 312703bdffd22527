"""Issue 14.2 and 14.4: invalid input keeps the last good output; no stale or unfiltered public page stands.

- a force whose tracker fails validation is not re-rendered (nor the national overview): its previous
  internal report stays, its public page is withdrawn, the manifest and summary say failed, exit 1;
- a public page whose re-render fails is removed and the index does not link it;
- ``casey batch`` refuses processed data older than data/raw (an import with --replace since the build).
"""

import json
import logging

import pytest
from test_batch import Q, _tree

from analysis.core.periods import parse_quarter
from analysis.run import batch
from analysis.run.batch import BatchOptions, read_manifest, run_batch
from analysis.run.build import build_all

RAW = "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"


def _options(data, out, **kw):
    return BatchOptions(
        **{
            "quarters": [Q],
            "forces": ["leicestershire"],
            "data_dir": str(data),
            "out_dir": str(out),
            "workers": 1,
            "progress": False,
            **kw,
        }
    )


def test_changed_raw_tracker_makes_batch_refuse_stale_processed_data(tmp_path, capsys):
    from analysis.cli.main import main

    data = _tree(tmp_path, measures=False)
    raw = data / RAW
    raw.write_text(raw.read_text().replace("Values", "Core values"))  # what `casey import --replace` does
    with pytest.raises(batch.StaleData, match=f"{RAW} changed.*casey build"):
        run_batch(_options(data, tmp_path / "out"))
    assert main(["--data-dir", str(data), "batch", "--quarter", Q, "--out", str(tmp_path / "out")]) == 2
    assert f"{RAW} changed" in capsys.readouterr().err
    assert build_all(data).problems == []
    batch.check_build_is_current("casey-2023", data)  # rebuilt: accepted


def test_processed_data_from_an_older_build_is_refused(tmp_path):
    data = _tree(tmp_path, measures=False)
    batch.build_inputs_path("casey-2023", data).unlink()
    with pytest.raises(batch.StaleData, match="casey build"):
        run_batch(_options(data, tmp_path / "out"))


def test_rejected_tracker_blocks_its_force_and_the_national_overview_from_its_quarter_on(tmp_path):
    data = _tree(tmp_path, measures=False)
    raw = data / RAW
    raw.write_text(raw.read_text().replace("in_progress", "finished", 1))
    assert build_all(data).problems
    rejected = batch.check_build_is_current("casey-2023", data)
    assert [(r["file"], r["quarter"]) for r in rejected] == [(RAW, Q)]
    assert "status" in rejected[0]["problem"] and "finished" in rejected[0]["problem"]
    plans = batch.plan(
        [parse_quarter(Q), parse_quarter("2023-24-Q1")],
        ["leicestershire", "cheshire"],
        ["internal", "public"],
        "casey-2023",
        data,
        tmp_path / "out",
        rejected=rejected,
    )
    blocked = {p.quarter.id: sorted(p.blocked) for p in plans}
    assert blocked == {
        Q: [
            "leicestershire.html",
            "national-overview.html",
            "public/leicestershire.html",
            "public/national-overview.html",
        ],
        "2023-24-Q1": [],
    }
    # tracker-quarters still includes the quarter whose only tracker was rejected
    assert [q.id for q in batch.resolve_quarters(["tracker-quarters"], "casey-2023", data)] == [Q, "2023-24-Q1"]


@pytest.mark.slow
def test_invalid_tracker_keeps_the_last_good_report_and_exits_1(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="analysis")
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    first = run_batch(_options(data, out))
    assert first.exit_code == 0 and first.count("rendered") == 4
    folder = out / Q
    internal = (folder / "leicestershire.html").read_bytes()
    national = (folder / "national-overview.html").read_bytes()
    assert (folder / "public/leicestershire.html").exists()

    raw = data / RAW
    raw.write_text(raw.read_text().replace("in_progress", "finished", 1))
    assert build_all(data).problems  # the bad tracker is left out of processed
    caplog.clear()
    second = run_batch(_options(data, out))
    assert second.exit_code == 1
    assert {e["html"]: e["status"] for e in second.entries.values()} == {
        "leicestershire.html": "failed",
        "public/leicestershire.html": "failed",
        "national-overview.html": "failed",
        "public/national-overview.html": "failed",
    }
    assert (folder / "leicestershire.html").read_bytes() == internal  # last good output kept
    assert (folder / "national-overview.html").read_bytes() == national
    assert not (folder / "public/leicestershire.html").exists()  # a public page is never left stale
    assert not (folder / "public/national-overview.html").exists()
    manifest = read_manifest(out, Q)
    assert manifest["reports"]["leicestershire.html"]["status"] == "failed"
    assert f"{RAW} is invalid" in manifest["reports"]["leicestershire.html"]["error"]
    assert "public/leicestershire.html" not in (folder / "index.html").read_text()
    printed = "\n".join(caplog.messages)
    assert (
        "0 rendered, 0 unchanged, 4 failed" in printed
        and f"FAIL {Q}/leicestershire.html: not rendered: {RAW}" in printed
    )


@pytest.mark.slow
def test_public_page_whose_rerender_fails_is_withdrawn_and_unlinked(tmp_path):
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    assert run_batch(_options(data, out, audiences=["public"], national=False)).exit_code == 0
    page = out / Q / "public/leicestershire.html"
    assert page.exists() and "public/leicestershire.html" in (out / Q / "index.html").read_text()
    # damage the processed snapshot index so the re-render fails
    index = data / "processed/trackers/casey-2023-snapshots.csv"
    index.write_text(index.read_text().replace(Q, "2024-25-Q9"))
    result = run_batch(_options(data, out, audiences=["public"], national=False))
    assert result.exit_code == 1
    assert not page.exists() and not page.with_suffix(".ipynb").exists()
    assert 'public/leicestershire.html"' not in (out / Q / "index.html").read_text()
    assert (
        json.loads((out / Q / "manifest.json").read_text())["reports"]["public/leicestershire.html"]["status"]
        == "failed"
    )


# --------------------------------------------------------------------------- 14.2: indirect leaks
def _with_sensitive_part(data):
    """Leicestershire 2024-25 Q1 with one part of a recommendation marked OFFICIAL-SENSITIVE and not complete."""
    import pandas as pd

    path = data / RAW
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    base = frame.iloc[0].to_dict()
    frame.loc[len(frame)] = {**base, "recommendation_id": "4.i", "status": "complete", "marking": "OFFICIAL"}
    frame.loc[len(frame)] = {
        **base,
        "recommendation_id": "4.ii",
        "status": "in_progress",
        "marking": "OFFICIAL-SENSITIVE",
    }
    frame.to_csv(path, index=False)
    assert build_all(data).problems == []
    return "4.ii"


def test_public_report_says_what_a_roll_up_covers_and_hides_tracker_hashes(tmp_path):
    from analysis.compute.report_model import WITHHELD_HASH, load_report

    data = _tree(tmp_path, measures=False)
    part = _with_sensitive_part(data)
    public = load_report("leicestershire", Q, "public", data_dir=data)
    internal = load_report("leicestershire", Q, "internal", data_dir=data)
    rec = internal.framework.recommendation_of[part]
    # issue 12: a recommendation with any withheld row is withheld whole (a roll-up of its published parts would
    # hint at the withheld ones), so no roll-up over part of it is shown and nothing needs a "covers" note
    assert public.withheld_ids == sorted({rec, "6"}, key=internal.framework.ids.index) and public.withheld_parts == {}
    status = lambda r: r.status.set_index("recommendation_id").at[rec, "status"]  # noqa: E731
    assert (status(public), status(internal)) == ("withheld", "in_progress")
    from analysis.present import fragments, narrative

    assert fragments.WITHHELD_TEXT in fragments.recommendation_section(public, rec)
    assert fragments.WITHHELD_TEXT not in fragments.recommendation_section(internal, rec)
    assert f"({rec} and 6) are withheld from this public version" in " ".join(narrative.executive_summary(public))
    hashes = {i["file"]: i["sha256"] for i in public.inputs}
    assert hashes["processed/trackers/casey-2023.csv"] == WITHHELD_HASH and hashes[RAW] == WITHHELD_HASH
    assert all(len(i["sha256"]) == 64 for i in internal.inputs)


@pytest.mark.slow
def test_public_notebook_and_manifest_carry_no_server_paths(tmp_path):
    data = _tree(tmp_path, measures=False)
    out = tmp_path / "reports"
    assert run_batch(_options(data, out)).exit_code == 0
    public_nb = (out / Q / "public/leicestershire.ipynb").read_text()
    assert str(data) not in public_nb and str(tmp_path) not in public_nb
    assert str(data) in (out / Q / "leicestershire.ipynb").read_text()  # the internal one keeps them
    manifest = (out / Q / "manifest.json").read_text()
    assert str(data) not in manifest and str(out) not in manifest
