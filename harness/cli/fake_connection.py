"""How ``wallet-harness fault`` and ``clock`` reach the running fake, and what they say when
they cannot: ``--fake-url``, else the state file ``wallet-harness serve`` wrote.

Exit codes: 0 done; 1 no fake to talk to, or it failed; 2 invalid input (ours, or the fake's
400 or 404 answer).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import httpx

from fake_stripe.client import ControlError, FakeStripeControl
from harness.cli.serve_state import START_HINT, FakeNotFound, find_fake_url
from harness.console import fail

CONTROL_TIMEOUT = 60.0  # seconds for one control call (an advance waits for the work it runs)
EXIT_CODES = "exit codes: 0 done, 1 no running fake (or it failed), 2 invalid input"


def add_fake_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fake-url",
        metavar="URL",
        help="the fake_stripe to drive (default: the one `wallet-harness serve` is running)",
    )
    parser.add_argument(
        "--port-file",
        type=Path,
        metavar="PATH",
        help="the state file of the serve to use, when it was started with --port-file",
    )


def with_fake(
    command: str, args: argparse.Namespace, work: Callable[[FakeStripeControl], int]
) -> int:
    """Run ``work`` against the fake; every way it can go wrong becomes a message and a code."""
    try:
        url = find_fake_url(args.fake_url, args.port_file)
    except FakeNotFound as error:
        fail(f"{command}: {error}")
        return 1
    try:
        with FakeStripeControl(url, timeout=CONTROL_TIMEOUT) as control:
            _check_it_is_the_fake(url, control)
            return work(control)
    except FakeNotFound as error:
        fail(f"{command}: {error}")
        return 1
    except httpx.ReadTimeout:
        fail(f"{command}: the fake at {url} did not answer within {CONTROL_TIMEOUT:.0f} s")
        return 1
    except httpx.TransportError as error:
        fail(
            f"{command}: no fake_stripe answers at {url} ({type(error).__name__}: {error}); is"
            f" wallet-harness serve still running? {START_HINT}"
        )
        return 1
    except ControlError as error:
        fail(f"{command}: the fake refused: {error.message}")
        return 2 if error.status in (400, 404) else 1  # a bad rule, an unknown id


def _check_it_is_the_fake(url: str, control: FakeStripeControl) -> None:
    try:
        control.health()
    except (ControlError, ValueError) as error:
        raise FakeNotFound(
            f"{url} does not answer like fake_stripe's control API ({error}): {START_HINT}"
        ) from None
