"""The analysts' data-access layer: tidy frames, one unit rule, one naming rule, audience filtering."""

import inspect
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import copy_real_data

from analysis.compute import access, measures
from analysis.present import measure_charts, tracker_charts
from analysis.run.build import build_all

TOKEN = "SENSITIVE-TOKEN-7731"  # the evidence of the fixture's one OFFICIAL-SENSITIVE row


@pytest.fixture
def built(fixture_data) -> Path:
    assert build_all(fixture_data).problems == []
    return fixture_data


@pytest.fixture(scope="module")
def with_measures(tmp_path_factory) -> Path:
    """The repository's real measures and registry (no trackers needed)."""
    return copy_real_data(tmp_path_factory.mktemp("access") / "data")


def test_tracker_rows_for_one_force_all_snapshots_and_one_quarter(built):
    every = access.tracker_rows("leicestershire", data_dir=built)
    assert list(every.columns) == access.TRACKER_COLUMNS
    assert sorted(every["period"].unique()) == ["2023-24-Q1", "2024-25-Q1"]
    one = access.tracker_rows("E23000021", "2024/25 Q1", data_dir=built)
    assert set(one["period"]) == {"2024-25-Q1"} and set(one["force_name"]) == {"Leicestershire"}
    assert access.tracker_rows("leicestershire", up_to="2023-24-Q4", data_dir=built)["period"].unique().tolist() == [
        "2023-24-Q1"
    ]


def test_public_view_never_returns_sensitive_rows(built):
    internal = access.tracker_rows("leicestershire", "2024-25-Q1", data_dir=built)
    public = access.tracker_rows("leicestershire", "2024-25-Q1", audience="public", data_dir=built)
    assert (internal["marking"] == "OFFICIAL-SENSITIVE").sum() == 1
    assert TOKEN in " ".join(internal["evidence"])
    assert len(public) == len(internal) - 1
    assert "OFFICIAL-SENSITIVE" not in set(public["marking"]) and TOKEN not in public.to_csv()
    rolled = access.statuses("leicestershire", "2024-25-Q1", audience="public", data_dir=built)
    assert TOKEN not in rolled.to_csv()
    assert rolled.set_index("recommendation_id").loc["6", "in_tracker"] == False  # noqa: E712 (numpy bool)
    with pytest.raises(ValueError, match="audience"):
        access.tracker_rows("leicestershire", audience="press", data_dir=built)


def test_public_observations_drop_sensitive_rows(with_measures, monkeypatch):
    real = measures.observations(with_measures)
    marked = real.assign(marking=np.where(real.index == real.index[0], "OFFICIAL-SENSITIVE", "OFFICIAL"))
    monkeypatch.setattr(measures, "observations", lambda data_dir=None: marked.copy())
    assert (access.observations(data_dir=with_measures)["marking"] == "OFFICIAL-SENSITIVE").sum() == 1
    public = access.observations(audience="public", data_dir=with_measures)
    assert len(public) == len(real) - 1 and set(public["marking"]) == {"OFFICIAL"}


def test_statuses_roll_up_like_the_report(built):
    from analysis.compute.report_model import load_report

    report = load_report("leicestershire", "2024-25-Q1", data_dir=built)
    mine = access.statuses("leicestershire", "2024-25-Q1", data_dir=built)
    assert (
        mine.set_index("recommendation_id")["status"].to_dict()
        == report.status.set_index("recommendation_id")["status"].to_dict()
    )


