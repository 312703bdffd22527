"""Charts are made legible before they are embedded: text large enough on a phone, labels wrapped, legends balanced."""

import io
from pathlib import Path

import matplotlib
import pytest

from analysis.core import config, settings
from analysis.present.style import house_theme, legibility


def _figure():
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3))
    names = ["Building trust with London's communities to restore consent", "Cleaning up the Met"]
    for i, label in enumerate(["Complete", "In progress", "Not started", "Not assessed"]):
        ax.barh(names, [i + 1, i + 2], left=[i * 2, i * 2], label=label)
    ax.set_yticks(range(2), names, fontsize=6)
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=6)
    ax.set_title("A long title about the status of every section of the review, by force and quarter", fontsize=7)
    return fig, ax


def test_text_meets_the_phone_minimum_for_the_drawn_width():
    fig, ax = _figure()
    smallest = legibility.make_legible(fig)
    drawn_in = fig.get_tightbbox(fig._get_renderer()).width
    on_phone_px = smallest * settings.PHONE_CONTENT_PX / (72 * drawn_in)
    assert on_phone_px >= settings.MIN_PHONE_TEXT_PX - 0.05
    assert fig.get_size_inches()[0] <= settings.MAX_FIGURE_WIDTH_IN
    assert all("\n" in t.get_text() for t in ax.get_yticklabels() if len(t.get_text().replace("\n", " ")) > 20)


def test_a_legend_never_leaves_one_entry_alone_on_a_row():
    fig, ax = _figure()
    legibility.make_legible(fig)
    assert ax.get_legend()._ncols == 2  # four entries: two rows of two, not three and one


# ---------------------------------------------------------------- the one-drawing route (legibility.figure_png)
def _png_width_in(png: bytes) -> float:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size[0] / house_theme.FIGURE_DPI


def _tight_width_in(fig) -> float:
    """What savefig(bbox_inches="tight") would make of the figure as it now is, in inches."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=house_theme.FIGURE_DPI, bbox_inches="tight")
    return _png_width_in(buffer.getvalue())


def test_figure_png_text_meets_the_phone_minimum_for_the_picture_it_makes():
    fig, _ax = _figure()
    with house_theme.theme():
        png, smallest = legibility.figure_png(fig)
        on_phone_px = smallest * settings.PHONE_CONTENT_PX / (72 * _png_width_in(png))
        assert on_phone_px >= settings.MIN_PHONE_TEXT_PX - 0.05
        # the crop is the tight bounding box, padded, less any blank edge of a text's box: nothing drawn is
        # cut off, no margin is wasted
        assert -8 / house_theme.FIGURE_DPI <= _png_width_in(png) - _tight_width_in(fig) <= 1 / house_theme.FIGURE_DPI


def test_labels_far_past_the_canvas_go_the_slow_way_and_are_not_cut(monkeypatch):
    """A label reaching past the render canvas cannot be cropped from it: the tight bounding box is used."""
    import matplotlib.pyplot as plt

    calls = []
    real = legibility.make_legible
    monkeypatch.setattr(legibility, "make_legible", lambda fig, **kw: calls.append(1) or real(fig, **kw))
    with house_theme.theme():
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([0, 1], [0, 1])
        # wholly beyond the canvas's margin, so it leaves no pixel on the canvas
        ax.annotate("far away " * 8, (0, 0), xytext=(-600, 0), textcoords="offset points")
        png, smallest = legibility.figure_png(fig)
        assert calls, "the fast route cropped a picture whose text reached the canvas's edge"
        assert abs(_png_width_in(png) - _tight_width_in(fig)) <= 1 / house_theme.FIGURE_DPI
        assert smallest * settings.PHONE_CONTENT_PX / (72 * _png_width_in(png)) >= settings.MIN_PHONE_TEXT_PX - 0.05
        plt.close(fig)


# a force name as long as test_hostile_names makes it: before the fix each round of make_legible enlarged the text
# for a drawing this label made wider, doubling both (13 pt to over 1,000 pt), and the report hung drawing the PNG
LONG_NAME = (
    'Leicestershire </script><script>alert(1)</script><x-pwn onerror=alert(2)> {{ 7 * 7 }} " onmouseover="x" y="'
)


def _labelled_point(name=LONG_NAME):
    """A funnel plot's highlighted force: a point near the left with its name beside it (measure_charts)."""
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    ax.scatter([1, 10, 100], [1, 2, 3])
    label = ax.annotate(name, (1, 1), xytext=(6, 6), textcoords="offset points")
    return fig, label


