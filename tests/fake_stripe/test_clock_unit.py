"""FakeClock and Scheduler on their own: no server, a frozen wall clock, one event loop."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from fake_stripe.clock import FakeClock, Scheduler, SettleTimeout

WALL = 1_700_000_000.0


def frozen_clock() -> FakeClock:
    return FakeClock(wall=lambda: WALL)


async def forever() -> None:
    await asyncio.Event().wait()


def run(work: Callable[[Scheduler], Awaitable[None]], clock: FakeClock | None = None) -> Scheduler:
    scheduler = Scheduler(clock or frozen_clock())

    async def main() -> None:
        await work(scheduler)

    # a thread of its own: Playwright's sync API (pytest-playwright's session fixture) may hold
    # this thread's event loop when browser tests ran earlier in the same process
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, main()).result()
    return scheduler


def test_fake_time_is_the_wall_clock_plus_an_offset() -> None:
    wall = [WALL]
    clock = FakeClock(wall=lambda: wall[0])
    assert clock.now() == WALL
    clock.jump_to(WALL + 90)
    wall[0] += 10  # real time goes on under the offset
    assert clock.offset == 90
    assert clock.now() == WALL + 100
    assert clock.timestamp() == int(WALL + 100)


def test_the_clock_never_runs_backwards_and_reset_sets_the_offset_to_zero() -> None:
    clock = frozen_clock()
    clock.jump_to(WALL + 500)
    clock.jump_to(WALL + 100)
    clock.raise_offset_to(200)
    assert clock.offset == 500
    with pytest.raises(ValueError, match="finite"):
        clock.raise_offset_to(math.inf)
    clock.reset()
    assert clock.offset == 0.0
    assert clock.now() == WALL


def test_advance_fires_timers_in_due_order_each_at_its_own_time() -> None:
    fired: list[tuple[str, float]] = []

    async def work(scheduler: Scheduler) -> None:
        for label, due in [("c", 300.0), ("a", 100.0), ("b", 200.0), ("a2", 100.0)]:
            scheduler.call_at(
                WALL + due, label, lambda label=label: fired.append((label, scheduler.clock.now()))
            )
        await scheduler.advance(250, timeout=5)

    scheduler = run(work)
    # same due time: first scheduled, first fired
    assert fired == [("a", WALL + 100), ("a2", WALL + 100), ("b", WALL + 200)]
    assert [timer.label for timer in scheduler.pending()] == ["c"]


def test_advance_adds_exactly_the_seconds_to_the_offset() -> None:
    async def work(scheduler: Scheduler) -> None:
        scheduler.call_at(WALL + 10, "on the way", lambda: None)
        await scheduler.advance(3600, timeout=5)
        await scheduler.advance(0.5, timeout=5)

    scheduler = run(work, FakeClock())  # the real wall clock moves during the advance
    assert scheduler.clock.offset == 3600.5


def test_advance_waits_for_the_work_a_timer_starts_and_fires_what_that_work_schedules() -> None:
    log: list[str] = []

    async def work(scheduler: Scheduler) -> None:
        async def retrying() -> None:
            await asyncio.sleep(0)  # real async work, as an HTTP attempt is
            log.append(f"attempt at {scheduler.clock.now() - WALL:g}")
            if len(log) < 3:
                scheduler.call_at(scheduler.clock.now() + 60, "retry", retrying)

        scheduler.call_at(WALL + 1, "first", retrying)
        await scheduler.advance(1000, timeout=5)

    run(work)
    assert log == ["attempt at 1", "attempt at 61", "attempt at 121"]


def test_timers_beyond_the_target_and_cancelled_timers_do_not_fire() -> None:
    fired: list[str] = []

    async def work(scheduler: Scheduler) -> None:
        scheduler.call_at(WALL + 50, "cancelled", lambda: fired.append("cancelled")).cancel()
        scheduler.call_at(WALL + 100, "later", lambda: fired.append("later"))
        await scheduler.advance(99, timeout=5)

    scheduler = run(work)
    assert fired == []
    assert [t.label for t in scheduler.pending()] == ["later"]


def test_time_never_runs_backwards_in_advance() -> None:
    async def work(scheduler: Scheduler) -> None:
        for seconds in (-1.0, math.inf, math.nan):
            with pytest.raises(ValueError, match="backwards"):
                await scheduler.advance(seconds, timeout=1)

    assert run(work).clock.offset == 0


def test_settle_returns_when_nothing_is_due_or_in_flight() -> None:
    done: list[str] = []

    async def work(scheduler: Scheduler) -> None:
        async def slow() -> None:
            for _ in range(5):
                await asyncio.sleep(0)
            done.append("slow")

        scheduler.call_soon("due now", slow)
        scheduler.call_at(WALL + 60, "not yet due", lambda: done.append("future"))
        await scheduler.settle(timeout=5)

    scheduler = run(work)
    assert done == ["slow"]
    assert scheduler.in_flight == 0
    assert len(scheduler.pending()) == 1


def test_settle_gives_up_with_settle_timeout_while_work_is_in_flight() -> None:
    async def work(scheduler: Scheduler) -> None:
        scheduler.start("stuck delivery", forever())
        with pytest.raises(SettleTimeout, match="1 deliveries in flight"):
            await scheduler.settle(timeout=0.05)
        scheduler.reset()

    run(work)


def test_a_failing_timer_neither_stops_the_others_nor_fails_the_advance(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fired: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    async def work(scheduler: Scheduler) -> None:
        scheduler.call_at(WALL + 1, "broken", broken)
        scheduler.call_at(WALL + 2, "fine", lambda: fired.append("fine"))
        await scheduler.advance(10, timeout=5)

    run(work)
    assert fired == ["fine"]
    assert "timer 'broken' failed" in caplog.text


def test_reset_cancels_timers_and_work_and_returns_to_real_time() -> None:
    async def work(scheduler: Scheduler) -> None:
        scheduler.call_at(WALL + 100, "timer", lambda: None)
        await scheduler.advance(50, timeout=1)
        task = scheduler.start("work", forever())
        scheduler.reset()
        await asyncio.sleep(0)
        assert task.cancelled()

    scheduler = run(work)
    assert scheduler.pending() == []
    assert scheduler.in_flight == 0
    assert scheduler.clock.offset == 0


def test_advance_together_runs_timers_due_close_together_at_once_up_to_the_bound() -> None:
    running: list[int] = []
    most = [0]
    ran: list[str] = []

    async def work(scheduler: Scheduler) -> None:
        def delivery(label: str) -> Awaitable[None]:
            async def send() -> None:
                running.append(1)
                most[0] = max(most[0], len(running))
                await asyncio.sleep(0.01)  # a round trip
                running.pop()
                ran.append(label)

            return send()

        for n in range(20):  # within a few seconds of each other
            scheduler.call_at(WALL + 10 + n * 0.5, f"d{n}", lambda n=n: delivery(f"d{n}"))
        await scheduler.advance(3600, timeout=5, together=4)

    scheduler = run(work)
    assert most[0] == 4  # four at once, never more
    assert sorted(ran) == sorted(f"d{n}" for n in range(20))  # every one, before advance returned
    assert scheduler.clock.offset == 3600
    assert scheduler.in_flight == 0


def test_advance_together_never_overlaps_work_due_further_apart_than_its_window() -> None:
    overlaps: list[tuple[str, str]] = []
    running: list[str] = []
    sent_at: dict[str, float] = {}

    async def work(scheduler: Scheduler) -> None:
        def delivery(label: str) -> Awaitable[None]:
            async def send() -> None:
                overlaps.extend((other, label) for other in running)
                running.append(label)
                sent_at[label] = scheduler.clock.now() - WALL
                await asyncio.sleep(0.01)
                running.remove(label)

            return send()

        gap = Scheduler.TOGETHER_WITHIN + 1
        for n in range(4):
            scheduler.call_at(WALL + 100 + n * gap, f"d{n}", lambda n=n: delivery(f"d{n}"))
        await scheduler.advance(1000, timeout=5, together=8)

    run(work)
    assert overlaps == []  # each waited for the one before: a minute and more apart
    gap = Scheduler.TOGETHER_WITHIN + 1
    assert sent_at == {f"d{n}": 100 + n * gap for n in range(4)}  # each at its own time


def test_advance_together_fires_the_retries_its_work_schedules_on_the_way() -> None:
    attempts: list[float] = []

    async def work(scheduler: Scheduler) -> None:
        async def failing() -> None:
            attempts.append(scheduler.clock.now() - WALL)  # signed as it starts, as a delivery is
            await asyncio.sleep(0)
            if len(attempts) < 3:
                scheduler.call_at(scheduler.clock.now() + 600, "retry", failing)

        scheduler.call_at(WALL + 1, "first", failing)
        scheduler.call_at(WALL + 2, "other", lambda: None)
        await scheduler.advance(3600, timeout=5, together=16)

    run(work)
    assert len(attempts) == 3  # both retries, though scheduled by work running meanwhile
    assert attempts[0] == 1
    # the clock may have moved on within the window while the work ran: each retry is at most
    # that much later than one after the last would have been
    for before, after in itertools.pairwise(attempts):
        assert 600 <= after - before <= 600 + Scheduler.TOGETHER_WITHIN
