"""Chart legibility: every chart made readable on a phone and on paper, then drawn as a PNG.

:func:`figure_png` is the route the reports take (one drawing in most cases); :func:`make_legible` is the
slower, always-safe route it falls back to. The thresholds are in :mod:`analysis.core.settings` (see
docs/assumptions.md).
"""

from __future__ import annotations

import io

from analysis.core.settings import (  # chart legibility: see docs/assumptions.md
    FAST_RENDER_ATTEMPTS,
    FIRST_DRAW_HEADROOM,
    LEGIBILITY_HEADROOM,
    MAX_FIGURE_WIDTH_IN,
    MIN_FIGURE_FONT_PT,
    MIN_PHONE_TEXT_PX,
    MIN_PRINT_TEXT_PT,
    NARROWING_OVERSHOOT,
    PHONE_CONTENT_PX,
    PNG_COMPRESS_LEVEL,
    PRINT_MAX_CHART_HEIGHT_MM,
    RENDER_MARGIN_IN,
    WRAP_LABEL_CHARS,
    WRAPPED_ROW_GROWTH,
)
from analysis.present.style.house_theme import FIGURE_DPI


def _fixed_tick_labels(axis) -> bool:
    """Category labels (set by hand or by a categorical axis), which may be wrapped without changing meaning."""
    from matplotlib.category import StrCategoryLocator
    from matplotlib.ticker import FixedLocator

    return isinstance(axis.get_major_locator(), (FixedLocator, StrCategoryLocator))


def _wrappable_texts(fig) -> list:
    """``(text, room in points)`` for every title and axis label. A centred title or x label has twice the
    distance from its axes' centre to the nearer edge of the figure; a left title, from its axes' left edge
    to the figure's right; a y label (drawn upright), the figure's height less a margin."""
    width_pt, height_pt = (v * 72 for v in fig.get_size_inches())
    out = []
    for ax in fig.axes:
        box = ax.get_position()
        centred = width_pt * 2 * min(box.x0 + box.width / 2, 1 - box.x0 - box.width / 2)
        for text, room in (
            (ax.title, centred),
            (ax._left_title, width_pt * (1 - box.x0)),
            (ax.xaxis.label, centred),
            (ax.yaxis.label, height_pt * 0.85),
        ):
            if text.get_text().strip():
                out.append((text, room))
    return out


def _wrap_titles_and_axis_labels(fig) -> None:
    """Wrap titles and axis labels to the figure's width (height for a y label), so larger text makes them
    taller, not wider. Done by hand: matplotlib's own wrapping is ignored by the tight bounding box."""
    import textwrap

    for text, room in _wrappable_texts(fig):
        # an average character of a sans-serif font is a little over half the font size wide; bold, wider
        em = 0.62 if text.get_fontweight() in ("bold", "heavy", "extra bold", "black", 700, 800, 900) else 0.55
        words = " ".join(text.get_text().split())
        text.set_text(textwrap.fill(words, max(12, int(room / (em * text.get_fontsize())))))
    # a legend entry never wider than most of the figure (its marker and padding take the rest)
    room = fig.get_size_inches()[0] * 72 * 0.8
    for ax in fig.axes:
        legend = ax.get_legend()
        for text in legend.get_texts() if legend is not None else []:
            words = " ".join(text.get_text().split())
            text.set_text(textwrap.fill(words, max(12, int(room / (0.55 * text.get_fontsize())))))


def _room_for_category_labels(fig) -> None:
    """Widen the left margin to fit category labels on the y axis (and the y label), measured at their
    final size, so they do not reach past the figure's edge and make the picture wider than the figure."""
    renderer = fig._get_renderer()
    for ax in fig.axes:
        if not _fixed_tick_labels(ax.yaxis) or ax.get_subplotspec() is None:
            continue
        labels = [t for t in ax.get_yticklabels() if t.get_visible() and t.get_text().strip()]
        if not labels:
            continue
        needed_px = max(t.get_window_extent(renderer).width for t in labels)
        needed_px += (ax.yaxis.get_tick_padding() + ax.yaxis.labelpad) * fig.dpi / 72
        if ax.yaxis.label.get_text().strip():
            needed_px += ax.yaxis.label.get_window_extent(renderer).width + ax.yaxis.labelpad * fig.dpi / 72
        left = needed_px / fig.bbox.width + 0.01
        if left > fig.subplotpars.left and left < fig.subplotpars.right - 0.2:
            fig.subplots_adjust(left=left)


