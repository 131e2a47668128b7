"""``simulate --drivers N`` without a stack: how the plan is split between the driver processes
(each organisation in one, the threads spread, nothing lost or played twice), which plans it
refuses to split, and that a driver killed, or an error of the parent's, stops the run with
every driver stopped. The drivers play against a port nobody listens on: each top-up comes
back with its problem noted, which is all these need. The real run is in test_simulate."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket

import pytest

from harness.simulation.drivers import play_in_processes, refuse_what_cannot_split, shares
from harness.simulation.orgs import SimOrg
from harness.simulation.plan import History, PlanError, make_plan, parse_mix
from harness.simulation.player import Played, Target

ORGS = [SimOrg(number, f"org-{number}", f"token-{number}") for number in range(5)]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nowhere() -> Target:
    url = f"http://127.0.0.1:{closed_port()}"
    return Target(web_url=url, fake_url=url, topup_api=None, org_field="client_reference_id")


def plan(topups: int = 40, mix: str = "drop=0.1,api_create=0.2") -> list[History]:
    return make_plan(3, len(ORGS), topups, parse_mix(mix))


def test_each_organisation_is_played_by_one_driver_and_every_top_up_once() -> None:
    histories = plan(200)

    parts = shares(nowhere(), ORGS, histories, drivers=3, concurrency=8, patient=False)

    assert len(parts) == 3
    indices = [h.index for part in parts for h in part.histories]
    assert sorted(indices) == sorted(h.index for h in histories)  # all, none twice
    for part in parts:
        assert {h.org % 3 for h in part.histories} == {part.number % 3}
    assert [part.threads for part in parts] == [3, 3, 2]  # the 8 spread, none left out


def test_drivers_with_nothing_to_play_are_not_started_and_each_has_a_thread() -> None:
    histories = [h for h in plan(100) if h.org == 0]

    parts = shares(nowhere(), ORGS, histories, drivers=4, concurrency=2, patient=False)

    assert [(part.number, part.threads, len(part.histories)) for part in parts] == [
        (0, 2, len(histories))
    ]
    spread = shares(nowhere(), ORGS, plan(100), drivers=4, concurrency=2, patient=False)
    assert [part.threads for part in spread] == [1, 1, 1, 1]


def test_a_faulted_creation_is_not_split_without_the_organisation_field() -> None:
    faulted = plan(mix="api_create=0.5")
    assert any(h.creation_fault for h in faulted)

    with pytest.raises(PlanError, match="creation_org_field"):
        refuse_what_cannot_split(None, faulted, drivers=2)
    refuse_what_cannot_split("client_reference_id", faulted, drivers=2)
    refuse_what_cannot_split(None, faulted, drivers=1)  # threads of one process: it can wait
    refuse_what_cannot_split(None, plan(mix="drop=0.2"), drivers=2)  # no creation faulted
    with pytest.raises(PlanError, match="at least 1"):
        refuse_what_cannot_split(None, faulted, drivers=0)


def test_every_top_up_comes_back_once() -> None:
    histories = plan(30)
    parts = shares(nowhere(), ORGS, histories, drivers=2, concurrency=4, patient=False)
    seen: list[int] = []

    played, cpu_seconds = play_in_processes(
        parts, lambda item: seen.append(item.history.index), lambda: None
    )

    assert sorted(seen) == sorted(h.index for h in histories)
    assert {index: p.history for index, p in played.items()} == {h.index: h for h in histories}
    assert all(p.problems for p in played.values())  # nobody answered: each says so
    assert 0 < cpu_seconds < 60  # the two drivers' own


def test_a_driver_killed_stops_the_run_and_says_which() -> None:
    parts = shares(nowhere(), ORGS, plan(2000), drivers=2, concurrency=2, patient=False)
    killed: list[int] = []

    def kill_one(item: Played) -> None:
        if not killed:
            victim = multiprocessing.active_children()[0]
            assert victim.pid is not None
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    with pytest.raises(RuntimeError, match=r"driver \d exited \(-9\) before its top-ups"):
        play_in_processes(parts, kill_one, lambda: None)
    assert multiprocessing.active_children() == []  # the other one stopped too


def test_an_error_of_the_parent_stops_every_driver() -> None:
    parts = shares(nowhere(), ORGS, plan(2000), drivers=2, concurrency=2, patient=False)

    def the_stack_died() -> None:
        raise RuntimeError("the web process died")

    with pytest.raises(RuntimeError, match="the web process died"):
        play_in_processes(parts, lambda item: None, the_stack_died)
    assert multiprocessing.active_children() == []
