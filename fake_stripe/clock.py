"""Fake time: real time plus an offset that only grows, and timers that fire on it.

Object and event timestamps use fake time. ``advance`` moves the offset forward through every
timer that falls due on the way, in order, waiting for the work each one starts; nothing sleeps
for simulated time, so three simulated days take well under a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Action = Callable[[], Awaitable[None] | None]
# the longest stretch of fake time anything takes (an advance, a delay, a signature's age): ten
# years is further than any test needs
MAX_SECONDS = 10 * 366 * 24 * 60 * 60
log = logging.getLogger("fake_stripe.clock")


class FakeClock:
    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self.offset = 0.0

    def now(self) -> float:
        return self._wall() + self.offset

    def timestamp(self) -> int:
        """Unix seconds, as Stripe's ``created`` fields."""
        return int(self.now())

    def jump_to(self, fake_time: float) -> None:
        """Move forward to ``fake_time``; never backwards."""
        self.offset = max(self.offset, fake_time - self._wall())

    def raise_offset_to(self, offset: float) -> None:
        """Make the offset ``offset`` unless it is already larger; never backwards."""
        if not math.isfinite(offset):
            raise ValueError("the clock's offset must be a finite number of seconds")
        self.offset = max(self.offset, offset)

    def reset(self) -> None:
        self.offset = 0.0


@dataclass(order=True)
class Timer:
    due: float
    seq: int
    label: str = field(compare=False)
    action: Action = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class SettleTimeout(TimeoutError):
    """Work was still due or in flight when the wait ran out."""


class Scheduler:
    """Timers on fake time and the async work they start, run on one event loop."""

    POLL_SECONDS = 0.05
    TOGETHER_WITHIN = 60.0  # fake seconds: see advance(together=...)

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None

    # -- scheduling ---------------------------------------------------------------------------

    def call_at(self, due: float, label: str, action: Action) -> Timer:
        timer = Timer(due, next(self._seq), label, action)
        heapq.heappush(self._timers, timer)
        self._poke()
        return timer

    def call_soon(self, label: str, action: Action) -> Timer:
        return self.call_at(self.clock.now(), label, action)

    def start(self, label: str, work: Awaitable[None]) -> asyncio.Task[None]:
        """Run ``work`` now as tracked in-flight work (settle waits for it)."""
        task = asyncio.ensure_future(work)
        task.set_name(label)
        self._in_flight.add(task)
        task.add_done_callback(self._finished)
        return task

    def pending(self) -> list[Timer]:
        return sorted(t for t in self._timers if not t.cancelled)

    # -- running ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Fire timers as fake time reaches them; runs until cancelled."""
        self._wake = asyncio.Event()
        while True:
            self.fire_due()
            self._wake.clear()
            nxt = self._next_due()
            wait = self.POLL_SECONDS if nxt is None else nxt - self.clock.now()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=min(wait, 1.0))

    def fire_due(self) -> int:
        now = self.clock.now()
        fired = 0
        while self._timers and self._timers[0].due <= now:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            fired += 1
            try:
                result = timer.action()
            except Exception:  # one broken timer must not stop the clock or fail a settle
                log.exception("timer %r failed", timer.label)
                continue
            if result is not None:
                self.start(timer.label, result)
        return fired

    async def settle(self, timeout: float) -> None:
        """Return once no timer is due and no work is in flight."""
        deadline = time.monotonic() + timeout
        while True:
            self.fire_due()
            if not self._in_flight and not self._any_due():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SettleTimeout(
                    f"{len(self._in_flight)} deliveries in flight and"
                    f" {self._due_now()} due after {timeout} s"
                )
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=min(remaining, self.POLL_SECONDS))
            else:
                await asyncio.sleep(0)

    async def advance(self, seconds: float, timeout: float, together: int = 1) -> None:
        """Add ``seconds`` to the clock's offset, running each timer due on the way in order
        (and the work it starts) before moving past it.

        ``together`` above 1 lets up to that many timers' work run at once, where they fall
        due within ``TOGETHER_WITHIN`` seconds of fake time of the first still running: for
        thousands of timers (a simulation's retries and expiries), whose deliveries one after
        another cost a round trip each. Their work then ends in any order, and what it does
        after its first wait (a retry it schedules, say) may see fake time up to that much
        later. (Deliveries are signed on real time, so no signature gets stale by it.)"""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("time never runs backwards: seconds must be finite and >= 0")
        target_offset = self.clock.offset + seconds
        target = self.clock.now() + seconds
        deadline = time.monotonic() + timeout
        await self.settle(timeout)
        if together > 1:
            await self._run_together(target, deadline, together)
        while (nxt := self._next_due()) is not None and nxt <= target:
            self.clock.jump_to(nxt)
            await self.settle(max(0.0, deadline - time.monotonic()))
        # exactly ``seconds`` more than before, however long the work on the way took
        self.clock.raise_offset_to(target_offset)
        await self.settle(max(0.0, deadline - time.monotonic()))

    async def _run_together(self, target: float, deadline: float, together: int) -> None:
        """``advance``'s timers up to ``target``, up to ``together`` at once within a window
        of ``TOGETHER_WITHIN`` fake seconds from the first of those in flight."""
        first: float | None = None  # fake time the work in flight began (at the earliest)
        while (nxt := self._next_due()) is not None and nxt <= target:
            if not self._in_flight:
                first = None
            elif first is not None and nxt - first > self.TOGETHER_WITHIN:
                await self.settle(max(0.0, deadline - time.monotonic()))  # the window closes
                continue
            elif len(self._in_flight) >= together:
                await self._one_ends(deadline)
                continue
            self.clock.jump_to(nxt)
            if first is None:
                first = self.clock.now()
            self.fire_due()
            await asyncio.sleep(0)  # the work starts (and signs what it sends) at its due time
        await self.settle(max(0.0, deadline - time.monotonic()))  # before time moves past it

    async def _one_ends(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SettleTimeout(f"{len(self._in_flight)} deliveries still in flight")
        await asyncio.wait(
            set(self._in_flight), timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )

    def reset(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in list(self._in_flight):
            task.cancel()
        self._in_flight.clear()
        self.clock.reset()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    # -- internals ----------------------------------------------------------------------------

    def _next_due(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].due if self._timers else None

    def _any_due(self) -> bool:
        """A timer is due: one look at the heap's head."""
        nxt = self._next_due()
        return nxt is not None and nxt <= self.clock.now()

    def _due_now(self) -> int:
        """How many timers are due (for the message when a settle runs out)."""
        now = self.clock.now()
        return sum(1 for t in self._timers if t.due <= now and not t.cancelled)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("work %r failed", task.get_name(), exc_info=error)
        self._poke()

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()