def _refill(text, room: float, drawn: float) -> bool:
    """Wrap ``text`` again so that its longest line, now ``drawn`` long, takes a little under ``room`` (both in one
    unit); by the drawn size, not an estimate. True if its text changed."""
    import textwrap

    longest = max(len(line) for line in text.get_text().split("\n"))
    wrapped = textwrap.fill(" ".join(text.get_text().split()), max(12, int(longest * room / drawn * 0.95)))
    if wrapped == text.get_text():
        return False
    text.set_text(wrapped)
    return True


def _rewrap_overflowing(fig) -> bool:
    """After a drawing: wrap again, by the drawn size, any title or axis label longer than its room (the
    estimate of :func:`_wrap_titles_and_axis_labels` was short). True if any was."""
    changed = False
    for text, room in _wrappable_texts(fig):
        extent = text.get_window_extent()
        drawn_pt = max(extent.width, extent.height) * 72 / fig.dpi
        if drawn_pt > room:
            _refill(text, room, drawn_pt)
            changed = True
    return changed


def _free_texts(fig) -> list:
    """Texts the chart's code placed itself (annotations, figure texts): laid out by the drawing, hung on no axis."""
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += ax.texts
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _wrap_free_texts_to_figure(fig) -> bool:
    """After a drawing: wrap any annotation or figure text that reaches past the figure's left or right edge to
    the room between its anchored side and the far edge (a long force name beside its point). True if any was.

    Unwrapped, such a text sets the drawn width, which grows with its font size: enlarging the text for that
    width widened the picture as much again, round after round (a 125-character name took a funnel plot's
    text from 13 pt past 1,000 pt in six rounds, and the report hung drawing the picture)."""
    figure = fig.bbox
    changed = False
    for text in _free_texts(fig):
        box = text.get_window_extent()
        if box.width <= 0 or (box.x0 >= figure.x0 and box.x1 <= figure.x1):
            continue
        align = text.get_horizontalalignment()
        if align == "left":
            room = figure.x1 - box.x0
        elif align == "right":
            room = box.x1 - figure.x0
        else:
            centre = (box.x0 + box.x1) / 2
            room = 2 * min(centre - figure.x0, figure.x1 - centre)
        changed = _refill(text, room, box.width) or changed
    return changed


def _legends_below_axes(fig) -> None:
    """Move a legend hung below its axes (``bbox_to_anchor`` with y < 0) to just under the axis labels, which
    larger text may have pushed down."""
    renderer = fig._get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
        if anchor.y0 >= 0:
            continue
        # below the axes only the x axis's tick labels and label are drawn: measuring that axis alone costs a
        # fraction of laying out the whole figure
        bottom = min(ax.xaxis.get_tightbbox(renderer).y0, ax.bbox.y0)
        if legend.get_window_extent(renderer).width > 0.95 * fig.bbox.width and getattr(legend, "_ncols", 1) > 1:
            # too wide for the figure once its text is larger: one entry a row (made again: its box is fixed)
            handles, labels = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
            legend = ax.legend(
                handles,
                labels,
                ncols=1,
                loc=legend._loc,
                frameon=legend.get_frame_on(),
                bbox_to_anchor=(anchor.x0, anchor.y0, anchor.width, anchor.height),
                fontsize=legend.get_texts()[0].get_fontsize(),
            )
        gap = legend.get_texts()[0].get_fontsize() * 0.4 * fig.dpi / 72 if legend.get_texts() else 4
        x_axes = anchor.x0 if anchor.width == 0 else anchor.x0 + anchor.width / 2
        y_axes = ax.transAxes.inverted().transform((0, bottom - gap))[1]
        legend.set_bbox_to_anchor((x_axes, y_axes), transform=ax.transAxes)


