"""pytest plugin: PostgreSQL, the whole stack, and a browser for the BDD suite.

Registered through the ``pytest11`` entry point ``wallet_harness``, so it loads in every pytest
run where the package is installed: importing it must stay cheap, hence the harness imports
inside the fixtures. Under pytest-xdist each worker process gets its own server and stack.

- ``wallet_postgres`` / ``wallet_db_url`` / ``wallet_ledger_db_url``: a server per session and
  fresh databases per test (``--wallet-db-url`` to use an existing server);
- ``wallet_stack``: fake_stripe, the app's web process and worker on a migrated database, one per
  session and set of defects (``--app-defects``); ``wallet_scenario`` resets it and hands a
  scenario its world (``harness.scenario.Scenario``);
- the browser comes from pytest-playwright (``--headed``, ``--slowmo``, ``--tracing``,
  ``--screenshot`` as usual), launched by ``harness.playwright_fixtures``;
- a failed scenario's report starts with the stage-by-stage diagnosis (``harness.diagnosis``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.postgres import PostgresServer
    from harness.scenario import Scenario
    from harness.stack import WalletStack
    from harness.stack_pool import StackPool

# the scenario's world, for the hooks that explain a failure
SCENARIO_KEY = pytest.StashKey["Scenario"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wallet-harness", "wallet harness")
    group.addoption(
        "--wallet-db-url",
        dest="wallet_db_url",
        default=None,
        metavar="URL",
        help=(
            "libpq URL of a PostgreSQL server with CREATEDB rights to create test databases on "
            "(default: env WALLET_TEST_DATABASE_URL; without either, a Docker engine or the local "
            "server binaries provide a throwaway server)"
        ),
    )

    group.addoption(
        "--app-defects",
        dest="app_defects",
        default="",
        metavar="NAMES",
        help=(
            "run the app with these defects (comma-separated names or presets, e.g. seed-bug;"
            " `python -m reference_app defects` lists them)"
        ),
    )
    group.addoption(
        "--keep-stack-logs",
        dest="keep_stack_logs",
        action="store_true",
        help="keep the fake's, web app's and worker's logs in artifacts/stack/ after the run",
    )
    group.addoption(
        "--chromium",
        dest="wallet_chromium",
        default=None,
        metavar="PATH",
        help="the Chromium executable to run (default: env WALLET_CHROMIUM, then Playwright's own,"
        " then a system Chromium)",
    )
    group.addoption(
        "--scenario-timeout",
        dest="scenario_timeout",
        type=float,
        default=90.0,
        metavar="SECONDS",
        help="fail a scenario that runs longer than this (default 90)",
    )


# what a failed scenario leaves behind unless the command line says otherwise
# (pytest-playwright's own --tracing records a screencast too, a third of a scenario's time:
# without it, the harness records a lighter trace itself and keeps it with a failure's artifacts)
PLAYWRIGHT_DEFAULTS = {
    "screenshot": ("--screenshot", "only-on-failure"),
    "output": ("--output", "artifacts/playwright"),
}


def records_every_context(config: pytest.Config) -> bool:
    """Whether pytest-playwright was asked to record more than a failure's screenshot, which
    its recorder does only on the per-test contexts it makes itself."""
    return bool(
        config.getoption("tracing", "off") != "off"
        or config.getoption("video", "off") != "off"
        or config.getoption("screenshot", "off") == "on"
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("playwright"):
        given = " ".join(str(arg) for arg in config.invocation_params.args)
        for dest, (flag, value) in PLAYWRIGHT_DEFAULTS.items():
            if flag not in given:
                setattr(config.option, dest, value)
        # registered after every entry-point plugin, so these launch options win
        from harness import playwright_fixtures

        config.pluginmanager.register(playwright_fixtures, "wallet_harness_browser")
    from harness import bdd_xdist, scenario_hooks, suite_summary

    config.pluginmanager.register(bdd_xdist, "wallet_harness_bdd_xdist")

    config.pluginmanager.register(scenario_hooks, "wallet_harness_scenarios")
    config.pluginmanager.register(suite_summary, "wallet_harness_summary")


@pytest.fixture(scope="session")
def wallet_postgres(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """A running server for the session (one per xdist worker)."""
    from harness.postgres import postgres_server

    explicit_url: str | None = request.config.getoption("wallet_db_url")
    with postgres_server(explicit_url) as server:
        yield server


@pytest.fixture
def wallet_db_url(wallet_postgres: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test."""
    from harness.postgres import fresh_database

    with fresh_database(wallet_postgres) as url:
        yield url


