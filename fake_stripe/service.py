"""The whole fake: one account, its clock and scheduler, fault rules (for webhook deliveries and
for API requests) and the webhook dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from fake_stripe.api_faults import ApiFaultBook
from fake_stripe.clock import FakeClock, Scheduler
from fake_stripe.resources.account import Account
from fake_stripe.resources.payments import DEFAULT_SETTLE_AFTER
from fake_stripe.webhooks.dispatcher import Dispatcher
from fake_stripe.webhooks.faults import FaultBook
from fake_stripe.webhooks.schedule import TEST_MODE, RetrySchedule


@dataclass(frozen=True)
class Settings:
    seed: int = 0
    retry_schedule: RetrySchedule = TEST_MODE
    delivery_timeout: float = 10.0  # seconds an endpoint has to answer one attempt
    checkout_wait: float = 10.0  # how long the paid page waits for the completed webhook
    settle_after: float = DEFAULT_SETTLE_AFTER  # fake seconds until a bank debit settles
    merchant_name: str = "Wallet Demo Ltd"


class FakeStripe:
    def __init__(self, settings: Settings, public_url: str = "http://127.0.0.1") -> None:
        self.settings = settings
        self.clock = FakeClock()
        self.scheduler = Scheduler(self.clock)
        self.account = Account(seed=settings.seed, scheduler=self.scheduler, public_url=public_url)
        self.faults = FaultBook(settings.seed)
        self.api_faults = ApiFaultBook(settings.seed)
        self.dispatcher = Dispatcher(
            self.account,
            self.faults,
            settings.retry_schedule,
            timeout=settings.delivery_timeout,
        )
        self._loop_task: asyncio.Task[None] | None = None

    def set_public_url(self, url: str) -> None:
        self.account.public_url = url.rstrip("/")

    async def startup(self) -> None:
        await self.dispatcher.start()
        self._loop_task = asyncio.create_task(self.scheduler.run(), name="fake clock")

    async def shutdown(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        self.scheduler.reset()
        await self.dispatcher.close()

    def reset(self, *, seed: int | None = None, keep_endpoints: bool = True) -> None:
        """Objects, events, deliveries, both kinds of fault and the clock back to the start.
        Stripe ids go on from the same stream (never repeating) unless a ``seed`` asks for a
        replay; the control API's own handles (``fault_N``, ``dlv_N``) are numbered afresh."""
        self.scheduler.reset()
        self.dispatcher.reset()
        self.faults.clear()
        self.api_faults.clear()
        if seed is not None:
            self.faults.seed = seed
            self.api_faults.seed = seed
        self.account.reset(seed=seed, keep_endpoints=keep_endpoints)
