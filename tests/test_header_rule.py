"""Issue 20.1: one header rule for every file people send. A marking column under any spelling is honoured;
a near miss or an unknown column refuses the file naming it (never dropped, never read as "no marking");
build, validate and import give the same answer."""

import pandas as pd
import pytest

from analysis.compute import measures
from analysis.core.audience import Audience
from analysis.run.build import build_all
from analysis.sources import headers

LOCAL = "raw/measures/local/leicestershire.csv"
TRACKER = "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"


@pytest.fixture
def data(measures_tree):
    return measures_tree


def _rewrite(path, change):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("Marking", "marking"),
        (" MARKING ", "marking"),
        ("Recommendation ID", "recommendation_id"),
        ("recommendation-id", "recommendation_id"),
        ("\uff2d\uff41\uff52\uff4b\uff49\uff4e\uff47", "marking"),  # fullwidth letters (NFKC)
        ("\u200bmarking", "marking"),  # a zero-width space before it
        ("Markng", None),
        ("marking2", None),
    ],
)
def test_headings_match_after_folding_case_space_and_unicode(heading, column):
    assert headers.canonical(heading, ["recommendation_id", "marking"]) == column


def test_a_capitalised_marking_column_in_a_measures_file_is_honoured(data):
    """The leak: 'Marking' with every row OFFICIAL-SENSITIVE was read as an absent column, so OFFICIAL, and the
    figures reached the public page. Now the rows are sensitive and the public never sees them."""
    path = _rewrite(data / LOCAL, lambda f: f.assign(Marking="OFFICIAL-SENSITIVE"))
    assert build_all(data).problems == []
    internal = measures.observations(data)
    public = measures.observations(data, audience=Audience.PUBLIC)
    rows = len(pd.read_csv(path))
    assert len(internal) - len(public) == rows  # every row of the file withheld from the public


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        ("Markng", "unexpected column, a near miss of 'marking': rename it 'marking'"),
        ("marking_level", "unexpected column"),
        ("comment", "unexpected column; expected force_id"),
    ],
)
def test_a_near_miss_or_unknown_column_refuses_the_measures_file(data, heading, message):
    path = _rewrite(data / LOCAL, lambda f: f.assign(**{heading: "OFFICIAL-SENSITIVE"}))
    problems = [str(p) for p in build_all(data).problems]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: header: {heading}: {message}"), problems
    # the refused file is left out whole: none of its rows reaches any report
    obs = measures.observations(data)
    assert not obs["source"].str.contains("Domestic Abuse and VAWG update").any()


def test_two_headings_for_one_column_refuse_the_file(data):
    path = data / LOCAL
    text = path.read_text().splitlines()
    text[0] += ",marking,Marking"
    path.write_text("\n".join([text[0], *(line + ",OFFICIAL,OFFICIAL-SENSITIVE" for line in text[1:])]) + "\n")
    problems = [str(p) for p in build_all(data).problems]
    assert problems == [f"{path}: header: Marking: names the same column as 'marking' (marking)"]


# --- one answer from validate, import and build (issue 20: "two answers") -----------------------------------


def _tracker_file(tmp_path, suffix, change):
    from conftest import FIXTURES

    frame = change(pd.read_csv(FIXTURES / "trackers/leicestershire-2024-25-Q1.csv", dtype=str, keep_default_na=False))
    path = tmp_path / f"returned{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False, sheet_name="Tracker")
    return path


def _three_answers(capsys, data, path):
    """Exit codes and output of casey validate (as a return), casey import --dry-run and, with the same file
    placed in data/raw by hand, casey validate on it and casey build."""
    from test_cli import run

    return_args = ["--force", "leicestershire", "--quarter", "2024-25-Q1"]
    answers = {
        "validate": run(capsys, "--data-dir", str(data), "validate", str(path), *return_args),
        "import": run(capsys, "--data-dir", str(data), "import", str(path), *return_args, "--dry-run"),
    }
    placed = data / f"raw/trackers/casey-2023/leicestershire/2024-25-Q1{path.suffix}"
    placed.parent.mkdir(parents=True, exist_ok=True)
    placed.write_bytes(path.read_bytes())
    answers["validate placed"] = run(capsys, "--data-dir", str(data), "validate", str(placed))
    answers["build"] = run(capsys, "--data-dir", str(data), "build")
    return answers


