"""The nemesis's plan and vocabulary: the kinds people can ask for, the same blows before the
same top-ups for the same seed, a refusal, before anything starts, of what cannot be done, a
kill of the worker that missed its job struck again, each blow saying what it held, and no
top-up after a blow's starting before that blow has, however long it waits its turn. (That
the healthy app keeps every invariant under it, and that two crash-safety defects break one
each, is the defect matrix's simulation entries: features/defect_matrix.toml.)"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from harness.cli.main import main
from harness.simulation import nemesis as nemesis_module
from harness.simulation.nemesis import (
    KINDS,
    MID_JOB_TRIES,
    PER_THOUSAND,
    Blow,
    Nemesis,
    as_a_customer,
    nemesis_plan,
    parse_nemesis,
    strike,
)
from harness.simulation.plan import PlanError


def test_the_kinds_are_read_once_each_in_order() -> None:
    assert parse_nemesis("kill-web, kill-worker,kill-web") == ("kill-web", "kill-worker")


@pytest.mark.parametrize("text", ["", "kill-db", "kill-worker,,reboot"])
def test_an_unknown_kind_is_refused_with_the_known_ones(text: str) -> None:
    with pytest.raises(PlanError, match="--nemesis takes kill-worker, kill-web, restart-db"):
        parse_nemesis(text)


def test_the_same_seed_strikes_before_the_same_top_ups() -> None:
    plan = nemesis_plan(7, 1000, KINDS)

    assert plan == nemesis_plan(7, 1000, KINDS)
    assert plan != nemesis_plan(8, 1000, KINDS)
    assert sorted(plan.values()).count("kill-web") == PER_THOUSAND
    assert len(plan) == PER_THOUSAND * len(KINDS)  # one blow per top-up at most
    assert 0 not in plan  # never before the first: the stack has done nothing yet
    assert list(nemesis_plan(7, 10, ("restart-db",)).values()) == ["restart-db"]  # at least one


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--nemesis", "kill-everything"], "--nemesis takes kill-worker, kill-web, restart-db"),
        (
            ["--nemesis", "restart-db", "--db-url", "postgresql://127.0.0.1:1/x"],
            "--nemesis restart-db restarts a server the harness runs: drop --db-url",
        ),
    ],
)
def test_simulate_refuses_a_nemesis_it_cannot_run_before_anything_starts(
    arguments: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--topups", "10", *arguments]) == 2
    assert reason in capsys.readouterr().out


def test_a_customer_tries_again_through_an_outage_only_when_patient() -> None:
    script = [httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(201)]

    def call() -> httpx.Response:
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    assert as_a_customer(call, patient=True).status_code == 201
    script[:] = [httpx.Response(503), httpx.Response(201)]
    assert as_a_customer(call, patient=False).status_code == 503  # not patient: one try
    script[:] = [httpx.ConnectError("refused")]
    with pytest.raises(httpx.ConnectError):
        as_a_customer(call, patient=False)


class _Worker:
    def __init__(self, stack: _QueueStack) -> None:
        self.stack = stack

    def kill(self) -> None:
        self.stack.kills += 1
        self.stack.phase = "killed"


Try = tuple[set[int], set[int], set[int]]


class _QueueStack:
    """What a kill-worker blow reads of a stack: its worker and the ids of the jobs 'doing',
    scripted for each try as (ids 'doing' while it looks before the kill, ids 'doing' just
    after it, ids 'doing' once a new worker is up)."""

    def __init__(self, tries: list[Try]) -> None:
        self.tries = tries
        self.kills = 0
        self.phase = "looking"  # -> killed -> restarted -> looking (the next try)
        self.connections = 0
        self.worker = _Worker(self)
        self.records = self

    def has(self, name: str) -> bool:
        return name == "jobs_sql"

    @contextlib.contextmanager
    def connect(self) -> Iterator[None]:
        self.connections += 1
        yield None

    def running_jobs(self, conn: Any) -> set[int]:
        if self.phase == "looking":
            return self.tries[self.kills][0]
        _, after_the_kill, once_restarted = self.tries[self.kills - 1]
        if self.phase == "killed":
            return after_the_kill
        self.phase = "looking"
        return once_restarted

    def start_worker(self) -> None:
        self.phase = "restarted"


NEVER = (set(), set(), set())  # no job running while it looks


@pytest.mark.parametrize(
    ("tries", "kills", "blow"),
    [
        ([({7}, {7}, {7})], 1, Blow("kill-worker", held=1)),  # landed: the job stays 'doing'
        # the job ended between the look and the kill, twice
        (
            [({1}, set(), set()), ({2}, set(), set()), ({9}, {9}, {9})],
            3,
            Blow("kill-worker", held=1, tries=3),
        ),
        # 'doing' just after the kill, but its end was on its way: the new worker's job is another
        ([({7}, {7}, {8}), ({8, 9}, {8, 9}, {8, 9})], 2, Blow("kill-worker", held=2, tries=2)),
        # never lands: not forever, and said
        (
            [({1}, set(), set())] * (MID_JOB_TRIES + 2),
            MID_JOB_TRIES,
            Blow("kill-worker", held=0, tries=MID_JOB_TRIES),
        ),
        # no job ran within the wait: one blow, said
        ([NEVER], 1, Blow("kill-worker", held=0, seen=False)),
        # one ended before the kill, then none ran in the time left
        ([({1}, set(), set()), NEVER], 2, Blow("kill-worker", held=0, tries=2, seen=False)),
    ],
)
def test_a_kill_of_the_worker_that_finds_its_job_done_is_struck_again_and_says_what_it_held(
    tries: list[Try], kills: int, blow: Blow, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = _QueueStack(tries)

    struck = strike(stack, "kill-worker", wait=0.05)  # type: ignore[arg-type]
    assert replace(struck, looked=0.0) == blow
    assert struck.looked < 0.05 if blow.seen else struck.looked >= 0.05
    assert (stack.kills, stack.phase) == (kills, "looking")  # a worker is up again after it
    assert stack.connections == 1  # every look on one connection


def test_a_blow_says_what_it_did_and_a_kill_that_held_nothing_is_a_miss() -> None:
    landed = Blow("kill-worker", before=12, held=2, tries=1)
    ended = Blow("kill-worker", before=40, held=0, tries=5)
    idle = Blow("kill-worker", before=3, held=0, seen=False, looked=20.0)

    assert str(landed) == "kill-worker before top-up 12: 2 job(s) held mid-job (try 1)"
    assert str(ended) == (
        "kill-worker before top-up 40: left no job held (each of its 5 tries found the job ended)"
    )
    assert str(idle) == (
        "kill-worker before top-up 3: left no job held (no job was running in the 20.0 s it looked)"
    )
    assert str(Blow("kill-web", before=5)) == "kill-web before top-up 5"
    assert [blow.missed for blow in (landed, ended, idle, Blow("kill-web"))] == [
        False,
        True,
        True,
        False,
    ]
    assert not Blow("kill-worker").missed  # a profile with no jobs to see: not known, no miss


def test_a_top_up_after_a_blow_waits_for_that_blow_to_start_while_it_waits_its_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restart of the worker holds the lock when top-up 5's blow is due: the top-ups after 5
    must not be played meanwhile (the play would run out, and a kill of the worker find no job
    to land on: seen in the defect matrix); those before it go on; once the blow has started,
    the later ones go on beside it."""
    struck: list[int] = []

    def strikes(stack: object, kind: str) -> Blow:
        struck.append(5)
        return Blow(kind)

    monkeypatch.setattr(nemesis_module, "strike", strikes)
    nemesis = Nemesis(object(), {5: "kill-worker"})  # type: ignore[arg-type]
    later_played = threading.Event()

    def later_top_up() -> None:
        nemesis.wait_for_blows_before(6)
        later_played.set()

    with nemesis.lock:  # the runner restarting the worker
        blow = threading.Thread(target=nemesis.before, args=(5,))
        later = threading.Thread(target=later_top_up)
        blow.start()
        later.start()
        nemesis.wait_for_blows_before(5)  # top-up 5 itself, and those before it: at once
        assert not later_played.wait(0.2)  # held while the blow waits its turn
        assert struck == []
    blow.join(5)
    later.join(5)

    assert later_played.is_set()
    assert struck == [5]
    assert [b.before for b in nemesis.blows] == [5]


