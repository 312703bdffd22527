"""The data behind the reports as tidy pandas DataFrames, for analysts exploring in a notebook.

::

    from analysis.compute import access

    access.tracker_rows("leicestershire")                  # every snapshot's rows for one force
    access.statuses("leicestershire", "2024-25-Q1")        # one row per recommendation (rolled up)
    access.observations("leicestershire", "charge_rate_closed")   # any measure, any force
    access.charge_rates("leicestershire")                  # quarterly charge rate with its 95% interval
    access.national_table("2024-25-Q1")                    # all forces for one quarter (funnel classes)
    access.process_behaviour("leicestershire", "2024-25-Q1")      # SPC results per key measure

Four rules hold for every function here:

* **Names.** Data functions are nouns and return a DataFrame, one row per observation; figure
  functions live in ``analysis.present.*_charts`` and start with ``chart_`` (they return
  ``(figure, alt_text)``). One name per thing, in columns and arguments alike: ``force_id``,
  ``force_name``, ``measure_id``, ``period`` (a financial quarter such as ``"2024-25-Q1"``, or a
  measure's own period) and ``period_label``.
* **Order.** Positional arguments, where a function takes them, come in the order ``force_id``,
  ``period``, ``measure_id``; everything else (``audience``, ``framework``, ``basis``, ``up_to``,
  ``data_dir``...) is keyword-only.
* **Types.** Dates are pandas datetimes (``as_of``, ``known_at``, ``period_end``); counts are
  integers (nullable ``Int64`` where a count can be missing); rates are floats. A rate's unit is in
  its column name: ``_pct`` is a percentage (0-100), ``_prop`` a proportion (0-1). ``observations``
  mixes measures, so its ``value``, ``lower`` and ``upper`` are in the unit named in its ``unit``
  column (``percent`` means 0-100). Every returned frame is checked against a pandera schema (its
  columns and dtypes are listed in each function's docstring).
* **Audience.** ``audience="public"`` never returns an OFFICIAL-SENSITIVE row (the same filter the
  public reports use); the default, ``"internal"``, returns everything.

Arguments: ``force_id`` is a slug, ONS code or name (``None``: every force); ``up_to`` keeps only
periods ending on or before the end of that quarter (what a report for that quarter may show);
``data_dir`` another data tree (default: ``CASEY_DATA_DIR`` or the repository's ``data/``). Tracker
functions read ``data/processed``: run ``casey build`` first.

**Deprecated names (kept until the next release).** The old argument names (:data:`RENAMED_ARGUMENTS`:
``force``, ``quarter``, ``measure``), options passed by position, and ``observations(measure, force)``
in that order still work with a ``DeprecationWarning``. Returned frames still answer ``frame[old]``
for the old column names in :data:`RENAMED_COLUMNS` (``quarter``, ``quarter_label``, ``name``,
``id``), with a ``DeprecationWarning``; other ways of naming a column (``groupby``, ``query``,
attribute access) need the new names.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.compute import measure_sections, measures, progress, stats
from analysis.compute.as_at import ended_by, rows_through
from analysis.compute.report_model import MissingProcessedData
from analysis.core import config, periods
from analysis.core.audience import Audience
from analysis.core.forces import all_forces, get_force
from analysis.core.periods import Quarter
from analysis.sources.catalogue import load_framework
from analysis.sources.markings import public_mask
from analysis.sources.measure_registry import load_registry

RENAMED_ARGUMENTS = {"force": "force_id", "quarter": "period", "measure": "measure_id"}
"""Old argument name -> new; the old one still works, with a DeprecationWarning, until the next release."""
RENAMED_COLUMNS = {"quarter": "period", "quarter_label": "period_label", "name": "force_name", "id": "measure_id"}
"""Old column name -> new; ``frame[old]`` still works, with a DeprecationWarning, until the next release."""


def _deprecated(message: str, stacklevel: int = 3) -> None:
    warnings.warn(f"{message} (deprecated; the old form goes in the next release)", DeprecationWarning, stacklevel)


class AccessFrame(pd.DataFrame):
    """A DataFrame that still answers ``frame[old_name]`` (:data:`RENAMED_COLUMNS`) for one release, with a warning."""

    @property
    def _constructor(self):
        return AccessFrame

    def __getitem__(self, key):
        if isinstance(key, str) and key in RENAMED_COLUMNS and key not in self.columns:
            _deprecated(f"column {key!r} is now {RENAMED_COLUMNS[key]!r}")
            key = RENAMED_COLUMNS[key]
        elif isinstance(key, list) and any(isinstance(k, str) and k in RENAMED_COLUMNS for k in key):
            old = [k for k in key if isinstance(k, str) and k in RENAMED_COLUMNS and k not in self.columns]
            if old:
                _deprecated(", ".join(f"column {k!r} is now {RENAMED_COLUMNS[k]!r}" for k in old))
                key = [RENAMED_COLUMNS[k] if k in old else k for k in key]
        return super().__getitem__(key)


COLUMN_TYPES: dict[str, tuple] = {
    "text": (str, False),
    "text or blank": (str, True),
    "date or missing": (pa.DateTime, True),
    "count": ("int64", False),
    "count or missing": ("Int64", True),
    "flag": (bool, False),
    "number": (float, False),
    "number or missing": (float, True),
}
"""The types the data dictionary names -> (dtype, nullable)."""
COLUMNS_FILE = config.PACKAGE_DIR / "compute" / "access_columns.csv"
"""The data dictionary: every table's columns, in order, with their types (``table,column,type``)."""


