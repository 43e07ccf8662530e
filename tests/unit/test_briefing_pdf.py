"""Patrol briefing PDF: content, marking, flowing tables, empty sections, the map's true shape, atomic writes."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ruralwatch.core.errors import RuralWatchError
from ruralwatch.io import briefing as briefing_module
from ruralwatch.io import pdf_common
from ruralwatch.io.briefing import (
    Briefing,
    BriefingIncident,
    BriefingPremisesToVisit,
    BriefingRepeatVictim,
    BriefingStop,
    BriefingZone,
    ContactPoint,
    CrewLine,
    VehicleOfInterest,
    write_briefing_pdf,
)

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 10, 24, 18, 0, tzinfo=UTC)  # 19:00 BST
STOP_LABELS = ("Thaxted crossroads", "Debden Road layby", "Wimbish drove", "Radwinter fields",
               "Great Sampford bridge", "Lindsell green lane")
PLACES = ((51.954, 0.345), (51.985, 0.270), (52.010, 0.300), (52.014, 0.340), (51.991, 0.386), (51.925, 0.352))
KINDS = ("hare_coursing", "equipment_theft", "fuel_theft", "suspicious_activity")


def _stops() -> tuple[BriefingStop, ...]:
    stops = []
    for seq, (label, (lat, lon)) in enumerate(zip(STOP_LABELS, PLACES, strict=True), start=1):
        arrive = START + timedelta(minutes=20 + 40 * (seq - 1))
        stops.append(BriefingStop(seq, label, f"Reason {seq}: hare coursing reports", lat, lon, arrive,
                                  arrive + timedelta(minutes=25), 25, 100.0 * seq))
    return tuple(stops)


def _incidents(count: int) -> tuple[BriefingIncident, ...]:
    return tuple(
        BriefingIncident(KINDS[i % len(KINDS)], START - timedelta(hours=1 + 1.5 * i), f"Field {i} off the B1051",
                         PLACES[i % 6][0] + 0.004, PLACES[i % 6][1] - 0.004 if i % 5 else None,
                         "Grey Subaru with lurchers" if i % 2 else "", f"42/{10000 + i}/26")
        for i in range(count)
    )


def _briefing(**changes: object) -> Briefing:
    base = Briefing(
        title="Patrol briefing: hare coursing, Thaxted",
        call_sign="RC21",
        vehicle="Land Rover Defender KX70 ABC",
        purpose="hare_coursing_operation",
        area_name="Thaxted, Uttlesford",
        start=START,
        end=START + timedelta(hours=5),
        stops=_stops(),
        start_point=(51.955, 0.343),
        area_outline=(((51.94, 0.32), (51.94, 0.37), (51.97, 0.37), (51.97, 0.32)),),
        incidents=_incidents(5),
        vehicles=(
            VehicleOfInterest("AB12 CDE", 4, START - timedelta(days=2), ("Thaxted", "Debden"), ("hare_coursing",),
                              "Grey Subaru Forester"),
            VehicleOfInterest("XY65 ZZT", 2, START - timedelta(days=6), ("Radwinter",),
                              ("equipment_theft", "fuel_theft"), "White Ford Transit"),
        ),
        crew=(
            CrewLine("Sarah Mills", "officer", "1234", ("rural_crime", "off_road"), "07700 900123"),
            CrewLine("Tom Hart", "special", "S567", ("first_aid",), "07700 900456"),
        ),
        contacts=(ContactPoint("Force control room", "101 / Airwave talkgroup ES-RURAL-1"),),
        travel_minutes=62,
        dwell_minutes=150,
        generated_at=datetime(2026, 10, 24, 14, 2, tzinfo=UTC),
        notes="Landowner at Radwinter Hall asked for a visit.",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _pages(path: Path) -> list[str]:
    """Each page's text with whitespace runs made one space, so text wrapped in a table cell reads whole."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def test_briefing_holds_the_patrol_crew_stops_and_vehicles(tmp_path: Path) -> None:
    out = tmp_path / "briefing.pdf"
    write_briefing_pdf(_briefing(), out)

    assert out.read_bytes().startswith(b"%PDF")
    pages = _pages(out)
    assert len(pages) >= 2
    text = " ".join(pages)
    for expected in ("RC21", "Land Rover Defender KX70 ABC", "Hare coursing operation", "Thaxted, Uttlesford",
                     *STOP_LABELS, "AB12 CDE", "XY65 ZZT", "Sarah Mills", "Tom Hart", "Police officer (RET)",
                     "Off-road / 4x4 driving", "Force control room", "Landowner at Radwinter Hall",
                     "42/10000/26", "Grey Subaru Forester"):
        assert expected in text, expected
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks its top and bottom marking"
        assert f"Page {number} of {len(pages)}" in page
        assert "RuralWatch" in page


