"""Whole numbers and return addresses from a request: a value or None, never an exception."""

from __future__ import annotations

import pytest

from branches.params import MAX_ID, parse_id, parse_int, parse_next, parse_year

HOSTILE = ["²", "١٢", "１２", "1e9", "1.0", " 1", "1 ", "+1", "0x1f", "__class__", "x" * 10_240, "9" * 40, "", None, 3]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_parse_id_refuses_what_is_not_a_plain_ascii_key(value):
    assert parse_id(value) is None


@pytest.mark.parametrize(("value", "wanted"), [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID)])
def test_parse_id_reads_a_key(value, wanted):
    assert parse_id(value) == wanted


@pytest.mark.parametrize("value", ["0", "-1", str(MAX_ID + 1), "99999999999999999999"])
def test_parse_id_refuses_a_key_no_database_holds(value):
    assert parse_id(value) is None


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_parse_int_refuses_what_is_not_a_plain_ascii_number(value):
    assert parse_int(value) is None


@pytest.mark.parametrize(("value", "wanted"), [("0", 0), ("-1", -1), ("17", 17), ("-0", 0), ("007", 7)])
def test_parse_int_reads_a_signed_number(value, wanted):
    assert parse_int(value) == wanted


def test_parse_int_keeps_to_its_bounds():
    assert parse_int("5", minimum=1, maximum=5) == 5
    assert parse_int("6", minimum=1, maximum=5) is None
    assert parse_int("0", minimum=1, maximum=5) is None
    assert parse_int("-1", minimum=0) is None
    # No bounds given: still no more than a database integer holds.
    assert parse_int(str(MAX_ID)) == MAX_ID
    assert parse_int(str(MAX_ID + 1)) is None
    assert parse_int(str(-MAX_ID - 1)) == -MAX_ID - 1
    assert parse_int(str(-MAX_ID - 2)) is None


@pytest.mark.parametrize("value", [*HOSTILE, "0", "-2026", "10000"], ids=repr)
def test_parse_year_refuses_what_is_not_a_year(value):
    assert parse_year(value) is None


def test_parse_year_reads_a_year():
    assert parse_year("2026") == 2026
    assert parse_year("1921") == 1921


@pytest.fixture
def request_(rf):
    return rf.post("/roster/1/contact/")


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "__class__",
        "x" * 10_240,
        "roster:list",  # a view name: redirect() would look it up and raise if there is none
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "",
        None,
    ],
    ids=repr,
)
def test_parse_next_refuses_what_is_not_a_path_on_this_site(request_, value):
    assert parse_next(request_, value) is None


def test_parse_next_keeps_a_path_on_this_site(request_):
    assert parse_next(request_, "/roster/silent/?page=2") == "/roster/silent/?page=2"