@pytest.fixture(scope="session")
def wallet_schema_template(wallet_postgres: PostgresServer) -> Iterator[str]:
    """Name of a database migrated and seeded by the app's own command, to copy from."""
    from harness.schema_template import schema_template

    with schema_template(wallet_postgres) as name:
        yield name


@pytest.fixture
def wallet_ledger_db_url(
    wallet_postgres: PostgresServer, wallet_schema_template: str
) -> Iterator[str]:
    """URL of a fresh database holding the app's schema and seed organisations."""
    from harness.postgres import fresh_database

    with fresh_database(wallet_postgres, template=wallet_schema_template) as url:
        yield url


@pytest.fixture(scope="session")
def wallet_stacks(
    wallet_postgres: PostgresServer,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StackPool]:
    """The session's stacks, one per set of defects, each started when first needed."""
    from harness.stack_pool import StackPool

    config = request.config
    if config.getoption("keep_stack_logs"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        log_root = config.rootpath / "artifacts" / "stack" / worker
    else:
        log_root = tmp_path_factory.mktemp("stack")
    with StackPool(wallet_postgres, log_root) as pool:
        yield pool


@pytest.fixture
def wallet_stack(wallet_stacks: StackPool, request: pytest.FixtureRequest) -> WalletStack:
    """The running stack for this test: ``--app-defects``, plus ``seed-bug`` for a scenario
    tagged ``@seed-bug`` (the bug report's app)."""
    from harness.stack_pool import defects_for

    names = defects_for(request.config.getoption("app_defects"), request.node)
    return wallet_stacks.get(names)


@pytest.fixture
def wallet_scenario(
    wallet_stack: WalletStack, request: pytest.FixtureRequest
) -> Iterator[Scenario]:
    """The stack reset to the seed, and this scenario's world on it."""
    from harness.browser_contexts import LazyContexts
    from harness.scenario import Scenario

    reset_seconds = wallet_stack.reset()
    request.node.user_properties.append(("wallet_scenario", wallet_stack.web_url))
    request.node.user_properties.append(("reset_ms", round(reset_seconds * 1000, 1)))
    # asked for only when a scenario opens a browser: API-only scenarios start no Chromium
    contexts = LazyContexts(lambda: request.getfixturevalue("wallet_context_source"))
    scenario = Scenario(wallet_stack, contexts)
    config = request.config
    scenario.trace_browsers = config.getoption("tracing", "off") == "off"
    # on the pooled contexts the harness keeps a failure's screenshots itself
    scenario.screenshot_failures = config.getoption(
        "screenshot", "off"
    ) == "only-on-failure" and not records_every_context(config)
    request.node.stash[SCENARIO_KEY] = scenario
    yield scenario
    scenario.close()


@pytest.fixture(autouse=True)
def _stack_for_scenarios(request: pytest.FixtureRequest) -> None:
    """A BDD scenario runs on the stack, reset in its set-up (so its own time is its steps'),
    unless it is tagged ``@ledger``: those work on a database of their own, with no stack."""
    is_scenario = "_pytest_bdd_example" in request.fixturenames
    if is_scenario and request.node.get_closest_marker("ledger") is None:
        request.getfixturevalue("wallet_scenario")
