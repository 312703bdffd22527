"""Every malformed file in tests/fixtures/bad_inputs gets a clear message and the documented exit code.

The corpus and expected.yaml are written by tests/fixtures/bad_inputs/make_bad_inputs.py.
Each case runs the real command line (``casey validate`` or ``casey import``) through
``analysis.cli.main`` and checks: the exit code; that each expected fragment appears in a line
that names the file; that every problem line names the file; and that no traceback is printed.
"""

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, make_data_tree

CORPUS = Path(__file__).resolve().parent / "fixtures" / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


def run_casey(argv, capsys):
    """``analysis.cli.main`` run in-process; returns (exit code, stdout, stderr)."""
    from analysis.cli import main

    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_corpus_is_complete():
    files = sorted(
        p.name for p in CORPUS.iterdir() if p.is_file() and p.name not in ("make_bad_inputs.py", "expected.yaml")
    )
    assert files == sorted(EXPECTED), "re-run make_bad_inputs.py"
    malformed = [name for name, case in EXPECTED.items() if case["exit"] != 0]
    assert len(malformed) >= 30


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = make_data_tree(tmp_path_factory.mktemp("bad") / "data")
    shutil.copytree(ROOT / "data/raw/mappings", root / "raw/mappings")
    return root


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_reported_clearly(name, data_root, capsys, tmp_path):
    case = EXPECTED[name]
    path = CORPUS / name
    if case["command"] == "validate":
        argv = ["--data-dir", data_root, "validate", path]
    else:
        argv = ["--data-dir", data_root, "import", path, *case["args"]]
    code, out, err = run_casey(argv, capsys)
    text = out + err
    assert "Traceback" not in text
    assert code == case["exit"], text
    lines = [line for line in text.splitlines() if line.strip()]
    for fragment in case["contains"]:
        assert any(str(path) in line and fragment in line for line in lines), f"{fragment!r} not in:\n{text}"
    if code:
        # one line per problem, each naming the file; the import adds a closing tally line
        problem_lines = [line for line in lines if not line.startswith("note: ")]
        assert problem_lines and all(line.startswith(f"{path}: ") for line in problem_lines), text
    # nothing was filed for a bad import
    assert not list((data_root / "raw").glob("trackers/*/*/*.csv"))
