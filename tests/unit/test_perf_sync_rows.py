"""The row check of sync packages: what it accepts and what it refuses (pinned before any speed-up of it)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.sync.jsontext import JSONError
from ruralwatch.sync.merge import FieldConflict, Side, _delete_vs_edit, canonical_clocks, merge_row
from ruralwatch.sync.package import HLC_PATTERN, _loads, _row_ok, _RowCheck

CLOCK = "001795630869535-000000-374e65d247a14403"


def _row(**changes: Any) -> dict[str, Any]:
    row = {"id": "r1", "hlc": CLOCK, "deleted": 0, "device_id": "374e65d247a14403",
           "field_hlc": json.dumps({"*": CLOCK}), "place": "Barn", "lat": 51.5, "hc_people": 3, "synthetic": True,
           "subkind": None}
    row.update(changes)
    return row


def test_a_well_formed_row_passes() -> None:
    assert _row_ok(_row())
    assert _row_ok(_row(hc_people=2**63 - 1)) and _row_ok(_row(hc_people=-(2**63)))


@pytest.mark.parametrize("changes", [
    {"hc_people": 2**63}, {"hc_people": -(2**63) - 1},  # integers SQLite cannot hold
    {"place": ["a"]}, {"place": {"a": 1}},  # nested values
    {"field_hlc": json.dumps({"*": CLOCK, "place": "yesterday"})},  # a clock that is not a clock
    {"field_hlc": json.dumps({"place": CLOCK})},  # no insert clock
    {"deleted": 2}, {"hlc": "now"}, {"id": ""},
])
def test_malformed_rows_are_refused(changes: dict[str, Any]) -> None:
    assert not _row_ok(_row(**changes))


# --- the faster paths give what the plain ones gave --------------------------------------------------------------
# The row check, the JSON reading of a package's lines and merge_row were made faster (bench/central_pg_bench.py);
# the reference versions below are the code as it was, and hypothesis looks for any input where the two differ.

_SCALARS = frozenset({str, int, float, bool, type(None)})
_INT64 = range(-(2**63), 2**63)


def _reference_row_ok(row: Any) -> bool:
    if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
        return False
    if not isinstance(row.get("hlc"), str) or not HLC_PATTERN.match(row["hlc"]):
        return False
    if row.get("deleted") not in (0, 1) or not isinstance(row.get("device_id"), str):
        return False
    try:
        clocks = json.loads(row["field_hlc"])
    except (TypeError, KeyError, ValueError, RecursionError):
        return False
    return (isinstance(clocks, dict) and "*" in clocks
            and all(isinstance(c, str) and HLC_PATTERN.match(c) for c in clocks.values())
            and {type(v) for v in row.values()} <= _SCALARS
            and all(v in _INT64 for v in row.values() if isinstance(v, int))
            # The JSON parser (orjson) reads an integer literal beyond 64 bits as a float: those are refused too.
            and all(-(2.0**63) < v < 2.0**63 for v in row.values() if type(v) is float))


def _reference_merge_row(local: dict[str, Any], incoming: dict[str, Any], fields: list[str], receiver: Side,
                         sender: Side) -> tuple[dict[str, Any] | None, list[FieldConflict]]:
    local_clocks = json.loads(local["field_hlc"])
    incoming_clocks = json.loads(incoming["field_hlc"])
    local_star, incoming_star = local_clocks["*"], incoming_clocks["*"]
    star = max(local_star, incoming_star)
    explicit = (set(local_clocks) | set(incoming_clocks)) - {"*"}
    names = explicit if local_star == incoming_star else explicit | set(fields)
    merged = dict(local)
    clocks: dict[str, str] = {}
    conflicts: list[FieldConflict] = []
    for name in sorted(names):
        lc = local_clocks.get(name, local_star)
        ic = incoming_clocks.get(name, incoming_star)
        if name not in incoming or name not in local:
            clocks[name] = max(lc, ic)
            continue
        lv, iv = local[name], incoming[name]
        if ic > lc:
            merged[name] = iv
            clocks[name] = ic
            if lv != iv and not sender.knows(lc):
                conflicts.append(FieldConflict(name, lv, lc, iv, ic, "incoming", "edit"))
        else:
            clocks[name] = lc
            if ic < lc and lv != iv and not receiver.knows(ic):
                conflicts.append(FieldConflict(name, lv, lc, iv, ic, "local", "edit"))
    if "deleted" in local and "deleted" in incoming and merged["deleted"] and local["deleted"] != incoming["deleted"]:
        conflict = _delete_vs_edit(local, incoming, local_clocks, incoming_clocks, fields, receiver, sender)
        if conflict:
            conflicts = [c for c in conflicts if c.field != "deleted"] + [conflict]
    merged["field_hlc"] = json.dumps({"*": star, **{f: c for f, c in clocks.items() if c != star}}, sort_keys=True)
    if incoming["hlc"] > local["hlc"]:
        merged["hlc"] = incoming["hlc"]
        merged["device_id"] = incoming["device_id"]
        merged["updated_at"] = incoming["updated_at"]
    if incoming_star > local_star and "created_at" in incoming:
        merged["created_at"] = incoming["created_at"]
    return (merged if merged != local else None), conflicts


DEVICES = ["aaaa", "bbbb", "cccc"]
clock = st.builds(lambda millis, counter, device: f"{millis:015d}-{counter:06d}-{device}",
                  st.integers(1_700_000_000_000, 1_700_000_000_004), st.integers(0, 2), st.sampled_from(DEVICES))
not_a_clock = st.sampled_from(["now", "", "001700000000000-000000-", "1700000000000-000000-aaaa", "x" * 40])
scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**64), 2**64), st.sampled_from([0, 1, 2**63 - 1, 2**63]),
                   st.floats(allow_nan=True), st.text(max_size=3))
FIELDS = ["place", "status", "lat", "deleted"]


@st.composite
def rows(draw: st.DrawFn) -> Any:
    """Rows as a package's JSON lines hold them: well formed, or with one thing wrong (or two)."""
    clocks: dict[str, Any] = {"*": draw(clock), **draw(st.dictionaries(st.sampled_from(FIELDS), clock, max_size=3))}
    row: dict[str, Any] = {"id": draw(st.sampled_from(["r1", "r2"])), "hlc": draw(clock), "deleted": draw(
        st.sampled_from([0, 1, True, False, 0.0])), "device_id": draw(st.sampled_from(DEVICES)),
        "place": draw(st.none() | st.text(max_size=3)), "lat": draw(st.floats(allow_nan=True)),
        "hc_people": draw(st.none() | st.integers(-(2**63), 2**63 - 1) | st.booleans())}
    missing: list[str] = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        wrong = draw(st.sampled_from(["id", "hlc", "deleted", "device_id", "clock", "star", "field_hlc", "value",
                                      "missing", "row"]))
        if wrong == "clock":
            clocks[draw(st.sampled_from(FIELDS))] = draw(not_a_clock | scalar)
        elif wrong == "star":
            clocks.pop("*", None)
        elif wrong == "value":
            row[draw(st.sampled_from(["place", "hc_people", "extra"]))] = draw(
                scalar | st.lists(scalar, max_size=1) | st.dictionaries(st.text(max_size=1), scalar, max_size=1))
        elif wrong == "missing":
            missing.append(draw(st.sampled_from(["id", "hlc", "deleted", "device_id", "field_hlc"])))
        elif wrong == "row":
            return draw(st.sampled_from([[], "row", 3, None]))
        else:
            row[wrong] = draw(scalar | not_a_clock | st.sampled_from(["{", "[]", "1", "\ufeff{}", 2, "", None]))
    row.setdefault("field_hlc", json.dumps(clocks))
    for key in missing:
        row.pop(key, None)
    return row


