"""Independent derivations for the claims tests: the standard library only, never the package."""

import datetime as dt


def qkey(quarter: str) -> tuple[int, int]:
    """'2023-24-Q1' -> (2023, 1), for ordering."""
    return int(quarter[:4]), int(quarter[-1])


def quarter_end(quarter: str) -> dt.date:
    year, month = qkey(quarter)[0], 3 * qkey(quarter)[1] + 3  # Q1 ends in June, Q4 in March of the next year
    if month > 12:
        year, month = year + 1, month - 12
    return dt.date(year, month, 31 if month in (3, 12) else 30)


def period_end(period: str, period_type: str) -> dt.date:
    """The last day of an observation's period, for every period type in the processed observations."""
    if period_type == "quarter":
        return quarter_end(period)
    if period_type == "financial_year":
        return dt.date(int(period[:4]) + 1, 3, 31)
    if period_type == "month":
        year, month = int(period[:4]), int(period[5:7])
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    if period_type == "census_year":
        return dt.date(int(period), 3, 27)
    if period_type == "calendar_year":
        return dt.date(int(period), 12, 31)
    if period_type == "date_range":
        start, _, end = period.partition("/")
        return dt.date.fromisoformat(end if end and end != ".." else start)
    return dt.date.fromisoformat(period[:10])  # reported_at, rolling_12_months: a date


def published_quarter(quarter: str) -> str:
    """The latest Home Office outcomes quarter published by the end of ``quarter``: a quarter counts as published at
    the end of the second quarter after it (settings.OFFICIAL_RELEASE_QUARTERS_AFTER), so two quarters back."""
    year, q = qkey(quarter)
    index = year * 4 + q - 1 - 2
    start = index // 4
    return f"{start}-{(start + 1) % 100:02d}-Q{index % 4 + 1}"


def snapshot_known(meta_text: str, quarter: str) -> bool:
    """Whether a snapshot's .meta.yaml (its text) has it published by the end of ``quarter`` (a line
    ``published: YYYY-MM-DD``; none: known in its own quarter, as for a force's return)."""
    for line in meta_text.splitlines():
        if line.startswith("published:"):
            return dt.date.fromisoformat(line.split(":", 1)[1].strip()) <= quarter_end(quarter)
    return True
