"""Great Britain bounds and OS National Grid references."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.core import geo
from ruralwatch.core.errors import ValidationError

BIG_BEN = (51.5007, -0.1246)


@pytest.mark.parametrize(
    ("text", "easting", "northing"),
    [
        ("TL 81234 23456", 581234.5, 223456.5),
        ("TL8123423456", 581234.5, 223456.5),
        ("tl 81234 23456", 581234.5, 223456.5),
        ("  TL 81234   23456 ", 581234.5, 223456.5),
        ("NN 16666 71257", 216666.5, 771257.5),  # Ben Nevis
        ("SV 00", 5_000.0, 5_000.0),  # the false origin square
        ("HP 1 1", 415_000.0, 1_215_000.0),  # Shetland, digits split by a space
        ("TQ 3 7", 535_000.0, 175_000.0),
        ("TQ 30 79", 530_500.0, 179_500.0),
        ("TQ 302 796", 530_250.0, 179_650.0),
        ("TQ 3026 7964", 530_265.0, 179_645.0),
        ("TQ 30269 79640", 530_269.5, 179_640.5),
        ("OV 11", 515_000.0, 515_000.0),
    ],
)
def test_known_grid_references(text: str, easting: float, northing: float) -> None:
    assert geo.grid_ref_to_easting_northing(text) == (easting, northing)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [(2, "TQ 3 7"), (4, "TQ 30 79"), (6, "TQ 302 796"), (8, "TQ 3026 7964"), (10, "TQ 30268 79640")],
)
def test_big_ben_at_each_precision(digits: int, expected: str) -> None:
    # By OSTN15 (exact); the Helmert step the bulk analysis uses is a few metres out.
    ref = geo.lat_lon_to_grid_ref(*BIG_BEN, digits=digits)
    assert ref.startswith("TQ 3")
    assert ref == expected


def test_big_ben_ten_figure_reference_is_within_a_few_metres_of_the_published_one() -> None:
    ref = geo.lat_lon_to_grid_ref(*BIG_BEN)
    assert ref.startswith("TQ 30")
    easting, northing = geo.grid_ref_to_easting_northing(ref)
    assert math.hypot(easting - 530_247, northing - 179_633) < 30


def test_grid_ref_to_lat_lon_for_big_ben() -> None:
    point = geo.grid_ref_to_lat_lon("TQ 30269 79640")
    assert point.lat == pytest.approx(BIG_BEN[0], abs=1e-4)
    assert point.lon == pytest.approx(BIG_BEN[1], abs=1e-4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TL 812 2345", "same number of digits"),  # mismatched halves
        ("TL 81234", "even number of digits"),  # odd count
        ("TL 812", "even number of digits"),
        ("TL", "even number of digits"),
        ("TL 123456 123456", "even number of digits"),  # 12 digits
        ("IA 11", "no letter I"),
        ("TI 11", "no letter I"),
        ("ti 11", "no letter I"),
        ("ZZ 11", "not a square"),
        ("AA 11", "not a square"),
        ("XA 11", "not a square"),
        ("JA 11", "not a square"),
        ("garbage", "not an OS grid reference"),
        ("12 34", "not an OS grid reference"),
        ("T 1234", "not an OS grid reference"),
        ("TL 12a4", "not an OS grid reference"),
        ("", "not an OS grid reference"),
    ],
)
def test_bad_grid_references_raise_validation_error_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as excinfo:
        geo.grid_ref_to_easting_northing(text, field="where")
    assert [e.field for e in excinfo.value.errors] == ["where"]


def test_grid_ref_field_defaults_to_grid_ref() -> None:
    with pytest.raises(ValidationError) as excinfo:
        geo.grid_ref_to_lat_lon("nonsense")
    assert excinfo.value.errors[0].field == "grid_ref"


@pytest.mark.parametrize("digits", [0, 1, 3, 12])
def test_formatting_rejects_bad_precision(digits: int) -> None:
    with pytest.raises(ValueError):
        geo.easting_northing_to_grid_ref(500_000, 200_000, digits)


@pytest.mark.parametrize(("easting", "northing"), [(-1, 10), (700_000, 10), (10, 1_300_000), (10, -0.5)])
def test_formatting_rejects_points_off_the_grid(easting: float, northing: float) -> None:
    with pytest.raises(ValidationError):
        geo.easting_northing_to_grid_ref(easting, northing)


# --- latitude / longitude checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lon"), [(51.9, 0.3), (60.8, -1.3), (49.9, -6.3), (57.8, -8.6), (52.5, 1.75)])
def test_points_in_great_britain_are_accepted(lat: float, lon: float) -> None:
    assert geo.check_lat_lon(lat, lon) == geo.LatLon(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(48.8566, 2.3522), (40.7, -74.0), (0.0, 0.0), (91.0, 0.0), (51.5, 181.0), (53.3, -6.3 - 3), (62.0, -1.0)],
)
def test_points_outside_great_britain_are_rejected(lat: float, lon: float) -> None:
    with pytest.raises(ValidationError) as excinfo:
        geo.check_lat_lon(lat, lon, field="location")
    assert excinfo.value.errors[0].field == "location"
    assert "swapped" not in str(excinfo.value)


@pytest.mark.parametrize(("lat", "lon"), [(math.nan, 0.3), (51.9, math.nan), (math.inf, 0.3), (51.9, -math.inf)])
def test_non_numbers_are_rejected(lat: float, lon: float) -> None:
    with pytest.raises(ValidationError, match="must be numbers") as excinfo:
        geo.check_lat_lon(lat, lon, field="loc")
    assert excinfo.value.errors[0].field == "loc"


@pytest.mark.parametrize(("lat", "lon"), [(0.3, 51.9), (-0.12, 51.5), (-3.2, 55.95)])
def test_swapped_lat_lon_gets_a_hint(lat: float, lon: float) -> None:
    with pytest.raises(ValidationError, match="swapped"):
        geo.check_lat_lon(lat, lon)


def test_haversine_london_to_edinburgh() -> None:
    london, edinburgh = geo.LatLon(51.5074, -0.1278), geo.LatLon(55.9533, -3.1883)
    assert geo.haversine_km(london, edinburgh) == pytest.approx(534, abs=3)
    assert geo.haversine_km(london, london) == 0


# --- properties --------------------------------------------------------------------------------------------

precisions = st.sampled_from([2, 4, 6, 8, 10])


@settings(max_examples=300, database=None)
@given(
    st.integers(0, geo.GRID_MAX_EASTING * 10 - 1),
    st.integers(0, geo.GRID_MAX_NORTHING * 10 - 1),
    precisions,
)
def test_format_then_parse_lands_in_the_same_cell(e_dm: int, n_dm: int, digits: int) -> None:
    easting, northing = e_dm / 10, n_dm / 10  # whole decimetres: no rounding at the formatter's 0.1 m step
    ref = geo.easting_northing_to_grid_ref(easting, northing, digits)
    centre_e, centre_n = geo.grid_ref_to_easting_northing(ref)
    resolution = 10 ** (5 - digits // 2)
    assert centre_e // resolution == easting // resolution
    assert centre_n // resolution == northing // resolution
    assert centre_e % resolution == resolution / 2
    assert len(ref.replace(" ", "")) == 2 + digits


@settings(max_examples=300, database=None)
@given(
    st.floats(0, geo.GRID_MAX_EASTING - 0.1, allow_nan=False),
    st.floats(0, geo.GRID_MAX_NORTHING - 0.1, allow_nan=False),
    precisions,
)
def test_format_then_parse_is_within_half_a_cell_for_any_float(easting: float, northing: float, digits: int) -> None:
    # The formatter rounds to 0.1 m first (documented), so allow that much beyond half a cell.
    ref = geo.easting_northing_to_grid_ref(easting, northing, digits)
    centre_e, centre_n = geo.grid_ref_to_easting_northing(ref)
    half = 10 ** (5 - digits // 2) / 2
    assert abs(centre_e - easting) <= half + 0.05 + 1e-6
    assert abs(centre_n - northing) <= half + 0.05 + 1e-6


@pytest.mark.parametrize(("easting", "northing"), [(699_999.96, 500_000.0), (300_000.0, 1_299_999.97)])
def test_points_at_the_very_edge_of_the_grid_format_to_a_parseable_reference(easting: float, northing: float) -> None:
    ref = geo.easting_northing_to_grid_ref(easting, northing)
    geo.grid_ref_to_easting_northing(ref)


@settings(max_examples=150, deadline=None, database=None)
@given(st.floats(50.0, 58.5), st.floats(-5.0, 1.7))
def test_lat_lon_to_grid_ref_and_back_is_within_two_metres(lat: float, lon: float) -> None:
    ref = geo.lat_lon_to_grid_ref(lat, lon, 10)
    back = geo.grid_ref_to_lat_lon(ref)
    assert geo.haversine_km(geo.LatLon(lat, lon), back) * 1000 < 2.0


@pytest.mark.parametrize("text", ["TL 85 07", "TL 850 070", "TL 8500 0700", "TL 85000 07000", "SU 4 1", "HP 6123 1234"])
def test_a_typed_reference_reads_back_at_its_precision(text: str) -> None:
    """Stored as lat/lon to 7 decimals (as an incident is), a typed reference reads back as typed, not padded to
    10 figures from its square's centre ("TL 8500 0700" had read back as "TL 85005 07005")."""
    assert geo.normalise_grid_ref(text.lower().replace(" ", "")) == text
    assert geo.grid_ref_digits(text) == len(text.replace(" ", "")) - 2
    point = geo.grid_ref_to_lat_lon(text)
    assert geo.point_grid_ref(round(point.lat, 7), round(point.lon, 7)) == text


