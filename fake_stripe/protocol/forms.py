"""Stripe's request encoding: form fields with bracket nesting.

``line_items[0][price_data][unit_amount]=5000&metadata[org]=x&expand[]=line_items`` becomes
``{"line_items": [{"price_data": {"unit_amount": "5000"}}], "metadata": {"org": "x"},
"expand": ["line_items"]}``. Values stay strings; the model validates and converts them.

Anything that is not such a form (bytes that are not UTF-8, a name used both as a value and as
an object, ``a[]`` mixed with ``a[0]``, absurd nesting or field counts) is a 400, never a crash.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fake_stripe.protocol.errors import InvalidRequest

MAX_DEPTH = 12  # Stripe's deepest parameters (line_items[0][price_data][product_data][...])
MAX_FIELDS = 10_000
_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_PART = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"0|[1-9][0-9]{0,5}")  # a list index as the SDKs write it: no leading zeros


class _Appended(list[str]):
    """The values of ``key[]=a&key[]=b``, told apart from an object with numbered keys."""


def decode_form(body: str | bytes) -> dict[str, Any]:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest("Invalid request body: it is not valid UTF-8.") from None
    try:
        pairs = parse_qsl(body, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise InvalidRequest("Invalid request: a percent-encoded value is not UTF-8.") from None
    except ValueError:
        raise InvalidRequest(f"Too many parameters (at most {MAX_FIELDS}).") from None
    result: dict[str, Any] = {}
    for key, value in pairs:
        shown = key[:200]
        match = _KEY.fullmatch(key)
        if match is None or "\0" in key:
            raise InvalidRequest(f"Invalid parameter name: {shown}", param=shown)
        path = [match.group(1), *_PART.findall(match.group(2))]
        if len(path) > MAX_DEPTH:
            raise InvalidRequest(
                f"Invalid parameter name: {shown} is nested more than {MAX_DEPTH} levels deep",
                param=shown,
            )
        if "" in path[:-1]:
            raise InvalidRequest(
                f"Invalid parameter name: {shown} (`[]` may only end a name)", param=shown
            )
        _insert(result, path, value, shown)
    decoded: dict[str, Any] = _lists_from_indexes(result)
    return decoded


def _insert(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    appending = path[-1] == ""
    *parents, last = path[:-1] if appending else path
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise _nesting(key)
        node = child
    existing = node.get(last)
    if appending:
        if existing is None:
            node[last] = _Appended([value])
        elif isinstance(existing, _Appended):
            existing.append(value)
        else:
            raise _nesting(key)
    elif isinstance(existing, dict | _Appended):
        raise _nesting(key)
    else:
        node[last] = value  # a repeated plain name: the last value wins


def _nesting(key: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid nesting for parameter {key}: it is given both as a value and as an object"
        " or list.",
        param=key,
    )


def _lists_from_indexes(node: Any) -> Any:
    """Dicts whose keys are exactly ``0..n-1`` become lists; ``key[]`` values become lists."""
    if isinstance(node, _Appended):
        return list(node)
    if not isinstance(node, dict):
        return node
    converted = {key: _lists_from_indexes(value) for key, value in node.items()}
    if converted and all(_INDEX.fullmatch(key) for key in converted):
        indexes = sorted(int(key) for key in converted)
        if indexes == list(range(len(indexes))):
            return [converted[str(index)] for index in indexes]
    return converted
