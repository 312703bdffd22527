"""Exit codes and error classes are defined once; only the CLI's own usage errors exit 2."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from logline import levels, messages

from analysis.core import errors

cli_main = importlib.import_module("analysis.cli.main")  # the package re-exports main(), hiding the module

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"


def _assignments(name_test):
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                targets = [t for tgt in node.targets for t in (tgt.elts if isinstance(tgt, ast.Tuple) else [tgt])]
                for target in targets:
                    if isinstance(target, ast.Name) and name_test(target.id):
                        yield path.relative_to(PACKAGE).as_posix(), target.id


def test_exit_codes_are_defined_only_in_core_errors():
    places = {path for path, _ in _assignments(lambda n: n.startswith("EXIT_"))}
    assert places == {"core/errors.py"}


def test_shared_names_are_spelled_once():
    literals = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == "national-overview":
                literals.setdefault("national-overview", []).append(path.relative_to(PACKAGE).as_posix())
    assert literals == {"national-overview": ["core/config.py"]}
    audiences = [path for path, _ in _assignments(lambda n: n == "AUDIENCES")]
    assert audiences.count("core/audience.py") == 1
    from analysis.compute import report_model
    from analysis.run import batch

    assert report_model.AUDIENCES is batch.AUDIENCES


def test_a_library_value_error_is_not_called_a_usage_error(monkeypatch, capsys):
    def broken(args):
        raise ValueError("a bug deep in a library")

    monkeypatch.setattr(cli_main, "cmd_list", broken)
    # issue 14.9: never a traceback and never exit 2; one line, exit 1, the detail with CASEY_DEBUG=1
    assert cli_main.main(["list"]) == errors.EXIT_DATA
    err = capsys.readouterr().err
    assert messages(err)[0].startswith("casey: unexpected error: ValueError: a bug deep") and "Traceback" not in err
    monkeypatch.setenv("CASEY_DEBUG", "1")
    with pytest.raises(ValueError, match="a bug deep"):
        cli_main.main(["list"])


def test_a_usage_error_exits_2_with_one_line(monkeypatch, capsys):
    def unknown(args):
        raise errors.UsageError("unknown thing 'x'; choose one of: a, b")

    monkeypatch.setattr(cli_main, "cmd_list", unknown)
    assert cli_main.main(["list"]) == errors.EXIT_USAGE
    err = capsys.readouterr().err  # one line, with its UTC time and level (not on a terminal)
    assert err.endswith("\n") and messages(err) == ["casey: unknown thing 'x'; choose one of: a, b"]
    assert levels(err) == ["ERROR"]


def test_domain_errors_that_mean_a_bad_choice_are_usage_errors():
    from analysis.compute.report_model import MissingProcessedData
    from analysis.core.forces import UnknownForceError
    from analysis.core.periods import PeriodError
    from analysis.intake.import_return import MappingError, SnapshotExists
    from analysis.run.batch import BatchUsageError, MissingData
    from analysis.sources.catalogue import FrameworkError, UnknownFrameworkError

    for cls in (
        UnknownForceError,
        PeriodError,
        UnknownFrameworkError,
        MappingError,
        SnapshotExists,
        BatchUsageError,
        MissingData,
        MissingProcessedData,
    ):
        assert issubclass(cls, errors.UsageError), cls
    assert not issubclass(FrameworkError, errors.UsageError)  # a malformed framework file is a data problem


def test_missing_processed_data_is_a_usage_error_not_a_traceback(capsys, fixture_data, tmp_path):
    code = cli_main.main(
        [
            "--data-dir",
            str(fixture_data),
            "batch",
            "--quarter",
            "2024-25-Q1",
            "--no-national",
            "--out",
            str(tmp_path / "reports"),
            "--no-progress",
        ]
    )
    assert code == errors.EXIT_USAGE and "casey build" in capsys.readouterr().err


def test_every_chart_a_section_can_name_has_a_drawer():
    from analysis.compute.measure_sections import Chart
    from analysis.present.measure_charts import DRAWERS

    assert set(DRAWERS) == set(Chart) and all(callable(f) for f in DRAWERS.values())
    source = (PACKAGE / "present" / "measure_charts.py").read_text(encoding="utf-8")
    assert "globals()" not in source


def test_flags_carry_their_kind_and_group_by_it():
    import pickle

    from analysis.compute.progress import Flag, FlagKind

    stale = Flag(FlagKind.STALE, "not updated for 3 quarters")
    assert stale == "not updated for 3 quarters" and stale.kind is FlagKind.STALE
    assert pickle.loads(pickle.dumps(stale)).kind is FlagKind.STALE
    assert Flag(FlagKind.EVIDENCE_BLANK) == "evidence is blank"
    narrative = (PACKAGE / "present" / "narrative.py").read_text(encoding="utf-8")
    assert "startswith(" not in narrative