def test_times_are_uk_local(tmp_path: Path) -> None:
    out = tmp_path / "briefing.pdf"
    write_briefing_pdf(_briefing(), out)
    text = " ".join(_pages(out))
    assert "Saturday 24 October 2026" in text
    assert "19:20" in text and "19:45" in text  # stop 1: 18:20Z is 19:20 BST
    assert "BST" in text


def test_patrol_across_the_clock_change_states_its_real_length(tmp_path: Path) -> None:
    night = _briefing(start=datetime(2026, 10, 24, 22, 0, tzinfo=LONDON),
                      end=datetime(2026, 10, 25, 6, 0, tzinfo=LONDON))
    out = tmp_path / "night.pdf"
    write_briefing_pdf(night, out)
    text = " ".join(_pages(out))
    assert "22:00 BST" in text and "06:00 GMT" in text
    assert "(9 h)" in text  # 8 hours on the clock, 9 in fact


def test_many_incidents_flow_onto_more_pages_with_the_header_repeated(tmp_path: Path) -> None:
    short, long = tmp_path / "short.pdf", tmp_path / "long.pdf"
    write_briefing_pdf(_briefing(), short)
    write_briefing_pdf(_briefing(incidents=_incidents(200)), long)

    pages = _pages(long)
    assert len(pages) > len(_pages(short)) + 2
    with_header = [page for page in pages if "Crime reference" in page]
    assert len(with_header) >= 3  # the header row starts the table on every page it reaches
    text = " ".join(pages)
    assert all(f"42/{10000 + i}/26" in text for i in range(200))


def test_empty_sections_say_so(tmp_path: Path) -> None:
    empty = _briefing(stops=(), start_point=None, area_outline=(), incidents=(), vehicles=(), crew=(),
                      contacts=(), notes="")
    out = tmp_path / "empty.pdf"
    write_briefing_pdf(empty, out)
    text = " ".join(_pages(out))
    for sentence in ("No incidents in the last 14 days.", "No vehicles of interest.", "No stops planned.",
                     "No crew assigned yet.", "No contact points listed.", "No locations to map"):
        assert sentence in text, sentence


def test_user_text_with_markup_characters_is_printed_as_typed(tmp_path: Path) -> None:
    odd = _briefing(notes="Gate <b>code</b> & padlock", crew=(CrewLine("O'Brien & Sons <x>", "x", "", (), ""),))
    out = tmp_path / "odd.pdf"
    write_briefing_pdf(odd, out)
    text = " ".join(_pages(out))
    assert "Gate <b>code</b> & padlock" in text
    assert "O'Brien & Sons <x>" in text


def test_unknown_incident_kind_still_draws(tmp_path: Path) -> None:
    odd = _briefing(incidents=(replace(_incidents(1)[0], kind="not_a_kind"),))
    out = tmp_path / "odd.pdf"
    write_briefing_pdf(odd, out)
    assert "not_a_kind" in " ".join(_pages(out))


def test_map_keeps_true_shape() -> None:
    # One kilometre east and one kilometre north must be the same length on the page.
    view = briefing_module._fit_view([(560_000.0, 230_000.0), (563_000.0, 231_000.0)], (0, 0, 500, 300))
    origin = view.xy(560_000, 230_000)
    east = view.xy(561_000, 230_000)
    north = view.xy(560_000, 231_000)
    assert east[0] - origin[0] == pytest.approx(north[1] - origin[1])
    assert east[1] == pytest.approx(origin[1]) and north[0] == pytest.approx(origin[0])


