"""Issue 20.5: a property-based fuzzer over the tracker and measures readers and the public filter.

Generated files have headings spelt any way the header rule folds (case, padding, hyphens, fullwidth letters,
zero-width spaces), sometimes a near miss, an unknown column or a second marking column; random markings; random
cell text; CSV, .xlsx or .ods. The outcome is always a clean error naming the file, a row (or header/file) and a
field, or a valid table; never another exception. When the table is valid, no text from an OFFICIAL-SENSITIVE row
(each carries a unique secret) passes the public filter.

CI runs a fixed seed and a bounded number of examples (FUZZ_EXAMPLES, default 25). Before a release run longer:
``FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_hostile_fuzz.py -q``.
"""

import os

import pandas as pd
from conftest import ROOT
from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st

from analysis.compute.progress import apply_audience, withheld_recommendations, without_recommendations
from analysis.core.audience import Audience
from analysis.sources import measure_files
from analysis.sources.catalogue import load_framework
from analysis.sources.markings import public_mask
from analysis.sources.trackers import COLUMNS, Problem, TrackerError, read_raw, validate_frame

CASEY = load_framework("casey-2023", ROOT / "data")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


HEADING = st.sampled_from(
    [
        str,
        str.upper,
        str.title,
        lambda h: f"  {h} ",
        lambda h: h.replace("_", " "),
        lambda h: h.replace("_", "-").upper(),
        _fullwidth,
        lambda h: "\u200b" + h,
    ]
)
NEAR_MISS = st.sampled_from([None] * 6 + [lambda h: h[:-1], lambda h: h + "s"])  # refused when drawn
MARKING = st.sampled_from(
    [
        "OFFICIAL",
        "official",
        " Official ",
        "OFFICIAL-SENSITIVE",
        "official sensitive",
        "Official_Sensitive",
        "SECRET",
        "",
    ]
)
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(["=", "<", ",", '"', "\n"]), max_size=20
)


def _is_sensitive(marking: str) -> bool:
    return "SENSITIVE" in marking.upper()


@st.composite
def tracker_files(draw):
    """(frame as it would be written, the secrets of its sensitive rows, the file suffix)."""
    ids = draw(st.lists(st.sampled_from(CASEY.ids), min_size=1, max_size=6, unique=True))
    secrets, rows = [], []
    for n, item in enumerate(ids):
        marking = draw(MARKING)
        secret = f"SECRET{n}X{draw(st.integers(1000, 9999))}"
        if _is_sensitive(marking):
            secrets.append(secret)
        rows.append(
            {
                "recommendation_id": item,
                "status": draw(st.sampled_from(["complete", "in_progress", "Not Started"] * 4 + ["done"])),
                "owner": draw(TEXT),
                "evidence": f"{draw(TEXT)} {secret}",
                "actions": draw(TEXT),
                "linked_workstreams": "",
                "marking": marking,
                "status_basis": "stated",
                "source": f"source {secret}",
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.columns = [draw(HEADING)(c) for c in frame.columns]
    miss = draw(NEAR_MISS)
    if miss:
        column = draw(st.integers(0, len(frame.columns) - 1))
        frame.columns = [miss(c) if i == column else c for i, c in enumerate(frame.columns)]
    extra = draw(st.sampled_from([None, None, None, "Marking", "notes", "RAG"]))
    if extra and extra not in frame.columns:  # (assigning to a heading already there would overwrite the markings)
        frame[extra] = "OFFICIAL"  # a second marking column (refused) or an unknown one (refused)
    return frame, secrets, draw(st.sampled_from([".csv", ".csv", ".xlsx", ".ods"]))


def _write(frame: pd.DataFrame, path):
    if path.suffix == ".csv":
        path.write_bytes(frame.to_csv(index=False).encode("utf-8"))
    else:
        frame.to_excel(path, index=False, sheet_name="Tracker", engine="odf" if path.suffix == ".ods" else "openpyxl")


def _clean(problems: list[Problem], path) -> None:
    """Every problem names the file, where (a row, header or file) and a field."""
    assert problems
    for problem in problems:
        assert problem.file == str(path) and problem.field is not None
        assert isinstance(problem.row, int) or problem.row in ("header", "file"), problem


@seed(20)
@FUZZ
@given(tracker_files())
def test_generated_trackers_give_a_clean_error_or_leak_nothing(tmp_path_factory, case):
    frame, secrets, suffix = case
    path = tmp_path_factory.mktemp("fuzz") / f"t{suffix}"
    _write(frame, path)
    try:
        clean, problems = validate_frame(read_raw(path), CASEY, str(path))
    except TrackerError as exc:
        event("refused on reading")
        return _clean(exc.problems, path)
    if problems:
        event("refused on validating")
        return _clean(problems, path)
    event("valid")
    assert (clean["marking"] == "OFFICIAL-SENSITIVE").sum() == len(secrets)  # every marking heading honoured
    public, _ = apply_audience(clean, Audience.PUBLIC)
    public = without_recommendations(CASEY, public, withheld_recommendations(CASEY, clean, Audience.PUBLIC))
    text = public.to_csv(index=False)
    assert not [s for s in secrets if s in text]


@st.composite
def measures_files(draw, owner="leicestershire"):
    marking_heading = draw(HEADING)("marking")
    miss = draw(NEAR_MISS)
    marking_heading = miss(marking_heading) if miss else marking_heading
    rows, secrets = [], []
    for n in range(draw(st.integers(1, 5))):
        marking = draw(MARKING)
        secret = f"MSECRET{n}"
        if _is_sensitive(marking):
            secrets.append(secret)
        value = draw(st.sampled_from(["12.5", "7", ""] * 4 + ["nan", "inf", "1e308", "-3"]))
        rows.append(
            [
                owner,
                "2023",
                "calendar_year",
                "vawg_positive_outcome_rate",
                "",
                "",
                value,
                "percent",
                secret,
                "",
                marking,
            ]
        )
    frame = pd.DataFrame(rows, columns=[*measure_files.LOCAL_COLUMNS, marking_heading])
    return frame, secrets


@seed(20)
@FUZZ
@given(measures_files())
def test_generated_measures_files_give_a_clean_error_or_leak_nothing(measures_tree, case):
    frame, secrets = case
    path = measures_tree / "raw/measures/local/leicestershire.csv"
    path.write_bytes(frame.to_csv(index=False).encode("utf-8"))
    read, problems = measure_files.check_local(path, measures_tree)
    if problems:
        event("refused")
        return _clean(problems, path)
    event("valid")
    assert (read["marking"] == "OFFICIAL-SENSITIVE").sum() == len(secrets)
    public = read[public_mask(read["marking"], "measure observations")]
    assert not [s for s in secrets if s in public.to_csv(index=False)]
