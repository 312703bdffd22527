"""environment.yml (conda) declares the dependencies pyproject.toml (pip) declares, each pinned to exactly the
version requirements.lock pins (issue 21.5: conda users render with what `make env` installs)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# pip extras that conda ships as separate packages
EXTRA_PACKAGES = {"dask[distributed]": {"distributed"}}


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]+\])?\s*(.*)$", spec.strip())
    return match.group(1).lower().replace("_", "-"), match.group(3).replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    out = dict(_split(s) for s in specs)
    for spec in specs:
        for extra in EXTRA_PACKAGES.get(spec.split(">")[0].split("=")[0].strip(), ()):
            out[extra] = _split(spec)[1]
    return out


def _conda() -> dict[str, str]:
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    return dict(_split(d) for d in deps if isinstance(d, str) and not d.startswith(("python=", "pip")))


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        spec = line.split("#")[0].strip()
        if spec:
            name, version = spec.split("==")
            pins[_split(name)[0]] = version
    return pins


def test_same_packages():
    assert set(_pyproject()) == set(_conda())


def test_conda_pins_exactly_what_the_lock_pins():
    lock = _lock()
    assert {name: f"=={lock[name]}" for name in _pyproject()} == _conda()


def test_the_locked_versions_satisfy_pyproject():
    from packaging.specifiers import SpecifierSet

    lock = _lock()
    for name, spec in _pyproject().items():
        assert lock[name] in SpecifierSet(spec), f"{name}=={lock[name]} is outside pyproject's {spec}"


def test_nbconvert_is_pinned_past_the_advisories():
    assert _pyproject()["nbconvert"] == ">=7.17.1"


def test_dependency_parser_sees_a_difference():
    # guard against a checker that could not fail
    assert _split("pandas>=2.2") != _split("pandas>=2.1")
    assert _split("pandas==3.1.1") != _split("pandas==3.1.0")