def test_map_draws_a_stop_marker_per_stop() -> None:
    drawing = briefing_module.patrol_map(_briefing())
    labels = [getattr(node, "text", None) for node in _walk(drawing)]
    for seq in range(1, 7):
        assert str(seq) in labels
    assert "N" in labels  # north arrow
    assert any(label and label.endswith("km") for label in labels)  # scale bar


def _walk(node: object) -> list[object]:
    found = [node]
    for child in getattr(node, "contents", []):
        found += _walk(child)
    return found


def test_nice_scale_lengths() -> None:
    assert briefing_module._nice_length(2300) == 2000
    assert briefing_module._nice_length(7400) == 5000
    assert briefing_module._nice_length(999) == 500


def test_missing_folder_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "briefing.pdf"
    with pytest.raises(RuralWatchError, match="does not exist"):
        write_briefing_pdf(_briefing(), target)
    assert not target.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "briefing.pdf"
    write_briefing_pdf(_briefing(), out)
    before = out.read_bytes()

    def broken_build(self: object, flowables: object, filename: object = None, canvasmaker: object = None) -> None:
        Path(self.filename).write_bytes(b"%PDF-1.4 half")  # type: ignore[attr-defined]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pdf_common.BaseDocTemplate, "build", broken_build)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_briefing_pdf(_briefing(call_sign="RC99"), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["briefing.pdf"]


@pytest.mark.skipif(pdf_common.FONT == "Helvetica", reason="no wide-coverage font on this machine")
def test_names_beyond_western_european_letters_print(tmp_path: Path) -> None:
    out = tmp_path / "names.pdf"
    write_briefing_pdf(_briefing(crew=(CrewLine("Łukasz Żółć", "volunteer", "", (), ""),)), out)
    assert "Łukasz Żółć" in " ".join(_pages(out))


def test_map_extent_takes_nearby_incidents_but_not_far_ones() -> None:
    patrol = [(560_000.0, 230_000.0), (565_000.0, 233_000.0)]
    near, far = (566_000.0, 234_000.0), (400_000.0, 100_000.0)
    assert briefing_module._focus(patrol, [near, far]) == [*patrol, near]
    assert briefing_module._focus([], [far]) == [far]  # nothing else to show: the incidents set the extent


def test_each_stop_gives_its_grid_reference_by_ostn15(tmp_path: Path) -> None:
    """What a crew reads out over the radio: the stop's eight-figure grid reference, the exact conversion."""
    from ruralwatch.core import geo

    out = tmp_path / "briefing.pdf"
    write_briefing_pdf(_briefing(), out)
    text = " ".join(_pages(out))
    for lat, lon in PLACES:
        assert geo.lat_lon_to_grid_ref(lat, lon, 8) in text


def test_route_symbols_carry_no_letter_an_incident_kind_uses() -> None:
    """The base was an "S" (start) in the pack and a "B" on the map, while S and B are also incident kinds
    (suspicious activity, farm burglary): every symbol now reads one way in the pack and on the map."""
    from ruralwatch.core.kinds import KINDS
    from ruralwatch.mapping.symbols import BASE, ROUTE, STOP, SYMBOLS

    kind_letters = [kind.icon for kind in KINDS]
    assert len(set(kind_letters)) == len(kind_letters)
    assert all(symbol.text in ("", "#") for symbol in SYMBOLS)  # nothing, or a number
    assert len({symbol.shape for symbol in SYMBOLS}) == len(SYMBOLS)

    # A briefing without incidents: every letter on its map would belong to a route symbol (there are none).
    drawing = briefing_module.patrol_map(_briefing(incidents=()))
    texts = [getattr(node, "text", "") for node in _walk(drawing)]
    letters = {text for text in texts if len(text) == 1 and text.isalpha()}
    assert letters == {"N"}  # only the north arrow
    for name in (STOP.name, BASE.name, ROUTE.name):
        assert name in texts, name


ZONE = BriefingZone("equipment_theft", "Hall Farm, Debden", 51.985, 0.272, 400.0, START - timedelta(days=3),
                    START + timedelta(days=11), 2)


