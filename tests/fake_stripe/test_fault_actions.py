"""The fault vocabulary is declared once: the fake checks rules against it, lists it at
``GET /_control/faults/actions``, and the control client carries the same data without a fake."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest

from fake_stripe.client import FAULT_ACTIONS, ControlError, FakeStripeControl, FaultAction
from fake_stripe.server import FakeStripeServer
from fake_stripe.webhooks.faults import ACTIONS, FaultSpecError, parse_rule


def needed(action: FaultAction) -> dict[str, Any]:
    """The least params the action takes: its required ones, at their examples."""
    return {param.name: param.example for param in action.params if param.required}


def test_the_http_listing_is_the_clients_vocabulary(
    fake_server: FakeStripeServer, control: FakeStripeControl
) -> None:
    listed = httpx.get(f"{fake_server.base_url}/_control/faults/actions").json()

    assert listed == {"data": [action.to_json() for action in FAULT_ACTIONS]}
    assert control.fault_actions() == FAULT_ACTIONS
    refused = httpx.post(f"{fake_server.base_url}/_control/faults/actions")
    assert (refused.status_code, refused.json()["error"]["message"]) == (
        405,
        "POST is not allowed on /_control/faults/actions; use DELETE, GET",
    )


def test_the_fake_accepts_every_listed_action_and_no_other(control: FakeStripeControl) -> None:
    names = [action.name for action in FAULT_ACTIONS]
    assert sorted(ACTIONS) == sorted(names)
    assert len(set(names)) == len(names)

    for action in FAULT_ACTIONS:
        rule = control.add_fault(action.name, **needed(action))
        defaults = {param.name: param.default for param in action.params}
        assert (rule.action, rule.params) == (action.name, {**defaults, **needed(action)})
    with pytest.raises(ControlError, match="action must be one of"):
        control.add_fault("explode")


@pytest.mark.parametrize("action", FAULT_ACTIONS, ids=lambda action: action.name)
def test_an_action_takes_exactly_its_listed_params(action: FaultAction) -> None:
    examples = {param.name: param.example for param in action.params}
    assert None not in examples.values()  # every param shows an example
    others = {p.name for other in FAULT_ACTIONS for p in other.params} - set(examples)

    assert parse_rule({"action": action.name, "params": examples}, "fault_1").params == examples
    for name in others:
        with pytest.raises(FaultSpecError, match=f"{action.name} takes no param"):
            parse_rule({"action": action.name, "params": {**needed(action), name: 1}}, "fault_1")
    for name in needed(action):
        without = {key: value for key, value in examples.items() if key != name}
        with pytest.raises(FaultSpecError, match=f"{action.name} needs params.{name}"):
            parse_rule({"action": action.name, "params": without}, "fault_1")
    for param in action.params:
        wrong = [] if param.type != "string" else 5
        with pytest.raises(FaultSpecError, match=f"params.{param.name} of {action.name} has the"):
            parse_rule({"action": action.name, "params": {**examples, param.name: wrong}}, "f_1")


def test_the_client_reads_the_vocabulary_without_the_servers_dependencies() -> None:
    blocked = ["starlette", "uvicorn", "jinja2", "fake_stripe.service", "fake_stripe.http"]
    script = "\n".join(
        [
            "import sys",
            *(f"sys.modules[{name!r}] = None" for name in blocked),
            "from fake_stripe.client import FAULT_ACTIONS, FakeStripeControl",
            "print(len(FAULT_ACTIONS))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(FAULT_ACTIONS))
