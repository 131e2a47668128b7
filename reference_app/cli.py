"""``python -m reference_app``: migrate, seed, and the report's "manual terminal credit"."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import psycopg

from reference_app import settings
from reference_app.ledger import LedgerError, add_wallet_credits
from reference_app.migrate import apply_migrations
from reference_app.money import format_pence
from reference_app.seed import apply_seed


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    database_url = args.database_url or settings.database_url()
    if not database_url:
        parser.error("give --database-url or set DATABASE_URL")
    try:
        result: int = args.run(args, database_url)
    except (LedgerError, psycopg.OperationalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return result


def _migrate(args: argparse.Namespace, database_url: str) -> int:
    applied = apply_migrations(database_url)
    if applied:
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("schema is up to date; nothing to apply")
    if args.seed:
        with psycopg.connect(database_url) as conn:
            apply_seed(conn)
        print("seed organisations and logins are in place")
    return 0


def _seed(args: argparse.Namespace, database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        apply_seed(conn)
    print("seed organisations and logins are in place")
    return 0


def _credit(args: argparse.Namespace, database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        result = add_wallet_credits(
            conn, args.org, args.amount_pence, "adjustment", description=args.reason
        )
    print(
        f"credited {format_pence(args.amount_pence)} to organisation {args.org}:"
        f" balance {format_pence(result.balance_after_pence)}"
        f" (transaction {result.transaction_id})"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference_app", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--database-url", help="PostgreSQL URL (default: the DATABASE_URL variable)"
        )
        return sub

    migrate = command("migrate", "apply the schema migrations that are not applied yet")
    migrate.add_argument("--seed", action="store_true", help="then insert the seed organisations")
    migrate.set_defaults(run=_migrate)

    seed = command("seed", "insert the seed organisations and logins (idempotent)")
    seed.set_defaults(run=_seed)

    credit = command(
        "credit", "credit a wallet by hand (an 'adjustment' through add_wallet_credits)"
    )
    credit.add_argument("--org", required=True, help="organisation id (UUID)")
    credit.add_argument("--amount-pence", required=True, type=int, help="whole pence, e.g. 5000")
    credit.add_argument("--reason", required=True, help="why, kept as the ledger row's description")
    credit.set_defaults(run=_credit)
    return parser
