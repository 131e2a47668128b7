"""A database holding the app's schema and seed, built once, copied for each test.

Built the way the app's profile says (``[database]``: the app's own migrate and seed commands,
or SQL files), as a deployment would. ``CREATE DATABASE ... TEMPLATE`` then gives each test its
own copy in a fraction of the time migrating afresh would take.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import psycopg

from harness.profile.placeholders import fill
from harness.stack.app import environment, fixed_values

if TYPE_CHECKING:
    from harness.postgres.server import PostgresServer
    from harness.profile.loading import LoadedProfile


class SchemaSetupError(RuntimeError):
    """The app's migrate or seed step failed; its output says why."""


def migrate_and_seed(database_url: str, profile: LoadedProfile) -> None:
    database = profile.app.database
    values = {**fixed_values(profile), "database_url": database_url}
    env = environment(profile, None, values)
    steps: list[tuple[str, list[str] | None, list[str]]] = [
        ("database.migrate", database.migrate, database.schema_sql),
        ("database.seed", database.seed, database.seed_sql),
    ]
    for key, command, files in steps:
        if command is not None:
            _run(
                key, [fill(word, values) for word in command], env, profile.folder, database.timeout
            )
        for name in files:
            _run_sql(f"{key.replace('migrate', 'schema')}_sql", profile.folder / name, database_url)


def _run(key: str, command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> None:
    try:
        done = subprocess.run(
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as error:
        raise SchemaSetupError(f"{key}: cannot run {command}: {error.strerror}") from None
    except subprocess.TimeoutExpired:
        raise SchemaSetupError(f"{key}: {command} took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise SchemaSetupError(
            f"{key}: {' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )


def _run_sql(key: str, path: Path, database_url: str) -> None:
    try:
        text = path.read_text()
    except OSError as error:
        raise SchemaSetupError(f"{key}: cannot read {path}: {error.strerror}") from None
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(text.encode())
    except psycopg.Error as error:
        raise SchemaSetupError(f"{key}: {path.name} failed: {error}") from None


@contextmanager
def schema_template(server: PostgresServer, profile: LoadedProfile) -> Iterator[str]:
    """Yield the name of a migrated, seeded database to use as a TEMPLATE; drop it afterwards."""
    url = server.create_database(prefix="wallet_template")
    try:
        migrate_and_seed(url, profile)
        yield urlsplit(url).path.lstrip("/")
    finally:
        server.drop_database(url)
