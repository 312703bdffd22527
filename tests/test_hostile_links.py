"""Issue 20.4, symlinks: a link inside the reports or data folders is never written through to a file outside, and
the clean-up of a killed run never follows a linked folder out of the reports folder."""

import os

from analysis.core import atomic


def test_writing_over_a_link_replaces_the_link_and_leaves_its_target_alone(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    reports = tmp_path / "reports"
    reports.mkdir()
    link = reports / "index.html"
    link.symlink_to(outside)
    atomic.write_text(link, "<p>new index</p>")
    assert outside.read_text() == "precious"
    assert not link.is_symlink() and link.read_text() == "<p>new index</p>"


def test_writing_a_unit_over_links_leaves_their_targets_alone(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.csv").write_text("a")
    (outside / "a.meta.yaml").write_text("m")
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("a.csv", "a.meta.yaml"):
        (folder / name).symlink_to(outside / name)
    atomic.write_together({folder / "a.csv": b"new", folder / "a.meta.yaml": b"new meta"})
    assert (outside / "a.csv").read_text() == "a" and (outside / "a.meta.yaml").read_text() == "m"
    assert not (folder / "a.csv").is_symlink()


def test_clean_up_never_follows_a_linked_folder_out_of_the_reports_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    keep = outside / ".someone-else.abc123.tmp"
    keep.write_text("not ours")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "linked").symlink_to(outside, target_is_directory=True)
    (reports / ".page.html.x1.tmp").symlink_to(keep)  # a link named like our temporary file
    ours = reports / ".index.html.x2.tmp"
    ours.write_text("half written")
    removed = atomic.remove_leftovers(reports)
    assert keep.read_text() == "not ours" and os.path.lexists(outside)
    assert not ours.exists() and ours in removed
    assert not os.path.lexists(reports / ".page.html.x1.tmp")  # the link itself removed, never its target