def test_a_blow_that_fails_or_is_never_struck_holds_no_top_up_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(stack: object, kind: str) -> Blow:
        raise RuntimeError("the worker would not start again")

    monkeypatch.setattr(nemesis_module, "strike", fails)
    nemesis = Nemesis(object(), {5: "kill-worker", 9: "kill-web"})  # type: ignore[arg-type]

    with pytest.raises(RuntimeError, match="would not start again"):
        nemesis.before(5)
    nemesis.let_go(9)  # the run stopped before top-up 9: no blow there

    done = threading.Thread(target=nemesis.wait_for_blows_before, args=(10,))
    done.start()
    done.join(5)
    assert not done.is_alive()


def _struck_at(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each blow's moment (``time.monotonic``), the blow itself not struck."""
    moments: list[float] = []

    def strikes(stack: object, kind: str) -> Blow:
        moments.append(time.monotonic())
        return Blow(kind)

    monkeypatch.setattr(nemesis_module, "strike", strikes)
    return moments


def test_a_kill_of_the_web_strikes_once_the_top_ups_that_waited_for_it_flow_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The top-ups after the blow waited for its turn, so the web had fewer and fewer deliveries
    coming in: killed at once, it would hold little or nothing in flight (under ack-before-store
    its batch has been written). The blow lets them go, then waits until they flow."""
    struck = _struck_at(monkeypatch)
    nemesis = Nemesis(object(), {5: "kill-web"})  # type: ignore[arg-type]
    blow = threading.Thread(target=nemesis.before, args=(5,))
    blow.start()
    nemesis.wait_for_blows_before(6)  # it let the later top-ups go before waiting

    for _ in range(nemesis_module.FLOWING - 1):
        nemesis.finished()
    blow.join(0.3)
    assert blow.is_alive(), "struck before the play was flowing"
    assert struck == []
    flowing = time.monotonic()
    nemesis.finished()
    blow.join(5)

    assert len(struck) == 1
    assert struck[0] >= flowing
    assert [b.kind for b in nemesis.blows] == ["kill-web"]


def test_where_no_top_up_waits_for_a_blow_the_kill_of_the_web_strikes_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Driver processes: the blows strike between their results, and the play never stops."""
    struck = _struck_at(monkeypatch)
    nemesis = Nemesis(
        object(),  # type: ignore[arg-type]
        {5: "kill-web", 7: "kill-worker"},
        waits_for_flow=False,
    )

    started = time.monotonic()
    nemesis.before(5)

    assert len(struck) == 1
    assert struck[0] - started < 0.3


def test_a_kill_of_the_web_strikes_after_its_wait_when_nothing_flows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The play's last top-ups: nothing more will finish, and the blow must not stall the run."""
    monkeypatch.setattr(nemesis_module, "FLOWING_WAIT", 0.2)
    struck = _struck_at(monkeypatch)
    nemesis = Nemesis(object(), {5: "kill-web"})  # type: ignore[arg-type]

    started = time.monotonic()
    nemesis.before(5)

    assert len(struck) == 1
    assert 0.2 <= struck[0] - started < 2.0
