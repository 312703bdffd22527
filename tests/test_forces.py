import pytest

from analysis.core.forces import UnknownForceError, all_forces, get_force


def test_43_territorial_forces_with_unique_ids_and_codes():
    forces = all_forces()
    assert len(forces) == 43
    assert len({f.id for f in forces}) == 43
    assert len({f.pfa_code for f in forces}) == 43
    assert sum(f.country == "Wales" for f in forces) == 4
    assert not any("transport" in f.id for f in forces)


@pytest.mark.parametrize("key", ["leicestershire", "E23000021", "e23000021", "Leicestershire"])
def test_lookup_by_slug_code_or_name(key):
    force = get_force(key)
    assert (force.id, force.region) == ("leicestershire", "East Midlands")


def test_city_and_met_slugs():
    assert get_force("city-of-london").pfa_code == "E23000034"
    assert get_force("metropolitan-police").pfa_code == "E23000001"


def test_unknown_force_lists_choices():
    with pytest.raises(UnknownForceError, match="leicestershire"):
        get_force("gotham")
