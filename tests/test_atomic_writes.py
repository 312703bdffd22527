"""Issue 14.8 and 14.10: atomic writes honour the umask, and a pair of files is written as one unit."""

import os
import stat
from pathlib import Path

import pytest

from analysis.core import atomic


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_honour_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = atomic.write_text(tmp_path / "report.html", "<p>hi</p>")
        pair = atomic.write_together({tmp_path / "a.csv": b"a", tmp_path / "a.meta.yaml": b"b"})
    finally:
        os.umask(old)
    for written in (path, *pair):
        assert stat.S_IMODE(written.stat().st_mode) == mode


def test_write_together_keeps_the_old_pair_when_the_disk_fills(tmp_path, monkeypatch):
    csv, meta = tmp_path / "2024-25-Q2.csv", tmp_path / "2024-25-Q2.meta.yaml"
    csv.write_text("old csv")
    meta.write_text("old meta")
    real = atomic._temporary
    calls = []

    def disk_full_on_second(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(atomic, "_temporary", disk_full_on_second)
    with pytest.raises(OSError):
        atomic.write_together({meta: b"new meta", csv: b"new csv"})
    assert (csv.read_text(), meta.read_text()) == ("old csv", "old meta")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2024-25-Q2.csv", "2024-25-Q2.meta.yaml"]  # no temp files


def test_a_batch_removes_what_a_killed_run_left_and_nothing_else(tmp_path):
    """A killed writer leaves '.<name>.<random>.tmp' (and a killed render '.<stem>.running.ipynb'); they are
    never renamed into place, so the next batch, holding the folder's lock, deletes them."""
    from analysis.run import batch

    quarter = tmp_path / "reports" / "2024-25-Q1"
    quarter.mkdir(parents=True)
    page = atomic.write_text(quarter / "leicestershire.html", "<p>kept</p>")
    left = [
        quarter / ".leicestershire.html.k2j4x9.tmp",
        quarter / ".cheshire.running.ipynb",
        tmp_path / "reports/.index.html.abc.tmp",
    ]
    for path in left:
        path.write_text("half written")
    kept = [quarter / ".hidden-but-ours", quarter / "notes.tmp", tmp_path / "reports" / batch.LOCK_NAME]
    for path in kept:
        path.write_text("not a leftover")
    removed = batch.remove_leftovers(tmp_path / "reports")
    assert sorted(removed) == sorted(left)
    assert not any(path.exists() for path in left)
    assert all(path.exists() for path in kept) and page.read_text() == "<p>kept</p>"
    # a temporary file is named by the one pattern the clean-up looks for
    assert list(quarter.glob(atomic.TEMPORARY_PATTERN)) == []
    tmp = atomic._temporary(quarter / "x.html", b"data")
    assert Path(tmp).match(atomic.TEMPORARY_PATTERN)
    Path(tmp).unlink()
