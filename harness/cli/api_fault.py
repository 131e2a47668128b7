"""``wallet-harness api-fault add|list|hits|remove|clear``: the running fake's fault rules for
the app's own calls to Stripe's API (``/v1``), as ``wallet-harness fault`` is for webhooks.

The actions and their options come from the fake's vocabulary (``API_FAULT_ACTIONS``), read
through the control client before any fake is looked for; the parsing and the descriptions are
``harness.cli.fault``'s.
"""

from __future__ import annotations

import argparse

from rich import box
from rich.table import Table

from fake_stripe.client import API_FAULT_ACTIONS, FakeStripeControl
from harness.cli.fake_connection import EXIT_CODES, add_fake_options, with_fake
from harness.cli.fault import (
    InvalidInput,
    actions_epilog,
    add_param_option,
    describe_injected,
    describe_rule,
    param_options,
    probability_value,
    rule_of,
    rules_table,
    times_value,
)
from harness.console import fail, make_console, plain

ACTIONS = {action.name: action for action in API_FAULT_ACTIONS}
PARAM_OPTIONS = param_options(API_FAULT_ACTIONS)
METHODS = ("GET", "POST", "DELETE")
EXAMPLES = [
    "wallet-harness api-fault add error --method POST --path /v1/checkout/sessions --status 503",
    "wallet-harness api-fault add error --path '/v1/checkout/sessions/*' --times 2 --status 429"
    " --retry-after 1",
    "wallet-harness api-fault add reset --method POST --path /v1/checkout/sessions --processed",
    "wallet-harness api-fault add timeout --path /v1/events --seconds 30",
]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "api-fault",
        help="add, list, remove or clear faults on the app's own calls to Stripe's API",
        description="Drive the fault rules the fake_stripe that `wallet-harness serve` runs (or"
        " --fake-url) applies to the app's requests to /v1: an error with Stripe's JSON, a"
        " timeout or a cut connection, with the request taking effect or not.",
        epilog=f"{EXIT_CODES}\nsee `wallet-harness api-fault add --help` for the actions",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = command.add_subparsers(dest="api_fault_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add an API fault rule",
        description="Add a fault rule for the app's requests to the running fake's /v1.",
        epilog=actions_epilog(API_FAULT_ACTIONS, PARAM_OPTIONS, EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("action", type=action_name, metavar="ACTION", help="what to do (below)")
    match = add.add_argument_group("which requests (default: every /v1 request)")
    match.add_argument("--method", type=method_name, metavar="METHOD", help="GET, POST or DELETE")
    match.add_argument(
        "--path",
        metavar="GLOB",
        help="the request's path, a glob starting /v1/: /v1/checkout/sessions (creation, with"
        " POST), '/v1/checkout/sessions/*' (reads), /v1/events (the sweep's list)",
    )
    match.add_argument("--object", metavar="ID", help="one segment of the path, e.g. a cs_... id")
    how_often = add.add_argument_group("how often")
    how_often.add_argument(
        "--times",
        type=times_value,
        default=1,
        metavar="N",
        help="how many requests the rule takes: a number, or unlimited (default 1)",
    )
    how_often.add_argument(
        "--probability",
        type=probability_value,
        metavar="P",
        help="take each match with this chance, 0 to 1 (seeded: the same every run)",
    )
    params = add.add_argument_group("the action's parameters")
    for option in PARAM_OPTIONS.values():
        add_param_option(params, option)
    add_fake_options(add)
    add.set_defaults(handler=run_add)

    for name, helped, handler in (
        ("list", "list the API fault rules and what they did", run_list),
        ("hits", "list every request a rule faulted since the last reset", run_hits),
        ("clear", "remove every API fault rule, the injected counts and the hits", run_clear),
    ):
        sub = actions.add_parser(name, help=helped)
        add_fake_options(sub)
        sub.set_defaults(handler=handler)
    remove = actions.add_parser("remove", help="remove one API fault rule by its id")
    remove.add_argument("rule_id", metavar="ID", help="e.g. api_fault_1 (api-fault list shows)")
    add_fake_options(remove)
    remove.set_defaults(handler=run_remove)


def action_name(text: str) -> str:
    name = text.strip().lower().replace("-", "_")
    if name not in ACTIONS:
        raise argparse.ArgumentTypeError(
            f"no API fault action {text!r}; choose from {', '.join(ACTIONS)}"
        )
    return name


def method_name(text: str) -> str:
    method = text.strip().upper()
    if method not in METHODS:
        raise argparse.ArgumentTypeError(f"one of {', '.join(METHODS)}: {text!r}")
    return method


def rule_from(args: argparse.Namespace) -> dict[str, object]:
    if args.path is not None and not args.path.startswith("/v1/"):
        raise InvalidInput(f"--path starts with /v1/ (only the API's requests fail): {args.path}")
    match = {"method": args.method, "path": args.path, "object_id": args.object}
    return rule_of(args, ACTIONS[args.action], PARAM_OPTIONS, match)


def run_add(args: argparse.Namespace) -> int:
    try:
        wanted = rule_from(args)
    except InvalidInput as error:
        fail(f"api-fault add: {error}")
        return 2

    def add(control: FakeStripeControl) -> int:
        rule = control.add_api_fault_rule(wanted)
        plain(make_console(), f"added {rule.id}: {describe_rule(rule)}")
        return 0

    return with_fake("api-fault add", args, add)


def run_list(args: argparse.Namespace) -> int:
    def show(control: FakeStripeControl) -> int:
        console = make_console()
        rules = control.api_faults()
        if rules:
            console.print(rules_table(rules))
        else:
            plain(console, "no API fault rules: the fake answers every request of the app")
        injected = describe_injected(control.api_faults_injected())
        plain(console, f"injected since the last reset: {injected}")
        return 0

    return with_fake("api-fault list", args, show)


def run_hits(args: argparse.Namespace) -> int:
    def show(control: FakeStripeControl) -> int:
        console = make_console()
        hits = control.api_fault_hits()
        if not hits:
            plain(console, "no request of the app was faulted since the last reset")
            return 0
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("rule", "action", "request", "answered", "took effect", "request id"):
            table.add_column(column, overflow="fold")
        for hit in hits:
            answered = "no answer" if hit.status is None else str(hit.status)
            effect = "yes" if hit.processed else "no"
            request = f"{hit.method} {hit.path}"
            table.add_row(hit.rule_id, hit.action, request, answered, effect, hit.request_id)
        console.print(table)
        return 0

    return with_fake("api-fault hits", args, show)


def run_remove(args: argparse.Namespace) -> int:
    def remove(control: FakeStripeControl) -> int:
        control.remove_api_fault(args.rule_id)
        plain(make_console(), f"removed {args.rule_id}")
        return 0

    return with_fake("api-fault remove", args, remove)


def run_clear(args: argparse.Namespace) -> int:
    def clear(control: FakeStripeControl) -> int:
        count = len(control.api_faults())
        control.clear_api_faults()
        rules = "rule" if count == 1 else "rules"
        plain(make_console(), f"cleared {count} API fault {rules}; counts and hits start again")
        return 0

    return with_fake("api-fault clear", args, clear)
