"""Issue 14.6: untrusted text in a chart is drawn literally, never parsed as mathtext."""

import io

import pytest


@pytest.mark.parametrize("text", [r"Cost $\notacommand{x}$ saved", "Team $A$ and $B$ ^_^", r"$\frac{1}$"])
def test_dollar_text_in_a_chart_label_is_drawn_literally(text):

    from analysis.present.style.house_theme import theme

    with theme():
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        try:
            ax.barh([0, 1], [1, 2])
            ax.set_yticks([0, 1], [text, "other"])
            ax.set_title(text)
            fig.savefig(io.BytesIO(), format="png")  # mathtext would raise here
            assert ax.get_title() == text
        finally:
            plt.close(fig)


def test_representation_chart_with_a_dollar_period_renders(tmp_path):
    """A force-supplied period text with $...$ reaches a chart label through core.periods.period_label."""
    import shutil

    import matplotlib
    import pandas as pd
    from conftest import ROOT, make_data_tree

    from analysis.compute import measures
    from analysis.present import measure_charts

    data = make_data_tree(tmp_path / "data")
    shutil.copytree(ROOT / "data/raw/measures", data / "raw/measures")
    path = data / "raw/measures/workforce/leicestershire.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    shares = frame[frame["measure_id"].str.contains("ethnic_minority_share")]
    if shares.empty:
        pytest.skip("no force-supplied ethnic minority share in the bundled data")
    frame.loc[shares.index[0], ["period", "period_type"]] = [r"$\bad{2023}$", "reported_at"]
    frame.to_csv(path, index=False)
    measures.clear_caches()
    with matplotlib.rc_context():
        fig, _ = measure_charts.representation_chart("leicestershire", data)
        fig.savefig(io.BytesIO(), format="png")
        matplotlib.pyplot.close(fig)
