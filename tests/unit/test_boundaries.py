"""District and ward boundaries bundled under resources/geo (built by build/make_boundaries.py).

Reads only the repository's resources, never ../shared, so it runs in CI.
"""

from __future__ import annotations

import json

import pytest

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.mapping import boundaries
from ruralwatch.mapping.boundaries import Area, UnknownAreaError, area_of_point, contains, find_area
from ruralwatch.paths import resource_path

EXPECTED_DISTRICTS = {
    "E06000033": "Southend-on-Sea",
    "E06000034": "Thurrock",
    "E07000066": "Basildon",
    "E07000067": "Braintree",
    "E07000068": "Brentwood",
    "E07000069": "Castle Point",
    "E07000070": "Chelmsford",
    "E07000071": "Colchester",
    "E07000072": "Epping Forest",
    "E07000073": "Harlow",
    "E07000074": "Maldon",
    "E07000075": "Rochford",
    "E07000076": "Tendring",
    "E07000077": "Uttlesford",
}

THAXTED = (51.954, 0.344)
MALDON_TOWN = (51.731, 0.676)
CHELMSFORD_CENTRE = (51.736, 0.469)
NORTH_SEA = (51.8, 1.6)


def test_fourteen_districts_with_their_names_and_codes() -> None:
    districts = boundaries.districts()
    assert len(districts) == 14
    assert {d.code: d.name for d in districts} == EXPECTED_DISTRICTS
    for district in districts:
        assert district.kind == "district"
        assert district.district == district.name
        assert district.district_code == district.code
        assert district.geometry["type"] in ("Polygon", "MultiPolygon")


def test_wards_belong_to_the_fourteen_districts() -> None:
    wards = boundaries.wards()
    assert len(wards) > 250
    assert len({w.code for w in wards}) == len(wards)
    for ward in wards:
        assert ward.kind == "ward"
        assert ward.district in EXPECTED_DISTRICTS.values()
        assert EXPECTED_DISTRICTS[ward.district_code] == ward.district
        assert ward.code.startswith("E05")
    assert {w.district for w in wards} == set(EXPECTED_DISTRICTS.values())


def test_loading_is_cached_but_returns_fresh_lists() -> None:
    first, second = boundaries.districts(), boundaries.districts()
    assert first == second and first is not second
    assert all(a is b for a, b in zip(first, second, strict=True))
    first.clear()
    assert len(boundaries.districts()) == 14


# --- find_area -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Uttlesford", "uttlesford", "  UTTLESFORD "])
def test_find_district_case_insensitively(name: str) -> None:
    area = find_area(name)
    assert (area.kind, area.name, area.code) == ("district", "Uttlesford", "E07000077")


def test_find_ward_by_name() -> None:
    ward = find_area("thaxted")
    assert (ward.kind, ward.name, ward.district) == ("ward", "Thaxted", "Uttlesford")


def test_ward_name_containing_a_comma() -> None:
    name = "Broadley Common, Epping Upland and Nazeing"
    assert find_area(name).district == "Epping Forest"
    assert find_area(f"{name}, Epping Forest").name == name


def test_ambiguous_ward_needs_its_district() -> None:
    with pytest.raises(UnknownAreaError) as caught:
        find_area("Victoria")
    assert set(caught.value.suggestions) == {"Victoria, Castle Point", "Victoria, Southend-on-Sea"}
    castle_point = find_area("Victoria, Castle Point")
    southend = find_area("victoria,southend-on-sea")
    assert (castle_point.kind, castle_point.district) == ("ward", "Castle Point")
    assert (southend.kind, southend.district) == ("ward", "Southend-on-Sea")
    assert castle_point.code != southend.code
    assert find_area(castle_point.label) == castle_point


def test_district_wins_over_ward_of_the_same_name() -> None:
    assert find_area("Rochford").kind == "district"
    ward = find_area("Rochford, Rochford")
    assert (ward.kind, ward.name, ward.district) == ("ward", "Rochford", "Rochford")


def test_every_ward_label_finds_that_ward() -> None:
    for ward in boundaries.wards():
        assert find_area(ward.label) == ward


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("Uttlesfrod", "Uttlesford"), ("Chelmsfrod", "Chelmsford"), ("Thaxtead, Uttlesford", "Thaxted")],
)
def test_unknown_name_suggests_close_matches(name: str, suggestion: str) -> None:
    with pytest.raises(UnknownAreaError) as caught:
        find_area(name)
    assert isinstance(caught.value, RuralWatchError)
    assert suggestion in caught.value.suggestions
    assert suggestion in str(caught.value)
    assert name in str(caught.value)


@pytest.mark.parametrize("name", ["Atlantis", "", "Victoria, Uttlesford"])
def test_unknown_name_raises(name: str) -> None:
    with pytest.raises(UnknownAreaError):
        find_area(name)


# --- contains / area_of_point --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "district"),
    [(THAXTED, "Uttlesford"), (MALDON_TOWN, "Maldon"), (CHELMSFORD_CENTRE, "Chelmsford")],
)
def test_known_places_are_in_their_district_only(point: tuple[float, float], district: str) -> None:
    assert contains(find_area(district), *point)
    assert [d.name for d in boundaries.districts() if contains(d, *point)] == [district]
    found = area_of_point(*point)
    assert found is not None and found.name == district


