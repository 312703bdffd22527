"""Issue 20.4, framework files: one with 10,000 items, an alias bomb ("billion laughs") or deep nesting is refused
naming the file and the limit, from the YAML events, before anything is built."""

import time

import pytest
from conftest import ROOT

from analysis.core import settings
from analysis.sources.catalogue import FrameworkError, parse_framework

HEAD = "id: bomb\ntitle: Bomb\nsections:\n  - id: s\n    title: S\n"


def _write(tmp_path, body: str):
    path = tmp_path / "bomb.yaml"
    path.write_text(HEAD + body)
    return path


def test_ten_thousand_items_are_refused_naming_the_file_and_the_limit(tmp_path):
    items = "".join(f"  - {{id: 'r{n}', section: s, title: T}}\n" for n in range(10_000))
    path = _write(tmp_path, "recommendations:\n" + items)
    with pytest.raises(FrameworkError) as refused:
        parse_framework(path)
    assert str(refused.value) == (
        f"{path}: field 'recommendations': 10000 recommendations and parts, more than the limit of "
        f"{settings.FRAMEWORK_MAX_ITEMS}"
    )


def test_billion_laughs_is_refused_before_its_aliases_are_expanded(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    path = _write(tmp_path, "\n".join(lines) + "\nrecommendations: *a9\n")
    started = time.perf_counter()
    with pytest.raises(FrameworkError, match=rf"^{path}: line \d+: more than 100,000 values once its YAML aliases"):
        parse_framework(path)
    assert time.perf_counter() - started < 2


def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path):
    path = _write(tmp_path, "recommendations: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(FrameworkError, match=rf"^{path}: line 6: nested more than 20 levels deep"):
        parse_framework(path)


def test_an_oversized_framework_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.truncate(settings.FRAMEWORK_MAX_FILE_BYTES + 1)
    with pytest.raises(FrameworkError, match=rf"^{path}: file: size: larger than 1024 KB"):
        parse_framework(path)


def test_the_bundled_frameworks_are_well_inside_the_limits():
    for path in sorted((ROOT / "data/raw/frameworks").glob("*.yaml")):
        assert len(parse_framework(path).items) < settings.FRAMEWORK_MAX_ITEMS / 10
