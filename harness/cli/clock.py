"""``wallet-harness clock show|advance DURATION``: the running fake's clock.

``advance`` moves fake time forward; the fake runs every retry, delay, expiry and settlement
that falls due on the way before it answers, so the command prints the new time and the
webhook deliveries that ran during the move.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from rich.console import Console

from fake_stripe.client import Clock, DeliveryAttempt, FakeStripeControl, PendingDelivery
from harness.cli.fake_connection import EXIT_CODES, add_fake_options, with_fake
from harness.cli.options import duration_value
from harness.console import make_console, plain
from harness.durations import SHORT_EXAMPLES, describe_seconds


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    clock = commands.add_parser(
        "clock",
        help="show or advance the running fake's clock",
        description="Show or move the clock of the fake_stripe that `wallet-harness serve` runs"
        " (or --fake-url). Moving it runs every webhook retry, delay and expiry due on the way.",
        epilog=EXIT_CODES,
    )
    actions = clock.add_subparsers(dest="clock_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print the fake's time and retry schedule")
    add_fake_options(show)
    show.set_defaults(handler=run_show)
    advance = actions.add_parser(
        "advance",
        help="move fake time forward and print what ran",
        description="Move fake time forward by DURATION, running what falls due on the way.",
        epilog="example: wallet-harness clock advance 2h",
    )
    advance.add_argument(
        "duration", type=duration_value, metavar="DURATION", help=f"e.g. {SHORT_EXAMPLES}"
    )
    add_fake_options(advance)
    advance.set_defaults(handler=run_advance)


def run_show(args: argparse.Namespace) -> int:
    def show(control: FakeStripeControl) -> int:
        console = make_console()
        show_clock(console, control.clock())
        pending = control.deliveries().pending
        plain(console, f"waiting deliveries: {len(pending) or 'none'}")
        for delivery in pending:
            plain(console, f"  {describe_pending(delivery)}")
        return 0

    return with_fake("clock show", args, show)


def run_advance(args: argparse.Namespace) -> int:
    seconds: float = args.duration

    def advance(control: FakeStripeControl) -> int:
        console = make_console()
        before = control.deliveries().attempts
        clock = control.advance(seconds=seconds)
        after = control.deliveries()
        plain(console, f"advanced {describe_seconds(seconds)}")
        show_clock(console, clock)
        ran = after.attempts[len(before) :]
        plain(console, f"deliveries during the advance: {len(ran) or 'none'}")
        for attempt in ran:
            plain(console, f"  {describe_attempt(attempt, clock)}")
        plain(console, f"still waiting: {len(after.pending) or 'none'}")
        for delivery in after.pending:
            plain(console, f"  {describe_pending(delivery)}")
        return 0

    return with_fake("clock advance", args, advance)


def show_clock(console: Console, clock: Clock) -> None:
    plain(console, f"fake time: {_when(clock.now)} (unix {clock.timestamp})")
    plain(console, f"offset: {describe_seconds(clock.offset)} ahead of real time")
    schedule = clock.retry_schedule
    delays = " + ".join(describe_seconds(float(d)) for d in schedule.get("delays", []))
    plain(
        console,
        f"retry schedule: {schedule.get('name', '?')} ({delays or 'no retries'};"
        f" {schedule.get('max_attempts', '?')} attempts at most)",
    )


def describe_attempt(attempt: DeliveryAttempt, clock: Clock) -> str:
    if attempt.status_code is not None:
        answer = f"answered {attempt.status_code}"
    else:
        answer = f"no answer ({attempt.error or 'unknown'})"
    faults = f", faults: {', '.join(attempt.faults)}" if attempt.faults else ""
    return (
        f"{_when(attempt.sent_at)}  {attempt.event_type} {attempt.event_id}"
        f" for {attempt.object_id or '-'} attempt {attempt.attempt} to {attempt.endpoint_url}:"
        f" {answer}{faults}"
    )


def describe_pending(delivery: PendingDelivery) -> str:
    due = f", due {_when(delivery.due)}" if delivery.due is not None else ""
    waiting = f", waiting for {delivery.waiting_for}" if delivery.waiting_for else ""
    return (
        f"{delivery.event_type} {delivery.event_id} for {delivery.object_id or '-'}:"
        f" {delivery.state} after {delivery.attempts} attempt(s){due}{waiting}"
    )


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
