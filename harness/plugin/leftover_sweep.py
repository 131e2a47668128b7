"""A run starts by stopping or removing what runs that died left behind (their app processes,
PostgreSQL clusters and temporary folders: ``harness.stack.leftovers.sweep_leftovers``), and
the terminal says what it swept. Under xdist the controller sweeps for every worker."""

from __future__ import annotations

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return
    from harness.stack.leftovers import sweep_leftovers

    swept = sweep_leftovers()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in swept:
        if reporter is not None:
            reporter.write_line(f"wallet harness: swept {line}", yellow=True)