def _schemas(path: Path = COLUMNS_FILE) -> dict[str, pa.DataFrameSchema]:
    """A strict, ordered pandera schema per table of the data dictionary."""
    tables: dict[str, dict[str, pa.Column]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["type"] not in COLUMN_TYPES:
                raise ValueError(f"{path}: row {line}: type: {row['type']!r} is not one of {', '.join(COLUMN_TYPES)}")
            dtype, nullable = COLUMN_TYPES[row["type"]]
            tables.setdefault(row["table"], {})[row["column"]] = pa.Column(dtype, nullable=nullable)
    return {name: pa.DataFrameSchema(columns, strict=True, ordered=True, name=name) for name, columns in tables.items()}


_SCHEMAS = _schemas()
FORCE_SCHEMA, MEASURE_SCHEMA = _SCHEMAS["forces"], _SCHEMAS["measure_registry"]
TRACKER_SCHEMA, STATUS_SCHEMA = _SCHEMAS["tracker_rows"], _SCHEMAS["statuses"]
OBSERVATION_SCHEMA, CHARGE_RATE_SCHEMA = _SCHEMAS["observations"], _SCHEMAS["charge_rates"]
NATIONAL_SCHEMA, SPC_SCHEMA = _SCHEMAS["national_table"], _SCHEMAS["process_behaviour"]
TRACKER_COLUMNS = list(TRACKER_SCHEMA.columns)
TRACKER_OLD_ORDER = ("force", "quarter", "audience", "framework", "data_dir", "up_to")
"""The positional order of tracker_rows() and statuses() before their options became keyword-only."""
OBSERVATION_COLUMNS = list(OBSERVATION_SCHEMA.columns)
CHARGE_RATE_COLUMNS = list(CHARGE_RATE_SCHEMA.columns)
SPC_COLUMNS = list(SPC_SCHEMA.columns)


def dtype_name(column: pa.Column) -> str:
    """The dtype as pandas names it (pandera calls pandas 3's ``str`` dtype ``string[python]``, and any
    datetime resolution ``datetime64[ns]``)."""
    name = str(column.dtype)
    if name.startswith("string"):
        return "str"
    return "datetime64 (pandas Timestamps)" if name.startswith("datetime64") else name


def _columns_doc(schema: pa.DataFrameSchema) -> str:
    lines = [
        f"    * ``{c}``: {dtype_name(col)}{' (may be missing)' if col.nullable else ''}"
        for c, col in schema.columns.items()
    ]
    return (
        "\n\n    Returns a DataFrame with these columns, in this order (checked by a pandera schema):\n\n"
        + "\n".join(lines)
        + "\n"
    )


def _returns(schema: pa.DataFrameSchema, old_order: tuple[str, ...] = ()):
    """Validate the result against ``schema`` (and list its columns in the docstring); accept the old
    argument names and, for the old positional order ``old_order``, options passed by position."""

    def wrap(func):
        params = inspect.signature(func).parameters.values()
        positional = sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)

        @functools.wraps(func)
        def inner(*args, **kwargs):
            for old, new in RENAMED_ARGUMENTS.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old}= and {new}=")
                    _deprecated(f"{func.__name__}({old}=...) is now {func.__name__}({new}=...)")
                    kwargs[new] = kwargs.pop(old)
            if len(args) > positional and len(args) <= len(old_order):
                extra = [RENAMED_ARGUMENTS.get(n, n) for n in old_order[positional : len(args)]]
                _deprecated(f"{func.__name__}(): pass {', '.join(extra)} by keyword")
                for name, value in zip(extra, args[positional:]):
                    if name in kwargs:
                        raise TypeError(f"{func.__name__}() got {name} both by position and by keyword")
                    kwargs[name] = value
                args = args[:positional]
            return AccessFrame(schema.validate(func(*args, **kwargs)))

        inner.__doc__ = (func.__doc__ or "").rstrip() + _columns_doc(schema)
        inner.schema = schema
        return inner

    return wrap