def _balance_legends(fig) -> None:
    """A multi-column legend never leaves one entry alone on a row: 4 entries in 3 columns become 2 rows of 2."""
    import math

    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        n, cols = len(legend.legend_handles), getattr(legend, "_ncols", 1)
        balanced = math.ceil(n / math.ceil(n / cols)) if cols > 1 else cols
        # 5 entries in 2 columns are as balanced as they can be (3 and 2): only a changed count is worth a new legend
        if cols > 1 and n > cols and n % cols == 1 and balanced != cols:
            # the legend's box is laid out when it is made, so make it again with the balanced column count
            anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
            handles, labels = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
            ax.legend(
                handles,
                labels,
                ncols=balanced,
                loc=legend._loc,
                bbox_to_anchor=(anchor.x0, anchor.y0, anchor.width, anchor.height),
                frameon=legend.get_frame_on(),
                fontsize=legend.get_texts()[0].get_fontsize(),
            )


def _prepare_for_small_screens(fig) -> None:
    """Narrow ``fig`` to MAX_FIGURE_WIDTH_IN, wrap long category labels (taller rows for them) and balance
    multi-column legends: the changes made before any text is enlarged."""
    import textwrap

    width, height = fig.get_size_inches()
    if width > MAX_FIGURE_WIDTH_IN:
        fig.set_size_inches(MAX_FIGURE_WIDTH_IN, height * max(0.8, MAX_FIGURE_WIDTH_IN / width))
    lines = 1
    for ax in fig.axes:
        for axis, labels in ((ax.yaxis, ax.get_yticklabels()), (ax.xaxis, ax.get_xticklabels())):
            texts = [t.get_text() for t in labels]
            if _fixed_tick_labels(axis) and any(len(t) > WRAP_LABEL_CHARS for t in texts):
                wrapped = [textwrap.fill(t, WRAP_LABEL_CHARS) for t in texts]
                axis.set_ticks(axis.get_ticklocs(), wrapped)
                if axis is ax.yaxis:
                    lines = max(lines, *(w.count("\n") + 1 for w in wrapped))
    if lines > 1:  # wrapped category labels need taller rows
        w, h = fig.get_size_inches()
        fig.set_size_inches(w, h * (1 + WRAPPED_ROW_GROWTH * (lines - 1)))
    _balance_legends(fig)


def _drawn_texts(fig) -> list:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _needed_pt(image_width_in: float) -> float:
    """The smallest font, in points, legible on a phone in an image ``image_width_in`` wide (any DPI):
    on the phone, px = pt * dpi / 72 * PHONE_CONTENT_PX / (image_width_in * dpi)."""
    return max(MIN_FIGURE_FONT_PT, MIN_PHONE_TEXT_PX * 72 * image_width_in / PHONE_CONTENT_PX)


def _enlarge_text(fig, needed: float) -> None:
    """Every text on ``fig`` (tick labels included, drawn or not yet) at least ``needed`` points."""
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            ticks = axis.get_major_ticks()
            if ticks and ticks[0].label1.get_fontsize() < needed:
                ax.tick_params(axis=name, which="both", labelsize=needed)
    for text in _drawn_texts(fig):
        if text.get_fontsize() < needed:
            text.set_fontsize(needed)


def _has_legend_below_axes(fig) -> bool:
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).y0 < 0:
            return True
    return False


