"""What several commands take alike: the app's profile, a defect or preset by name, a duration as
people write it, and the PostgreSQL server to use. Each is refused with a message, exit code 2."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.durations import parse_seconds
from harness.profile.loading import (
    PROFILE_VARIABLE,
    ProfileError,
    default_profile,
    load_profile,
)


class CommandParser(argparse.ArgumentParser):
    """argparse's parser, taking each option only as it is spelled in full. argparse's own
    default takes any prefix that names one option: ``serve --port 8000`` wrote the state file
    to ``./8000`` (``--port-file``) and said nothing. A guessed or mistyped option is refused
    now (under ``run``, handed to pytest, which refuses it too). A command's parsers are of
    this class as well: ``add_subparsers`` makes them of their parent's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def defect_name(text: str) -> str:
    """argparse's type for a defect: a name the app's profile declares, or a preset."""
    from harness.defect_matrix.table import known_defects

    try:
        known = known_defects()
    except ProfileError as error:  # the profile the names come from cannot be read
        raise argparse.ArgumentTypeError(str(error)) from None
    if text not in known:
        raise argparse.ArgumentTypeError(
            f"no defect {text!r}; known: {', '.join(known)} (the app profile's [defects])"
        )
    return text


def at_least_one(text: str) -> int:
    """argparse's type for a count of things run at once: a whole number from 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number from 1, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def output_file(text: str) -> Path:
    """argparse's type for a file a command writes once its work is done (a report): a folder,
    or nothing at all, is refused before the work starts, not found after it."""
    if not text.strip():
        raise argparse.ArgumentTypeError("a file to write, not an empty name")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: a folder; name a file in it")
    return path


def duration_value(text: str) -> float:
    """argparse's type for a duration option: seconds, from ``2h``, ``30m``, ``45s`` or ``7200``."""
    try:
        return parse_seconds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_defect_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--defect NAME``, repeatable, checked against the app's profile."""
    parser.add_argument(
        "--defect",
        action="append",
        default=[],
        type=defect_name,
        metavar="NAME",
        help=f"{what} (repeatable; the app profile's [defects] lists them), e.g. --defect seed-bug",
    )


def db_url_value(text: str) -> str:
    """argparse's type for ``--db-url``: a server libpq can read (never echoed: it may hold a
    password)."""
    from harness.postgres.server import server_url_option  # psycopg: not for quick commands

    return server_url_option(text)


def add_db_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db-url",
        type=db_url_value,
        metavar="URL",
        help="PostgreSQL server to create the databases on (default: a throwaway one)",
    )


def add_app_option(parser: argparse.ArgumentParser) -> None:
    """``--app PROFILE``: which app to run (read by ``choose_app`` before anything else)."""
    parser.add_argument(
        "--app",
        metavar="PROFILE",
        help="the app profile (TOML) of the app to run and drive (default: env"
        " WALLET_APP_PROFILE, then [tool.wallet-harness] app-profile in pyproject.toml;"
        " see docs/app-profile.md)",
    )


def choose_app(argv: Sequence[str]) -> None:
    """Make ``--app PROFILE`` the profile of this whole run, before any option is checked
    against it: it becomes ``WALLET_APP_PROFILE`` for this process and the pytest runs it
    starts. A profile that cannot be used is refused here (``ProfileError``), before anything
    starts."""
    early = CommandParser(add_help=False)
    early.add_argument("--app")
    named = early.parse_known_args(list(argv))[0].app
    if not named:
        return
    path = Path(named).resolve()
    load_profile(path)
    os.environ[PROFILE_VARIABLE] = str(path)
    default_profile.cache_clear()
