"""The session's running stacks, keyed by the app's defects: the suite's own stack (the
``--app-defects`` given, usually none) and, when a scenario tagged ``@seed-bug`` runs, one with
the bug report's defects. Each starts on its own migrated database when first asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.postgres.server import PostgresServer
from harness.profile.loading import LoadedProfile, default_profile
from harness.stack.schema import migrate_and_seed
from harness.stack.wallet_stack import StackConfig, WalletStack

SEED_BUG_TAG = "seed-bug"  # the tag, and the defect preset it runs against


def defects_for(option: str, item: pytest.Item) -> tuple[str, ...]:
    names = [name.strip() for name in option.split(",") if name.strip()]
    if item.get_closest_marker(SEED_BUG_TAG) is not None and SEED_BUG_TAG not in names:
        names.append(SEED_BUG_TAG)
    return tuple(sorted(names))


class StackPool:
    def __init__(
        self, server: PostgresServer, log_root: Path, profile: LoadedProfile | None = None
    ) -> None:
        self.server = server
        self.log_root = log_root
        self.profile = profile or default_profile()
        self._stacks: dict[tuple[str, ...], WalletStack] = {}
        self._databases: list[str] = []

    def get(self, defects: tuple[str, ...]) -> WalletStack:
        if defects not in self._stacks:
            url = self.server.create_database(prefix="wallet_stack")
            self._databases.append(url)
            migrate_and_seed(url, self.profile)
            label = "-".join(defects) or "healthy"
            config = StackConfig(url, self.log_root / label, defects=defects, profile=self.profile)
            self._stacks[defects] = WalletStack(config).start()
        return self._stacks[defects]

    def __enter__(self) -> StackPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for stack in self._stacks.values():
            stack.stop()
        for url in self._databases:
            self.server.drop_database(url)
