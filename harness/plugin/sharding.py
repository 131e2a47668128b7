"""``--shard K/N``: run one of N shards of the collected tests, as Playwright's ``--shard``, so N
CI runners share a run; ``--store-durations``: record each test's time for the next split.

The split (``harness.sharding.split``) depends only on the collected node ids and the durations
file, so every runner, and under pytest-xdist the controller's every worker, picks the same
tests. It runs after every other selection (``-k``, ``-m``, ``--matrix-plan``, ...): a new-style
wrapper of ``pytest_collection_modifyitems``, so the shards split what is left; the rest are
reported as deselected. The terminal summary says which shard ran and how it was split; under
xdist each worker hands that line to the controller in its ``workeroutput``.

``--store-durations`` writes each test's setup + call + teardown seconds into the durations file
(``--shard-durations``, default ``test-durations.json`` in the rootdir), over what the file held
for those tests. Under xdist only the controller writes: it receives every worker's reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.project import shown
from harness.sharding import (
    DURATIONS_FILE,
    Shard,
    known_durations,
    load_durations,
    parse_shard,
    split,
    store_durations,
)

WORKER_OUTPUT_KEY = "wallet_harness_shard"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


class ShardPlugin:
    """One run's shard and durations; registered by ``register`` when an option asks for it."""

    def __init__(
        self,
        shard: Shard | None,
        durations_path: Path,
        durations: Mapping[str, float],
        store: bool,
    ) -> None:
        self.shard = shard
        self.durations_path = durations_path
        self.durations = durations
        self.store = store
        self.measured: defaultdict[str, float] = defaultdict(float)
        self.summary: str | None = None
        self.stored: int | None = None
        self.unstored: str | None = None  # why the durations could not be stored

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        yield  # every other plugin's selection first
        if self.shard is None:
            return
        ids = [item.nodeid for item in items]
        shards = split(ids, self.shard.total, self.durations)
        chosen = set(shards[self.shard.index - 1])
        kept = [item for item in items if item.nodeid in chosen]
        dropped = [item for item in items if item.nodeid not in chosen]
        how = "by recorded durations" if known_durations(ids, self.durations) else "by stable hash"
        self.summary = f"shard {self.shard}: {len(kept)} of {len(items)} tests ({how})"
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = kept

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.store:
            self.measured[report.nodeid] += report.duration

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if _is_worker(config):
            workeroutput: dict[str, Any] = getattr(config, "workeroutput", {})
            workeroutput[WORKER_OUTPUT_KEY] = self.summary
            return
        if self.store and self.measured:
            try:
                store_durations(self.durations_path, self.measured)
            except OSError as error:  # the results stand; the summary says so
                self.unstored = f"{shown(self.durations_path)}: {error.strerror or error}"
            except ValueError as error:  # the file, changed during the run (it names itself)
                self.unstored = str(error)
            else:
                self.stored = len(self.measured)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """pytest-xdist: a worker finished; its summary line is the controller's."""
        line = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
        if line and self.summary is None:
            self.summary = str(line)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.summary is not None:
            terminalreporter.write_line(self.summary)
        if self.stored is not None:
            terminalreporter.write_line(
                f"stored the durations of {self.stored} tests in {shown(self.durations_path)}"
            )
        if self.unstored is not None:
            terminalreporter.write_line(f"could not store the durations: {self.unstored}", red=True)


def register(config: pytest.Config) -> None:
    """Register the plugin when ``--shard`` or ``--store-durations`` asks for it; a bad value
    is a usage error that says why."""
    text: str | None = config.getoption("shard", None)
    store = bool(config.getoption("store_durations", False))
    if text is None and not store:
        return
    shard = None
    if text is not None:
        try:
            shard = parse_shard(text)
        except ValueError as error:
            raise pytest.UsageError(f"--shard {text}: {error}") from None
    named: str | None = config.getoption("shard_durations", None)
    path = config.invocation_params.dir / named if named else config.rootpath / DURATIONS_FILE
    durations: dict[str, float] = {}
    try:  # read when storing too: a file that cannot hold them is said now, not after the run
        durations = load_durations(path)
    except ValueError as error:
        raise pytest.UsageError(f"--shard-durations: {error}") from None
    config.pluginmanager.register(
        ShardPlugin(shard, path, durations, store), "wallet_harness_shard"
    )
