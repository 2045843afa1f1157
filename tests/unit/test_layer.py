"""Unit tests of the shared layer's small pieces."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chapchap import clock, cursor
from chapchap.errors import BadRequest
from chapchap.http import parse_json
from chapchap.phone import PATTERN, InvalidPhone, normalize_phone


@pytest.mark.parametrize("raw", ["0712345678", "+255 712 345 678", "712345678", "255712345678", "0712-345-678"])
def test_phone_forms(raw):
    assert normalize_phone(raw) == "255712345678"


@pytest.mark.parametrize("raw", ["", "12345", "+1 202 555 0100", "0812345678", "07123456789", "abc0712345678", "+254712345678"])
def test_phone_rejects(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


@pytest.mark.parametrize("raw", ["\u0660\u0667\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "0712\u00a0345678"])
def test_phone_is_ascii_only(raw):
    # Arabic-Indic digits and exotic spaces are digits and spaces to Python's \d and \s, not to Selcom.
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


_PHONE_TEXT = st.text(alphabet="0123456789 +().-x\u0667\n", max_size=20) | st.from_regex(PATTERN, fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(_PHONE_TEXT)
def test_the_documented_phone_pattern_is_exactly_what_is_accepted(raw):
    # openapi.json publishes PATTERN; a client that matches it is never refused, and nothing
    # else is accepted, so the contract fuzzer can hold the API to it both ways.
    try:
        normalize_phone(raw)
        accepted = True
    except InvalidPhone:
        accepted = False
    ecma = PATTERN[:-1] + r"\Z"  # ECMA-262's $ is the end; Python's also matches before a final newline
    assert accepted == bool(re.search(ecma, raw))


def test_business_date_is_dar_es_salaam(monkeypatch):
    late_utc = datetime(2026, 3, 1, 21, 30, tzinfo=timezone.utc)  # 00:30 on 2 March in Dar
    assert clock.business_date(late_utc) == date(2026, 3, 2)
    assert clock.business_date(datetime(2026, 3, 1, 20, 59, tzinfo=timezone.utc)) == date(2026, 3, 1)
    start, end = clock.business_day_bounds(date(2026, 3, 2))
    assert clock.iso(start) == "2026-03-01T21:00:00.000Z" and clock.iso(end) == "2026-03-02T21:00:00.000Z"


def test_iso_is_utc_with_z():
    assert clock.iso(datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=timezone.utc)) == "2026-01-02T03:04:05.006Z"
    assert clock.parse_iso("2026-01-02T03:04:05.006Z").tzinfo is not None


def test_cursor_round_trip_and_scope():
    key = {"pk": "USER#1", "sk": "CV#2026"}
    token = cursor.encode(key, "cvs:user:1")
    assert cursor.decode(token, "cvs:user:1") == key
    assert cursor.encode(None, "x") is None and cursor.decode(None, "x") is None
    with pytest.raises(BadRequest):
        cursor.decode(token, "cvs:user:2")  # another owner's list


@pytest.mark.parametrize("bad", ["", "abc", "a.b", "!!!.???", "e30.AAAA", "x" * 500])
def test_cursor_tampering_is_400(bad):
    if bad == "":
        assert cursor.decode(bad, "s") is None
        return
    with pytest.raises(BadRequest) as err:
        cursor.decode(bad, "s")
    assert err.value.code == "BAD_CURSOR"


def test_cursor_with_flipped_payload_is_rejected():
    token = cursor.encode({"pk": "A"}, "s")
    payload, sig = token.split(".")
    forged = cursor._b64(b'{"k":{"pk":"B"},"s":"s"}') + "." + sig
    with pytest.raises(BadRequest):
        cursor.decode(forged, "s")


def test_parse_json_limits():
    assert parse_json('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    for bad in ["{", "[" * 100 + "]" * 100, "nope"]:
        with pytest.raises(BadRequest):
            parse_json(bad)
