"""What the profile's own queries must return, checked once when the stack starts: a query
that does not run, or lacks a column the checks read, is refused naming its key, the columns it
returned and those missing (or the database's own error)."""

from __future__ import annotations

from typing import Any

import psycopg


class ProfileQueryError(ValueError):
    """A query of the profile does not run or lacks a column the checks need."""


def check_query(
    conn: psycopg.Connection[Any], source: str, key: str, text: str, needed: tuple[str, ...]
) -> None:
    """Run ``text`` with no rows (``limit 0``) and compare its columns with ``needed``."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(f"select * from ({text}) t limit 0".encode())
            found = [column.name for column in cur.description or ()]
    except psycopg.Error as error:
        raise ProfileQueryError(
            f"{source}: {key} does not run: {str(error).strip()}\n  the query: {text}"
        ) from None
    missing = [column for column in needed if column not in found]
    if missing:
        section = key.split(".", 1)[0]
        raise ProfileQueryError(
            f"{source}: {key} returns {', '.join(found) or 'no columns'};"
            f" missing {', '.join(missing)} (each row needs {', '.join(needed)};"
            f" alias your columns with `as`, see docs/app-profile.md [{section}])"
        )