SENSITIVE_MARKING = lambda f: f.drop(columns="marking").assign(Marking="OFFICIAL-SENSITIVE")  # noqa: E731


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        (SENSITIVE_MARKING, 0, None),
        (lambda f: f.rename(columns={"marking": " MARKING "}), 0, None),
        (lambda f: f.rename(columns={"marking": "Markng"}), 1, "header: Markng: unexpected column, a near miss"),
        # two headings for the marking, disagreeing: refused everywhere, never one of the two picked
        (lambda f: f.assign(Marking="OFFICIAL-SENSITIVE"), 1, "header: Marking: names the same column as 'marking'"),
        # the template's context columns are dropped by every reader
        (lambda f: f.assign(Title="Misconduct", previous_status="complete"), 0, None),
    ],
    ids=["Marking", "spaced-caps", "near-miss", "two-markings", "context-columns"],
)
def test_validate_import_and_build_give_one_answer(capsys, fixture_data, tmp_path, suffix, change, code, fragment):
    import shutil

    shutil.rmtree(fixture_data / "raw/trackers")
    path = _tracker_file(tmp_path, suffix, change)
    answers = _three_answers(capsys, fixture_data, path)
    assert {name: answer[0] for name, answer in answers.items()} == dict.fromkeys(answers, code)
    if fragment:
        for name, (_, out, err) in answers.items():
            assert fragment in out + err, (name, out, err)


def test_a_marking_header_keeps_its_rows_sensitive_through_build(capsys, fixture_data, tmp_path):
    import shutil

    shutil.rmtree(fixture_data / "raw/trackers")
    _three_answers(capsys, fixture_data, _tracker_file(tmp_path, ".csv", SENSITIVE_MARKING))
    built = pd.read_csv(fixture_data / "processed/trackers/casey-2023.csv", dtype=str)
    assert len(built) and (built["marking"] == "OFFICIAL-SENSITIVE").all()


def _import_as_city_of_london(data, path, text: str):
    """Write ``text`` to ``path`` and check it as City of London's 2024-25 Q1 return with its mapping (dry run)."""
    import shutil

    from conftest import ROOT

    from analysis.intake.import_return import import_tracker

    shutil.copytree(ROOT / "data/raw/mappings", data / "raw/mappings", dirs_exist_ok=True)
    path.write_text(text)
    return import_tracker(
        path, "city-of-london", "2024-25-Q1", data_dir=data, mapping="city-of-london-2023", dry_run=True
    )


def test_a_mapped_file_with_two_marking_columns_is_refused(fixture_data, tmp_path):
    """A mapping takes the marking from 'Protective Marking'; the file also has a 'Marking' column. Reading either
    one would guess; the file is refused naming both."""
    path = tmp_path / "colp.csv"
    result = _import_as_city_of_london(
        fixture_data,
        path,
        "Baroness Casey Review 'Cleaning up the MET',Force Task Owner,Force Progress & Response,Status,"
        "Protective Marking,Marking\n1.,PSD,Reviewed,Green,OFFICIAL,OFFICIAL-SENSITIVE\n",
    )
    assert [str(p) for p in result.problems] == [
        f"{path}: header: 'Protective Marking' and 'Marking': names the same column as 'marking' (marking)"
    ]


def test_a_mapped_file_reads_headings_by_the_header_rule(fixture_data, tmp_path):
    """The mapping's headings match as every other heading does: case, spacing and Unicode folded."""
    path = tmp_path / "colp.csv"
    result = _import_as_city_of_london(
        fixture_data,
        path,
        "BARONESS CASEY REVIEW 'CLEANING UP THE MET',force task owner,Force  Progress & Response,status,"
        "PROTECTIVE MARKING\n1.,PSD,Reviewed,Green,OFFICIAL-SENSITIVE\n",
    )
    assert result.ok, result.problems
    assert list(result.frame["marking"]) == ["OFFICIAL-SENSITIVE"]