def _takes_the_arguments_of(model):
    """Give a function that forwards ``**options`` to ``model`` the model's signature (for help() and editors)."""

    def wrap(func):
        returns = inspect.signature(func).return_annotation
        func.__signature__ = inspect.signature(model).replace(return_annotation=returns)
        return func

    return wrap


def _empty(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """No rows, but the schema's columns and dtypes (so an empty answer still validates and concatenates)."""
    return pd.DataFrame({c: pd.Series(dtype=col.dtype.type) for c, col in schema.columns.items()})


def _counts(frame: pd.DataFrame, columns, what: str) -> pd.DataFrame:
    """Counts as nullable integers; a fractional count is a data error, named with its row."""
    frame = frame.copy()
    for column in columns:
        values = pd.to_numeric(frame[column])
        fractional = values.notna() & (values % 1 != 0)
        if fractional.any():
            row = frame[fractional].iloc[0]
            where = ", ".join(f"{k}={row[k]}" for k in ("measure_id", "force_id", "period") if k in frame.columns)
            raise ValueError(f"{what}: {column} is a count but is {values[fractional].iloc[0]} ({where})")
        frame[column] = values.astype("Int64")
    return frame


def _visible(frame: pd.DataFrame, audience: Audience) -> pd.DataFrame:
    """Drop OFFICIAL-SENSITIVE rows for the public (any table with a ``marking`` column)."""
    if audience.is_public:
        frame = frame[public_mask(frame["marking"], "tracker rows or observations")]
    return frame.reset_index(drop=True)


def _force_names(data_dir) -> dict[str, str]:
    return {f.id: f.name for f in all_forces(data_dir)} | {measures.NATIONAL_ID: measures.NATIONAL_NAME}


def _resolve_force(force_id, data_dir) -> str | None:
    if force_id is None:
        return None
    if str(force_id).strip().lower() in (measures.NATIONAL_ID, measures.NATIONAL_NAME.lower()):
        return measures.NATIONAL_ID
    return get_force(force_id, data_dir).id


def _quarter_index(period: str) -> int:
    return Quarter.of(period).index


@_returns(FORCE_SCHEMA, old_order=("data_dir",))
def forces(*, data_dir=None) -> pd.DataFrame:
    """The 43 territorial forces: slug, ONS code, name, region, country."""
    frame = pd.DataFrame([f.__dict__ for f in all_forces(data_dir)])
    return frame.rename(columns={"id": "force_id", "name": "force_name"})[list(FORCE_SCHEMA.columns)]


@_returns(MEASURE_SCHEMA, old_order=("data_dir",))
def measure_registry(*, data_dir=None) -> pd.DataFrame:
    """Every measure the reports know: id, key measure, title, definition, unit, better direction, source..."""
    frame = pd.DataFrame([m.__dict__ for m in load_registry(data_dir).values()])
    return frame.rename(columns={"id": "measure_id"})[list(MEASURE_SCHEMA.columns)]


@_returns(TRACKER_SCHEMA, old_order=TRACKER_OLD_ORDER)
def tracker_rows(
    force_id=None,
    period=None,
    *,
    audience: str = "internal",
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    up_to=None,
) -> pd.DataFrame:
    """Tracker rows as the forces wrote them, one row per recommendation or sub-part per snapshot.

    ``period`` picks one snapshot's quarter; leave it out for all snapshots (``up_to`` to stop at a
    quarter). ``recommendation_id`` is the top-level recommendation, ``item_id`` the row's own id (a
    sub-part such as ``"4(ii)"`` or the recommendation itself); ``as_of`` the date the snapshot
    describes.
    """
    audience = Audience.of(audience)  # the analyst's string, checked before anything is read
    fw = load_framework(framework, data_dir)
    path = config.processed_dir(data_dir) / "trackers" / f"{fw.id}.csv"
    if not path.exists():
        raise MissingProcessedData(f"{path} is missing: run `casey build` first to build data/processed from data/raw")
    table = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns={"quarter": "period"})
    force = _resolve_force(force_id, data_dir)
    if force:
        table = table[table["force_id"] == force]
    if period is not None:
        table = table[table["period"] == Quarter.of(period).id]
    if up_to is not None:
        table = rows_through(table, Quarter.of(up_to), "period")
    table = _visible(table, audience)
    table = table.rename(columns={"recommendation_id": "item_id"})
    table["recommendation_id"] = table["item_id"].map(fw.recommendation_of)
    table["force_name"] = table["force_id"].map(_force_names(data_dir))
    table["period_label"] = table["period"].map(lambda q: Quarter.of(q).label)
    table["as_of"] = pd.to_datetime(table["as_of"].replace("", None), format="ISO8601")
    table["item_order"] = pd.to_numeric(table["item_order"]).astype("int64")
    table = table.assign(_q=table["period"].map(_quarter_index)).sort_values(
        ["force_id", "_q", "item_order"], kind="stable"
    )
    return table[TRACKER_COLUMNS].reset_index(drop=True)