def _render_cropped(fig):
    """Draw ``fig`` once onto a canvas RENDER_MARGIN_IN larger on every side than the figure and crop it to
    what was drawn plus the usual padding: the picture ``savefig(bbox_inches="tight")`` makes, in one
    drawing pass instead of a layout pass, a bounding-box pass and a drawing pass.

    Returns ``(PNG bytes, image width in inches, image height in inches)``, or None when something was drawn at the canvas's edge
    (it may reach beyond it, so only the tight bounding box is safe)."""
    import matplotlib
    import numpy as np
    from matplotlib.colors import to_rgba
    from matplotlib.transforms import Bbox
    from PIL import Image

    margin, pad = RENDER_MARGIN_IN, matplotlib.rcParams["savefig.pad_inches"]
    width, height = fig.get_size_inches()
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="rgba",
        dpi=FIGURE_DPI,
        bbox_inches=Bbox.from_extents(-margin, -margin, width + margin, height + margin),
    )
    # Agg truncates the canvas's size in pixels; find the width that divides the buffer (float error may
    # put the product a hair below a whole number)
    pixels = np.frombuffer(buffer.getbuffer(), dtype=np.uint32)
    guess = int((width + 2 * margin) * FIGURE_DPI)
    canvas_w = next(w for w in (guess, guess + 1, guess - 1) if len(pixels) % w == 0)
    pixels = pixels.reshape(-1, canvas_w)
    background = np.frombuffer(bytes(round(c * 255) for c in to_rgba(fig.get_facecolor())), dtype=np.uint32)[0]
    drawn = pixels != background
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    if not len(rows) or rows[0] == 0 or cols[0] == 0 or rows[-1] == drawn.shape[0] - 1 or cols[-1] == canvas_w - 1:
        return None
    # text wholly beyond the canvas leaves no pixel on it: ask the texts placed freely (annotations, figure
    # texts, legends; laid out by the drawing) where they are. Tick labels, titles and axis labels hang on their
    # axes: to be wholly beyond the canvas they would first have crossed its edge.
    canvas = fig.bbox.padded(margin * fig.dpi)
    free = _free_texts(fig) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for artist in free:
        box = artist.get_window_extent()
        if box.x0 < canvas.x0 or box.x1 > canvas.x1 or box.y0 < canvas.y0 or box.y1 > canvas.y1:
            return None
    pad_px = round(pad * FIGURE_DPI)
    top, bottom = max(rows[0] - pad_px, 0), min(rows[-1] + 1 + pad_px, drawn.shape[0])
    left, right = max(cols[0] - pad_px, 0), min(cols[-1] + 1 + pad_px, canvas_w)
    rgba = pixels[top:bottom, left:right].copy().view(np.uint8).reshape(bottom - top, right - left, 4)
    png = io.BytesIO()
    Image.fromarray(rgba[:, :, :3].copy(), "RGB").save(png, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return png.getvalue(), (right - left) / FIGURE_DPI, (bottom - top) / FIGURE_DPI


def _widest_legible_in(smallest_pt: float) -> float:
    """The widest image, in inches, in which text of ``smallest_pt`` stays legible on a phone (the inverse of
    :func:`_needed_pt`)."""
    return smallest_pt * PHONE_CONTENT_PX / (MIN_PHONE_TEXT_PX * 72)


def _tallest_printable_in(smallest_pt: float) -> float:
    """The tallest image, in inches, in which text of ``smallest_pt`` prints at MIN_PRINT_TEXT_PT or more once
    the page shrinks it to PRINT_MAX_CHART_HEIGHT_MM (printed pt = pt * print height / image height)."""
    return smallest_pt * (PRINT_MAX_CHART_HEIGHT_MM / 25.4) / MIN_PRINT_TEXT_PT


def figure_png(fig) -> tuple[bytes, float]:
    """``fig`` made legible on a phone and on paper and drawn as a PNG; returns the PNG and its smallest
    font size in points.

    The fast route: set every text to the size the figure's full width needs (with a little headroom for
    labels that reach just past its edge) and draw once (:func:`_render_cropped`). When the picture comes
    out wider than that, so its text would be too small on a phone, the figure is drawn again after one
    change: a title or axis label wider than the figure is wrapped again by its drawn size; else the plot is
    narrowed by the excess (the text keeps its size); and if narrowing did not help (a legend or title of
    fixed width), the text is enlarged for the wider picture, as :func:`make_legible` does. A legend hung
    below its axes is placed under the x axis's labels, measured before each drawing. A chart whose
    drawing reaches the canvas's edge, or is still too wide after FAST_RENDER_ATTEMPTS drawings, goes
    through :func:`make_legible`'s rounds and a tight bounding box.
    """
    import matplotlib

    _prepare_for_small_screens(fig)
    pad = matplotlib.rcParams["savefig.pad_inches"]
    _enlarge_text(fig, _needed_pt(fig.get_size_inches()[0] + 2 * pad) * FIRST_DRAW_HEADROOM)
    _room_for_category_labels(fig)
    _wrap_titles_and_axis_labels(fig)
    legend_below = _has_legend_below_axes(fig)
    narrowed_from = None  # the excess before the plot was last narrowed
    for _ in range(FAST_RENDER_ATTEMPTS):
        if legend_below:
            _legends_below_axes(fig)
        rendered = _render_cropped(fig)
        if rendered is None:
            if _wrap_free_texts_to_figure(fig):  # a long label beyond the canvas: wrapped, it may fit it
                continue
            break
        png, image_in, image_height_in = rendered
        smallest = min((t.get_fontsize() for t in _drawn_texts(fig)), default=MIN_FIGURE_FONT_PT)
        excess = image_in - _widest_legible_in(smallest)
        if excess <= 1e-6:
            too_tall = image_height_in - _tallest_printable_in(smallest)
            if too_tall <= 1e-6:
                return png, smallest
            # so tall that printing shrinks its text below the minimum: make it shorter (rows get closer)
            width, height = fig.get_size_inches()
            fig.set_size_inches(width, height - too_tall * NARROWING_OVERSHOOT)
            continue
        rewrapped = _rewrap_overflowing(fig)
        if _wrap_free_texts_to_figure(fig) or rewrapped:
            continue
        if narrowed_from is None or excess < narrowed_from / 2:
            # labels reach past the figure's edge: narrow the plot by the excess. Its margins, fractions of
            # the figure, narrow with it, so aim a little narrower.
            width, height = fig.get_size_inches()
            fig.set_size_inches(width - excess * NARROWING_OVERSHOOT, height)
            narrowed_from = excess
        else:  # something of fixed width sets the picture's width: text large enough for that width
            _enlarge_text(fig, _needed_pt(image_in) * LEGIBILITY_HEADROOM)
            _wrap_titles_and_axis_labels(fig)
            narrowed_from = None
    smallest = make_legible(fig, prepared=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    return buffer.getvalue(), smallest


def make_legible(fig, max_rounds: int = 6, *, prepared: bool = False) -> float:
    """Make ``fig`` readable on a phone and on paper; return its smallest font size in points.

    Narrows it to MAX_FIGURE_WIDTH_IN, wraps long category labels and titles (so larger text does not just
    widen the picture), balances multi-column legends (skipped when ``prepared``: done already), then
    enlarges any text that would be smaller than MIN_PHONE_TEXT_PX once the image is shrunk to
    PHONE_CONTENT_PX. The figure is saved with a tight bounding box, so the check uses the drawn box, and is
    repeated if enlarging the text widened it. :func:`figure_png` tries a one-pass route first.
    """
    if not prepared:
        _prepare_for_small_screens(fig)
    shortfall = None  # how far the smallest text was below what the drawn width needed, last round
    for _ in range(max_rounds):
        fig.draw_without_rendering()
        if _wrap_free_texts_to_figure(fig):
            fig.draw_without_rendering()
        needed = _needed_pt(fig.get_tightbbox(fig._get_renderer()).width)
        smallest = min((t.get_fontsize() for t in _drawn_texts(fig)), default=needed)
        if smallest >= needed - 1e-6:
            break
        if shortfall is not None and needed - smallest >= shortfall:
            # the last enlargement widened the drawing at least as much as the text: more rounds would only
            # grow both (without end: a text nothing wraps); stop, and report the size the text has
            break
        shortfall = needed - smallest
        # enlarging text widens the drawn box, which raises what is needed: aim a little above it, so one
        # round nearly always settles it (each round is two full layout passes, the bulk of a chart's cost)
        _enlarge_text(fig, needed * LEGIBILITY_HEADROOM)
        _wrap_titles_and_axis_labels(fig)
        fig.draw_without_rendering()
        _legends_below_axes(fig)
    else:  # rounds ran out: lay the figure out once more after the last change
        fig.draw_without_rendering()
    return min((t.get_fontsize() for t in _drawn_texts(fig)), default=MIN_FIGURE_FONT_PT)
