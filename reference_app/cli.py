"""``python -m reference_app``: migrate, seed, and the report's "manual terminal credit"."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import psycopg

from reference_app import settings
from reference_app.defects import CATALOGUE, PRESETS, Defects, UnknownDefect
from reference_app.ledger import LedgerError, add_wallet_credits
from reference_app.logs import configure_service_logging
from reference_app.money import format_pence
from reference_app.seed import apply_seed

SERVICE_COMMANDS = ("web", "worker", "reconcile")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "defects":
        return _defects()
    if args.command in SERVICE_COMMANDS:
        return _service(args)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    database_url = args.database_url or settings.database_url()
    if not database_url:
        parser.error("give --database-url or set DATABASE_URL")
    try:
        settings.postgres_url(database_url)
    except ValueError as error:
        parser.error(f"the database URL {error}")
    try:
        result: int = args.run(args, database_url)
    except (LedgerError, psycopg.OperationalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return result


def _service(args: argparse.Namespace) -> int:
    """web, worker, reconcile: configured from the environment (AppSettings.from_env)."""
    configure_service_logging()
    environ = dict(os.environ)
    if args.defect:
        names = [*filter(None, environ.get("WALLET_DEFECTS", "").split(",")), *args.defect]
        environ["WALLET_DEFECTS"] = ",".join(names)
    try:
        app_settings = settings.AppSettings.from_env(environ)
        Defects(app_settings.defects)  # refuse unknown names before starting anything
    except (settings.SettingsError, UnknownDefect) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "web":
        import uvicorn

        from reference_app.web.app import create_app

        if args.processes == 1:
            uvicorn.run(create_app(app_settings), host=args.host, port=args.port, log_config=None)
            return 0
        os.environ.update(WALLET_DEFECTS=environ.get("WALLET_DEFECTS", ""))  # for each process
        uvicorn.run(
            "reference_app.web.app:app_from_env",
            factory=True,
            workers=args.processes,
            host=args.host,
            port=args.port,
            log_config=None,
        )
        return 0
    if args.command == "worker":
        from reference_app.worker import run_workers

        run_workers(app_settings, args.processes)
        return 0
    if Defects(app_settings.defects).on("no-reconciliation"):
        # the app has no sweep at all: neither the worker's schedule nor this command
        print("reconciliation is not set up: nothing swept (defect no-reconciliation)")
        return 0
    from reference_app.db import open_pool
    from reference_app.reconcile import SweepFailed, reconcile
    from reference_app.runtime import Runtime
    from reference_app.stripe_gateway import StripeGateway, make_client

    pool = open_pool(app_settings.database_url)
    try:
        runtime = Runtime(
            app_settings,
            pool,
            StripeGateway(make_client(app_settings)),
            Defects(app_settings.defects),
        )
        report = reconcile(runtime)
    except SweepFailed as error:
        print(f"reconcile: {error}; nothing swept, run it again", file=sys.stderr)
        return 1
    finally:
        pool.close()
    print(
        f"reconciled {report.sessions_seen} session(s): {len(report.credited)} credited now,"
        f" {len(report.failed)} failed"
    )
    for session_id, reason in report.failed.items():
        print(f"  {session_id}: {reason}")
    return 1 if report.failed else 0


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def _defects() -> int:
    print(f"{'defect':<28} {'stage':<11} symptom")
    for defect in CATALOGUE:
        print(f"{defect.name:<28} {defect.stage:<11} {defect.symptom}")
    for preset, names in PRESETS.items():
        print(f"\npreset {preset}: {', '.join(sorted(names))}")
    return 0


def _migrate(args: argparse.Namespace, database_url: str) -> int:
    # imported here: the migration tool costs every other command about 25 ms of its start
    from reference_app.migrate import apply_migrations

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
    # options only as spelled in full: argparse's default took any prefix of one, so
    # ``credit --amount 50``, meant as pounds, credited 50 pence (--amount-pence)
    parser = argparse.ArgumentParser(
        prog="python -m reference_app", description=__doc__, allow_abbrev=False
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
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

    for name, help_text in [
        ("web", "run the web app (uvicorn); settings from the environment"),
        ("worker", "run the queue worker, its heartbeat and the periodic reconciliation sweep"),
        ("reconcile", "fulfil whatever recent Stripe events show paid but the ledger lacks"),
    ]:
        service = commands.add_parser(
            name, help=help_text, description=help_text, allow_abbrev=False
        )
        service.add_argument(
            "--defect",
            action="append",
            default=[],
            metavar="NAME",
            help="switch a defect on (repeatable); see `python -m reference_app defects`",
        )
        if name == "web":
            service.add_argument("--host", default="127.0.0.1")
            service.add_argument("--port", type=int, default=8000)
        if name in ("web", "worker"):
            service.add_argument(
                "--processes",
                type=_at_least_one,
                default=1,
                help="run this many processes, sharing the port (web) or the queue (worker)",
            )
    commands.add_parser("defects", help="list the switchable defects, their stage and symptom")
    return parser