def test_near_repeat_zones_are_listed_drawn_to_scale_and_keyed(tmp_path: Path) -> None:
    out = tmp_path / "zones.pdf"
    write_briefing_pdf(_briefing(zones=(ZONE,)), out)
    text = " ".join(_pages(out))
    assert "Near-repeat risk zones in this area" in text
    assert "Hall Farm, Debden" in text and "400 m" in text and "Risk until" in text
    drawing = briefing_module.patrol_map(_briefing(zones=(ZONE,)))
    nodes = _walk(drawing)
    labels = [getattr(node, "text", None) for node in nodes]
    assert "Near-repeat risk zone" in labels
    rings = [node for node in nodes if getattr(node, "strokeDashArray", None) == [3, 2] and hasattr(node, "r")]
    assert len(rings) == 2  # the zone on the map and its key
    assert max(ring.r for ring in rings) > 5.5  # to scale: 400 m is larger than the key's ring


def test_no_zones_says_so(tmp_path: Path) -> None:
    out = tmp_path / "none.pdf"
    write_briefing_pdf(_briefing(), out)
    assert "No near-repeat risk zones live in this area." in " ".join(_pages(out))
    labels = [getattr(node, "text", None) for node in _walk(briefing_module.patrol_map(_briefing()))]
    assert "Near-repeat risk zone" not in labels


def test_repeat_victims_and_premises_to_visit_are_listed(tmp_path: Path) -> None:
    victim = BriefingRepeatVictim("Grange Farm", "Farm", "TL 61234 35678", ("Farm Watch",), 2,
                                  START - timedelta(days=25))
    visit = BriefingPremisesToVisit("Brook Farm", "Farm", "TL 61434 35678", (), "equipment_theft",
                                    START - timedelta(days=2), 212.0, "2026-09-01", True)
    out = tmp_path / "premises.pdf"
    write_briefing_pdf(_briefing(repeat_victims=(victim,), premises_to_visit=(visit,), repeat_window_days=365), out)
    text = " ".join(_pages(out))
    assert "Repeat victims in this area" in text and "Grange Farm" in text and "TL 61234 35678" in text
    assert "Incidents (365 days)" in text and "Farm Watch" in text
    assert "Premises to visit (inside a near-repeat risk zone)" in text and "Brook Farm" in text
    assert "212 m away" in text and "2026-09-01" in text
    empty = tmp_path / "empty.pdf"
    write_briefing_pdf(_briefing(repeat_window_days=90), empty)
    text = " ".join(_pages(empty))
    assert "No registered premises in this area was victimised in the last 90 days." in text
    assert "No registered premises in this area is inside a live near-repeat risk zone." in text


def _premises_squares(drawing: object) -> list[object]:
    """The map's premises markers: slate squares (the key's and the map's)."""
    slate = briefing_module.colors.HexColor(briefing_module.PREMISES.colour)
    return [node for node in _walk(drawing) if hasattr(node, "width") and hasattr(node, "height")
            and getattr(node, "fillColor", None) == slate]


def test_listed_premises_are_drawn_on_the_map_a_repeat_victim_outlined_red() -> None:
    """The pack listed the premises but its map did not show them: squares as on the app's premises layer."""
    victim = BriefingRepeatVictim("Grange Farm", "Farm", "TL 6000 3400", ("Farm Watch",), 2,
                                  START - timedelta(days=25), 51.96, 0.34)
    visit = BriefingPremisesToVisit("Brook Farm", "Farm", "TL 61434 35678", (), "equipment_theft",
                                    START - timedelta(days=2), 212.0, "2026-09-01", False, 51.95, 0.36)
    also_victim = BriefingPremisesToVisit("Grange Farm", "Farm", "TL 6000 3400", (), "equipment_theft",
                                          START - timedelta(days=2), 90.0, None, True, 51.96, 0.34)
    bare = _briefing()
    assert _premises_squares(briefing_module.patrol_map(bare)) == []
    drawing = briefing_module.patrol_map(_briefing(repeat_victims=(victim,),
                                                   premises_to_visit=(visit, also_victim)))
    squares = _premises_squares(drawing)
    red = briefing_module.colors.HexColor(briefing_module.PREMISES_REPEAT.outline)
    white = briefing_module.colors.HexColor(briefing_module.PREMISES.outline)
    assert sorted(str(s.strokeColor) for s in squares) == sorted(str(c) for c in (red, white, red, white))
    # Two on the map (Grange Farm once, though listed twice) and two in the key, which names both.
    labels = [getattr(node, "text", None) for node in _walk(drawing)]
    assert briefing_module.PREMISES.name in labels and briefing_module.PREMISES_REPEAT.name in labels
    # A premises given only by its grid reference is placed from it.
    by_ref = replace(visit, lat=None, lon=None)
    point = briefing_module.geo.grid_ref_to_lat_lon("TL 61434 35678")
    assert briefing_module.map_premises(_briefing(premises_to_visit=(by_ref,))) == [(point.lat, point.lon, False)]


