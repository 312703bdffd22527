"""The data behind the reports as tidy pandas DataFrames, for analysts exploring in a notebook.

::

    from analysis.compute import access

    access.tracker_rows("leicestershire")                  # every snapshot's rows for one force
    access.statuses("leicestershire", "2024-25-Q1")        # one row per recommendation (rolled up)
    access.observations("charge_rate_closed", "leicestershire")   # any measure, any force
    access.charge_rates("leicestershire")                  # quarterly charge rate with its 95% interval
    access.national_table("2024-25-Q1")                    # all forces for one quarter (funnel classes)
    access.process_behaviour("leicestershire", "2024-25-Q1")      # SPC results per key measure

Three rules hold for every function here:

* **Names.** Data functions are nouns and return a DataFrame, one row per observation; figure
  functions live in ``analysis.present.*_charts`` and start with ``chart_`` (they return
  ``(figure, alt_text)``).
* **Units.** A rate's unit is in its column name: ``_pct`` is a percentage (0-100), ``_prop`` a
  proportion (0-1). ``observations`` mixes measures, so its ``value``, ``lower`` and ``upper`` are
  in the unit named in its ``unit`` column (``percent`` means 0-100).
* **Audience.** ``audience="public"`` never returns an OFFICIAL-SENSITIVE row (the same filter the
  public reports use); the default, ``"internal"``, returns everything.

Arguments: ``force`` is a slug, ONS code or name (``None``: every force); ``quarter`` a financial
quarter such as ``"2024-25-Q1"``; ``up_to`` keeps only periods ending on or before the end of that
quarter (what a report for that quarter may show); ``data_dir`` another data tree (default:
``CASEY_DATA_DIR`` or the repository's ``data/``). Tracker functions read ``data/processed``:
run ``casey build`` first.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd

from analysis.compute import measure_sections, measures, progress, stats
from analysis.compute.report_model import AUDIENCES, MissingProcessedData
from analysis.core import config
from analysis.core.forces import all_forces, get_force
from analysis.core.periods import parse_quarter
from analysis.sources.catalogue import load_framework
from analysis.sources.trackers import SENSITIVE

TRACKER_COLUMNS = [
    "framework",
    "force_id",
    "force_name",
    "quarter",
    "quarter_label",
    "as_of",
    "recommendation_id",
    "item_id",
    "status",
    "status_basis",
    "owner",
    "evidence",
    "actions",
    "linked_workstreams",
    "marking",
    "source",
    "item_order",
]
OBSERVATION_COLUMNS = [
    "measure_id",
    "title",
    "key_measure",
    "unit",
    "direction",
    "force_id",
    "force_name",
    "period",
    "period_type",
    "period_label",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "lower",
    "upper",
    "source",
    "note",
    "marking",
]
CHARGE_RATE_COLUMNS = [
    "force_id",
    "force_name",
    "period",
    "period_label",
    "basis",
    "charges",
    "assigned",
    "rate_pct",
    "lower_pct",
    "upper_pct",
    "note",
]
SPC_COLUMNS = [
    "force_id",
    "quarter",
    "key_measure",
    "title",
    "variation",
    "assurance",
    "variation_text",
    "assurance_text",
    "comparator_label",
]


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")


def _visible(frame: pd.DataFrame, audience: str) -> pd.DataFrame:
    """Drop OFFICIAL-SENSITIVE rows for the public (any table with a ``marking`` column)."""
    _check_audience(audience)
    if audience == "public":
        frame = frame[frame["marking"] != SENSITIVE]
    return frame.reset_index(drop=True)


def _force_names(data_dir) -> dict[str, str]:
    return {f.id: f.name for f in all_forces(data_dir)} | {measures.NATIONAL_ID: measures.NATIONAL_NAME}


def _force_id(force, data_dir) -> str | None:
    if force is None:
        return None
    if str(force).strip().lower() in (measures.NATIONAL_ID, measures.NATIONAL_NAME.lower()):
        return measures.NATIONAL_ID
    return get_force(force, data_dir).id


def forces(data_dir=None) -> pd.DataFrame:
    """The 43 territorial forces: force_id (slug), pfa_code (ONS), name, region, country."""
    return pd.DataFrame([f.__dict__ for f in all_forces(data_dir)]).rename(columns={"id": "force_id"})


def measure_registry(data_dir=None) -> pd.DataFrame:
    """Every measure the reports know: id, key_measure, title, definition, unit, direction, source..."""
    return pd.DataFrame([m.__dict__ for m in measures.load_registry(data_dir).values()])


def tracker_rows(
    force=None,
    quarter=None,
    audience: str = "internal",
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    up_to=None,
) -> pd.DataFrame:
    """Tracker rows as the forces wrote them, one row per recommendation or sub-part per snapshot.

    ``quarter`` picks one snapshot; leave it out for all snapshots (``up_to`` to stop at a quarter).
    ``recommendation_id`` is the top-level recommendation, ``item_id`` the row's own id (a sub-part
    such as ``"4(ii)"`` or the recommendation itself). Columns: :data:`TRACKER_COLUMNS`.
    """
    _check_audience(audience)
    fw = load_framework(framework, data_dir)
    path = config.processed_dir(data_dir) / "trackers" / f"{fw.id}.csv"
    if not path.exists():
        raise MissingProcessedData(f"{path} is missing: run `casey build` first to build data/processed from data/raw")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    force_id = _force_id(force, data_dir)
    if force_id:
        table = table[table["force_id"] == force_id]
    if quarter is not None:
        table = table[table["quarter"] == parse_quarter(quarter).id]
    if up_to is not None:
        last = parse_quarter(up_to).index
        table = table[table["quarter"].map(lambda q: parse_quarter(q).index) <= last]
    table = _visible(table, audience)
    table = table.rename(columns={"recommendation_id": "item_id"})
    table["recommendation_id"] = table["item_id"].map(fw.recommendation_of)
    table["force_name"] = table["force_id"].map(_force_names(data_dir))
    table["quarter_label"] = table["quarter"].map(lambda q: parse_quarter(q).label)
    table["item_order"] = pd.to_numeric(table["item_order"])
    order = table["quarter"].map(lambda q: parse_quarter(q).index)
    table = table.assign(_q=order).sort_values(["force_id", "_q", "item_order"], kind="stable")
    return table[TRACKER_COLUMNS].reset_index(drop=True)


def statuses(
    force=None,
    quarter=None,
    audience: str = "internal",
    framework: str = config.DEFAULT_FRAMEWORK,
    data_dir=None,
    up_to=None,
) -> pd.DataFrame:
    """One row per recommendation per snapshot, rolled up from its parts as the reports do.

    Columns: force_id, force_name, quarter, quarter_label, recommendation_id, section, title, status,
    applicable, rows, in_tracker, has_evidence, has_actions, owner. For the public, the roll-up uses
    only the rows the public may see.
    """
    rows = tracker_rows(force, quarter, audience, framework, data_dir, up_to)
    fw = load_framework(framework, data_dir)
    frames = []
    for (force_id, snapshot), group in rows.groupby(["force_id", "quarter"], sort=False):
        table = progress.recommendation_status(fw, group.assign(recommendation_id=group["item_id"]))
        frames.append(
            table.assign(
                force_id=force_id,
                force_name=group["force_name"].iloc[0],
                quarter=snapshot,
                quarter_label=group["quarter_label"].iloc[0],
            )
        )
    columns = [
        "force_id",
        "force_name",
        "quarter",
        "quarter_label",
        "recommendation_id",
        "section",
        "title",
        "status",
        "applicable",
        "rows",
        "in_tracker",
        "has_evidence",
        "has_actions",
        "owner",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def observations(measure=None, force=None, audience: str = "internal", data_dir=None, up_to=None) -> pd.DataFrame:
    """Measure observations: any measure (a measure id, or a key measure such as ``"charge-rate"``
    for all of its measures), any force (``"england-and-wales"`` for the national figure).

    ``value``, ``lower`` and ``upper`` are in the unit named in ``unit`` (``percent`` is 0-100);
    ``lower``/``upper`` are a 95% Wilson interval where the value is a percentage of counts, else
    empty. ``period_end`` is the last day the period covers. ``marking`` is the protective marking
    (published statistics are OFFICIAL). Columns: :data:`OBSERVATION_COLUMNS`.
    """
    obs = measures.observations(data_dir)
    registry = measures.load_registry(data_dir)
    if measure is not None:
        keys = {m.id for m in registry.values() if m.key_measure == measure} or {measure}
        unknown = keys - set(registry) - set(obs["measure_id"])
        if unknown:
            raise KeyError(f"unknown measure {measure!r}; see access.measure_registry() for the ids")
        obs = obs[obs["measure_id"].isin(keys)]
    force_id = _force_id(force, data_dir)
    if force_id:
        obs = obs[obs["force_id"] == force_id]
    obs = obs.copy()
    if "marking" not in obs.columns:
        obs["marking"] = "OFFICIAL"
    obs["marking"] = obs["marking"].replace("", "OFFICIAL").fillna("OFFICIAL")
    for name in ("title", "key_measure", "unit", "direction"):
        obs[name] = obs["measure_id"].map({k: getattr(m, name) for k, m in registry.items()})
    obs["force_name"] = obs["force_id"].map(_force_names(data_dir))
    obs["period_label"] = [measures.period_label(p, t) for p, t in zip(obs["period"], obs["period_type"])]
    obs["period_end"] = pd.to_datetime(
        [measures.period_end(p, t) for p, t in zip(obs["period"], obs["period_type"])], errors="coerce"
    )
    if up_to is not None:
        obs = obs[obs["period_end"] <= pd.Timestamp(parse_quarter(up_to).end)]
    counted = (obs["unit"] == "percent") & obs["numerator"].notna() & (obs["denominator"] > 0)
    obs["lower"], obs["upper"] = np.nan, np.nan
    if counted.any():
        _, lower, upper = stats.wilson_interval(obs.loc[counted, "numerator"], obs.loc[counted, "denominator"])
        obs.loc[counted, "lower"], obs.loc[counted, "upper"] = 100 * np.asarray(lower), 100 * np.asarray(upper)
    obs = _visible(obs, audience)
    return (
        obs[OBSERVATION_COLUMNS]
        .sort_values(["measure_id", "force_id", "period_end"], kind="stable")
        .reset_index(drop=True)
    )


def charge_rates(
    force=None, basis: str | None = "closed", data_dir=None, national: bool = True, up_to=None
) -> pd.DataFrame:
    """Quarterly charge rate per force (Home Office outcomes), with its 95% Wilson interval, in percent.

    ``basis`` is ``"closed"`` (outcomes assigned in the quarter) or ``"recorded"`` (crimes recorded
    in the quarter; recent quarters incomplete), ``None`` for both. ``national=True`` adds the
    England and Wales rows (``force_id == "england-and-wales"``). Quarters with no usable data are
    kept with empty counts and a ``note`` saying why. Columns: :data:`CHARGE_RATE_COLUMNS`.
    """
    if basis not in (None, "closed", "recorded"):
        raise ValueError(f"basis must be 'closed', 'recorded' or None, got {basis!r}")
    frames = [measures.charge_rate_series(data_dir)]
    if national:
        frames.append(measures.national_series(data_dir))
    series = pd.concat(frames, ignore_index=True)
    force_id = _force_id(force, data_dir)
    if force_id:
        series = series[series["force_id"].isin({force_id, measures.NATIONAL_ID} if national else {force_id})]
    if basis:
        series = series[series["basis"] == basis]
    if up_to is not None:
        last = parse_quarter(up_to).index
        series = series[series["period"].map(lambda p: parse_quarter(p).index) <= last]
    series = series.assign(
        force_name=series["force_id"].map(_force_names(data_dir)),
        period_label=series["period"].map(lambda p: parse_quarter(p).label),
        rate_pct=100 * series["rate"],
        lower_pct=100 * series["lower"],
        upper_pct=100 * series["upper"],
    )
    return series[CHARGE_RATE_COLUMNS].sort_values(["force_id", "basis", "period"]).reset_index(drop=True)


def national_table(quarter, basis: str = "closed", data_dir=None) -> pd.DataFrame:
    """Every force's charge rate for one quarter, with intervals and funnel-plot class, in percent.

    Rows are in force-name order, not ranked (this is not a league table). ``funnel`` uses limits
    widened for over-dispersion (``phi``); ``funnel_unadjusted`` plain binomial limits.
    """
    return measure_sections.national_measure_table(quarter, data_dir, basis)


def process_behaviour(force, quarter, data_dir=None) -> pd.DataFrame:
    """Process-behaviour (SPC) results per key measure for one force and quarter, as the report shows them.

    Columns: :data:`SPC_COLUMNS` (``variation`` is common_cause or special_cause_improving/concerning/
    neutral; ``assurance`` consistently_passes/consistently_fails/hit_and_miss or empty). Needs
    ``analysis.compute.spc``; raises ``NotImplementedError`` saying so where this version lacks it.
    """
    if importlib.util.find_spec("analysis.compute.spc") is None:
        raise NotImplementedError(
            "process-behaviour results need analysis.compute.spc, which this version of the package does not have yet"
        )
    force_id, q = get_force(force, data_dir).id, parse_quarter(quarter)
    rows = []
    for section in measure_sections.measure_sections(force_id, q.id, data_dir):
        spc = getattr(section, "spc", None)
        if spc is None:
            continue
        rows.append(
            {
                "force_id": force_id,
                "quarter": q.id,
                "key_measure": section.key_measure,
                "title": section.title,
                **{c: getattr(spc, c, None) for c in SPC_COLUMNS[4:]},
            }
        )
    return pd.DataFrame(rows, columns=SPC_COLUMNS)
