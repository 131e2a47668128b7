"""``wallet-harness fault add|list|remove|clear``: the running fake's webhook fault rules.

A rule is data, as the fake keeps it: ``{action, match, times, probability, params}``; this
command builds one from options, sends it through ``FakeStripeControl`` and lists what the fake
holds. Its actions, their options, the help and the checks come from the fake's own fault
vocabulary (``FAULT_ACTIONS``, read through the control client before any fake is looked for),
so a param the fake learns is an option here. Durations are written as ``2h``, ``30m``, ``45s``
or seconds, and sent as seconds.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.table import Table

from fake_stripe.client import (
    FAULT_ACTIONS,
    FakeStripeControl,
    FaultAction,
    FaultParam,
    FaultRule,
)
from harness.cli.fake_connection import EXIT_CODES, add_fake_options, with_fake
from harness.cli.options import at_least_one, duration_value
from harness.console import fail, make_console, plain
from harness.durations import SHORT_EXAMPLES, describe_seconds

ACTIONS = {action.name: action for action in FAULT_ACTIONS}  # in the vocabulary's order
UNLIMITED = ("unlimited", "always", "forever")


@dataclass(frozen=True)
class ParamOption:
    """One ``--option`` of ``fault add``: a param of the fake's vocabulary, and the actions that
    take it (one option for a param that several actions share)."""

    param: FaultParam
    takers: tuple[str, ...]

    @property
    def flag(self) -> str:
        return "--" + self.param.name.replace("_", "-")

    @property
    def is_duration(self) -> bool:
        return self.param.unit == "seconds"

    @property
    def metavar(self) -> str | None:
        if self.param.type == "boolean":
            return None
        return "DURATION" if self.is_duration else self.param.placeholder

    def with_example(self) -> str:
        """``--seconds, e.g. --seconds 2h``: what a refusal says the action needs."""
        if self.param.example is None:
            return self.flag
        return f"{self.flag}, e.g. {self.flag} {self.shown(self.param.example)}"

    def shown(self, value: Any) -> str:
        """A value as people write it on this command line: ``7200`` seconds as ``2h``."""
        if self.is_duration and isinstance(value, int | float) and not isinstance(value, bool):
            return describe_seconds(value)
        return str(value)


def param_options(vocabulary: tuple[FaultAction, ...]) -> dict[str, ParamOption]:
    """Option (its argparse dest, the param's name) -> what it is, in the vocabulary's order."""
    options: dict[str, ParamOption] = {}
    for action in vocabulary:
        for param in action.params:
            known = options.get(param.name)
            if known is None:
                options[param.name] = ParamOption(param, (action.name,))
            elif (known.param.type, known.param.unit) != (param.type, param.unit):
                raise ValueError(f"the fake's fault params {param.name} differ in type or unit")
            else:
                options[param.name] = ParamOption(known.param, (*known.takers, action.name))
    return options


PARAM_OPTIONS = param_options(FAULT_ACTIONS)


class InvalidInput(ValueError):
    """Options argparse cannot refuse on its own (a param the action does not take, or one it
    needs); the message says which."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fault = commands.add_parser(
        "fault",
        help="add, list, remove or clear the running fake's webhook faults",
        description="Drive the webhook fault rules of the fake_stripe that `wallet-harness"
        " serve` runs (or --fake-url). A rule applies an action to the deliveries it matches,"
        " a number of times.",
        epilog=f"{EXIT_CODES}\nsee `wallet-harness fault add --help` for the actions",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = fault.add_subparsers(dest="fault_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a fault rule",
        description="Add a fault rule to the running fake.",
        epilog=_add_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("action", type=action_name, metavar="ACTION", help="what to do (below)")
    match = add.add_argument_group("which deliveries (default: every one)")
    match.add_argument(
        "--event",
        metavar="TYPE",
        help="event type, e.g. checkout.session.completed (checkout.session.* for a prefix)",
    )
    match.add_argument("--object", metavar="ID", help="the event's object id, e.g. a cs_... id")
    match.add_argument("--endpoint", metavar="ID_OR_URL", help="a webhook endpoint's id or URL")
    how_often = add.add_argument_group("how often")
    how_often.add_argument(
        "--times",
        type=times_value,
        default=1,
        metavar="N",
        help="how many times the rule applies: a number, or unlimited (default 1)",
    )
    how_often.add_argument(
        "--probability",
        type=probability_value,
        metavar="P",
        help="apply to each match with this chance, 0 to 1 (seeded: the same every run)",
    )
    params = add.add_argument_group("the action's parameters")
    for option in PARAM_OPTIONS.values():
        add_param_option(params, option)
    add_fake_options(add)
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="list the fault rules and what they did")
    add_fake_options(listing)
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="remove one fault rule by its id")
    remove.add_argument("rule_id", metavar="ID", help="e.g. fault_1 (fault list shows them)")
    add_fake_options(remove)
    remove.set_defaults(handler=run_remove)

    clear = actions.add_parser("clear", help="remove every fault rule and the injected counts")
    add_fake_options(clear)
    clear.set_defaults(handler=run_clear)


