"""The whole stack outside pytest, for ``wallet-harness serve`` and ``reproduce``: a PostgreSQL
server (a throwaway one unless a URL is given), a database of its own migrated and seeded by the
app's command, and ``WalletStack`` on it. Everything is stopped and dropped on the way out, also
on Ctrl-C and SIGTERM (``postgres_server`` makes SIGTERM unwind: ``harness.postgres.termination``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

from harness.postgres.pg_process import LocalClusterError
from harness.postgres.server import NoPostgresAvailable, ServerUrlUnreachable, postgres_server
from harness.profile.loading import LoadedProfile, ProfileError, default_profile
from harness.records.profile_queries import ProfileQueryError
from harness.stack.schema import SchemaSetupError, migrate_and_seed
from harness.stack.services import ServiceFailed
from harness.stack.wallet_stack import StackConfig, WalletStack

# what can stop the stack from starting; the message of each says why
START_ERRORS = (
    NoPostgresAvailable,
    ServerUrlUnreachable,
    LocalClusterError,
    SchemaSetupError,
    ServiceFailed,
    ProfileError,
    ProfileQueryError,
    psycopg.Error,
)


@contextmanager
def standalone_stack(
    db_url: str | None,
    defects: tuple[str, ...],
    log_dir: Path,
    profile: LoadedProfile | None = None,
    processes: Mapping[str, int] | None = None,
) -> Iterator[WalletStack]:
    """A running stack on a fresh database of its own, its processes' logs started afresh in
    ``log_dir`` (the last run's removed, this run's kept); everything else gone afterwards.
    ``processes``: how many processes each named app process runs itself (``{processes}``)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    for old in log_dir.glob("*.log"):
        old.unlink()
    with postgres_server(db_url) as server:
        url = server.create_database(prefix="wallet_serve")
        try:
            app = profile or default_profile()
            migrate_and_seed(url, app)
            config = StackConfig(
                url,
                log_dir,
                defects=defects,
                profile=app,
                restart_database=server.restart,
                processes=processes or {},
            )
            with WalletStack(config) as stack:
                yield stack
        finally:
            # a server gone (what a run may just have reported) cannot drop it: a throwaway
            # one goes with its database, and one given by URL warns as it leaves
            # (drop_created_databases), instead of this error hiding the report
            with suppress(psycopg.OperationalError):
                server.drop_database(url)