def _drawn_names(drawing: object) -> dict[str, tuple[float, float, float]]:
    """Area names on a map: (x, y, font size) by name."""
    return {node.text: (node.x, node.y, node.fontSize) for node in _walk(drawing)
            if isinstance(node, briefing_module.String) and node.fontName == pdf_common.FONT_ITALIC
            and node.fillColor == briefing_module.WARD_LABEL}


def _route_segments(drawing: object) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    segments = []
    for node in _walk(drawing):
        if isinstance(node, briefing_module.PolyLine) and node.strokeColor in (briefing_module.ROUTE,):
            points = list(zip(node.points[::2], node.points[1::2], strict=True))
            segments += list(zip(points, points[1:], strict=False))
    return segments


def test_area_names_keep_clear_of_the_route() -> None:
    """A walk's briefing drew the route straight through "Uttlesford". A name whose centre the route crosses now
    moves to the nearest place in its area clear of the route, markers and other names."""
    from ruralwatch.core.geo import from_bng
    from ruralwatch.mapping import boundaries

    uttlesford = boundaries.find_area("Uttlesford")
    ring = max(briefing_module._geometry_rings(uttlesford.geometry), key=len)
    east, north = briefing_module._centroid(briefing_module._project(ring))
    lons, lats = from_bng().transform([east - 9_000, east + 9_000], [north, north])
    # Stops 50 km apart (Saffron Walden to Maldon and Colchester): district names; the road route runs through the
    # centre of Uttlesford, where its name would go.
    far = (BriefingStop(1, "Saffron Walden", "", 52.02, 0.24, START, START, 15, 1.0),
           BriefingStop(2, "Maldon", "", 51.73, 0.68, START, START, 15, 1.0),
           BriefingStop(3, "Colchester", "", 51.89, 0.90, START, START, 15, 1.0))
    drawing = briefing_module.patrol_map(_briefing(
        stops=far, start_point=None, area_outline=(), incidents=(),
        route_path=((lats[0], lons[0]), (lats[1], lons[1]), (51.73, 0.68), (51.89, 0.90))))
    names = _drawn_names(drawing)
    assert "Uttlesford" in names and "Braintree" in names
    segments = _route_segments(drawing)
    assert segments
    for name, (x, y, size) in names.items():
        half = briefing_module.stringWidth(name, pdf_common.FONT_ITALIC, size) / 2
        box = briefing_module._label_box(x, y, half, size)
        assert not any(briefing_module._segment_crosses(a, b, box) for a, b in segments), name


def test_a_name_goes_to_the_nearest_free_place_in_its_area_or_nowhere() -> None:
    square = [(0.0, 0.0), (200.0, 0.0), (200.0, 200.0), (0.0, 200.0)]
    route = briefing_module._SegmentIndex([(-10.0, 100.0), (210.0, 100.0)])  # across the square's middle
    frame = (-100.0, -100.0, 300.0, 300.0)
    spot = briefing_module.place_label((100.0, 100.0), 20.0, 7.0, square, [], route, frame)
    assert spot is not None and spot[0] == 100.0 and abs(spot[1] - 100.0) == 10.0  # one line above or below
    # The nearer places taken by another name: the next one out.
    taken = [briefing_module._label_box(*spot, 20.0, 7.0)]
    other = briefing_module.place_label((100.0, 100.0), 20.0, 7.0, square, taken, route, frame)
    assert other is not None and other != spot and not briefing_module._overlaps(
        briefing_module._label_box(*other, 20.0, 7.0), taken[0])
    # A sliver of an area with the route along it: no place clear of the route inside it, so no name.
    sliver = [(60.0, 95.0), (140.0, 95.0), (140.0, 105.0), (60.0, 105.0)]
    assert briefing_module.place_label((100.0, 100.0), 20.0, 7.0, sliver, [], route, frame) is None
