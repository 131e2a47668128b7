"""Every operation in the running app's OpenAPI (``/openapi.json``, request bodies declared in
``reference_app/web/openapi_bodies.py``), fuzzed: path and query values of any text, bodies
shaped like the schema with any JSON in each field, any JSON, any bytes, and the shapes that
used to be 500s (deep nesting, thousands of digits, NaN, NUL). No answer is a 5xx, and nothing
reaches the ledger. Bounded: ``FUZZ_EXAMPLES`` requests, a few seconds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.stack.wallet_stack import WalletStack
from tests.reference_app.evidence import DEMO_TOKEN, ledger_rows

FUZZ_EXAMPLES = 400
NASTY_BODIES = [
    b"[" * 3000 + b"]" * 3000,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b'{"amount_pence": ' + b"9" * 5000 + b"}",
    b'{"amount_pence": NaN}',
    b'{"amount_pence": 1e999}',
    b'{"to": "\\u0000", "body": "\\u0000"}',
    b"\x00",
    b"\xff\xfe",
    b"",
]
NASTY_TEXT = ["9" * 5000, "\x00", "\u0667\u0667", "../..", "%00", "cs_test_" + "x" * 3000]

leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
texts = st.one_of(st.text(max_size=40), st.sampled_from(NASTY_TEXT))
# what an HTTP client can put in a header: printable ASCII, no space at either end
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(
    str.strip
)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[tuple[str, str], ...]  # (where, name): path, query or header
    media_type: str | None  # the declared body's, if any
    fields: tuple[str, ...]  # the body schema's properties


def operations(spec: dict[str, Any]) -> list[Operation]:
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            media_type = next(iter(content), None)
            schema = content[media_type]["schema"] if media_type else {}
            found.append(
                Operation(
                    method.upper(),
                    path,
                    tuple((p["in"], p["name"]) for p in operation.get("parameters", [])),
                    media_type,
                    tuple(schema.get("properties", {})),
                )
            )
    return found


@st.composite
def requests(draw: st.DrawFn, operation: Operation) -> dict[str, Any]:
    path, params, headers = operation.path, {}, {"authorization": f"Bearer {DEMO_TOKEN}"}
    for where, name in operation.parameters:
        if where == "path":
            path = path.replace("{" + name + "}", quote(draw(texts), safe="") or "x")
        elif where == "query" and draw(st.booleans()):
            params[name] = draw(texts)
        elif where == "header":
            headers[name] = draw(header_text)
    request: dict[str, Any] = {"method": operation.method, "url": path, "params": params}
    if operation.media_type == "application/x-www-form-urlencoded":
        request["data"] = {name: draw(texts) for name in operation.fields}
    elif operation.media_type == "application/json":
        shaped = st.fixed_dictionaries({name: json_values | texts for name in operation.fields})
        body = draw(
            st.one_of(
                shaped.map(lambda value: json.dumps(value).encode()),
                json_values.map(lambda value: json.dumps(value).encode()),
                st.sampled_from(NASTY_BODIES),
                st.binary(max_size=64),
            )
        )
        request["content"] = body
        headers["content-type"] = "application/json"
    request["headers"] = headers
    return request


def test_no_route_answers_5xx_to_anything(stack: WalletStack) -> None:
    spec = httpx.get(stack.web_url + "/openapi.json").json()
    known = operations(spec)
    assert {op.path for op in known if op.media_type} >= {
        "/api/wallet/topups",
        "/api/billing/sms",
        "/api/webhooks/stripe",
        "/login",
    }, "the bodies the routes read are declared in the OpenAPI"

    with httpx.Client(base_url=stack.web_url, timeout=30, follow_redirects=False) as client:

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(data=st.data())
        def no_5xx(data: st.DataObject) -> None:
            operation = data.draw(st.sampled_from(known), label="operation")
            request = data.draw(requests(operation), label="request")
            answer = client.request(**request)
            assert answer.status_code < 500, (
                f"{operation.method} {operation.path} answered {answer.status_code}:"
                f" {answer.text[:300]}"
            )

        no_5xx()

    assert ledger_rows(stack) == []  # nothing was paid, so nothing was credited
