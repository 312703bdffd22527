"""Issue 14.8 and 14.10: atomic writes honour the umask, and a pair of files is written as one unit."""

import os
import stat

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
