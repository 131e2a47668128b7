"""The Express app's reconciliation sweep follows the fake's clock (``WALLET_CLOCK_URL`` from
its profile's ``{clock_url}``) and its watermark: its first sweep reads all 30 days Stripe lists;
after three days of fake time it looks back to where its last sweep started, then to its one-day
look-back again. Real processes (fake_stripe,
Redis, web, worker), the real database, ``node src/reconcile.js`` as the harness runs it."""

from __future__ import annotations

import re
from pathlib import Path

from harness.profile.loading import load_profile
from harness.stack.schema import migrate_and_seed
from harness.stack.wallet_stack import StackConfig, WalletStack
from tests.examples.express import APP, needs_node

pytestmark = needs_node

DAY = 86400
OVERLAP = 300  # src/reconcile.js OVERLAP_SECONDS
LISTED = 30 * DAY  # src/reconcile.js STRIPE_LISTS_EVENTS_SECONDS


def swept_since(stack: WalletStack) -> tuple[float, int]:
    """The fake's time just before a sweep, and the ``created`` the sweep asked from."""
    before = stack.control.clock().now
    printed = stack.reconcile()
    found = re.search(r"paid sessions since (\d+)", printed)
    assert found is not None, printed
    return before, int(found.group(1))


def test_the_sweep_measures_its_window_on_the_fakes_clock_and_its_watermark(
    wallet_db_url: str, tmp_path: Path
) -> None:
    profile = load_profile(APP / "wallet-harness.toml")
    migrate_and_seed(wallet_db_url, profile)
    with WalletStack(StackConfig(wallet_db_url, tmp_path / "logs", profile=profile)) as stack:
        first_at, first = swept_since(stack)
        stack.control.advance(days=3)
        after_at, after_outage = swept_since(stack)
        again_at, again = swept_since(stack)

    # never swept to the end: as far back as Stripe lists (30 days), from the fake's now
    assert first_at - LISTED - 1 <= first <= first_at - LISTED + 30
    assert after_at - first_at >= 3 * DAY
    assert first_at - OVERLAP - 1 <= after_outage <= first_at - OVERLAP + 30  # the watermark
    assert again_at - DAY - 1 <= again <= again_at - DAY + 30  # a sweep just done: a day back