@settings(max_examples=200, deadline=None)
@given(st.floats(400_000, 650_000), st.floats(150_000, 300_000))
def test_a_point_off_every_square_centre_reads_to_the_metre(easting: float, northing: float) -> None:
    on_a_centre = any(all(abs(v % r - r / 2) <= geo.CENTRE_TOLERANCE_M for v in (easting, northing))
                      for r in (10, 100, 1000, 10_000))
    shown = geo.grid_ref_as_given(easting, northing)
    if not on_a_centre:
        assert shown == geo.easting_northing_to_grid_ref(easting, northing, 10)
    e, n = geo.grid_ref_to_easting_northing(shown)  # either way the reference's square holds the point
    half = 10 ** (5 - geo.grid_ref_digits(shown) // 2) / 2
    assert abs(e - easting) <= half + 0.1 and abs(n - northing) <= half + 0.1


def test_a_grid_reference_that_does_not_read_has_no_precision() -> None:
    with pytest.raises(ValidationError):
        geo.grid_ref_digits("TI 1234 5678")
    with pytest.raises(ValidationError):
        geo.normalise_grid_ref("TL 123 45")


@pytest.mark.parametrize("text", ["51.8802, 0.2712", "51.8802 0.2712", " 51.8802,0.2712 "])
def test_a_latitude_and_longitude_typed_in_a_grid_reference_box_is_read_as_one(text: str) -> None:
    """A walk pasted a phone map's "51.8802, 0.2712" into the grid reference box and was told it "is not an OS grid
    reference": it is a place, so it is taken as the latitude and longitude it is."""
    assert geo.typed_point(text) == geo.LatLon(51.8802, 0.2712)
    assert geo.typed_point("TL 5880 2240") == geo.grid_ref_to_lat_lon("TL 5880 2240")


def test_a_typed_latitude_and_longitude_outside_britain_is_refused_against_the_box() -> None:
    with pytest.raises(ValidationError) as caught:
        geo.typed_point("0.2712, 51.8802", "grid_ref")  # swapped
    assert [e.field for e in caught.value.errors] == ["grid_ref"]
    assert "swapped" in str(caught.value)


def test_one_coordinate_is_checked_alone_naming_its_own_box() -> None:
    """A form marks Lat (or Lon) as soon as it is left: a latitude with a slipped decimal point is refused alone."""
    assert geo.check_coordinate("lat", 51.79, "lat") == 51.79
    with pytest.raises(ValidationError) as refused:
        geo.check_coordinate("lat", 512026.789072, "lat")
    assert refused.value.errors[0].field == "lat"
    assert "512026.789072 is not a latitude in Great Britain" in refused.value.errors[0].message
    with pytest.raises(ValidationError, match="longitude"):
        geo.check_coordinate("lon", 51.79, "lon")
