"""Charts are made legible before they are embedded: text large enough on a phone, labels wrapped, legends balanced."""

import matplotlib

from analysis.present import style


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
    smallest = style.make_legible(fig)
    drawn_in = fig.get_tightbbox(fig._get_renderer()).width
    on_phone_px = smallest * style.PHONE_CONTENT_PX / (72 * drawn_in)
    assert on_phone_px >= style.MIN_PHONE_TEXT_PX - 0.05
    assert fig.get_size_inches()[0] <= style.MAX_FIGURE_WIDTH_IN
    assert all("\n" in t.get_text() for t in ax.get_yticklabels() if len(t.get_text().replace("\n", " ")) > 20)


def test_a_legend_never_leaves_one_entry_alone_on_a_row():
    fig, ax = _figure()
    style.make_legible(fig)
    assert ax.get_legend()._ncols == 2  # four entries: two rows of two, not three and one
