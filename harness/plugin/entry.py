"""The pytest plugin's entry (the ``pytest11`` entry point ``wallet_harness``): the command-line
options, and the registration of the plugin's other modules. Nothing imports this module back.

It loads in every pytest run where the package is installed, so importing it stays cheap: the
modules it registers import the harness inside their fixtures and hooks.

- ``fixtures``: PostgreSQL (``wallet_postgres``, ``wallet_db_url``, ``wallet_ledger_db_url``), the
  stack (``wallet_stack``, one per set of ``--app-defects``) and each scenario's world
  (``wallet_scenario``);
- ``driver_fixtures``: the drivers steps are handed (``records``, ``webhook_faults``, ...);
- ``browser_fixtures``: pytest-playwright's launch and context fixtures, as the harness needs them;
- ``scenario_hooks``: a time limit per scenario, the money checked after each, and the
  stage-by-stage diagnosis at the top of a failed scenario's report;
- ``bdd_xdist``: pytest-bdd's cucumber JSON under pytest-xdist;
- ``summary``: the scenarios' figures at the end of the terminal report;
- ``leftover_sweep``: what runs that died left behind, swept when a run starts, and said;
- ``matrix_plan``: with ``--matrix-plan``, the defect matrix's runs in one session;
- ``sharding``: with ``--shard K/N``, one shard of the selected tests; ``--store-durations``.
"""

from __future__ import annotations

import pytest


def _server_url(text: str) -> str:
    """``--wallet-db-url``'s type: refused at the start, not at each test's first connection."""
    from harness.postgres.server import server_url_option

    return server_url_option(text)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wallet-harness", "wallet harness")
    group.addoption(
        "--wallet-db-url",
        dest="wallet_db_url",
        default=None,
        type=_server_url,
        metavar="URL",
        help=(
            "libpq URL of a PostgreSQL server with CREATEDB rights to create test databases on "
            "(default: env WALLET_TEST_DATABASE_URL; without either, a Docker engine or the local "
            "server binaries provide a throwaway server)"
        ),
    )

    group.addoption(
        "--app-profile",
        dest="app_profile",
        default=None,
        metavar="PROFILE",
        help=(
            "the app profile (TOML) of the app to run and drive (default: env WALLET_APP_PROFILE,"
            " then [tool.wallet-harness] app-profile in pyproject.toml; docs/app-profile.md)"
        ),
    )
    group.addoption(
        "--app-defects",
        dest="app_defects",
        default="",
        metavar="NAMES",
        help=(
            "run the app with these defects (comma-separated names or presets, e.g. seed-bug;"
            " the profile's [defects] lists them)"
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
        "--matrix-plan",
        dest="matrix_plan",
        default=None,
        metavar="FILE",
        help=(
            "run the defect matrix's plan (written by wallet-harness matrix): each scenario"
            " against the defects it names, on one stack whose app is restarted between them"
        ),
    )
    group.addoption(
        "--shard",
        dest="shard",
        default=None,
        metavar="K/N",
        help="run only shard K of N (1-based) of the selected tests, to split a run across CI"
        " runners; balanced by recorded durations when there are any (docs/sharding.md)",
    )
    group.addoption(
        "--shard-durations",
        dest="shard_durations",
        default=None,
        metavar="PATH",
        help="the durations file (JSON: node id -> seconds) that --shard balances by and"
        " --store-durations writes (default: test-durations.json in the rootdir)",
    )
    group.addoption(
        "--store-durations",
        dest="store_durations",
        action="store_true",
        help="after the run, write each test's setup + call + teardown seconds into the"
        " durations file, keeping the other tests' entries",
    )
    group.addoption(
        "--trace-snapshots",
        dest="trace_snapshots",
        action="store_true",
        help="the harness's trace of each browser also records the page before and after every"
        " action, and the network (each scenario about 0.15 s slower); without it, each action,"
        " its log and the console",
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
# without it, the harness records a lighter trace itself and keeps it with a failure's artifacts;
# harness.plugin.fixtures.harness_trace)
PLAYWRIGHT_DEFAULTS = {
    "screenshot": ("--screenshot", "only-on-failure"),
    "output": ("--output", "artifacts/playwright"),
}


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("playwright"):
        given = " ".join(str(arg) for arg in config.invocation_params.args)
        for dest, (flag, value) in PLAYWRIGHT_DEFAULTS.items():
            if flag not in given:
                setattr(config.option, dest, value)
        # registered after every entry-point plugin, so these launch options win
        from harness.plugin import browser_fixtures

        config.pluginmanager.register(browser_fixtures, "wallet_harness_browser")
    from harness.plugin import (
        applicability,
        bdd_xdist,
        driver_fixtures,
        fixtures,
        leftover_sweep,
        matrix_plan,
        scenario_hooks,
        sharding,
        summary,
    )

    for name, module in (
        ("fixtures", fixtures),
        ("applicability", applicability),
        ("drivers", driver_fixtures),
        ("bdd_xdist", bdd_xdist),
        ("scenarios", scenario_hooks),
        ("summary", summary),
        ("leftover_sweep", leftover_sweep),
    ):
        config.pluginmanager.register(module, f"wallet_harness_{name}")
    matrix_plan.register(config)
    sharding.register(config)
