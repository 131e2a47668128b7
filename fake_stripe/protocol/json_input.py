"""JSON a client sent, read without trusting it: the one place the fake turns request bytes into
JSON values (the control API's bodies), and numbers into seconds.

``json.loads`` alone has three ways to fail that are not ``JSONDecodeError``: nesting past
Python's recursion limit (about a thousand levels) raises ``RecursionError``; an integer of more
than 4,300 digits raises ``ValueError`` (Python's int-string limit); and ``\\ud800`` decodes to a
lone surrogate that no response can encode later. ``parse_json`` refuses all three, and NaN and
Infinity (not JSON), with one exception type whose message says what and why. No honest body is
near the limits: a control call nests three levels and its numbers are a few digits long.

``finite_number`` is the other half: a JSON number as a float, or None when there is no finite
float for it (an integer past 1.8e308 overflows ``float()``), so a range check never crashes.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any, NoReturn

MAX_DEPTH = 32  # arrays and objects inside each other
MAX_NUMBER_LENGTH = 1000  # characters in one number; Python's int() stops at 4,300 digits
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class InvalidJson(ValueError):
    """The body is not JSON the fake takes; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_json(body: bytes) -> Any:
    """``body`` as JSON values, or ``InvalidJson``. Any encoding JSON allows (UTF-8, -16, -32)."""
    try:
        text = body.decode(json.detect_encoding(body))
    except UnicodeDecodeError:
        raise InvalidJson("body is not JSON: it is not UTF-8 text") from None
    _check_depth(text)
    try:
        value = json.loads(
            text, parse_int=_integer, parse_float=_float, parse_constant=_not_a_number
        )
    except json.JSONDecodeError as error:
        raise InvalidJson(f"body is not JSON: {error}") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        character = f"\\u{ord(error.object[error.start]):04x}"
        raise InvalidJson(
            f"body is not JSON the fake takes: a string holds {character}, a lone surrogate"
            " that is no Unicode character"
        ) from None
    return value


def finite_number(value: object) -> float | None:
    """``value`` as a finite float; None for a bool, a non-number, NaN, an infinity, or an
    integer too large for a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _check_depth(text: str) -> None:
    """Refuse nesting past ``MAX_DEPTH`` before the parser recurses into it. Brackets inside
    strings do not count; a bracket in an unterminated string may, which is a 400 either way."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    steps = (1 if bracket in "[{" else -1 for bracket in _BRACKETS.findall(_STRINGS.sub("", text)))
    if max(itertools.accumulate(steps), default=0) > MAX_DEPTH:
        raise InvalidJson(
            f"body is not JSON the fake takes: it is nested deeper than {MAX_DEPTH} levels"
        )


def _integer(digits: str) -> int:
    _check_length(digits)
    return int(digits)


def _float(digits: str) -> float:
    _check_length(digits)
    return float(digits)


def _check_length(digits: str) -> None:
    if len(digits) > MAX_NUMBER_LENGTH:
        raise InvalidJson(
            f"body is not JSON the fake takes: a number {len(digits)} characters long (at most"
            f" {MAX_NUMBER_LENGTH})"
        )


def _not_a_number(constant: str) -> NoReturn:
    raise InvalidJson(f"body is not JSON: {constant} is not a number JSON allows")
