"""Stripe-shaped ids from one seeded stream, so a seed replays the same ids.

Ids never repeat within one fake's life: a reset without a seed does not rewind the stream,
so an app whose database outlives the reset never meets an old id on a new object (draws of 24
or more characters from 62 do not collide in practice). A reset that names a seed replays the
stream a fresh fake with that seed starts with, except that it skips the ids of the objects that
survived the reset (webhook endpoints and their secrets): two objects never share an id.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable

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
        self._kept: frozenset[str] = frozenset()

    def new(self, kind: str) -> str:
        prefix = PREFIXES[kind]
        length = _LENGTHS.get(kind, 24)
        while True:
            candidate = prefix + "".join(self._random.choices(_ALPHABET, k=length))
            if candidate not in self._kept:
                return candidate

    def replay(self, seed: int, kept: Iterable[str] = ()) -> None:
        """Start the stream again as a fresh fake with ``seed`` does, skipping ``kept``: the
        ids of objects that outlive the reset."""
        self.seed = seed
        self._random = random.Random(seed)  # noqa: S311
        self._kept = frozenset(kept)