def test_observations_any_measure_any_force_with_interval(with_measures):
    obs = access.observations("leicestershire", "charge_rate_closed", data_dir=with_measures, up_to="2024-25-Q1")
    assert list(obs.columns) == access.OBSERVATION_COLUMNS
    assert set(obs["force_id"]) == {"leicestershire"} and set(obs["unit"]) == {"percent"}
    assert obs["period_end"].max() <= pd.Timestamp("2024-06-30")
    ok = obs.dropna(subset=["value"])
    assert ((ok["lower"] <= ok["value"]) & (ok["value"] <= ok["upper"])).all()
    assert np.allclose(ok["value"], 100 * ok["numerator"] / ok["denominator"])
    key = access.observations("england-and-wales", "charge-rate", data_dir=with_measures)
    assert {"charge_rate_closed", "charge_rate_recorded"} <= set(key["measure_id"])
    with pytest.raises(KeyError, match="measure_registry"):
        access.observations(measure_id="no_such_measure", data_dir=with_measures)


def test_one_unit_rule_rates_say_percent_in_their_names(with_measures):
    rates = access.charge_rates("leicestershire", data_dir=with_measures)
    assert list(rates.columns) == access.CHARGE_RATE_COLUMNS
    assert set(rates["force_id"]) == {"leicestershire", measures.NATIONAL_ID}
    raw = measures.charge_rate_series(with_measures)
    raw = raw[(raw["force_id"] == "leicestershire") & (raw["basis"] == "closed")].set_index("period")
    mine = rates[rates["force_id"] == "leicestershire"].set_index("period")
    assert np.allclose(mine["rate_pct"], 100 * raw["rate"], equal_nan=True)
    table = access.national_table("2024-25-Q1", data_dir=with_measures)
    for frame in (rates, table):
        rate_columns = [c for c in frame.columns if "rate" in c or c in ("lower", "upper")]
        assert all(c.endswith(("_pct", "_prop")) for c in rate_columns), rate_columns
        assert frame["rate_pct"].dropna().between(0, 100).all() and frame["rate_pct"].max() > 1