def test_known_places_are_in_one_ward() -> None:
    thaxted = area_of_point(*THAXTED, kind="ward")
    assert thaxted is not None and (thaxted.name, thaxted.district) == ("Thaxted", "Uttlesford")
    for point, district in [(MALDON_TOWN, "Maldon"), (CHELMSFORD_CENTRE, "Chelmsford")]:
        hits = [w for w in boundaries.wards() if contains(w, *point)]
        assert len(hits) == 1 and hits[0].district == district


def test_the_north_sea_is_in_no_area() -> None:
    assert not any(contains(d, *NORTH_SEA) for d in boundaries.districts())
    assert area_of_point(*NORTH_SEA) is None
    assert area_of_point(*NORTH_SEA, kind="ward") is None
    assert area_of_point(51.5007, -0.1246) is None  # Big Ben, London


def test_area_of_point_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        area_of_point(*THAXTED, kind="county")  # type: ignore[arg-type]


def _area(geometry: dict) -> Area:
    return Area("X", "Test", "district", "Test", 1.0, geometry)


def test_contains_respects_holes_and_multipolygons() -> None:
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [4, 6], [6, 6], [6, 4], [4, 4]]
    island = [[20, 20], [22, 20], [21, 22], [20, 20]]
    donut = _area({"type": "Polygon", "coordinates": [outer, hole]})
    assert contains(donut, lat=2, lon=2)
    assert not contains(donut, lat=5, lon=5)  # in the hole
    assert not contains(donut, lat=5, lon=11)
    assert not contains(donut, lat=-1, lon=5)
    multi = _area({"type": "MultiPolygon", "coordinates": [[outer, hole], [island]]})
    assert contains(multi, lat=20.5, lon=21)
    assert not contains(multi, lat=21.9, lon=20.1)  # in the island's bounding box, outside the triangle
    assert not contains(multi, lat=5, lon=5)
    assert multi.bbox == (0, 0, 22, 22)


def test_contains_handles_a_concave_outline() -> None:
    u_shape = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    area = _area({"type": "Polygon", "coordinates": [u_shape]})
    assert contains(area, lat=0.5, lon=1.5)
    assert contains(area, lat=2.5, lon=0.5)
    assert not contains(area, lat=2, lon=1.5)  # in the notch


def test_area_rejects_non_polygon_geometry() -> None:
    with pytest.raises(ValueError, match="Polygon"):
        _area({"type": "Point", "coordinates": [0, 0]})


# --- areas and the files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected_km2"), [("Uttlesford", 641), ("Braintree", 612)])
def test_known_district_areas(name: str, expected_km2: float) -> None:
    assert find_area(name).area_km2 == pytest.approx(expected_km2, rel=0.05)


def test_district_areas_are_plausible_and_sum_to_the_police_area() -> None:
    districts = boundaries.districts()
    for district in districts:
        assert 25 < district.area_km2 < 700, district
    assert sum(d.area_km2 for d in districts) == pytest.approx(3670, rel=0.05)


def test_wards_add_up_to_their_district() -> None:
    totals: dict[str, float] = {}
    for ward in boundaries.wards():
        assert 0.1 < ward.area_km2 < 200, ward
        totals[ward.district] = totals.get(ward.district, 0.0) + ward.area_km2
    for district in boundaries.districts():
        assert totals[district.name] == pytest.approx(district.area_km2, rel=0.01)


@pytest.mark.parametrize(
    ("file_name", "max_bytes"),
    [(boundaries.DISTRICTS_FILE, 400_000), (boundaries.WARDS_FILE, 1_200_000)],
)
def test_files_are_small_and_carry_the_attribution(file_name: str, max_bytes: int) -> None:
    path = resource_path("geo", file_name)
    assert path.stat().st_size < max_bytes
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["attribution"] == boundaries.ATTRIBUTION
    assert "Open Government Licence v3.0" in boundaries.ATTRIBUTION
    assert "Crown copyright" in boundaries.ATTRIBUTION
    if file_name == boundaries.DISTRICTS_FILE:
        assert all(f["properties"]["source"] == boundaries.ATTRIBUTION for f in collection["features"])


# --- resolve: what a typed area stands for, in the window and on the command line ----------------------------


@pytest.mark.parametrize(("typed", "expected"), [("uttles", "Uttlesford"), ("BRAINT", "Braintree"),
                                                 ("Thaxted", "Thaxted"), ("Uttlesford", "Uttlesford")])
def test_resolve_takes_a_name_or_the_one_area_a_beginning_stands_for(typed: str, expected: str) -> None:
    assert boundaries.essex().resolve(typed).name == expected


def test_resolve_names_the_areas_an_ambiguous_beginning_stands_for() -> None:
    with pytest.raises(UnknownAreaError) as caught:
        boundaries.essex().resolve("br")
    message = str(caught.value)
    assert "begin with 'br'" in message and "Braintree" in message and "Brentwood" in message


def test_resolve_says_no_area_and_suggests_when_nothing_begins_so() -> None:
    with pytest.raises(UnknownAreaError) as caught:
        boundaries.essex().resolve("Uttlesfrod")
    assert str(caught.value) == str(_error_of(lambda: find_area("Uttlesfrod")))


def _error_of(call) -> Exception:
    try:
        call()
    except UnknownAreaError as exc:
        return exc
    raise AssertionError("no error")