@_returns(STATUS_SCHEMA, old_order=TRACKER_OLD_ORDER)
@_takes_the_arguments_of(tracker_rows)
def statuses(force_id=None, period=None, **options) -> pd.DataFrame:
    """One row per recommendation per snapshot, rolled up from its parts as the reports do.

    It takes the arguments of :func:`tracker_rows`. For the public, the roll-up uses only the rows the public
    may see. ``rows`` counts the tracker rows behind the recommendation; ``section`` is the framework's
    neutral section name.
    """
    arguments = inspect.signature(tracker_rows).bind(force_id, period, **options)
    arguments.apply_defaults()
    rows = tracker_rows(*arguments.args, **arguments.kwargs)
    fw = load_framework(arguments.arguments["framework"], arguments.arguments["data_dir"])
    frames = []
    for (force, snapshot), group in rows.groupby(["force_id", "period"], sort=False):
        table = progress.recommendation_status(fw, group.assign(recommendation_id=group["item_id"]))
        frames.append(
            table.assign(
                force_id=force,
                force_name=group["force_name"].iloc[0],
                period=snapshot,
                period_label=group["period_label"].iloc[0],
            )
        )
    columns = list(STATUS_SCHEMA.columns)
    if not frames:
        return _empty(STATUS_SCHEMA)
    frame = pd.concat(frames, ignore_index=True)[columns]
    return frame.astype(
        {"rows": "int64", "applicable": bool, "in_tracker": bool, "has_evidence": bool, "has_actions": bool}
    )


