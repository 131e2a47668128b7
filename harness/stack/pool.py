"""The session's running stacks, keyed by the app's defects: the suite's own stack (the
``--app-defects`` given, usually none) and, when a scenario tagged ``@seed-bug`` runs, one with
the bug report's defects. Each starts on its own migrated database when first asked for.

With ``one_at_a_time`` (the defect matrix, which asks for a few dozen sets in turn) the pool
keeps a single stack: asked for other defects, it restarts only the app's processes, on a fresh
database, and keeps the fake and the database server."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

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
        self,
        server: PostgresServer,
        log_root: Path,
        profile: LoadedProfile | None = None,
        *,
        one_at_a_time: bool = False,
        processes: Mapping[str, int] | None = None,
    ) -> None:
        self.server = server
        self.one_at_a_time = one_at_a_time
        self.processes = dict(processes or {})  # each stack's app processes run as several
        self.log_root = log_root
        self.profile = profile or default_profile()
        self._stacks: dict[tuple[str, ...], WalletStack] = {}
        self._databases: list[str] = []
        self._template: str | None = None

    def get(self, defects: tuple[str, ...]) -> WalletStack:
        if defects in self._stacks:
            return self._stacks[defects]
        url = self._migrated_database()
        log_dir = self.log_root / ("-".join(defects) or "healthy")
        if self.one_at_a_time and self._stacks:
            (before, stack), *_ = self._stacks.items()
            del self._stacks[before]
            old_url = stack.database_url
            stack.restart_app(defects, url, log_dir)
            self._databases.remove(old_url)
            self.server.drop_database(old_url)
        else:
            config = StackConfig(
                url, log_dir, defects=defects, profile=self.profile, processes=self.processes
            )
            stack = WalletStack(config).start()
        self._stacks[defects] = stack
        return stack

    def _migrated_database(self) -> str:
        """A new database with the app's schema and seed: migrated afresh, or, one at a time,
        copied from a template migrated once (a copy takes a fraction of a migration)."""
        if not self.one_at_a_time:
            url = self.server.create_database(prefix="wallet_stack")
            self._databases.append(url)
            migrate_and_seed(url, self.profile)
            return url
        if self._template is None:
            self._template = self.server.create_database(prefix="wallet_template")
            migrate_and_seed(self._template, self.profile)
        template = urlsplit(self._template).path.lstrip("/")
        url = self.server.create_database(prefix="wallet_stack", template=template)
        self._databases.append(url)
        return url

    def __enter__(self) -> StackPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for stack in self._stacks.values():
            stack.stop()
        for url in self._databases:
            self.server.drop_database(url)
        if self._template is not None:
            self.server.drop_database(self._template)
