"""Issue 20.4, the output side: ``--pdf`` with no Chromium, a read-only reports folder, a full disk during the index
write, and a linked folder inside the reports folder. Each gives one clear line naming what is wrong and leaves every
page and index written before it as it was (checked by hashes).

The read-only and full-disk cases use a real read-only bind mount and a real small tmpfs in a private mount namespace
(``unshare -m``, as root, as in CI); they skip only where unshare or root is missing."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from logline import messages
from test_bad_input import run_casey
from test_batch import Q, _tree

from analysis.core import atomic
from analysis.run.site_index import write_index

BATCH = ["batch", "--quarter", Q, "--forces", "leicestershire", "--audience", "internal", "--no-national"]
BATCH += ["--no-progress", "--workers", "1"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One real render, asked for with --pdf on a machine without Chromium: (exit code, stdout, stderr, data,
    reports)."""
    root = tmp_path_factory.mktemp("outputs")
    data, reports = _tree(root, measures=False), root / "reports"
    no_browser = root / "bin"
    no_browser.mkdir()
    (no_browser / "git").symlink_to(shutil.which("git"))  # the version is read from git; everything else is absent
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", str(no_browser))
        patch.delenv("CASEY_CHROMIUM", raising=False)
        result = subprocess.run(
            [sys.executable, "-m", "analysis", "--data-dir", str(data), *BATCH, "--pdf", "--out", str(reports)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            timeout=600,
        )
    return result.returncode, result.stdout, result.stderr, data, reports


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".casey-batch.lock"
    }


@pytest.mark.slow
def test_pdf_without_chromium_is_one_line_exit_2_and_the_html_is_kept(first_run):
    code, out, err, _data, reports = first_run
    assert code == 2, out + err
    assert messages(err.strip()) == [
        "casey: printing to PDF needs Chromium, and there is no chromium on PATH: install Debian's chromium package "
        "(apt-get install chromium) or set CASEY_CHROMIUM to a Chromium binary"
    ]
    assert "Traceback" not in out + err
    assert (reports / Q / "leicestershire.html").stat().st_size > 10_000 and (reports / "index.html").exists()
    manifest = json.loads((reports / Q / "manifest.json").read_text())
    assert manifest["reports"]["leicestershire.html"]["status"] == "rendered"
    assert not list(reports.rglob("*.pdf"))


def test_casey_chromium_naming_no_program_is_a_setup_error(monkeypatch, tmp_path):
    from analysis.run.render import ChromiumMissing, chromium_path

    monkeypatch.setenv("CASEY_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ChromiumMissing, match=f"CASEY_CHROMIUM names {tmp_path}/no-such-chromium, which is not a"):
        chromium_path()


# --------------------------------------------------------------------------- linked folders
def test_a_linked_quarter_folder_is_refused_naming_the_link_and_nothing_is_written_through_it(tmp_path, capsys):
    data = _tree(tmp_path, measures=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not casey's")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / Q).symlink_to(elsewhere, target_is_directory=True)
    code, out, err = run_casey(["--data-dir", data, *BATCH, "--out", reports], capsys)
    assert code == 2 and "Traceback" not in out + err
    assert "\n".join(messages(err.strip())) == (
        f"casey: {reports / Q} is a symbolic link to {elsewhere}; casey never writes through a link out of the "
        "reports folder: replace the link with a real folder"
    )
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    # the index writer refuses too (it is also called after --pdf), including a link deeper down
    (reports / Q).unlink()
    (reports / Q / "public").mkdir(parents=True)
    (reports / "public").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(atomic.LinkedFolder, match=f"^{reports / 'public'} is a symbolic link"):
        write_index(reports)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]


# --------------------------------------------------------------------------- read-only folder, full disk
def _in_private_mounts(script: str) -> subprocess.CompletedProcess:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) for a private mount namespace (CI runs as root)")
    return subprocess.run(
        ["unshare", "-m", "sh", "-euc", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "PATH": os.environ["PATH"]},
        timeout=600,
    )


@pytest.mark.slow
def test_a_read_only_reports_folder_gives_one_line_and_changes_nothing(first_run, tmp_path):
    *_, data, reports = first_run
    folder = tmp_path / "reports"
    shutil.copytree(reports, folder)
    before = _hashes(folder)
    argv = " ".join([sys.executable, "-m", "analysis", "--data-dir", str(data), *BATCH, "--force-rerun"])
    done = _in_private_mounts(f"mount --bind -o ro {folder} {folder}\n{argv} --out {folder}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    (line,) = messages(done.stderr.strip())
    assert line.startswith(f"casey: could not read or write {folder}/") and "Read-only file system" in line
    assert len(done.stderr.strip().splitlines()) == 1
    assert _hashes(folder) == before


@pytest.mark.slow
def test_a_full_disk_during_the_index_write_names_the_folder_and_keeps_the_old_index(first_run, tmp_path):
    *_, data, reports = first_run
    disk = tmp_path / "disk"
    disk.mkdir()
    probe = (
        "import sys\nfrom analysis.run.site_index import write_index\n"
        "try:\n    write_index(sys.argv[1], sys.argv[2])\nexcept OSError as exc:\n"
        "    print(f'{exc.filename}: {exc.strerror}')\n"
    )
    script = f"""
mount -t tmpfs -o size=8m tmpfs {disk}
cp -a {reports} {disk}/reports
cd {disk}/reports && find . -type f ! -name .casey-batch.lock -print0 | sort -z | xargs -0 sha256sum > ../before
dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null || true
{sys.executable} -c "{probe}" {disk}/reports {data}
find . -type f ! -name .casey-batch.lock -print0 | sort -z | xargs -0 sha256sum > /dev/shm/attack-after-$$ || true
diff ../before /dev/shm/attack-after-$$ && echo SAME
rm -f /dev/shm/attack-after-$$
ls -a {disk}/reports {disk}/reports/{Q}
"""
    done = _in_private_mounts(script)
    lines = done.stdout.splitlines()
    assert lines[0] == f"{disk}/reports/{Q}/index.html: No space left on device", done.stdout + done.stderr
    assert "SAME" in lines, done.stdout  # every page and index as it was
    assert not [line for line in lines if line.endswith(".tmp")]  # no temporary file left behind
