"""The request bodies the routes read themselves (raw, to check them as ``request_input`` does),
declared in the app's OpenAPI (``/openapi.json``) so that a schema-based fuzzer sends them:
FastAPI cannot see a body a route reads from ``request.body()``. Each is an ``openapi_extra``."""

from __future__ import annotations

from typing import Any


def json_body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }
    return {
        "requestBody": {
            "required": bool(schema["required"]),
            "content": {"application/json": {"schema": schema}},
        }
    }


def form_body(fields: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {name: {"type": "string"} for name in fields}}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


TEXT = {"type": "string"}
PENCE = {"type": "integer", "minimum": 1}

TOPUP = json_body({"amount_pence": PENCE})
SMS = json_body({"to": TEXT, "body": TEXT})
PHONE_NUMBER = json_body({"phone_number": TEXT})
CALL = json_body({}, required=[])
LOGIN = form_body(["email", "password", "csrf_token"])
DASHBOARD_TOPUP = form_body(["amount", "custom_amount", "csrf_token"])
# a Stripe event, signed: its Stripe-Signature header is declared with it
STRIPE_EVENT = {
    **json_body(
        {
            "id": TEXT,
            "object": TEXT,
            "type": TEXT,
            "data": {"type": "object", "properties": {"object": {"type": "object"}}},
        },
        required=["id", "type", "data"],
    ),
    "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": TEXT}],
}
