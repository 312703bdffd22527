"""UK policing financial quarters (April to March years).

``2024-25-Q1`` is April to June 2024 and ``2024-25-Q4`` is January to March 2025.
The canonical id is ``YYYY-YY-Qn``; ``2024/25 Q1`` and ``2024/2025 Q1`` are accepted too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.core.errors import UsageError

_QUARTER_RE = re.compile(
    r"^\s*(?:FY\s*)?(?P<start>\d{4})\s*[-/]\s*(?P<end>\d{2}|\d{4})\s*[-_ ]?\s*Q(?P<q>[1-4])\s*$",
    re.IGNORECASE,
)


class PeriodError(UsageError):
    """A quarter that cannot be parsed or does not exist."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial quarter; ordering is chronological."""

    start_year: int  # the calendar year in which the financial year starts (April)
    q: int

    def __post_init__(self):
        if self.q not in (1, 2, 3, 4):
            raise PeriodError(f"quarter must be 1-4, got {self.q}")
        if not 1990 <= self.start_year <= 2100:
            raise PeriodError(f"financial year {self.start_year} is out of range")

    @property
    def id(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.q}"

    @property
    def label(self) -> str:
        """How the documents write it: ``2024/25 Q1``."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d} Q{self.q}"

    @property
    def financial_year(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.q - 1)
        year = self.start_year + (month - 1) // 12
        return dt.date(year, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        last_month_start = self.start.month + 2
        year = self.start.year + (last_month_start - 1) // 12
        month = (last_month_start - 1) % 12 + 1
        return dt.date(year, month, calendar.monthrange(year, month)[1])

    @property
    def months(self) -> str:
        return f"{self.start:%B}–{self.end:%B %Y}"

    def previous(self) -> Quarter:
        return Quarter(self.start_year - 1, 4) if self.q == 1 else Quarter(self.start_year, self.q - 1)

    def next(self) -> Quarter:
        return Quarter(self.start_year + 1, 1) if self.q == 4 else Quarter(self.start_year, self.q + 1)

    def minus(self, n: int) -> Quarter:
        index = self.index - n
        return Quarter(index // 4, index % 4 + 1)

    @property
    def index(self) -> int:
        """A running count of quarters, for arithmetic: differences are quarters apart."""
        return self.start_year * 4 + (self.q - 1)

    def __str__(self) -> str:
        return self.id

    @classmethod
    def of(cls, value: str | Quarter) -> Quarter:
        """The boundary converter: a Quarter as given, or parsed once from text (a CLI argument, a notebook
        parameter, a file's quarter column); anything else raises PeriodError naming the bad value. Code
        below a boundary takes the Quarter it returns and never parses again."""
        return parse_quarter(value)


def parse_quarter(text: str | Quarter) -> Quarter:
    """Parse ``2024-25-Q1``, ``2024/25 Q1`` or ``2024/2025 Q1``; raise PeriodError otherwise."""
    if isinstance(text, Quarter):
        return text
    if not isinstance(text, str):
        raise PeriodError(f"a quarter must be text like 2024-25-Q1, got {text!r}")
    return _parse_quarter_text(text)


@lru_cache(maxsize=1024)  # Quarter is frozen; a report parses the same few quarters thousands of times
def _parse_quarter_text(text: str) -> Quarter:
    match = _QUARTER_RE.match(text)
    if not match:
        raise PeriodError(f"{text!r} is not a financial quarter; write it like 2024-25-Q1 or 2024/25 Q1")
    start = int(match["start"])
    end_text = match["end"]
    end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
    if len(end_text) == 2 and end < start:  # 1999/00
        end += 100
    if end != start + 1:
        raise PeriodError(f"{text!r}: a financial year runs from one year into the next (e.g. 2024-25)")
    return Quarter(start, int(match["q"]))


def quarter_of(day: dt.date) -> Quarter:
    """The financial quarter containing a date."""
    start_year = day.year if day.month >= 4 else day.year - 1
    return Quarter(start_year, (day.month - 4) % 12 // 3 + 1)


def latest_complete_quarter(today: dt.date | None = None) -> Quarter:
    """The most recent quarter that has ended before ``today``."""
    return quarter_of(today or dt.date.today()).previous()


def from_fy_q(fy: str, q: int | str) -> Quarter:
    """From the Home Office layout: financial year ``2014/15`` and quarter ``1``."""
    return parse_quarter(f"{fy} Q{int(q)}")


# --------------------------------------------------------------------------- periods of any type
def as_at_end(as_at) -> dt.date | None:
    """The last day a report for quarter ``as_at`` may show data for (None: no limit)."""
    return None if as_at is None else parse_quarter(as_at).end


def period_end(period: str, period_type: str) -> dt.date:
    """The last day a period covers, for ordering periods of any type (unknown -> date.min)."""
    text = str(period)
    try:
        if period_type == "quarter":
            return parse_quarter(text).end
        if period_type == "financial_year":
            return dt.date(int(text[:4]) + 1, 3, 31)
        if period_type in ("year_ending_march",):
            return dt.date(int(text[:4]), 3, 31)
        if period_type == "month":
            y, m = int(text[:4]), int(text[5:7])
            return dt.date(y, m, calendar.monthrange(y, m)[1])
        if period_type == "census_year":
            return dt.date(int(text[:4]), 3, 27)  # census day
        if period_type == "calendar_year":
            return dt.date(int(text[:4]), 12, 31)
        if period_type == "date_range":
            start, _, end = text.partition("/")
            return dt.date.fromisoformat(end) if end and end != ".." else dt.date.fromisoformat(start)
        return dt.date.fromisoformat(text[:10])
    except (ValueError, TypeError):
        return dt.date.min


def period_label(period: str, period_type: str) -> str:
    """How a report writes a period: '2024/25 Q1 (April–June 2024)', '2023/24', 'July 2023'."""
    text = str(period)
    try:
        if period_type == "quarter":
            q = parse_quarter(text)
            return f"{q.label} ({q.months})"
        if period_type == "financial_year":
            return text.replace("-", "/")
        if period_type == "year_ending_march":
            return f"the year ending March {text}"
        if period_type == "month":
            return dt.date(int(text[:4]), int(text[5:7]), 1).strftime("%B %Y")
        if period_type == "census_year":
            return f"Census {text}"
        if period_type == "date_range":
            start, _, end = text.partition("/")
            return f"{start} to {end}" if end and end != ".." else f"from {start}"
        if period_type == "rolling_12_months":
            day = dt.date.fromisoformat(text[:10])
            return f"the 12 months to {day.day} {day:%B %Y}"
        if period_type == "reported_at":
            day = dt.date.fromisoformat(text[:10])
            return f"reported on {day.day} {day:%B %Y}"
    except ValueError:
        pass
    return text


def decimal_year(q: Quarter) -> float:
    """Mid-quarter as a decimal calendar year (2024-25 Q1 -> 2024.375)."""
    return q.start.year + (q.start.month - 1) / 12 + 1.5 / 12
