"""The plugin's fixtures: a PostgreSQL server, fresh databases, the running stack and each
scenario's world on it. Registered by ``harness.plugin.entry``; the harness is imported inside
the fixtures, so that a pytest run that uses none of them pays nothing for it.

- ``wallet_postgres`` / ``wallet_db_url`` / ``wallet_ledger_db_url``: a server per session (one
  per xdist worker) and fresh databases per test (``--wallet-db-url`` to use an existing server);
- ``wallet_stack``: fake_stripe, the app's web process and worker on a migrated database, one per
  session and set of defects (``--app-defects``); ``wallet_scenario`` resets it and hands a
  scenario its world (``harness.scenario.Scenario``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from harness.plugin.keys import REAL_SLOWNESS_TAG, SCENARIO_KEY

if TYPE_CHECKING:
    from harness.browser.contexts import ContextSource
    from harness.postgres.server import PostgresServer
    from harness.profile.loading import LoadedProfile
    from harness.scenario import BrowserTrace, Scenario
    from harness.stack.pool import StackPool
    from harness.stack.wallet_stack import WalletStack


_SERVER = pytest.StashKey["PostgresServer"]()


@pytest.fixture(scope="session")
def wallet_postgres(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """A running server for the session (one per xdist worker)."""
    from harness.postgres.server import postgres_server

    explicit_url: str | None = request.config.getoption("wallet_db_url")
    with postgres_server(explicit_url) as server:
        request.config.stash[_SERVER] = server
        try:
            yield server
        finally:
            del request.config.stash[_SERVER]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """After a test that failed, a session whose PostgreSQL server has stopped answering, and
    does not answer again within a restart's grace, stops there, saying so: every test after
    it would fail on the same refused connection, each with its own traceback (a killed
    throwaway cluster failed a hundred set-ups in a second, none saying the server was gone)."""
    report = yield
    server = item.config.stash.get(_SERVER, None)
    if report.failed and server is not None and not item.session.shouldstop:
        from harness.postgres.server import redact_url
        from harness.stack.wallet_stack import DATABASE_GRACE

        refused = server.refusing(DATABASE_GRACE)
        if refused is not None:
            item.session.shouldstop = (
                f"the PostgreSQL server at {redact_url(server.admin_url)} stopped answering"
                f" (for {DATABASE_GRACE:.0f} s: {refused}); every test after this one would"
                " fail on it"
            )
    return report


@pytest.fixture
def wallet_db_url(wallet_postgres: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    from harness.postgres.server import fresh_database

    with fresh_database(wallet_postgres) as url:
        yield url


_PROFILE = pytest.StashKey["LoadedProfile"]()


def profile_for(config: pytest.Config) -> LoadedProfile:
    """The profile of the app under test: ``--app-profile``, else the project's default; read
    once per run. One that cannot be used stops the run with its mistakes listed."""
    from pathlib import Path

    from harness.profile.loading import ProfileError, default_profile, load_profile

    if _PROFILE not in config.stash:
        named: str | None = config.getoption("app_profile")
        try:
            config.stash[_PROFILE] = load_profile(Path(named)) if named else default_profile()
        except ProfileError as error:
            raise pytest.UsageError(str(error)) from None
    return config.stash[_PROFILE]


@pytest.fixture(scope="session")
def wallet_app_profile(request: pytest.FixtureRequest) -> LoadedProfile:
    """The profile of the app under test (``profile_for``)."""
    return profile_for(request.config)


@pytest.fixture(scope="session")
def wallet_schema_template(
    wallet_postgres: PostgresServer, wallet_app_profile: LoadedProfile
) -> Iterator[str]:
    """Name of a database migrated and seeded the way the app's profile says, to copy from."""
    from harness.stack.schema import schema_template

    with schema_template(wallet_postgres, wallet_app_profile) as name:
        yield name


@pytest.fixture
def wallet_ledger_db_url(
    wallet_postgres: PostgresServer, wallet_schema_template: str
) -> Iterator[str]:
    """URL of a fresh database holding the app's schema and seed organisations."""
    from harness.postgres.server import fresh_database

    with fresh_database(wallet_postgres, template=wallet_schema_template) as url:
        yield url