@settings(max_examples=400, deadline=None)
@given(candidate=rows())
def test_the_row_check_accepts_what_it_accepted_before_and_keeps_the_clocks(candidate: Any) -> None:
    check = _RowCheck()
    ok = check(candidate)
    assert ok == _reference_row_ok(candidate)
    if ok:
        assert check.clocks == [json.loads(candidate["field_hlc"])]
        assert check.top == max([candidate["hlc"], *json.loads(candidate["field_hlc"]).values()])
    else:
        assert check.clocks == []


json_text = st.one_of(
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                 max_leaves=6).map(json.dumps),
    st.text(alphabet=' \t\r\n{}[]":,0123456789.eE+-truefalsnul\\\ufeff', max_size=12),
)


REJECTED = object()


def _beyond_standard_json(value: Any) -> bool:
    """What json.loads gives that standard JSON cannot carry exactly: NaN and infinities, lone surrogates, and
    integers beyond 64 bits (which the parser reads as floats)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return not -(2**63) <= value < 2**64
    if isinstance(value, str):
        return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, list):
        return any(map(_beyond_standard_json, value))
    if isinstance(value, dict):
        return any(map(_beyond_standard_json, [*value, *value.values()]))
    return False


@settings(max_examples=400, deadline=None)
@given(text=json_text, pad=st.sampled_from(["", " ", "\t", " \r", "x", ",1", "\ufeff"]),
       front=st.sampled_from(["", " ", "\ufeff"]))
def test_reading_a_line_accepts_no_more_than_json_loads_and_gives_the_same_value(text: str, pad: str,
                                                                                 front: str) -> None:
    line = front + text + pad
    try:
        expected: Any = json.loads(line)
    except (ValueError, RecursionError):
        expected = REJECTED
    try:
        found: Any = _loads(line)
    except JSONError:
        found = REJECTED
    if expected is REJECTED:
        assert found is REJECTED  # never more lenient than the standard library
    elif found is REJECTED:
        assert _beyond_standard_json(expected)  # stricter only where untrusted input should be refused
    elif not _beyond_standard_json(expected):
        assert repr(found) == repr(expected)
    try:
        from_bytes: Any = _loads(line.encode("utf-8", "surrogatepass"))  # as a package's lines are read
    except JSONError:
        from_bytes = REJECTED
    assert repr(from_bytes) == repr(found)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A held row and an incoming version of it, with clocks anywhere around each other's."""
    value = st.sampled_from([None, "Barn", "Mill", 0, 1, 51.5, 0.0, float("nan")])

    def version() -> dict[str, Any]:
        clocks = {"*": draw(clock), **draw(st.dictionaries(st.sampled_from(FIELDS), clock, max_size=4))}
        row = {"id": "r1", "hlc": max(clocks.values()), "device_id": draw(st.sampled_from(DEVICES)),
               "updated_at": draw(st.sampled_from(["u1", "u2"])), "created_at": draw(st.sampled_from(["c1", "c2"])),
               "field_hlc": json.dumps(clocks, sort_keys=draw(st.booleans())),
               **{f: draw(value) for f in FIELDS if f != "deleted"}, "deleted": draw(st.sampled_from([0, 1]))}
        for key in draw(st.lists(st.sampled_from(["place", "lat", "created_at", "deleted"]), max_size=1)):
            row.pop(key)
        return row

    return version(), version()


