"""Issue 14.2, 14.3 and 14.7: markings decided in one place, one force's file never writes into another's
report, unknown measure ids and non-numbers rejected, encodings decided per file naming file and line."""

import pandas as pd
import pytest

from analysis.compute import measures
from analysis.compute.progress import apply_audience
from analysis.core.audience import Audience
from analysis.core.periods import Quarter
from analysis.run import batch
from analysis.run.build import build_all
from analysis.sources import measure_files
from analysis.sources.markings import SENSITIVE, UnknownMarking, canonical_marking
from analysis.sources.trackers import TrackerError, read_raw

LOCAL = "raw/measures/local/leicestershire.csv"


@pytest.fixture
def data(measures_tree):
    return measures_tree


def _edit_local(data, change):
    path = data / LOCAL
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "spelling",
    [
        "OFFICIAL-SENSITIVE",
        "official sensitive",
        "Official_Sensitive",
        " OFFICIAL  -  SENSITIVE ",
        "OFFICIAL\u2013SENSITIVE",
        "official-sensitive",
        "OFFICIAL\u00a0SENSITIVE",
        "OfficialSensitive",
    ],
)
def test_spellings_of_official_sensitive(spelling):
    expected = None if spelling == "OfficialSensitive" else SENSITIVE  # no separator: not a marking, never guessed
    assert canonical_marking(spelling) == expected


def test_public_filter_stops_on_an_unknown_marking():
    rows = pd.DataFrame({"marking": ["OFFICIAL", "SECRET", "OFFICIAL-SENSITIVE"]})
    with pytest.raises(UnknownMarking, match="'SECRET'"):
        apply_audience(rows, Audience.PUBLIC)
    kept, withheld = apply_audience(pd.DataFrame({"marking": ["OFFICIAL", "official sensitive"]}), Audience.PUBLIC)
    assert len(kept) == 1 and withheld == 1


def test_row_for_another_force_is_rejected_and_never_reaches_that_force(data):
    def add_met_row(frame):
        frame.loc[len(frame)] = {**frame.iloc[0].to_dict(), "force_id": "metropolitan-police", "value": "99.9"}

    path = _edit_local(data, add_met_row)
    problems = build_all(data).problems
    row = len(pd.read_csv(path)) + 1
    assert [str(p) for p in problems] == [
        f"{path}: row {row}: force_id: 'metropolitan-police': this file holds leicestershire's measures only"
    ]
    obs = measures.observations(data)
    assert obs[obs["force_id"] == "metropolitan-police"]["value"].ne(99.9).all()
    assert not (obs["source"].str.contains("Panel pack") & (obs["force_id"] == "metropolitan-police")).any()
    # the file's own force is held back by the batch, in every quarter
    rejected = batch.check_build_is_current("casey-2023", data)
    assert [(r["file"], r["force_id"]) for r in rejected] == [(LOCAL, "leicestershire")]
    plans = batch.plan(
        [Quarter.of("2024-25-Q1")],
        ["leicestershire", "cheshire"],
        ["internal"],
        "casey-2023",
        data,
        data / "out",
        national=False,
        rejected=rejected,
    )
    assert sorted(plans[0].blocked) == ["leicestershire.html"]


def test_unknown_measure_id_and_non_numeric_values_are_rejected(data):
    def spoil(frame):
        frame.loc[0, "measure_id"] = "made_up_measure"
        frame.loc[1, "value"] = "n/a"
        frame.loc[2, "numerator"] = "12 (est)"

    path = _edit_local(data, spoil)
    problems = [str(p) for p in measure_files.local_problems(data)]
    assert problems == [
        f"{path}: row 2: measure_id: 'made_up_measure' is not in the measure registry",
        f"{path}: row 3: value: 'n/a' is not a number",
        f"{path}: row 4: numerator: '12 (est)' is not a number",
    ]


