from analysis.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out, out.err


def report_leicestershire(capsys, data, *more):
    """``casey report`` for Leicestershire, 2024-25 Q1, with ``more`` options."""
    return run(capsys, "--data-dir", str(data), "report", "--force", "leicestershire", "--quarter", "2024-25-Q1", *more)


def test_unknown_force_is_a_usage_error_listing_choices(capsys, fixture_data):
    code, _, err = run(
        capsys, "--data-dir", str(fixture_data), "report", "--force", "gotham", "--quarter", "2024-25-Q1"
    )
    assert code == 2 and "unknown force 'gotham'" in err and "leicestershire" in err


def test_bad_quarter_and_audience(capsys, fixture_data):
    code, _, err = run(
        capsys, "--data-dir", str(fixture_data), "report", "--force", "leicestershire", "--quarter", "2024-Q1"
    )
    assert code == 2 and "2024-25-Q1" in err
    code, _, err = report_leicestershire(capsys, fixture_data, "--audience", "press")
    assert code == 2 and "internal, public" in err


def test_report_before_build_says_what_to_do(capsys, fixture_data, tmp_path):
    code, _, err = report_leicestershire(capsys, fixture_data, "--out", str(tmp_path))
    assert code == 1 and "failed" in err


def test_validate_reports_one_line_per_problem(capsys, tmp_path, fixture_data):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "recommendation_id,status,owner,evidence,actions,linked_workstreams,marking,status_basis,source\n"
        "1,done,PSD,,,,OFFICIAL,stated,x\n42,complete,PSD,,,,OFFICIAL,stated,x\n"
    )
    code, out, _ = run(capsys, "--data-dir", str(fixture_data), "validate", str(bad))
    lines = out.strip().splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith(f"{bad}: row 2: status: 'done'")
    assert lines[1].startswith(f"{bad}: row 3: recommendation_id: '42'")


def test_validate_good_file(capsys, fixture_data):
    path = fixture_data / "raw/trackers/casey-2023/leicestershire/2024-25-Q1.csv"
    code, out, _ = run(capsys, "--data-dir", str(fixture_data), "validate", str(path))
    assert code == 0 and out.strip().endswith(": ok")


def test_build_isolates_a_bad_tracker(capsys, fixture_data):
    bad = fixture_data / "raw/trackers/casey-2023/city-of-london/2023-24-Q1.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("not,a,tracker\n1,2,3\n")
    code, _out, err = run(capsys, "--data-dir", str(fixture_data), "build")
    assert code == 1 and "city-of-london/2023-24-Q1.csv: header: recommendation_id: required column is missing" in err
    table = (fixture_data / "processed/trackers/casey-2023.csv").read_text()
    assert "leicestershire" in table and "city-of-london" not in table


def test_build_is_deterministic(capsys, fixture_data):
    assert run(capsys, "--data-dir", str(fixture_data), "build")[0] == 0
    first = {p.name: p.read_bytes() for p in (fixture_data / "processed").rglob("*.csv")}
    assert run(capsys, "--data-dir", str(fixture_data), "build")[0] == 0
    second = {p.name: p.read_bytes() for p in (fixture_data / "processed").rglob("*.csv")}
    assert first == second and first


def test_misplaced_tracker_is_reported(capsys, fixture_data):
    wrong = fixture_data / "raw/trackers/casey-2023/gotham/2024-25-Q1.csv"
    wrong.parent.mkdir(parents=True)
    wrong.write_text("x\n")
    code, _, err = run(capsys, "--data-dir", str(fixture_data), "build")
    assert code == 1 and "gotham/2024-25-Q1.csv: file: path: unknown force 'gotham'" in err


def test_list(capsys, fixture_data):
    code, out, _ = run(capsys, "--data-dir", str(fixture_data), "list")
    assert code == 0 and "tracker snapshots: 2" in out