def _measure_ids(measure_id, registry, obs) -> set[str]:
    keys = {m.id for m in registry.values() if m.key_measure == measure_id} or {measure_id}
    if keys - set(registry) - set(obs["measure_id"]):
        raise KeyError(f"unknown measure {measure_id!r}; see access.measure_registry() for the ids")
    return keys


@_returns(OBSERVATION_SCHEMA, old_order=("measure", "force", "audience", "data_dir", "up_to"))
def observations(
    force_id=None, measure_id=None, *, audience: str = "internal", data_dir=None, up_to=None
) -> pd.DataFrame:
    """Measure observations: any force (``"england-and-wales"`` for the national figure), any measure (a
    measure id, or a key measure such as ``"charge-rate"`` for all of its measures).

    ``value``, ``lower`` and ``upper`` are in the unit named in ``unit`` (``percent`` is 0-100);
    ``lower``/``upper`` are a 95% Wilson interval where the value is a percentage of counts, else
    missing. ``period_end`` is the last day the period covers, ``known_at`` the day the figure was
    published (or the documented rule's date where none is recorded). ``marking`` is the protective
    marking (published statistics are OFFICIAL).
    """
    audience = Audience.of(audience)
    obs = measures.observations(data_dir)
    registry = load_registry(data_dir)
    if force_id is not None and _names_a_measure(force_id, registry):
        # the old order was observations(measure, force): keep it working for one release
        _deprecated("observations(measure, force) is now observations(force_id, measure_id)", stacklevel=4)
        force_id, measure_id = measure_id, force_id
    if measure_id is not None:
        obs = obs[obs["measure_id"].isin(_measure_ids(measure_id, registry, obs))]
    force = _resolve_force(force_id, data_dir)
    if force:
        obs = obs[obs["force_id"] == force]
    obs = obs.copy()
    if "marking" not in obs.columns:
        obs["marking"] = "OFFICIAL"
    obs["marking"] = obs["marking"].replace("", "OFFICIAL").fillna("OFFICIAL")
    for name in ("title", "key_measure", "unit", "direction"):
        obs[name] = obs["measure_id"].map({k: getattr(m, name) for k, m in registry.items()})
    obs["force_name"] = obs["force_id"].map(_force_names(data_dir))
    obs["period_label"] = [periods.period_label(p, t) for p, t in zip(obs["period"], obs["period_type"])]
    obs["period_end"] = pd.to_datetime(
        [periods.period_end(p, t) for p, t in zip(obs["period"], obs["period_type"])], errors="coerce"
    )
    obs["known_at"] = pd.to_datetime(obs["known_at"].replace("", None), format="ISO8601")
    if up_to is not None:
        obs = obs[ended_by(obs["period_end"], Quarter.of(up_to))]
    obs = _with_intervals(_counts(obs, ("numerator", "denominator"), "observations"))
    obs = _visible(obs, audience)
    return (
        obs[OBSERVATION_COLUMNS]
        .sort_values(["measure_id", "force_id", "period_end"], kind="stable")
        .reset_index(drop=True)
    )


def _names_a_measure(value, registry) -> bool:
    return str(value) in registry or any(m.key_measure == value for m in registry.values())


def _with_intervals(obs: pd.DataFrame) -> pd.DataFrame:
    """95% Wilson intervals, in percent, where the value is a percentage of counts."""
    counted = (obs["unit"] == "percent") & obs["numerator"].notna() & (obs["denominator"].fillna(0) > 0)
    obs["lower"], obs["upper"] = np.nan, np.nan
    if counted.any():
        num, den = (obs.loc[counted, c].astype("int64").to_numpy() for c in ("numerator", "denominator"))
        _, lower, upper = stats.wilson_interval(num, den)
        obs.loc[counted, "lower"], obs.loc[counted, "upper"] = 100 * np.asarray(lower), 100 * np.asarray(upper)
    return obs


