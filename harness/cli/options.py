"""What several commands take alike: a defect or preset by name, a duration as people write it,
and the PostgreSQL server to use. Each is refused by argparse with a message, exit code 2."""

from __future__ import annotations

import argparse

from harness.durations import parse_seconds


def defect_name(text: str) -> str:
    """argparse's type for a defect: a name the app's profile declares, or a preset."""
    from harness.defect_matrix.table import known_defects

    known = known_defects()
    if text not in known:
        raise argparse.ArgumentTypeError(
            f"no defect {text!r}; known: {', '.join(known)}"
            " (the app profile's [defects]; the reference app's `python -m reference_app defects`"
            " describes its own)"
        )
    return text


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


def add_db_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db-url",
        metavar="URL",
        help="PostgreSQL server to create the databases on (default: a throwaway one)",
    )
