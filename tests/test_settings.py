"""Thresholds and judgement calls live in analysis.core.settings and are logged in docs/assumptions.md."""

from __future__ import annotations

import ast
from pathlib import Path

from analysis.core import settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "analysis"
SETTINGS = [name for name in vars(settings) if name.isupper()]


def test_every_setting_is_in_the_assumptions_log():
    log = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    missing = [name for name in SETTINGS if f"`{name}`" not in log]
    assert SETTINGS and not missing, f"add to docs/assumptions.md: {missing}"


def test_no_module_redefines_a_setting_with_a_literal():
    """A module may re-export a setting under the same or an old name, but not write the number again."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "settings.py" and path.parent.name == "core":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(
                node.value, (ast.Constant, ast.Tuple, ast.Dict, ast.DictComp)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in SETTINGS:
                        offenders.append(f"{path.relative_to(ROOT)}: {target.id}")
    assert not offenders, offenders


def test_modules_use_the_settings():
    from analysis.compute import measures, progress, stats
    from analysis.intake import reference_matching
    from analysis.present import national

    assert progress.STALE_AFTER_QUARTERS is settings.STALE_AFTER_QUARTERS
    assert stats.FUNNEL_LEVELS is settings.FUNNEL_LEVELS
    assert measures.KNOWN_GAPS is settings.KNOWN_GAPS
    assert national.LOW_EVIDENCE_SHARE == settings.LOW_EVIDENCE_SHARE
    assert reference_matching.DEFAULT_THRESHOLD == settings.MATCH_THRESHOLD
