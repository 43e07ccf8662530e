"""Grid references without letters: an easting and northing in metres ("558800, 222400", "558800 222400", or 12
figures however spaced), read in the same box as letter references and pasted latitudes and longitudes (one reader,
geo.typed_point): two numbers both of 1,000 or more are an easting and northing, and a pair that is no place in GB
either way is refused in one message giving both readings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core import geo
from ruralwatch.core.errors import ValidationError

TL = geo.typed_point("TL 58800 22400")  # near Great Dunmow, Essex


@pytest.mark.parametrize("text", ["558800, 222400", "558800 222400", "558800,222400", " 558800 ,  222400 ",
                                  "558800222400", "5588002224 00", "558 800 222 400"])
def test_an_easting_and_northing_without_letters_is_the_point_at_those_metres(text: str) -> None:
    point = geo.typed_point(text)
    easting, northing = geo.lat_lon_to_easting_northing(point.lat, point.lon)
    assert (easting, northing) == pytest.approx((558800, 222400), abs=0.001)
    assert geo.lat_lon_to_grid_ref(point.lat, point.lon) == "TL 58800 22400"
    assert geo.easting_northing_in(text) == (558800, 222400)
    assert geo.lat_lon_in(text) is None  # never also read as a latitude and longitude


def test_thirteen_figures_reach_shetland() -> None:
    for text in ("4460001141000", "446000 1141000"):
        point = geo.typed_point(text)
        assert geo.lat_lon_to_grid_ref(point.lat, point.lon) == "HU 46000 41000"


@pytest.mark.parametrize(("text", "as_lat_lon", "as_grid"), [
    ("60000, 5", "no latitude goes beyond 90", "both would be 1,000 m or more"),
    ("800000, 200000", "no latitude goes beyond 90", "off the National Grid"),
    ("558800, 2224000", "no latitude goes beyond 90", "off the National Grid"),
    ("0.2712, 51.8802", "outside Great Britain (latitude and longitude swapped?)", "both would be 1,000 m or more"),
    ("51.8802, 9.5", "it is outside Great Britain", "both would be 1,000 m or more"),
])
def test_a_pair_that_is_no_place_either_way_names_both_readings(text: str, as_lat_lon: str, as_grid: str) -> None:
    with pytest.raises(ValidationError) as caught:
        geo.typed_point(text, "grid_ref")
    [error] = caught.value.errors
    assert error.field == "grid_ref"
    first, second = (part.strip() for part in text.split(","))
    assert error.message.startswith(f"{text!r} is not a place in Great Britain either way it can be read: ")
    assert f"as latitude {first} and longitude {second}, " in error.message and as_lat_lon in error.message
    assert f"as easting {first} and northing {second} in metres, " in error.message and as_grid in error.message
    assert "e+" not in error.message


@pytest.mark.parametrize("text", ["5588002224", "55880022240012", "12345"])
def test_figures_that_are_not_twelve_say_how_many_there_should_be(text: str) -> None:
    with pytest.raises(ValidationError, match=f"has {len(text)} figures: a reference without letters has 12"):
        geo.typed_point(text)


def test_lettered_references_and_latitudes_still_read_as_before() -> None:
    assert geo.typed_point("51.8802, 0.2712") == geo.LatLon(51.8802, 0.2712)
    assert geo.typed_point("tl 58800 22400") == TL


# --- round trips within Great Britain (OSTN15 both ways) -----------------------------------------------------

IN_GB = st.tuples(st.floats(50.0, 58.6), st.floats(-5.5, 1.7))


@settings(max_examples=150, deadline=None)
@given(IN_GB)
def test_lat_lon_to_easting_northing_typed_back_is_the_same_point(point: tuple[float, float]) -> None:
    easting, northing = geo.lat_lon_to_easting_northing(*point)
    for text in (f"{easting:.3f}, {northing:.3f}", f"{easting:.3f} {northing:.3f}"):
        back = geo.typed_point(text)
        assert geo.lat_lon_to_easting_northing(back.lat, back.lon) == pytest.approx((easting, northing), abs=0.002)
        assert (back.lat, back.lon) == pytest.approx(point, abs=1e-7)


@settings(max_examples=150, deadline=None)
@given(IN_GB)
def test_twelve_figures_and_the_lettered_reference_name_the_same_metre(point: tuple[float, float]) -> None:
    easting, northing = (int(v) for v in geo.lat_lon_to_easting_northing(*point))
    figures = f"{easting:06d}{northing:06d}"
    typed = geo.typed_point(figures)
    lettered = geo.easting_northing_to_grid_ref(easting, northing, 10)
    # The lettered reference is the 1 m square whose corner the figures give (read at its centre, half a metre in).
    assert geo.lat_lon_to_grid_ref(typed.lat, typed.lon) == lettered
    assert geo.grid_ref_to_easting_northing(lettered) == (easting + 0.5, northing + 0.5)
    centre = geo.typed_point(lettered)
    assert geo.lat_lon_to_easting_northing(centre.lat, centre.lon) == pytest.approx(
        (easting + 0.5, northing + 0.5), abs=0.002)
    # ... and the lat/lon the figures give, typed back, is the same point.
    again = geo.typed_point(f"{typed.lat:.9f}, {typed.lon:.9f}")
    assert geo.lat_lon_to_easting_northing(again.lat, again.lon) == pytest.approx((easting, northing), abs=0.01)


@settings(max_examples=100, deadline=None)
@given(st.floats(1_000, 9_999_999, allow_nan=False), st.floats(1_300_000, 9_999_999, allow_nan=False))
def test_numbers_off_the_grid_are_refused_naming_both_readings(first: float, second: float) -> None:
    with pytest.raises(ValidationError) as caught:
        geo.typed_point(f"{first:.2f}, {second:.2f}")
    message = str(caught.value)
    assert "as latitude" in message and "as easting" in message and "off the National Grid" in message


@settings(max_examples=100, deadline=None)
@given(IN_GB)
def test_a_latitude_and_longitude_in_britain_is_never_read_as_metres(point: tuple[float, float]) -> None:
    text = f"{point[0]:.6f}, {point[1]:.6f}"
    assert geo.easting_northing_in(text) is None
    assert geo.typed_point(text) == geo.LatLon(round(point[0], 6), round(point[1], 6))


@pytest.mark.parametrize("text", ["558800 2", "558800, 22", "5588", "558800 222400"])
def test_an_easting_being_typed_is_never_taken_for_a_latitude(text: str) -> None:
    """The incident form moves a pasted latitude and longitude to their own boxes as it is typed: "558800 2", on the
    way to "558800 222400", must not go there."""
    assert geo.lat_lon_in(text) is None