def add_param_option(group: argparse._ArgumentGroup, option: ParamOption) -> None:
    what = f"{', '.join(option.takers)}: {option.param.description}"
    if option.param.type == "boolean":
        group.add_argument(option.flag, action="store_true", default=None, help=what)
        return
    read: Any = {"integer": int, "number": float, "string": str}[option.param.type]
    if option.is_duration:
        read, what = duration_value, f"{what} ({SHORT_EXAMPLES})"
    group.add_argument(option.flag, type=read, metavar=option.metavar, help=what)


def _add_epilog() -> str:
    examples = [
        "wallet-harness fault add fail --event checkout.session.completed --times 3 --status 500",
        "wallet-harness fault add delay --event checkout.session.completed --seconds 2h",
        "wallet-harness fault add drop --probability 0.3 --times unlimited",
    ]
    return actions_epilog(FAULT_ACTIONS, PARAM_OPTIONS, examples)


def actions_epilog(
    vocabulary: tuple[FaultAction, ...], options: dict[str, ParamOption], examples: list[str]
) -> str:
    width = max(len(action.name) for action in vocabulary)
    lines = []
    for action in vocabulary:
        takes = [_describe_option(options[param.name]) for param in action.params]
        takes.append(f"--times counts {action.times_counts}")
        lines.append(f"  {action.name:<{width}}  {action.description}")
        lines.append(f"  {'':<{width}}  {'; '.join(takes)}")
    return "\n".join(
        ["actions:", *lines, "", "examples:", *(f"  {e}" for e in examples), "", EXIT_CODES]
    )


def _describe_option(option: ParamOption) -> str:
    """``--status CODE (default 500)``, ``--seconds DURATION (required)``, ``--timeout``."""
    param, usage = option.param, " ".join(filter(None, [option.flag, option.metavar]))
    if param.required:
        return f"{usage} (required)"
    if param.type == "boolean" and param.default is False:
        return usage
    return f"{usage} (default {option.shown(param.default)})"


# -- parsing the options -----------------------------------------------------------------------


def action_name(text: str) -> str:
    name = text.strip().lower().replace("-", "_")
    if name not in ACTIONS:
        raise argparse.ArgumentTypeError(
            f"no fault action {text!r}; choose from {', '.join(ACTIONS)}"
        )
    return name


def times_value(text: str) -> int | None:
    if text.strip().lower() in UNLIMITED:
        return None
    try:
        return at_least_one(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"a whole number from 1, or unlimited: {text!r}") from None


def probability_value(text: str) -> float:
    try:
        probability = float(text)
    except ValueError:
        probability = -1.0
    if not 0 <= probability <= 1:
        raise argparse.ArgumentTypeError(f"a number from 0 to 1, e.g. 0.3: {text!r}")
    return probability


def rule_from(args: argparse.Namespace) -> dict[str, Any]:
    """The rule the options describe, as the control API takes it; ``InvalidInput`` for an
    option the action does not take, or one it needs and did not get."""
    match = {"event_type": args.event, "object_id": args.object, "endpoint": args.endpoint}
    return rule_of(args, ACTIONS[args.action], PARAM_OPTIONS, match)  # action_name checked it