@settings(max_examples=500, deadline=None)
@given(pair=pairs(), seen=st.dictionaries(st.sampled_from(DEVICES), clock, max_size=3),
       other=st.dictionaries(st.sampled_from(DEVICES), clock, max_size=3), parsed=st.booleans())
def test_merge_row_gives_what_it_gave_before(pair: tuple[dict[str, Any], dict[str, Any]], seen: dict[str, str],
                                             other: dict[str, str], parsed: bool) -> None:
    local, incoming = pair
    receiver, sender = Side("aaaa", seen), Side("bbbb", other)
    fields = [f for f in FIELDS]
    before = (dict(local), dict(incoming))
    expected = _reference_merge_row(local, incoming, fields, receiver, sender)
    found = merge_row(local, incoming, fields, receiver, sender,
                      json.loads(incoming["field_hlc"]) if parsed else None)
    assert repr(found) == repr(expected)
    assert repr((local, incoming)) == repr(before)  # neither row is changed in place


@settings(max_examples=300, deadline=None)
@given(clocks=st.dictionaries(st.text(max_size=4), st.text(max_size=6) | clock | st.integers(), max_size=4),
       star=clock | st.text(max_size=4))
def test_field_clocks_are_written_as_json_dumps_writes_them(clocks: dict[str, Any], star: str) -> None:
    compact = {"*": star, **{f: c for f, c in clocks.items() if c != star}}
    try:
        expected: Any = json.dumps(compact, sort_keys=True)
    except TypeError as exc:
        expected = ("error", str(exc))
    try:
        found: Any = canonical_clocks(clocks, star)
    except TypeError as exc:
        found = ("error", str(exc))
    assert found == expected
