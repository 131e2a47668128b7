"""Schema migrations: plain SQL files in ``migrations/``, applied by yoyo-migrations."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from yoyo import get_backend, read_migrations

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


def yoyo_url(database_url: str) -> str:
    """Turn a libpq URL (``postgresql://`` or ``postgres://``) into yoyo's psycopg 3 form."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"not a PostgreSQL URL: {database_url!r}")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def apply_migrations(database_url: str) -> list[str]:
    """Apply every migration not yet applied; return the ids applied (empty when up to date)."""
    backend = get_backend(yoyo_url(database_url))
    try:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        applied = [migration.id for migration in pending]
    finally:
        backend.connection.close()
    for migration_id in applied:
        log.info("applied migration %s", migration_id)
    return applied
