"""pre-commit works offline (issue 21.5): local hooks only, each a tool from .venv pinned in requirements.lock."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def _config() -> dict:
    return yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())


def _locked() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    return dict(line.split("#")[0].strip().split("==") for line in lines if "==" in line.split("#")[0])


def test_every_hook_is_local_and_runs_a_locked_tool_from_the_venv():
    repos = _config()["repos"]
    assert [r["repo"] for r in repos] == ["local"]  # nothing to clone: no network
    hooks = [h for r in repos for h in r["hooks"]]
    assert {h["id"] for h in hooks} == {"ruff-check", "ruff-format", "nbstripout"}
    locked = _locked()
    for hook in hooks:
        tool = hook["entry"].split()[0]
        assert tool.startswith(".venv/bin/") and hook["language"] in ("unsupported", "system"), hook
        assert tool.removeprefix(".venv/bin/") in locked, f"{tool} is not pinned in requirements.lock"
        assert (VENV_BIN / Path(tool).name).exists(), f"{tool}: run make env"


@pytest.mark.slow
def test_pre_commit_run_all_files_passes_without_a_network(tmp_path):
    """On a copy of the tracked tree, in a network namespace of its own (no interface but loopback) when the
    kernel lets us make one; the hooks need nothing fetched either way (test above)."""
    copy = tmp_path / "tree"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    shutil.copy2(ROOT / ".pre-commit-config.yaml", copy / ".pre-commit-config.yaml")
    (copy / ".venv").symlink_to(VENV_BIN.parent)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=copy, check=True)
    subprocess.run([*git, "add", "-A"], cwd=copy, check=True)
    command = [str(VENV_BIN / "pre-commit"), "run", "--all-files"]
    offline = subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        (["unshare", "-rn"] if offline else []) + command,
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Passed") == 3
