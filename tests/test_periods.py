import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.core.periods import PeriodError, Quarter, from_fy_q, latest_complete_quarter, parse_quarter, quarter_of


@pytest.mark.parametrize("text", ["2024-25-Q1", "2024/25 Q1", "2024/2025 Q1", "2024-25 q1", " 2024/25-Q1 "])
def test_accepted_spellings(text):
    assert parse_quarter(text) == Quarter(2024, 1)


@pytest.mark.parametrize("text", ["2024-26-Q1", "2024-25-Q5", "2024 Q1", "Q1 2024", "", "2024-25", "1999/01 Q1"])
def test_rejected_spellings(text):
    with pytest.raises(PeriodError):
        parse_quarter(text)


def test_century_boundary():
    assert parse_quarter("1999/00 Q4").id == "1999-00-Q4"


def test_dates_of_quarters():
    assert Quarter(2024, 1).start == dt.date(2024, 4, 1)
    assert Quarter(2024, 1).end == dt.date(2024, 6, 30)
    assert Quarter(2024, 3).end == dt.date(2024, 12, 31)
    assert Quarter(2024, 4).start == dt.date(2025, 1, 1)
    assert Quarter(2024, 4).end == dt.date(2025, 3, 31)


def test_order_previous_next():
    assert Quarter(2024, 1).previous() == Quarter(2023, 4)
    assert Quarter(2023, 4).next() == Quarter(2024, 1)
    assert sorted([Quarter(2024, 1), Quarter(2023, 4), Quarter(2023, 1)]) == [
        Quarter(2023, 1),
        Quarter(2023, 4),
        Quarter(2024, 1),
    ]
    assert Quarter(2024, 1).index - Quarter(2023, 1).index == 4


def test_quarter_of_and_latest():
    assert quarter_of(dt.date(2024, 3, 31)) == Quarter(2023, 4)
    assert quarter_of(dt.date(2024, 4, 1)) == Quarter(2024, 1)
    # on 23 November 2026 we are in 2026-27 Q3, so the latest complete quarter is Q2
    assert latest_complete_quarter(dt.date(2026, 11, 23)).id == "2026-27-Q2"
    assert latest_complete_quarter(dt.date(2026, 4, 1)).id == "2025-26-Q4"


def test_home_office_layout():
    assert from_fy_q("2014/15", 1).id == "2014-15-Q1"


quarters = st.builds(Quarter, st.integers(1990, 2099), st.integers(1, 4))


@given(quarters)
def test_round_trip_of_both_spellings(q):
    assert parse_quarter(q.id) == q
    assert parse_quarter(q.label) == q


@given(quarters)
def test_previous_and_next_are_inverse_and_ordered(q):
    if q.start_year > 1990:
        assert q.previous().next() == q
        assert q.previous() < q
        assert q.previous().end + dt.timedelta(days=1) == q.start


@given(st.dates(dt.date(1991, 1, 1), dt.date(2099, 12, 31)))
def test_every_date_falls_inside_its_quarter(day):
    q = quarter_of(day)
    assert q.start <= day <= q.end


@given(st.text(max_size=20))
def test_parser_never_crashes_on_junk(text):
    try:
        parse_quarter(text)
    except PeriodError:
        pass


def test_the_boundary_converter_takes_a_quarter_or_its_text():
    q = Quarter(2024, 1)
    assert Quarter.of(q) is q
    assert Quarter.of("2024/25 Q1") == q


@pytest.mark.parametrize("value", ["2024-25-Q5", "", None, 2024])
def test_the_boundary_converter_names_the_bad_value(value):
    with pytest.raises(PeriodError, match=re.escape(repr(value))):
        Quarter.of(value)