def test_one_naming_rule_data_nouns_figures_chart(with_measures):
    data_functions = {
        n
        for n, f in inspect.getmembers(access, inspect.isfunction)
        if f.__module__ == access.__name__ and not n.startswith("_")
    }
    figures = {
        n
        for module in (measure_charts, tracker_charts)
        for n, f in inspect.getmembers(module, inspect.isfunction)
        if f.__module__ == module.__name__
    }
    assert not data_functions & figures
    assert not any(n.startswith(("chart_", "plot_")) for n in data_functions)
    assert {
        "chart_funnel",
        "chart_charge_rate",
        "chart_representation",
        "chart_status_by_section",
        "chart_status_history",
    } <= figures
    assert not hasattr(measure_charts, "charge_rate_series"), "a figure function shares a data function's name"
    fig, alt = measure_charts.chart_charge_rate("leicestershire", "2024-25-Q1", data_dir=with_measures)
    assert "Leicestershire" in alt and fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_process_behaviour_says_clearly_when_spc_is_missing(monkeypatch):
    monkeypatch.setattr(access.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(NotImplementedError, match=r"analysis\.compute\.spc"):
        access.process_behaviour("leicestershire", "2024-25-Q1")


def test_process_behaviour_reads_each_sections_spc(monkeypatch):
    summary = types.SimpleNamespace(
        variation="common_cause",
        assurance=None,
        variation_text="Steady.",
        assurance_text="",
        comparator_label="England and Wales",
    )
    sections = [
        types.SimpleNamespace(key_measure="charge-rate", title="Charge rates", spc=summary),
        types.SimpleNamespace(key_measure="trust-confidence", title="Trust", spc=None),
    ]
    monkeypatch.setattr(access.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(access.measure_sections, "measure_sections", lambda *a, **k: sections)
    frame = access.process_behaviour("leicestershire", "2024-25-Q1")
    assert list(frame.columns) == access.SPC_COLUMNS
    assert frame["assurance"].isna().all()  # missing (a str column holds NaN, not None)
    assert frame.drop(columns="assurance").to_dict("records") == [
        {
            "force_id": "leicestershire",
            "period": "2024-25-Q1",
            "key_measure": "charge-rate",
            "title": "Charge rates",
            "variation": "common_cause",
            "variation_text": "Steady.",
            "assurance_text": "",
            "comparator_label": "England and Wales",
        }
    ]


# ---- issue 21: one naming rule, one argument order, real dtypes, old names kept one release with a warning


def every_frame(built_with_measures) -> dict[str, pd.DataFrame]:
    d = built_with_measures
    return {
        "forces": access.forces(data_dir=d),
        "measure_registry": access.measure_registry(data_dir=d),
        "tracker_rows": access.tracker_rows("leicestershire", data_dir=d),
        "statuses": access.statuses("leicestershire", "2024-25-Q1", data_dir=d),
        "observations": access.observations("leicestershire", data_dir=d),
        "charge_rates": access.charge_rates("leicestershire", data_dir=d),
        "national_table": access.national_table("2024-25-Q1", data_dir=d),
    }


@pytest.fixture(scope="module")
def built_with_measures(tmp_path_factory) -> Path:
    """The repository's real raw data (trackers included), built."""
    return copy_real_data(tmp_path_factory.mktemp("access-built") / "data", build=True)


DATA_FUNCTIONS = [
    "forces",
    "measure_registry",
    "tracker_rows",
    "statuses",
    "observations",
    "charge_rates",
    "national_table",
    "process_behaviour",
]
OLD_NAMES = set(access.RENAMED_COLUMNS) | set(access.RENAMED_ARGUMENTS) | {"force", "measure"}


def test_every_function_returns_the_one_naming_rule_and_its_documented_dtypes(built_with_measures):
    for name, frame in every_frame(built_with_measures).items():
        schema = getattr(access, name).schema
        assert list(frame.columns) == list(schema.columns), name
        assert not OLD_NAMES & set(frame.columns), name
        assert len(frame), name
        for column, spec in schema.columns.items():
            assert f"``{column}``: {access.dtype_name(spec)}" in getattr(access, name).__doc__, (name, column)
        schema.validate(frame)  # documented, and what it returns
    frames = every_frame(built_with_measures)
    assert pd.api.types.is_datetime64_any_dtype(frames["tracker_rows"]["as_of"])
    assert frames["tracker_rows"]["as_of"].notna().all()
    for column in ("period_end", "known_at"):
        assert pd.api.types.is_datetime64_any_dtype(frames["observations"][column])
    for frame_name, columns in {
        "observations": ("numerator", "denominator"),
        "charge_rates": ("charges", "assigned"),
        "national_table": ("charges", "assigned", "national_charges", "national_assigned"),
    }.items():
        for column in columns:
            assert str(frames[frame_name][column].dtype) == "Int64", (frame_name, column)
    assert frames["observations"]["numerator"].isna().any()  # a measure with no counts: <NA>, not 0
    assert str(frames["statuses"]["rows"].dtype) == "int64"
    assert {"force_id", "force_name"} <= set(frames["forces"].columns)
    assert frames["measure_registry"]["measure_id"].is_unique


def test_one_argument_order_force_period_measure_then_keywords():
    order = ["force_id", "period", "measure_id"]
    for name in DATA_FUNCTIONS:
        params = inspect.signature(getattr(access, name)).parameters.values()
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert positional == [n for n in order if n in positional], (name, positional)
        assert not {p.name for p in params} & OLD_NAMES, name


def test_an_empty_answer_keeps_the_schema(built_with_measures):
    empty = access.statuses("cumbria", data_dir=built_with_measures)  # no tracker on record
    assert empty.empty and list(empty.columns) == list(access.statuses.schema.columns)
    access.statuses.schema.validate(empty)
    assert str(empty["rows"].dtype) == "int64"


def test_old_argument_names_and_positions_warn_and_still_work(built_with_measures):
    d = built_with_measures
    new = access.tracker_rows("leicestershire", "2024-25-Q1", audience="public", data_dir=d)
    with (
        pytest.warns(DeprecationWarning, match=r"tracker_rows\(force=\.\.\.\) is now tracker_rows\(force_id"),
        pytest.warns(DeprecationWarning, match=r"tracker_rows\(quarter=\.\.\.\) is now tracker_rows\(period"),
    ):
        old = access.tracker_rows(force="leicestershire", quarter="2024-25-Q1", audience="public", data_dir=d)
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(DeprecationWarning, match="pass audience by keyword"):
        pd.testing.assert_frame_equal(access.tracker_rows("leicestershire", "2024-25-Q1", "public", data_dir=d), new)
    with pytest.warns(DeprecationWarning, match=r"observations\(measure, force\) is now observations\(force_id"):
        old_order = access.observations("charge_rate_closed", "leicestershire", data_dir=d)
    pd.testing.assert_frame_equal(old_order, access.observations("leicestershire", "charge_rate_closed", data_dir=d))
    with pytest.warns(DeprecationWarning, match=r"measure=\.\.\."):
        assert set(access.observations(measure="charge-rate", data_dir=d)["key_measure"]) == {"charge-rate"}
    with pytest.warns(DeprecationWarning, match=r"national_table\(quarter=\.\.\.\)"):
        assert len(access.national_table(quarter="2024-25-Q1", data_dir=d)) == 43
    with pytest.warns(DeprecationWarning, match="pass data_dir by keyword"):
        assert len(access.forces(d)) == 43
    with pytest.raises(TypeError, match="both force= and force_id="):
        access.charge_rates(force="leicestershire", force_id="leicestershire", data_dir=d)


def test_old_column_names_warn_and_still_answer(built_with_measures):
    d = built_with_measures
    rows = access.tracker_rows("leicestershire", data_dir=d)
    with pytest.warns(DeprecationWarning, match="column 'quarter' is now 'period'"):
        assert rows["quarter"].equals(rows["period"])
    with pytest.warns(DeprecationWarning, match="'quarter_label' is now 'period_label'"):
        assert list(rows[["quarter_label", "status"]].columns) == ["period_label", "status"]
    recent = rows[rows["period"] == "2024-25-Q1"]  # derived frames keep the aliases for the release too
    with pytest.warns(DeprecationWarning, match="'name' is now 'force_name'"):
        assert access.forces(data_dir=d).head()["name"].iloc[0] == "Avon and Somerset"
    with pytest.warns(DeprecationWarning, match="'id' is now 'measure_id'"):
        assert "charge_rate_closed" in set(access.measure_registry(data_dir=d)["id"])
    with pytest.warns(DeprecationWarning):
        assert set(recent["quarter"]) == {"2024-25-Q1"}
    with pytest.raises(KeyError):
        rows["no_such_column"]


def test_a_fractional_count_is_an_error_naming_the_row():
    frame = pd.DataFrame({"measure_id": ["m"], "force_id": ["f"], "period": ["2024-25-Q1"], "numerator": [1.5]})
    with pytest.raises(
        ValueError, match=r"numerator is a count but is 1.5 \(measure_id=m, force_id=f, period=2024-25-Q1\)"
    ):
        access._counts(frame, ["numerator"], "observations")


def test_the_data_dictionary_names_every_table_and_rejects_an_unknown_type(tmp_path):
    tables = {getattr(access, name).schema.name for name in DATA_FUNCTIONS}
    assert tables == set(access._schemas()), "a data function without its table in access_columns.csv, or one left over"
    bad = tmp_path / "columns.csv"
    bad.write_text("table,column,type\nforces,force_id,text\nforces,pfa_code,txet\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"columns\.csv: row 3: type: 'txet' is not one of text, "):
        access._schemas(bad)


def test_statuses_takes_the_arguments_of_tracker_rows(built):
    assert inspect.signature(access.statuses).parameters == inspect.signature(access.tracker_rows).parameters
    with pytest.raises(TypeError, match="unexpected keyword argument 'audiences'"):
        access.statuses("leicestershire", audiences="public", data_dir=built)
