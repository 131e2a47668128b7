"""``fake-stripe`` / ``python -m fake_stripe``: run the Stripe double."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from fake_stripe.server import serve
from fake_stripe.service import Settings
from fake_stripe.webhooks.schedule import parse_schedule


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fake-stripe", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--seed", type=int, default=0, help="seeds ids and probabilistic faults")
    parser.add_argument(
        "--retry-schedule",
        default="test",
        help="test (3 retries over ~2.5 h), live (~3 days), or seconds like 60,300,900",
    )
    parser.add_argument(
        "--delivery-timeout", type=float, default=10.0, help="seconds per webhook attempt"
    )
    parser.add_argument(
        "--checkout-wait",
        type=float,
        default=10.0,
        help="seconds the paid page waits for the completed webhook's first answer",
    )
    parser.add_argument(
        "--settle-after",
        type=float,
        default=180.0,
        help="fake seconds until a bank debit settles",
    )
    parser.add_argument("--merchant-name", default=Settings.merchant_name)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    try:
        schedule = parse_schedule(args.retry_schedule)
    except ValueError as error:
        parser.error(str(error))
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
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
