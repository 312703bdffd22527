"""The version a run records names the exact code: a tag, or the commit after it (setuptools-scm).

Each test works on its own clone of the repository, so tags made here never reach the real one."""

import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT

import analysis

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(*args, cwd) -> str:
    return subprocess.run(GIT + list(args), cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def run_python(code: str, clone, env_extra=None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEY_")}
    env.update(PYTHONPATH=str(clone / "src"), **(env_extra or {}))
    done = subprocess.run([sys.executable, "-c", code], cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def clone(tmp_path):
    """A clone holding the working tree as it is (uncommitted changes committed there), HEAD untagged."""
    path = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(path)], check=True)
    for name in git("ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT).splitlines():
        if (ROOT / name).is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, path / name)
    git("add", "--all", cwd=path)
    git("commit", "--quiet", "--allow-empty", "-m", "a commit no tag names", cwd=path)
    return path


def test_the_package_answers_version_lazily_and_the_same_everywhere():
    assert analysis.__version__ == analysis.code_version()
    assert "__version__" not in vars(analysis)  # computed on first use (git is asked), never on import
    with pytest.raises(AttributeError):
        analysis.no_such_attribute  # noqa: B018


def test_an_untagged_commit_is_named_by_its_hash(clone):
    head = git("rev-parse", "--short=9", "HEAD", cwd=clone)
    got = run_python("import analysis; print(analysis.__version__)", clone)
    assert re.fullmatch(rf"\d+(\.\d+)*\.dev\d+\+g{head}", got), got  # e.g. 0.2.dev175+g1234abcd5


def test_a_tagged_commit_is_named_by_its_tag_and_a_dirty_tree_says_so(clone):
    git("tag", "-a", "v9.9.0", "-m", "test release", cwd=clone)
    assert run_python("import analysis; print(analysis.__version__)", clone) == "9.9.0"
    (clone / "README.md").write_text("changed\n")
    assert re.fullmatch(
        r"9\.9\.1\.dev0\+g[0-9a-f]+\.d\d{8}", run_python("import analysis; print(analysis.__version__)", clone)
    )


def test_the_runtime_uses_the_builds_fallback_version():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools_scm"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dynamic"] == ["version"] and "version" not in project
    assert settings["fallback_version"] == "0.1"  # untagged history counts from it: 0.2.devN+g<commit>


@pytest.mark.slow
def test_a_report_rendered_from_a_tagged_commit_names_the_tag(clone, tmp_path):
    git("tag", "-a", "v9.9.0", "-m", "test release", cwd=clone)
    out = tmp_path / "reports"
    code = (
        "import sys; from analysis.cli import main; "
        f"sys.exit(main(['--data-dir', {str(clone / 'data')!r}, 'batch', '--build', '--quarter', '2024-25-Q1', "
        f"'--forces', 'city-of-london', '--audience', 'public', '--no-national', '--no-progress', '--workers', '1', "
        f"'--out', {str(out)!r}]))"
    )
    run_python(code, clone)
    page = (out / "2024-25-Q1/public/city-of-london.html").read_text()
    assert "package version 9.9.0" in page
    manifest = (out / "2024-25-Q1/manifest.json").read_text()
    assert '"package_version": "9.9.0"' in manifest


def test_make_release_refuses_without_a_changelog_section_then_tags(clone):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEY_")}
    env["PYTHONPATH"] = str(clone / "src")
    make = ["make", "--no-print-directory", "release", "VERSION=9.9.0", f"VENV={ROOT / '.venv'}"]
    refused = subprocess.run(make, cwd=clone, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "CHANGELOG.md has no '## [9.9.0]' section" in refused.stdout
    changelog = clone / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("## [Unreleased]", "## [9.9.0] - 2026-12-07", 1))
    (clone / "notes.txt").write_text("uncommitted\n")
    git("add", "notes.txt", cwd=clone)
    dirty = subprocess.run(make, cwd=clone, env=env, capture_output=True, text=True)
    assert dirty.returncode != 0 and "commit or stash your changes first" in dirty.stdout
    git("commit", "--quiet", "-am", "release 9.9.0", cwd=clone)
    done = subprocess.run(make, cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reports now record version 9.9.0" in done.stdout
    assert git("tag", "--points-at", "HEAD", cwd=clone) == "v9.9.0"


def test_a_worker_at_the_clients_tag_with_hidden_data_folders_runs_the_same_release():
    # a worker started with the data and reports folders hidden (as on a host that has neither) sees its checkout
    # as dirty; at a tag setuptools-scm then names the next guess, not the tag: found first when 0.2.0 was tagged
    from analysis.run.batch.executors import _release

    assert _release("0.2.1.dev0+g6cba66164.d20261207") == _release("0.2.0") == "0.2.0"
    assert _release("0.2.dev270+g230f3345d.d20261207") == _release("0.2.dev270+g230f3345d")
    assert _release("0.2.1.dev1+g1234567") != _release("0.2.0")  # one commit past the tag is other code
    assert _release("0.3.0") != _release("0.2.0")
