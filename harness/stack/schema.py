"""A database holding the app's schema and seed, built once, copied for each test.

Built with the app's own command line (``python -m reference_app migrate --seed``), as a
deployment would. ``CREATE DATABASE ... TEMPLATE`` then gives each test its own copy in a
fraction of the time migrating afresh would take.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from harness.postgres.server import PostgresServer


class SchemaSetupError(RuntimeError):
    """The app's migrate command failed; its output says why."""


def migrate_and_seed(database_url: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reference_app",
            "migrate",
            "--seed",
            "--database-url",
            database_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SchemaSetupError(
            f"python -m reference_app migrate --seed failed ({done.returncode}):\n"
            f"{done.stdout}{done.stderr}"
        )


@contextmanager
def schema_template(server: PostgresServer) -> Iterator[str]:
    """Yield the name of a migrated, seeded database to use as a TEMPLATE; drop it afterwards."""
    url = server.create_database(prefix="wallet_template")
    try:
        migrate_and_seed(url)
        yield urlsplit(url).path.lstrip("/")
    finally:
        server.drop_database(url)
