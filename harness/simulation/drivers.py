"""``simulate --drivers N``: the top-ups played from N driver processes instead of threads of
one, so that the harness's own CPU (and its one GIL) stops being a limit on a machine with more
cores than the stack uses.

Each organisation's top-ups all go to one driver (its number modulo N), so a faulted creation's
wait (``player.Creations``, per organisation) still sees every creation its rule could meet.
Where the app profile names no organisation field on the creation, a faulted creation must be
alone among all creations, which another process's are out of sight of: such a plan is refused
(``refuse_what_cannot_split``). The parent process keeps all that touches the stack's processes
(``runner.Runner``): it watches them, restarts the worker and lets the nemesis strike, counted
by the top-ups done, as the drivers' results come back.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue

import httpx

from fake_stripe.client import FakeStripeControl
from harness.simulation.orgs import SimOrg
from harness.simulation.plan import History, PlanError
from harness.simulation.player import Played, Player, Target, play_on_threads

WATCH_SECONDS = 0.5  # how often the parent looks at the stack while it waits for results


@dataclass(frozen=True)
class Share:
    """One driver's part of the run. Picklable: it is the driver process's argument."""

    number: int
    target: Target
    orgs: Sequence[SimOrg]
    histories: Sequence[History]
    threads: int
    patient: bool


@dataclass(frozen=True)
class _Finished:
    number: int
    cpu_seconds: float  # the driver process's own, user and system


@dataclass(frozen=True)
class _Failed:
    number: int
    error: str


def refuse_what_cannot_split(
    org_field: str | None, histories: Sequence[History], drivers: int
) -> None:
    """``PlanError`` when ``drivers`` processes cannot play ``histories`` faithfully."""
    if drivers < 1:
        raise PlanError("--drivers must be at least 1")
    if drivers > 1 and org_field is None and any(h.creation_fault for h in histories):
        raise PlanError(
            "--drivers above 1 needs the app profile's [stripe] creation_org_field when the plan"
            " faults a creation: such a creation must wait for every other one its fault rule"
            " could meet, and another process's are out of sight (use --drivers 1, or"
            " api_create=0 in --faults)"
        )


def shares(
    target: Target,
    orgs: Sequence[SimOrg],
    histories: Sequence[History],
    drivers: int,
    concurrency: int,
    patient: bool,
) -> list[Share]:
    """The drivers' parts: by organisation, ``concurrency`` threads spread over those that got
    any top-ups (each at least one)."""
    parts: list[list[History]] = [[] for _ in range(drivers)]
    for history in histories:
        parts[history.org % drivers].append(history)
    parts = [part for part in parts if part]
    count = len(parts)
    return [
        Share(
            number=number,
            target=target,
            orgs=orgs,
            histories=part,
            threads=max(1, concurrency // count + (number < concurrency % count)),
            patient=patient,
        )
        for number, part in enumerate(parts)
    ]


def play_in_processes(
    parts: Sequence[Share],
    on_result: Callable[[Played], None],
    watch: Callable[[], None],
) -> tuple[dict[int, Played], float]:
    """Play every share in a process of its own; ``on_result`` is called here, in the calling
    thread, with each top-up as it comes back, and ``watch`` about every
    ``WATCH_SECONDS``. An error either of them raises, or a driver's own, stops every driver
    and is raised here. The top-ups, by their history's index, and the drivers' CPU seconds."""
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    results = context.Queue()
    processes = {
        share.number: context.Process(
            target=_drive, args=(share, results), name=f"driver-{share.number}", daemon=True
        )
        for share in parts
    }
    for process in processes.values():
        process.start()
    got: dict[int, Played] = {}
    cpu_seconds = 0.0
    running = set(processes)
    watched = 0.0
    try:
        while running:
            if time.monotonic() - watched >= WATCH_SECONDS:  # not once per result: they pour in
                watch()
                watched = time.monotonic()
            try:
                message = results.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                _check_exits(processes, running)
                continue
            if isinstance(message, Played):
                got[message.history.index] = message
                on_result(message)
            elif isinstance(message, _Finished):
                running.discard(message.number)
                cpu_seconds += message.cpu_seconds
            else:
                raise RuntimeError(f"driver {message.number} failed:\n{message.error}")
    finally:
        for process in processes.values():
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
        results.close()
    return got, cpu_seconds


def _check_exits(processes: Mapping[int, BaseProcess], running: set[int]) -> None:
    """A driver that exited otherwise than through its last message (killed, say) stops the
    run; one that exited cleanly sent its message first, still to be read."""
    for number in running:
        code = processes[number].exitcode
        if code not in (None, 0):
            raise RuntimeError(f"driver {number} exited ({code}) before its top-ups were played")


def _drive(share: Share, results: Queue[object]) -> None:
    """A driver process: play the share on its threads, each top-up sent back when done."""
    player = Player(share.target, share.orgs, share.patient)

    def play(item: Played, http: httpx.Client, control: FakeStripeControl) -> None:
        player.play(item, http, control)
        results.put(item)

    try:
        play_on_threads([Played(h) for h in share.histories], share.threads, share.target, play)
    except BaseException:  # told to the parent, which stops the run
        results.put(_Failed(share.number, traceback.format_exc()))
        return
    times = os.times()
    results.put(_Finished(share.number, times.user + times.system))
