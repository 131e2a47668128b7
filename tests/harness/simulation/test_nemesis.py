"""The nemesis's plan and vocabulary: the kinds people can ask for, the same blows before the
same top-ups for the same seed, a refusal, before anything starts, of what cannot be done, and
a kill of the worker that missed its job struck again. (That the healthy app keeps every
invariant under it, and that two crash-safety defects break one each, is the defect matrix's
simulation entries: features/defect_matrix.toml.)"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.cli.main import main
from harness.simulation.nemesis import (
    KINDS,
    MID_JOB_TRIES,
    PER_THOUSAND,
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
        self.stack.alive = False


Blow = tuple[int, set[int], set[int]]


class _QueueStack:
    """What a kill-worker blow reads of a stack: its worker, the count of jobs 'doing' before
    the kill and their ids after it, scripted for each blow as (jobs 'doing' before the kill,
    ids 'doing' just after it, ids 'doing' once a new worker is up)."""

    def __init__(self, blows: list[Blow]) -> None:
        self.blows = blows
        self.kills = 0
        self.alive = True
        self.worker = _Worker(self)
        self.records = self

    def has(self, name: str) -> bool:
        return name == "jobs_sql"

    @contextlib.contextmanager
    def connect(self) -> Iterator[None]:
        yield None

    def status_counts(self, conn: Any) -> dict[str, dict[str, int]]:
        assert self.alive  # looked at only before a blow
        return {"jobs": {"doing": self.blows[self.kills][0]}}

    def running_jobs(self, conn: Any) -> set[int]:
        _, after_the_kill, once_restarted = self.blows[self.kills - 1]
        return once_restarted if self.alive else after_the_kill

    def start_worker(self) -> None:
        self.alive = True


@pytest.mark.parametrize(
    ("blows", "kills"),
    [
        ([(1, {7}, {7})], 1),  # landed mid-job: the job it held stays 'doing'
        # the job ended between the look and the kill, twice
        ([(1, set(), set()), (1, set(), set()), (2, {9}, {9})], 3),
        # 'doing' just after the kill, but its end was on its way: the new worker's job is another
        ([(1, {7}, {8}), (1, {8}, {8})], 2),
        ([(1, set(), set())] * (MID_JOB_TRIES + 2), MID_JOB_TRIES),  # never lands: not forever
        ([(0, set(), set())], 1),  # no work came within the wait: one blow, as before
    ],
)
def test_a_kill_of_the_worker_that_finds_its_job_done_is_struck_again(
    blows: list[Blow], kills: int
) -> None:
    stack = _QueueStack(blows)
    strike(stack, "kill-worker")  # type: ignore[arg-type]
    assert (stack.kills, stack.alive) == (kills, True)
