"""`make lab` opens JupyterLab with autosave off (issue 21.2): a tracked notebook changes only when the analyst
saves it. The server is started with exactly the arguments `make lab` gives, and asked for the setting it serves."""

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from test_lab_browser import stop_server

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "@jupyterlab/docmanager-extension:plugin"


def _make_lab_command(extra: str) -> list[str]:
    dry = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "lab", f"LAB_ARGS={extra}"], capture_output=True, text=True, timeout=60
    )
    (line,) = [x for x in dry.stdout.splitlines() if "jupyter lab" in x]
    return shlex.split(line)


def test_the_overrides_file_turns_autosave_off():
    overrides = json.loads((ROOT / "lab/settings/overrides.json").read_text())
    assert overrides[PLUGIN]["autosave"] is False


@pytest.mark.slow
def test_make_lab_serves_autosave_off_and_an_encrypted_kernel_transport(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = uuid.uuid4().hex
    extra = f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra += " --allow-root"
    command = _make_lab_command(extra)
    assert "--KernelManager.transport_encryption=auto" in command
    command[0] = str(Path(sys.executable).parent / "jupyter")
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user"), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/{PLUGIN}?token={token}"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as reply:
                    served = json.loads(reply.read())
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        # an override changes the schema's default (JupyterLab's own default is true); no user setting overrides it
        assert served["schema"]["properties"]["autosave"]["default"] is False
        assert "autosave" not in served["settings"]
    finally:
        stop_server(server, log)
