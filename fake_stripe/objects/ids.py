"""Stripe-shaped ids from a seeded generator, so a seed replays the same ids."""

from __future__ import annotations

import random
import string

_ALPHABET = string.ascii_letters + string.digits

# id prefixes as Stripe's test mode uses them
PREFIXES = {
    "checkout_session": "cs_test_",
    "payment_intent": "pi_",
    "charge": "ch_",
    "payment_method": "pm_",
    "event": "evt_",
    "webhook_endpoint": "we_",
    "webhook_secret": "whsec_",
    "product": "prod_",
    "price": "price_",
    "request": "req_",
    "line_item": "li_",
    "balance_transaction": "txn_",
}
_LENGTHS = {"checkout_session": 58, "webhook_secret": 32, "request": 14}


class IdFactory:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._random = random.Random(seed)  # noqa: S311  (ids for a test double, not secrets)

    def new(self, kind: str) -> str:
        prefix = PREFIXES[kind]
        length = _LENGTHS.get(kind, 24)
        return prefix + "".join(self._random.choices(_ALPHABET, k=length))

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.seed = seed
        self._random = random.Random(self.seed)  # noqa: S311
