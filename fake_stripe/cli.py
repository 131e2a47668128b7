"""``fake-stripe`` / ``python -m fake_stripe``: run the Stripe double."""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable, Sequence

from fake_stripe.clock import MAX_SECONDS
from fake_stripe.http.control import SEEDS
from fake_stripe.server import serve
from fake_stripe.service import Settings
from fake_stripe.webhooks.schedule import parse_schedule

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_WAIT_SECONDS = 300.0  # real seconds: a delivery's attempt, the paid page's wait


def _port(text: str) -> int:
    number = _whole(text)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a TCP port from 0 (any free one) to 65535, not {text}")
    return number


def _seed(text: str) -> int:
    number = _whole(text)
    if not SEEDS[0] <= number <= SEEDS[1]:
        raise argparse.ArgumentTypeError(f"a seed fits in 64 bits, signed; not {text}")
    return number


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, not {text!r}") from None


def _seconds(largest: float, *, zero: bool) -> Callable[[str], float]:
    """argparse's type for seconds: a finite number above 0 (or from 0, where ``zero``) up to
    ``largest``."""

    def seconds(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        low_ok = value >= 0 if zero else value > 0
        if not (math.isfinite(value) and low_ok and value <= largest):
            low = "from 0" if zero else "more than 0"
            raise argparse.ArgumentTypeError(f"seconds {low} to {largest:g}, not {text!r}")
        return value

    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    # options only as spelled in full, as wallet-harness takes them: argparse would otherwise
    # read --delivery 5 as --delivery-timeout, and --settle 0 as --settle-after
    parser = argparse.ArgumentParser(prog="fake-stripe", description=__doc__, allow_abbrev=False)
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    parser.add_argument("--port", type=_port, default=12111)
    parser.add_argument("--seed", type=_seed, default=0, help="seeds ids and probabilistic faults")
    parser.add_argument(
        "--retry-schedule",
        default="test",
        help="test (3 retries over ~2.5 h), live (~3 days), or seconds like 60,300,900",
    )
    parser.add_argument(
        "--delivery-timeout",
        type=_seconds(MAX_WAIT_SECONDS, zero=False),
        default=10.0,
        help="seconds per webhook attempt",
    )
    parser.add_argument(
        "--checkout-wait",
        type=_seconds(MAX_WAIT_SECONDS, zero=True),
        default=10.0,
        help="seconds the paid page waits for the completed webhook's first answer",
    )
    parser.add_argument(
        "--settle-after",
        type=_seconds(MAX_SECONDS, zero=True),
        default=180.0,
        help="fake seconds until a bank debit settles",
    )
    parser.add_argument("--merchant-name", default=Settings.merchant_name)
    parser.add_argument(
        "--log-level", default="INFO", type=str.upper, choices=LOG_LEVELS, help="default INFO"
    )
    args = parser.parse_args(argv)
    try:
        schedule = parse_schedule(args.retry_schedule)
    except ValueError as error:
        parser.error(str(error))
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    settings = Settings(
        seed=args.seed,
        retry_schedule=schedule,
        delivery_timeout=args.delivery_timeout,
        checkout_wait=args.checkout_wait,
        settle_after=args.settle_after,
        merchant_name=args.merchant_name,
    )
    serve(settings, args.host, args.port)
    return 0