def test_measure_marking_column_filters_the_public_and_unknown_markings_stop_the_build(data):
    def mark(frame):
        frame["marking"] = "OFFICIAL"
        frame.loc[0, "marking"] = "official sensitive"

    path = _edit_local(data, mark)
    first = pd.read_csv(path, dtype=str, keep_default_na=False).iloc[0]
    assert build_all(data).problems == []
    internal, public = measures.observations(data), measures.observations(data, audience=Audience.PUBLIC)

    def same(o):
        return o[
            (o["force_id"] == "leicestershire")
            & (o["measure_id"] == first["measure_id"])
            & (o["period"] == first["period"])
        ]

    assert len(same(internal)) == 1 and same(internal)["marking"].iloc[0] == SENSITIVE and same(public).empty
    assert len(internal) - len(public) == 1

    _edit_local(data, lambda frame: frame.__setitem__("marking", ["SECRET"] + ["OFFICIAL"] * (len(frame) - 1)))
    problems = [str(p) for p in build_all(data).problems]
    assert problems == [
        f"{path}: row 2: marking: 'SECRET' is not a protective marking; use one of OFFICIAL, OFFICIAL-SENSITIVE"
    ]


def test_measures_file_without_a_marking_column_is_official(data):
    assert "marking" not in pd.read_csv(data / LOCAL).columns
    obs = measures.observations(data)
    assert set(obs["marking"]) == {"OFFICIAL"}


# --------------------------------------------------------------------------- encodings, per file
HEADER = "recommendation_id,status,owner,evidence,actions,linked_workstreams,marking,status_basis,source\n"


def test_utf8_file_with_one_windows_1252_byte_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "t.csv"
    body = HEADER + "1,complete,Caf\u00e9 team,ok,,,OFFICIAL,stated,x\n"
    path.write_bytes(body.encode("utf-8") + "4.ii,complete,Firearms,\u00a3 5k,,,OFFICIAL,stated,x\n".encode("cp1252"))
    with pytest.raises(TrackerError, match=r"t.csv: file: encoding: line 3: byte 0xa3 is not UTF-8"):
        read_raw(path)


def test_windows_1252_file_is_read_as_windows_1252(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        (HEADER + "1,complete,Caf\u00e9 team,\u00a3 5k \u201cagreed\u201d,,,OFFICIAL,stated,x\n").encode("cp1252")
    )
    assert read_raw(path).iloc[0]["evidence"] == "\u00a3 5k \u201cagreed\u201d"


def test_nul_byte_after_4kb_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "t.csv"
    rows = "".join(f"1,complete,team {i},{'x' * 60},,,OFFICIAL,stated,x\n" for i in range(80))
    path.write_bytes((HEADER + rows).encode() + b"1,complete,a\x00b,,,,OFFICIAL,stated,x\n")
    with pytest.raises(TrackerError, match="file: encoding: line 82: contains NUL bytes"):
        read_raw(path)


def test_windows_1252_byte_in_a_measures_file_is_decided_per_file(data):
    path = data / LOCAL
    original = path.read_bytes()
    assert original.isascii()
    path.write_bytes(original.replace(b"Panel pack", b"Panel pack \x96", 1))  # an en dash saved by Excel (cp1252)
    assert measure_files.local_problems(data) == []
    obs = measures.observations(data)
    assert obs["source"].str.contains("Panel pack \u2013").any()
    # the same byte in a file that is otherwise UTF-8 is refused, naming file and line; other files still load
    path.write_bytes(
        original.replace(b"Panel pack", "Caf\u00e9 pack".encode(), 1).replace(b"Panel pack", b"Panel pack \x96", 1)
    )
    measures.clear_caches()
    problems = [str(p) for p in measure_files.local_problems(data)]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: file: encoding: line 3: byte 0x96 is not UTF-8")
    assert (
        measures.observations(data)["force_id"] == "leicestershire"
    ).any()  # workforce/leicestershire.csv still read