@pytest.fixture(scope="session")
def wallet_stacks(
    wallet_postgres: PostgresServer,
    wallet_app_profile: LoadedProfile,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StackPool]:
    """The session's stacks, one per set of defects, each started when first needed."""
    from harness.stack.pool import StackPool

    config = request.config
    if config.getoption("keep_stack_logs"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        log_root = config.rootpath / "artifacts" / "stack" / worker
    else:
        log_root = tmp_path_factory.mktemp("stack")
    # one stack, its app restarted for another set of defects on a fresh copy of the migrated
    # database (about 1.5 s, where a second stack took 3-8 s on two cores): the defect matrix asks
    # for a few dozen sets in turn, the suite for the ``@seed-bug`` scenarios' set, which run
    # last (``scenario_hooks``), so it is asked for once
    with StackPool(wallet_postgres, log_root, wallet_app_profile, one_at_a_time=True) as pool:
        yield pool


@pytest.fixture
def wallet_stack(request: pytest.FixtureRequest) -> WalletStack:
    """The running stack for this test: ``--app-defects`` (in the defect matrix, the run's own
    defects), plus ``seed-bug`` for a scenario tagged ``@seed-bug`` (the bug report's app)."""
    from harness.plugin.matrix_plan import PARAM
    from harness.stack.pool import defects_for

    asked: str = request.config.getoption("app_defects")
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and PARAM in callspec.params:
        asked = callspec.params[PARAM]
    names = defects_for(asked, request.node)
    started = time.perf_counter()  # the session's server and pool too, the first time
    wallet_stacks: StackPool = request.getfixturevalue("wallet_stacks")
    stack = wallet_stacks.get(names)
    _note_startup(request.node, "stack", started)
    return stack


@pytest.fixture
def wallet_scenario(
    wallet_stack: WalletStack, request: pytest.FixtureRequest
) -> Iterator[Scenario]:
    """The stack reset to the seed, and this scenario's world on it."""
    from harness.browser.contexts import LazyContexts
    from harness.plugin.browser_fixtures import records_every_context
    from harness.scenario import Scenario

    config = request.config
    reset_seconds = wallet_stack.reset()
    request.node.user_properties.append(("wallet_scenario", wallet_stack.web_url))
    request.node.user_properties.append(("reset_ms", round(reset_seconds * 1000, 1)))
    if request.node.get_closest_marker(REAL_SLOWNESS_TAG) is not None:
        request.node.user_properties.append((REAL_SLOWNESS_TAG, "1"))
    # asked for only when a scenario opens a browser: API-only scenarios start no Chromium

    def context_source() -> ContextSource:
        started = time.perf_counter()
        source: ContextSource = request.getfixturevalue("wallet_context_source")
        if not records_every_context(config):  # else each test makes its own context
            _note_startup(request.node, "browser", started)
        return source

    contexts = LazyContexts(context_source)
    scenario = Scenario(wallet_stack, contexts)
    scenario.browser_trace = harness_trace(config)
    # on the pooled contexts the harness keeps a failure's screenshots itself
    scenario.screenshot_failures = config.getoption(
        "screenshot", "off"
    ) == "only-on-failure" and not records_every_context(config)
    request.node.stash[SCENARIO_KEY] = scenario
    yield scenario
    scenario.close()


def harness_trace(config: pytest.Config) -> BrowserTrace:
    """What the harness's own Playwright trace of each browser records: ``"off"`` where
    pytest-playwright's ``--tracing`` records one of its own; ``"snapshots"`` with
    ``--trace-snapshots`` (each action with the page before and after it, and the network);
    else ``"actions"`` (each action, its log and the console). DOM snapshots cost a scenario
    about 0.15 s on a 2-core machine, a tenth of its time, for a trace a passing scenario
    drops: bench/README.md, round 26."""
    if config.getoption("tracing", "off") != "off":
        return "off"
    return "snapshots" if config.getoption("trace_snapshots", False) else "actions"


STARTUP_PROPERTY = "startup_ms"  # "what|ms": the session's stack or Chromium, started here
STARTUP_AT_LEAST_S = 0.2  # less is a stack or browser found running, not one started


def _note_startup(item: pytest.Item, what: str, started: float) -> None:
    """Record on ``item`` (for bench/bdd_suite.py) the time it spent starting what the session
    shares, a stack (or its app restarted with other defects) or Chromium: the test that first
    needs them pays it, though it is none of its own steps'."""
    seconds = time.perf_counter() - started
    if seconds >= STARTUP_AT_LEAST_S:
        item.user_properties.append((STARTUP_PROPERTY, f"{what}|{seconds * 1000:.0f}"))


@pytest.fixture(autouse=True)
def _stack_for_scenarios(request: pytest.FixtureRequest) -> None:
    """A BDD scenario runs on the stack, reset in its set-up (so its own time is its steps'),
    unless it is tagged ``@ledger``: those work on a database of their own, with no stack."""
    is_scenario = "_pytest_bdd_example" in request.fixturenames
    if is_scenario and request.node.get_closest_marker("ledger") is None:
        request.getfixturevalue("wallet_scenario")
