"""The contract for a chart promoted into a report: it can never fail the report for missing data.

A report chart is a function ``chart_x(report)`` that gets the report's data (an
:class:`analysis.compute.report_model.Report`: ``report.force``, ``report.quarter``, ``report.audience``,
``report.data_dir``) and returns either

- ``(figure, alt_text)``, as every ``chart_*`` function does, or
- :class:`NoData` with the sentence the report shows instead, when the data the chart needs is absent for
  the report's quarter (``NoData(f"No charge rates are published for {report.quarter.label}.")``).

The report notebook shows it with one line, ``show(charts.block(measure_charts.chart_x, report))``.
:func:`block` embeds the figure, or writes the sentence. A chart that raises anyway (a bug, not missing
data) is logged (with its traceback in internal reports only) and replaced by a sentence saying it could not be drawn, so one chart
never withdraws a quarter's public pages; the unit test the README asks for, and the promotion test
(``tests/test_chart_promotion.py``), make sure a chart states its missing data rather than relying on that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from analysis.core.audience import Audience
from analysis.present import templating

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NoData:
    """What a chart returns when its data is absent for the report's quarter: one sentence, shown as it is.

    Say what is missing and for which period; the sentence is HTML-escaped on the page."""

    sentence: str


def could_not_draw(chart) -> str:
    """The sentence shown in place of a chart that raised: true, and naming no internals beyond the chart."""
    return f"The chart {getattr(chart, '__name__', 'chart')} could not be drawn for this report."


def block(chart, report, caption: str | None = None):
    """HTML for one report chart: the figure with its alt text, or the chart's "no data" sentence."""
    from analysis.present.fragments import figure

    try:
        result = chart(report)
    except Exception as exc:
        # the log reaches the executed notebook's stderr: a public one gets no traceback (it names server folders)
        log.error(
            "%s failed for %s, %s: %s",
            getattr(chart, "__name__", chart),
            report.force.id,
            report.quarter.id,
            type(exc).__name__,
            exc_info=not getattr(report, "audience", Audience.PUBLIC).is_public,
        )
        return templating.macro("no_data")(could_not_draw(chart))
    if isinstance(result, NoData):
        return templating.macro("no_data")(result.sentence)
    fig, alt = result
    return figure(fig, alt, caption)
