import pytest

from analysis.sources.catalogue import FrameworkError, load_framework, parse_framework


def test_sixteen_recommendations_with_their_parts(casey):
    assert [r.id for r in casey.recommendations] == [str(n) for n in range(1, 17)]
    parts = {r.id: len(casey.parts_of(r.id)) for r in casey.recommendations}
    assert {k: v for k, v in parts.items() if v} == {"4": 4, "5": 5, "7": 2, "11": 3, "14": 2, "16": 7}


def test_sections_group_recommendations_in_the_report_order(casey):
    sections = [casey.section_title(r.section_id) for r in casey.recommendations]
    assert sections[0] == "Cleaning up the Met" and sections[4] == "Cleaning up the Met"
    assert sections[5].startswith("A new offer for women and children")
    assert sections[15].startswith("Showing London that reform is working")
    assert len(casey.sections) == 7
    assert len(casey.themes) == 8


def test_met_specific_items(casey):
    assert not casey.item("4.i").applies_beyond_met  # PaDP
    assert not casey.item("5").applies_beyond_met  # for Government
    assert not casey.item("14.i").applies_beyond_met  # London Policing Board
    assert casey.item("3").applies_beyond_met
    assert all(casey.item(f"16.{n}").key_measure for n in ["i", "ii", "iii", "iv", "v", "vi", "vii"])


def test_every_item_has_a_summary(casey):
    assert all(i.summary for i in casey.items)


def test_second_framework_is_just_a_file(tmp_path):
    folder = tmp_path / "raw" / "frameworks"
    folder.mkdir(parents=True)
    (folder / "panel-x.yaml").write_text(
        "id: panel-x\ntitle: Panel X\nitem_label: Panel recommendation\n"
        "sections: [{id: s, title: Only section}]\n"
        "recommendations:\n  - {id: a, section: s, title: Do a thing, summary: Do it}\n"
    )
    fw = load_framework("panel-x", tmp_path)
    assert fw.ids == ("a",) and fw.item_label == "Panel recommendation"


@pytest.mark.parametrize(
    "body, field",
    [
        ("id: bad\ntitle: t\nsections: [{id: s, title: S}]\nrecommendations: [{id: '1', title: x}]\n", "section"),
        ("id: bad\ntitle: t\nsections: [{id: s, title: S}]\nrecommendations: [{id: '1', section: s}]\n", "title"),
        (
            "id: bad\ntitle: t\nsections: [{id: s, title: S}]\nrecommendations: [{id: '1', section: s, title: a}, {id: '1', section: s, title: b}]\n",
            "id",
        ),
        ("id: other\ntitle: t\nsections: [{id: s, title: S}]\nrecommendations: []\n", "id"),
    ],
)
def test_malformed_framework_names_file_and_field(tmp_path, body, field):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(FrameworkError, match=rf"bad\.yaml.*'{field}'"):
        parse_framework(path)