def test_a_long_label_beside_a_point_is_wrapped_to_the_figure_not_chased_with_larger_text():
    import matplotlib.pyplot as plt

    with house_theme.theme():
        fig, label = _labelled_point()
        smallest = legibility.make_legible(fig)
        drawn_in = fig.get_tightbbox(fig._get_renderer()).width
        box = label.get_window_extent()
        plt.close(fig)
    assert "\n" in label.get_text() and " ".join(label.get_text().split()) == LONG_NAME  # wrapped, every word kept
    assert box.x1 <= fig.bbox.x1 + 1  # the label ends inside the figure
    assert drawn_in <= settings.MAX_FIGURE_WIDTH_IN + 1 and smallest <= 2 * settings.MIN_FIGURE_FONT_PT
    assert smallest * settings.PHONE_CONTENT_PX / (72 * drawn_in) >= settings.MIN_PHONE_TEXT_PX - 0.05


def test_text_nothing_wraps_stops_growing_once_enlarging_it_no_longer_helps(monkeypatch):
    """A text that sets the drawn width and is not wrapped: the rounds stop when the shortfall stops shrinking."""
    import matplotlib.pyplot as plt

    monkeypatch.setattr(legibility, "_wrap_free_texts_to_figure", lambda fig: False)
    with house_theme.theme():
        fig, _label = _labelled_point()
        smallest = legibility.make_legible(fig)
        drawn_in = fig.get_tightbbox(fig._get_renderer()).width
        plt.close(fig)
    assert smallest < 4 * settings.MIN_FIGURE_FONT_PT and drawn_in < 40  # unguarded: 640 pt text, 590 inches wide


def test_figure_png_of_a_long_label_finishes_in_seconds():
    """The hang itself: figure_png (the report's route) of the long label, in a child process with a time limit."""
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_chart_legibility as t\n"
        "from analysis.present.style import house_theme, legibility\n"
        "with house_theme.theme():\n"
        "    fig, _ = t._labelled_point()\n"
        "    png, smallest = legibility.figure_png(fig)\n"
        "print(t._png_width_in(png), smallest)\n"
    )
    # unfixed, it drew a picture hundreds of inches wide: minutes of PNG encoding, or std::bad_alloc
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent)], capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    width_in, smallest = map(float, done.stdout.split())
    assert width_in <= settings.MAX_FIGURE_WIDTH_IN + 1
    assert smallest * settings.PHONE_CONTENT_PX / (72 * width_in) >= settings.MIN_PHONE_TEXT_PX - 0.05


def test_long_category_labels_get_a_margin_not_a_wider_picture():
    import matplotlib.pyplot as plt

    with house_theme.theme():
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.barh(["A very long category label about vetting and misconduct", "Short"], [3, 4])
        png, smallest = legibility.figure_png(fig)
        plt.close(fig)
    assert _png_width_in(png) <= 6 + 2 * 0.1 + 0.05  # the labels fit inside the figure's width
    assert smallest * settings.PHONE_CONTENT_PX / (72 * _png_width_in(png)) >= settings.MIN_PHONE_TEXT_PX - 0.05


def test_log_axes_are_labelled_in_plain_numbers():
    """matplotlib labels log axes in mathtext, which the theme turns off: the labels would print as
    '$\\mathdefault{10^{4}}$' (they did, in the funnel plots, before plain_log_scale)."""
    from analysis.present import measure_charts

    fig, _alt = measure_charts.chart_funnel("leicestershire", "2024-25-Q1")
    fig2, _alt2 = measure_charts.chart_stop_search_funnel("leicestershire", "2022-23")
    import matplotlib.pyplot as plt

    try:
        for f in (fig, fig2):
            with house_theme.theme():
                f.draw_without_rendering()
            labels = [t.get_text() for ax in f.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
            assert any(t.strip() for t in labels)
            assert not [t for t in labels if "$" in t or "mathdefault" in t]
    finally:
        plt.close(fig)
        plt.close(fig2)


def test_print_height_setting_matches_the_report_css():
    """The chart height the print check assumes is the height the print style allows."""
    import re

    css = (config.TEMPLATES_DIR / "casey" / "report.css").read_text(encoding="utf-8")
    heights = re.findall(r"figure img\s*\{[^}]*max-height:\s*(\d+)mm", css)
    assert heights == [str(settings.PRINT_MAX_CHART_HEIGHT_MM)]


def test_a_figure_that_fails_to_draw_is_closed_all_the_same(monkeypatch):
    """Left open, a failed figure would be drawn again by the in-process engine's flush (found with the long-name hang)."""
    import matplotlib.pyplot as plt

    from analysis.present import fragments
    from analysis.present.style import legibility

    def broken(fig):
        raise MemoryError("std::bad_alloc")

    monkeypatch.setattr(legibility, "figure_png", broken)
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    with pytest.raises(MemoryError):
        fragments.figure(fig, "alt")
    assert not plt.fignum_exists(fig.number)