def rule_of(
    args: argparse.Namespace,
    action: FaultAction,
    options: dict[str, ParamOption],
    match: dict[str, str | None],
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, option in options.items():
        value = getattr(args, name)
        if value is None:
            continue
        if action.name not in option.takers:
            takers = ", ".join(option.takers)
            raise InvalidInput(f"{action.name} takes no {option.flag} (it is for {takers})")
        params[name] = _whole(value) if isinstance(value, float) else value
    for param in action.params:
        if param.required and param.name not in params:
            raise InvalidInput(f"{action.name} needs {options[param.name].with_example()}")
    return {
        "action": action.name,
        "match": {key: value for key, value in match.items() if value is not None},
        "times": args.times,
        "params": params,
        "probability": args.probability,
    }


def _whole(seconds: float) -> int | float:
    return int(seconds) if seconds.is_integer() else seconds


# -- the subcommands ---------------------------------------------------------------------------


def run_add(args: argparse.Namespace) -> int:
    try:
        wanted = rule_from(args)  # refused before any fake is looked for
    except InvalidInput as error:
        fail(f"fault add: {error}")
        return 2

    def add(control: FakeStripeControl) -> int:
        rule = control.add_fault_rule(wanted)
        plain(make_console(), f"added {rule.id}: {describe_rule(rule)}")
        return 0

    return with_fake("fault add", args, add)


def run_list(args: argparse.Namespace) -> int:
    def show(control: FakeStripeControl) -> int:
        console = make_console()
        rules = control.faults()
        if rules:
            console.print(rules_table(rules))
        else:
            plain(console, "no fault rules: the fake delivers every webhook as it should")
        plain(console, f"injected since the last reset: {describe_injected(control.injected())}")
        return 0

    return with_fake("fault list", args, show)


def run_remove(args: argparse.Namespace) -> int:
    def remove(control: FakeStripeControl) -> int:
        control.remove_fault(args.rule_id)
        plain(make_console(), f"removed {args.rule_id}")
        return 0

    return with_fake("fault remove", args, remove)


def run_clear(args: argparse.Namespace) -> int:
    def clear(control: FakeStripeControl) -> int:
        count = len(control.faults())
        control.clear_faults()
        rules = "rule" if count == 1 else "rules"
        plain(make_console(), f"cleared {count} fault {rules}; the injected counts start again")
        return 0

    return with_fake("fault clear", args, clear)


# -- describing rules --------------------------------------------------------------------------


def rules_table(rules: list[FaultRule]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("id", "action", "match", "applied", "probability", "params"):
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(
            rule.id,
            rule.action,
            describe_match(rule.match),
            describe_times(rule),
            "-" if rule.probability is None else f"{rule.probability:g}",
            describe_params(rule.params) or "-",
        )
    return table


def describe_rule(rule: FaultRule) -> str:
    parts = [rule.action, describe_match(rule.match)]
    parts.append("unlimited times" if rule.times is None else _times_word(rule.times))
    if rule.probability is not None:
        parts.append(f"probability {rule.probability:g}")
    if rule.params:
        parts.append(describe_params(rule.params))
    return ", ".join(parts)


def describe_match(match: dict[str, str | None]) -> str:
    given = [f"{key}={value}" for key, value in match.items() if value is not None]
    return " ".join(given) or ("every request" if "method" in match else "every delivery")


def describe_times(rule: FaultRule) -> str:
    bound = "unlimited" if rule.times is None else str(rule.times)
    return f"{rule.applied} of {bound}"


def describe_params(params: dict[str, Any]) -> str:
    shown = []
    for name, value in params.items():
        if name in ("seconds", "age_seconds") and isinstance(value, int | float):
            shown.append(f"{name}={value:g} ({describe_seconds(value)})")
        else:
            shown.append(f"{name}={value}")
    return " ".join(shown)


def describe_injected(injected: dict[str, int]) -> str:
    counts = [f"{action} {count}" for action, count in sorted(injected.items()) if count]
    return ", ".join(counts) or "nothing"


def _times_word(times: int) -> str:
    return "once" if times == 1 else f"{times} times"
