"""``expand[]``: replace an id in a serialised object by the object it names, as Stripe does.

A path walks through objects (``payment_intent.latest_charge``) and lists
(``line_items.data.price.product``). Which fields may be expanded is a table per ``object``
name, the same fields Stripe's API reference marks *Expandable*; a resolver turns the holding
object into the expanded value. A field the fake never fills (``customer``, ``invoice``: always
null here) has no resolver and stays null, as expanding a null does on Stripe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fake_stripe.protocol.errors import InvalidRequest

Resolver = Callable[[dict[str, Any]], Any]
Table = Mapping[str, Mapping[str, Resolver | None]]

# Expandable fields Stripe lists for each object, without a resolver (filled in by the caller).
EXPANDABLE: dict[str, tuple[str, ...]] = {
    "checkout.session": (
        "customer",
        "invoice",
        "line_items",
        "payment_intent",
        "payment_link",
        "setup_intent",
        "subscription",
    ),
    "payment_intent": (
        "application",
        "customer",
        "latest_charge",
        "on_behalf_of",
        "payment_method",
        "payment_record",
        "review",
        "source",
    ),
    "charge": (
        "application",
        "application_fee",
        "balance_transaction",
        "customer",
        "failure_balance_transaction",
        "on_behalf_of",
        "payment_intent",
        "refunds",
        "review",
        "source_transfer",
        "transfer",
    ),
    "product": ("default_price", "tax_code"),
    "price": ("product",),
    "item": (),
    "event": (),
    "webhook_endpoint": (),
}


def expand(body: dict[str, Any], paths: list[list[str]], table: Table) -> dict[str, Any]:
    """Expand each path in ``body`` (in place) and return it."""
    for index, parts in enumerate(paths):
        _walk(body, parts, table, ".".join(parts), f"expand[{index}]")
    return body


def check_paths(kind: str, paths: list[list[str]]) -> list[list[str]]:
    """Refuse, before a request changes anything, a path whose first field ``kind`` cannot
    expand (deeper parts are checked as they are expanded)."""
    for index, parts in enumerate(paths):
        if parts[0] not in EXPANDABLE.get(kind, ()):
            raise _cannot(".".join(parts), f"expand[{index}]")
    return paths


def _walk(node: Any, parts: list[str], table: Table, shown: str, param: str) -> None:
    if not parts or not isinstance(node, dict):
        return
    if node.get("object") == "list":
        if parts[0] != "data":
            raise _cannot(shown, param)
        for item in node.get("data", []):
            _walk(item, parts[1:], table, shown, param)
        return
    field, rest = parts[0], parts[1:]
    kind = str(node.get("object"))
    if field not in EXPANDABLE.get(kind, ()):
        value = node.get(field)
        if rest and isinstance(value, dict) and "object" in value:  # an embedded object
            _walk(value, rest, table, shown, param)
            return
        raise _cannot(shown, param)
    resolver = table.get(kind, {}).get(field)
    value = node.get(field)
    if field not in node or isinstance(value, str):
        if resolver is None:
            if value is not None:
                raise InvalidRequest(
                    f"The fake cannot expand {shown}: it does not model the {field} object.",
                    param=param,
                )
        else:
            node[field] = resolver(node)
    _walk(node.get(field), rest, table, shown, param)


def _cannot(shown: str, param: str) -> InvalidRequest:
    return InvalidRequest(f"This property cannot be expanded ({shown}).", param=param)
