"""``wallet-harness fault add`` offers the fake's fault vocabulary (``FAULT_ACTIONS``, through the
control client), no more and no less: its actions, one option per param, each option refused
for an action that does not take it and demanded by one that needs it."""

from __future__ import annotations

import argparse

import pytest

from fake_stripe.client import FAULT_ACTIONS, FaultAction, FaultParam
from harness.cli.fault import InvalidInput, action_name, rule_from
from harness.cli.main import build_parser
from harness.durations import describe_seconds

EVERY_PARAM = {param.name: param for action in FAULT_ACTIONS for param in action.params}


def flag(param: FaultParam) -> str:
    return "--" + param.name.replace("_", "-")


def given(param: FaultParam) -> list[str]:
    """The param's example, as someone would type it on the command line."""
    if param.type == "boolean":
        return [flag(param)]
    if param.unit == "seconds" and isinstance(param.example, int | float):
        return [flag(param), describe_seconds(param.example)]
    return [flag(param), str(param.example)]


def needed(action: FaultAction) -> list[str]:
    return [word for param in action.params if param.required for word in given(param)]


def rule(*args: str) -> dict[str, object]:
    return rule_from(build_parser().parse_args(["fault", "add", *args]))


def subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    chosen: argparse.ArgumentParser = commands.choices[name]
    return chosen


def test_the_options_are_the_vocabularys_params() -> None:
    add = subcommand(subcommand(build_parser(), "fault"), "add")
    [group] = [g for g in add._action_groups if g.title == "the action's parameters"]

    offered = {flag for option in group._group_actions for flag in option.option_strings}

    assert offered == {flag(param) for param in EVERY_PARAM.values()}


def test_the_actions_are_the_vocabularys() -> None:
    epilog = subcommand(subcommand(build_parser(), "fault"), "add").epilog or ""
    section = epilog.split("actions:\n", 1)[1].split("\n\n", 1)[0]
    named = [line.split()[0] for line in section.splitlines() if not line.startswith("   ")]

    for action in FAULT_ACTIONS:
        assert action_name(action.name.replace("_", "-")) == action.name
    assert named == [action.name for action in FAULT_ACTIONS]
    with pytest.raises(argparse.ArgumentTypeError, match="no fault action 'explode'"):
        action_name("explode")


@pytest.mark.parametrize("action", FAULT_ACTIONS, ids=lambda action: action.name)
def test_each_option_goes_to_the_actions_that_take_it(action: FaultAction) -> None:
    least = rule(action.name, *needed(action))["params"]
    for param in action.params:
        made = rule(action.name, *needed(action), *given(param))
        assert made["params"] == {**least, param.name: param.example}
    for name in EVERY_PARAM.keys() - {param.name for param in action.params}:
        with pytest.raises(
            InvalidInput, match=f"^{action.name} takes no {flag(EVERY_PARAM[name])} "
        ):
            rule(action.name, *needed(action), *given(EVERY_PARAM[name]))
    for param in action.params:
        if param.required:
            with pytest.raises(InvalidInput, match=f"^{action.name} needs {flag(param)}"):
                rule(action.name)
