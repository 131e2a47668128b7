"""``wallet-harness fault add|list|remove|clear``: the running fake's webhook fault rules.

A rule is data, as the fake keeps it: ``{action, match, times, probability, params}``; this
command builds one from options, sends it through ``FakeStripeControl`` and lists what the fake
holds. Durations are written as ``2h``, ``30m``, ``45s`` or seconds, and sent as seconds.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich import box
from rich.table import Table

from fake_stripe.client import FakeStripeControl, FaultRule
from harness.cli.fake_connection import EXIT_CODES, add_fake_options, with_fake
from harness.cli.options import duration_value
from harness.console import fail, make_console, plain
from harness.durations import SHORT_EXAMPLES, describe_seconds

# the fake's actions (fake_stripe/webhooks/faults.py), and what each does to a delivery
ACTIONS = {
    "drop": "lose the delivery attempt; it is never retried",
    "fail": "answer the attempt as the endpoint failing (--status, default 500; --timeout)",
    "duplicate": "send --count extra copies (default 1), --concurrent or one after another",
    "delay": "hold the first attempt back by --seconds of fake time",
    "hold": "keep the delivery until it is released through the control API",
    "reorder": "deliver only after the next event of type --after has been delivered",
    "reissue": "send the same change again under a new event id (once per event)",
    "corrupt_signature": "send the attempt with a broken Stripe-Signature",
    "stale_timestamp": "sign the attempt --age-seconds in the past (default 600)",
    "wrong_secret": "sign the attempt with another secret",
}
# option -> (the fake's param name, the actions that take it)
PARAM_OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "status": ("status", ("fail",)),
    "timeout": ("timeout", ("fail",)),
    "count": ("count", ("duplicate",)),
    "concurrent": ("concurrent", ("duplicate",)),
    "seconds": ("seconds", ("delay",)),
    "after": ("after", ("reorder",)),
    "age_seconds": ("age_seconds", ("stale_timestamp",)),
}
REQUIRED = {"delay": "seconds", "reorder": "after"}
UNLIMITED = ("unlimited", "always", "forever")


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
    params.add_argument("--status", type=int, metavar="CODE", help="fail: the HTTP status")
    params.add_argument(
        "--timeout", action="store_true", default=None, help="fail: as a timed-out attempt"
    )
    params.add_argument("--count", type=int, metavar="N", help="duplicate: extra copies (1-50)")
    params.add_argument(
        "--concurrent", action="store_true", default=None, help="duplicate: all at once"
    )
    params.add_argument(
        "--seconds", type=duration_value, metavar="DURATION", help=f"delay: {SHORT_EXAMPLES}"
    )
    params.add_argument("--after", metavar="TYPE", help="reorder: the event type to wait for")
    params.add_argument(
        "--age-seconds",
        dest="age_seconds",
        type=duration_value,
        metavar="DURATION",
        help="stale_timestamp: how old the signature's timestamp is",
    )
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


def _add_epilog() -> str:
    width = max(len(action) for action in ACTIONS)
    lines = [f"  {action:<{width}}  {what}" for action, what in ACTIONS.items()]
    examples = [
        "wallet-harness fault add fail --event checkout.session.completed --times 3 --status 500",
        "wallet-harness fault add delay --event checkout.session.completed --seconds 2h",
        "wallet-harness fault add drop --probability 0.3 --times unlimited",
    ]
    return "\n".join(
        ["actions:", *lines, "", "examples:", *(f"  {e}" for e in examples), "", EXIT_CODES]
    )


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
        times = int(text)
    except ValueError:
        times = 0
    if times < 1:
        raise argparse.ArgumentTypeError(f"a whole number from 1, or unlimited: {text!r}")
    return times


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
    action: str = args.action
    params: dict[str, Any] = {}
    for option, (param, takers) in PARAM_OPTIONS.items():
        value = getattr(args, option)
        if value is None:
            continue
        flag = "--" + option.replace("_", "-")
        if action not in takers:
            raise InvalidInput(f"{action} takes no {flag} (it is for {', '.join(takers)})")
        params[param] = _whole(value) if isinstance(value, float) else value
    needed = REQUIRED.get(action)
    if needed is not None and needed not in params:
        flag = "--" + needed.replace("_", "-")
        example = "2h" if needed == "seconds" else "checkout.session.completed"
        raise InvalidInput(f"{action} needs {flag}, e.g. {flag} {example}")
    match = {"event_type": args.event, "object_id": args.object, "endpoint": args.endpoint}
    return {
        "action": action,
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
    return " ".join(given) or "every delivery"


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