@_returns(CHARGE_RATE_SCHEMA, old_order=("force", "basis", "data_dir", "national", "up_to"))
def charge_rates(
    force_id=None, *, basis: str | None = "closed", national: bool = True, data_dir=None, up_to=None
) -> pd.DataFrame:
    """Quarterly charge rate per force (Home Office outcomes), with its 95% Wilson interval, in percent.

    ``basis`` is ``"closed"`` (outcomes assigned in the quarter) or ``"recorded"`` (crimes recorded
    in the quarter; recent quarters incomplete), ``None`` for both. ``national=True`` adds the
    England and Wales rows (``force_id == "england-and-wales"``). Quarters with no usable data are
    kept with missing counts and a ``note`` saying why.
    """
    if basis not in (None, "closed", "recorded"):
        raise ValueError(f"basis must be 'closed', 'recorded' or None, got {basis!r}")
    frames = [measures.charge_rate_series(data_dir)]
    if national:
        frames.append(measures.national_series(data_dir))
    series = pd.concat(frames, ignore_index=True)
    force = _resolve_force(force_id, data_dir)
    if force:
        series = series[series["force_id"].isin({force, measures.NATIONAL_ID} if national else {force})]
    if basis:
        series = series[series["basis"] == basis]
    if up_to is not None:
        series = rows_through(series, Quarter.of(up_to), "period")
    series = series.assign(
        force_name=series["force_id"].map(_force_names(data_dir)),
        period_label=series["period"].map(lambda p: Quarter.of(p).label),
        rate_pct=100 * series["rate"],
        lower_pct=100 * series["lower"],
        upper_pct=100 * series["upper"],
    )
    series = _counts(series, ("charges", "assigned"), "charge_rates")
    return series[CHARGE_RATE_COLUMNS].sort_values(["force_id", "basis", "period"]).reset_index(drop=True)


@_returns(NATIONAL_SCHEMA, old_order=("quarter", "basis", "data_dir"))
def national_table(period, *, basis: str = "closed", data_dir=None) -> pd.DataFrame:
    """Every force's charge rate for one quarter, with intervals and funnel-plot class, in percent.

    Rows are in force-name order, not ranked (this is not a league table). ``funnel`` uses limits
    widened for over-dispersion (``phi``); ``funnel_unadjusted`` plain binomial limits. Raises
    ``KeyError`` when no charge rates are published for the quarter.
    """
    table = measure_sections.national_measure_table(Quarter.of(period), data_dir, basis)
    return _counts(table, ("charges", "assigned", "national_charges", "national_assigned"), "national_table")


@_returns(SPC_SCHEMA, old_order=("force", "quarter", "data_dir"))
def process_behaviour(force_id, period, *, data_dir=None) -> pd.DataFrame:
    """Process-behaviour (SPC) results per key measure for one force and quarter, as the report shows them.

    ``variation`` is common_cause or special_cause_improving/concerning/neutral; ``assurance``
    consistently_passes/consistently_fails/hit_and_miss or missing. Needs ``analysis.compute.spc``;
    raises ``NotImplementedError`` saying so where this version lacks it.
    """
    if importlib.util.find_spec("analysis.compute.spc") is None:
        raise NotImplementedError(
            "process-behaviour results need analysis.compute.spc, which this version of the package does not have yet"
        )
    force, q = get_force(force_id, data_dir).id, Quarter.of(period)
    rows = []
    for section in measure_sections.measure_sections(force, q, data_dir):
        spc = getattr(section, "spc", None)
        if spc is None:
            continue
        rows.append(
            {
                "force_id": force,
                "period": q.id,
                "key_measure": section.key_measure,
                "title": section.title,
                **{c: getattr(spc, c, None) for c in SPC_COLUMNS[4:]},
            }
        )
    frame = pd.DataFrame(rows, columns=SPC_COLUMNS)
    return frame.astype(dict.fromkeys(SPC_COLUMNS, "str")) if rows else _empty(SPC_SCHEMA)
