"""The defect matrix's pool: one stack whose app is restarted with other defects, on a fresh
database, while the fake and the database server keep running."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg

from harness.postgres.server import PostgresServer
from harness.stack.pool import StackPool


def webhook_status(web_url: str) -> int:
    """An unsigned POST to the reference app's webhook route: 400 where the route is mounted
    (the signature is refused), 404 where the ``route-not-mounted`` defect left it out."""
    return httpx.post(f"{web_url}/api/webhooks/stripe", content=b"{}", timeout=10).status_code


def test_other_defects_restart_only_the_apps_processes(
    wallet_postgres: PostgresServer, tmp_path: Path
) -> None:
    with StackPool(wallet_postgres, tmp_path, one_at_a_time=True) as pool:
        healthy = pool.get(())
        fake_pid, web_pid = healthy.fake.pid, healthy.web.pid
        first_database = healthy.database_url
        assert webhook_status(healthy.web_url) == 400

        broken = pool.get(("route-not-mounted",))

        assert broken is healthy  # one stack, restarted
        assert broken.fake.pid == fake_pid
        assert broken.web.pid != web_pid
        assert broken.config.defects == ("route-not-mounted",)
        assert webhook_status(broken.web_url) == 404
        assert broken.database_url != first_database
        with psycopg.connect(broken.database_url) as conn:  # migrated and seeded
            assert conn.execute("select count(*) from organizations").fetchone() == (2,)
        with psycopg.connect(wallet_postgres.admin_url, autocommit=True) as conn:
            name = first_database.rsplit("/", 1)[1].split("?")[0]
            gone = conn.execute("select count(*) from pg_database where datname = %s", [name])
            assert gone.fetchone() == (0,)  # the earlier database dropped

        again = pool.get(())

        assert again.fake.pid == fake_pid
        assert webhook_status(again.web_url) == 400
        assert again.reset() >= 0  # the new database's seed is what a reset returns to
    assert not healthy.fake.running
