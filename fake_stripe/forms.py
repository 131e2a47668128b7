"""Stripe's request encoding: form fields with bracket nesting.

``line_items[0][price_data][unit_amount]=5000&metadata[org]=x&expand[]=line_items`` becomes
``{"line_items": [{"price_data": {"unit_amount": "5000"}}], "metadata": {"org": "x"},
"expand": ["line_items"]}``. Values stay strings; the model validates and converts them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fake_stripe.errors import InvalidRequest

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")


def decode_form(body: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        match = _KEY.fullmatch(key)
        if match is None:
            raise InvalidRequest(f"Invalid parameter name: {key}", param=key)
        path: list[str] = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        _insert(result, path, value, key)
    decoded: dict[str, Any] = _lists_from_indexes(result)
    return decoded


def _insert(node: dict[str, Any], path: list[str], value: str, full_key: str) -> None:
    *parents, last = path
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise InvalidRequest(f"Invalid nesting for parameter {full_key}", param=full_key)
        node = child
    if last == "":  # expand[]=a&expand[]=b
        appended = node.setdefault("\0list", [])
        appended.append(value)
        return
    if isinstance(node.get(last), dict):
        raise InvalidRequest(f"Invalid nesting for parameter {full_key}", param=full_key)
    node[last] = value


def _lists_from_indexes(node: Any) -> Any:
    """Dicts whose keys are 0..n-1 become lists; ``\\0list`` holds ``key[]`` values."""
    if not isinstance(node, dict):
        return node
    if set(node) == {"\0list"}:
        return list(node["\0list"])
    converted = {key: _lists_from_indexes(value) for key, value in node.items() if key != "\0list"}
    if converted and all(key.isdigit() for key in converted):
        indexes = sorted(int(key) for key in converted)
        if indexes == list(range(len(indexes))):
            return [converted[str(index)] for index in indexes]
    return converted
