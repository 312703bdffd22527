"""analysis.present.charts.block: a report chart's figure, or its "no data" sentence; never a failed report."""

import logging
from types import SimpleNamespace

import matplotlib.pyplot as plt

from analysis.core.audience import Audience
from analysis.core.periods import parse_quarter
from analysis.present import charts
from analysis.present.style.house_theme import themed

REPORT = SimpleNamespace(
    force=SimpleNamespace(id="leicestershire"), quarter=parse_quarter("2026-27-Q2"), audience=Audience.INTERNAL
)


@themed
def chart_with_data(report):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    return fig, f"A line for {report.force.id}."


@themed
def chart_without_data(report):
    return charts.NoData(f"No <figures> for {report.quarter.label}.")


def chart_that_raises(report):
    raise KeyError("no closed-basis charge rates")


def test_a_figure_is_embedded_with_its_alt_text():
    html = charts.block(chart_with_data, REPORT, caption="Caption")
    assert html.startswith('<figure><img src="data:image/png;base64,') and 'alt="A line for leicestershire."' in html


def test_no_data_is_one_escaped_sentence_and_themed_passes_it_through():
    assert isinstance(chart_without_data(REPORT), charts.NoData)
    assert charts.block(chart_without_data, REPORT) == '<p class="no-data">No &lt;figures&gt; for 2026/27 Q2.</p>'


def test_a_chart_that_raises_is_logged_and_stated_not_fatal(caplog):
    with caplog.at_level(logging.ERROR, logger="analysis.present.charts"):
        html = charts.block(chart_that_raises, REPORT)
    assert html == '<p class="no-data">The chart chart_that_raises could not be drawn for this report.</p>'
    assert "chart_that_raises failed for leicestershire, 2026-27-Q2" in caplog.text and "KeyError" in caplog.text


def test_a_public_report_logs_no_traceback(caplog):
    public = SimpleNamespace(**{**vars(REPORT), "audience": Audience.PUBLIC})
    with caplog.at_level(logging.ERROR, logger="analysis.present.charts"):
        charts.block(chart_that_raises, public)
    assert "chart_that_raises failed for leicestershire, 2026-27-Q2: KeyError" in caplog.text
    assert "Traceback" not in caplog.text
