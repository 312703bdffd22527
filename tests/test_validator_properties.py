"""Property-based tests: the quarter parser, and the tracker validator on random trackers."""

import datetime as dt

import pandas as pd
from conftest import ROOT
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.core.periods import PeriodError, Quarter, parse_quarter, quarter_of
from analysis.sources.catalogue import load_framework
from analysis.sources.trackers import COLUMNS, MARKINGS, STATUS_BASES, STATUSES, read_raw, validate_frame

CASEY = load_framework("casey-2023", ROOT / "data")
QUARTERS = st.builds(Quarter, st.integers(1990, 2099), st.integers(1, 4))


# --- quarters -------------------------------------------------------------------------------------


@given(
    QUARTERS,
    st.sampled_from(["{id}", "{label}", "{s}/{e4} Q{q}", " {s}-{e2} q{q} ", "FY{s}/{e2} Q{q}", "{s}/{e2}-Q{q}"]),
)
def test_every_spelling_of_a_quarter_parses_back(quarter, form):
    text = form.format(
        id=quarter.id,
        label=quarter.label,
        s=quarter.start_year,
        e4=quarter.start_year + 1,
        e2=f"{(quarter.start_year + 1) % 100:02d}",
        q=quarter.q,
    )
    assert parse_quarter(text) == quarter


@given(QUARTERS)
def test_quarter_dates_and_neighbours_agree(quarter):
    assert quarter_of(quarter.start) == quarter == quarter_of(quarter.end)
    assert (quarter.end - quarter.start).days in range(89, 92)
    assume(1990 < quarter.start_year < 2099)
    assert quarter.next().previous() == quarter and quarter.previous() < quarter < quarter.next()
    assert quarter.next().start == quarter.end + dt.timedelta(days=1)
    assert quarter.minus(4) == Quarter(quarter.start_year - 1, quarter.q)


@given(st.text(max_size=30))
def test_the_parser_only_raises_period_errors(text):
    try:
        parsed = parse_quarter(text)
    except PeriodError:
        return
    assert parse_quarter(parsed.id) == parsed


@given(QUARTERS, st.integers(-5, 5).filter(lambda n: n != 1))
def test_years_that_do_not_follow_are_rejected(quarter, gap):
    text = f"{quarter.start_year}/{quarter.start_year + gap} Q{quarter.q}"
    try:
        parse_quarter(text)
    except PeriodError:
        return
    raise AssertionError(f"{text} was accepted")


# --- trackers -------------------------------------------------------------------------------------

FREE = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from([",", '"', "\n", "'"]), max_size=40)
NONBLANK = FREE.filter(lambda s: s.strip() != "")


def spelled(values, variants):
    """A canonical value, or a variant the normaliser accepts (case, spaces, hyphens, padding)."""
    return st.sampled_from(values).flatmap(lambda v: st.sampled_from([f(v) for f in variants]))


STATUS = spelled(
    STATUSES,
    [str, str.upper, lambda v: v.replace("_", " ").title(), lambda v: v.replace("_", "-"), lambda v: f"  {v} "],
)
MARKING = spelled(MARKINGS, [str, str.lower, lambda v: v.replace("-", " ").title(), lambda v: f" {v}"])
BASIS = spelled(STATUS_BASES, [str, str.upper, str.title])


@st.composite
def trackers(draw):
    ids = draw(st.lists(st.sampled_from(CASEY.ids), min_size=1, max_size=8, unique=True))
    rows = [
        {
            "recommendation_id": draw(st.sampled_from([i, f" {i}", f"{i} "])),
            "status": draw(STATUS),
            "owner": draw(FREE),
            "evidence": draw(FREE),
            "actions": draw(FREE),
            "linked_workstreams": draw(FREE),
            "marking": draw(MARKING),
            "status_basis": draw(BASIS),
            "source": draw(NONBLANK),
        }
        for i in ids
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def round_trip(frame: pd.DataFrame, tmp_path_factory) -> pd.DataFrame:
    """Through a real CSV file, as a force would send it."""
    path = tmp_path_factory.mktemp("prop") / "t.csv"
    path.write_bytes(frame.to_csv(index=False).encode("utf-8"))
    return read_raw(path)


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@SETTINGS
@given(trackers())
def test_random_valid_trackers_validate(tmp_path_factory, frame):
    clean, problems = validate_frame(round_trip(frame, tmp_path_factory), CASEY, "t.csv")
    assert problems == []
    assert len(clean) == len(frame)
    assert set(clean["status"]) <= set(STATUSES) and set(clean["marking"]) <= set(MARKINGS)


CORRUPTIONS = {
    "recommendation_id": [lambda f, i: "99", lambda f, i: "4.xx", lambda f, i: "", lambda f, i: "duplicate"],
    "status": [lambda f, i: "finished", lambda f, i: "", lambda f, i: "Amber", lambda f, i: "30/06/2024"],
    "marking": [lambda f, i: "SECRET", lambda f, i: "", lambda f, i: "OFFICIAL SENSITIVE X"],
    "status_basis": [lambda f, i: "guessed", lambda f, i: ""],
    "source": [lambda f, i: "", lambda f, i: "   "],
}


@SETTINGS
@given(trackers(), st.data())
def test_a_single_corruption_is_reported_at_its_row_and_field(tmp_path_factory, frame, data):
    field = data.draw(st.sampled_from(sorted(CORRUPTIONS)))
    make = data.draw(st.sampled_from(CORRUPTIONS[field]))
    bad = frame.copy()
    if make(bad, 0) == "duplicate":
        assume(len(bad) >= 2)
        index = data.draw(st.integers(1, len(bad) - 1))
        earlier = data.draw(st.integers(0, index - 1))
        bad.at[index, field] = bad.at[earlier, field].strip()
    else:
        index = data.draw(st.integers(0, len(bad) - 1))
        bad.at[index, field] = make(bad, index)
    _, problems = validate_frame(round_trip(bad, tmp_path_factory), CASEY, "t.csv")
    assert {(p.row, p.field) for p in problems} == {(index + 2, field)}, [str(p) for p in problems]
    assert all(str(p).startswith(f"t.csv: row {index + 2}: {field}: ") for p in problems)
