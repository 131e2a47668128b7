"""Reading JSON a client sent, without trusting it: nesting, number lengths, NaN, lone
surrogates and bytes that are not text are refused with a reason, before anything acts on them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fake_stripe.protocol.json_input import (
    MAX_DEPTH,
    MAX_NUMBER_LENGTH,
    InvalidJson,
    finite_number,
    parse_json,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"seconds": 1.5, "ids": ["dlv_1"], "match": {"object_id": null}}', None),
        (b'{"a": "\\u0000 and \\ud83d\\ude00"}', {"a": "\x00 and \U0001f600"}),
        (b'{"a": "[[[[{{{{"}', {"a": "[[[[{{{{"}),
        (json.dumps({"deep": "[" * 5000}).encode(), {"deep": "[" * 5000}),
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, None),
        (b'{"a": -0, "b": 1e400, "c": ' + b"9" * MAX_NUMBER_LENGTH + b"}", None),
        ('{"name": "Zoë"}'.encode("utf-16"), {"name": "Zoë"}),
    ],
    ids=["plain", "nul_and_pair", "brackets_in_a_string", "many_in_a_string", "at_max",
         "long_but_allowed", "utf16"],
)  # fmt: skip
def test_json_within_the_limits_is_read_as_json_reads_it(body: bytes, expected: Any) -> None:
    assert parse_json(body) == (json.loads(body) if expected is None else expected)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 3000, f"nested deeper than {MAX_DEPTH} levels"),
        (b'{"a":' * 3000, f"nested deeper than {MAX_DEPTH} levels"),
        (b"[" * 3000 + b"]" * 3000, f"nested deeper than {MAX_DEPTH} levels"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper"),
        (b'{"seconds": ' + b"9" * 5000 + b"}", "a number 5000 characters long"),
        (b'{"seconds": -' + b"9" * 4400 + b"}", "a number 4401 characters long"),
        (b'{"seconds": 0.' + b"1" * 5000 + b"}", "characters long"),
        (b'{"seconds": 1' + b"0" * MAX_NUMBER_LENGTH + b"}", "characters long"),
        (b'{"seconds": NaN}', "NaN is not a number JSON allows"),
        (b'{"seconds": -Infinity}', "-Infinity is not a number JSON allows"),
        (b'{"email": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b'{"email": "\xff"}', "not UTF-8"),
        (b"not json", "Expecting value"),
        (b"  ", "Expecting value"),  # what an empty body means is the caller's to say
        (b'{"a": 1', "Expecting"),
    ],
)
def test_json_past_the_limits_is_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidJson) as refused:
        parse_json(body)
    assert reason in refused.value.message
    assert str(refused.value) == refused.value.message


def test_a_long_body_of_brackets_is_refused_quickly() -> None:
    """The depth check reads a megabyte of brackets in well under a second (no recursion)."""
    with pytest.raises(InvalidJson, match="nested deeper"):
        parse_json(b"[" * (1 << 20))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (7, 7.0),
        (-2.5, -2.5),
        (10**300, 1e300),
        (10**400, None),  # float() of it overflows
        (-(10**400), None),
        (float("inf"), None),
        (float("-inf"), None),
        (float("nan"), None),
        (True, None),  # a bool is not a number of seconds
        ("10", None),
        (None, None),
        ([1], None),
    ],
)
def test_finite_number_is_a_float_or_none(value: object, expected: float | None) -> None:
    assert finite_number(value) == expected
