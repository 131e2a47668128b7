"""``wallet-harness``: the project's command line.

``wallet-harness run`` runs the scenarios under ``features/`` (pytest-bdd) on the whole stack
(a throwaway PostgreSQL unless told which server to use). Arguments it does not know go to pytest
as they are. ``wallet-harness matrix`` checks that every defect is caught (the app profile's
defect matrix). ``serve`` keeps the whole stack up to use by hand, ``fault`` (webhooks),
``api-fault`` (the app's calls to Stripe) and ``clock`` drive its fake_stripe, ``reproduce``
runs the bug report's £50 top-up once in a browser and explains it stage by stage,
``simulate`` plays thousands of top-ups under random faults and checks the money, and
``profile check`` starts an app from its profile and checks each part, with the fix for what
fails, and ``merge-reports`` joins the JUnit and cucumber reports of a run split across CI
runners with ``run --shard K/N``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.cli.options import (
    CommandParser,
    add_app_option,
    add_db_url_option,
    add_defect_option,
    at_least_one,
    choose_app,
    output_file,
)
from harness.profile.loading import ProfileError
from harness.project import SCENARIOS_MODULE, ProjectNotFound, find_project_root
from harness.sharding import DURATIONS_FILE, Shard, parse_shard


def pytest_arguments(args: argparse.Namespace, extra: Sequence[str], root: Path) -> list[str]:
    arguments = [str(SCENARIOS_MODULE), "--rootdir", str(root)]
    if not any(arg.startswith(("-q", "--quiet", "-v", "--verbose")) for arg in extra):
        arguments += ["--gherkin-terminal-reporter", "-v"]  # features and scenarios by name
    if args.tags:
        arguments += ["-m", args.tags]
    if args.db_url:
        arguments += ["--wallet-db-url", args.db_url]
    if args.headed:
        arguments += ["--headed"]
    if args.defect:
        arguments += ["--app-defects", ",".join(args.defect)]
    return arguments + list(extra)


def shard_argument(text: str) -> Shard:
    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# each module's ``add_parser`` adds its command, which sets its own ``handler``; a module is
# imported only for its own command, or for the whole list (the simulation's, the stack's and
# pytest's imports cost a quick command such as ``clock show`` about 0.45 s)
COMMAND_MODULES = {
    "serve": "harness.cli.serve",
    "fault": "harness.cli.fault",
    "api-fault": "harness.cli.api_fault",
    "clock": "harness.cli.clock",
    "reproduce": "harness.cli.reproduce",
    "simulate": "harness.cli.simulate",
    "profile": "harness.cli.profile_check",
    "merge-reports": "harness.cli.merge_reports",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; with ``only`` (a command's name), those of ``run``, ``matrix``
    and that command alone."""
    parser = CommandParser(prog="wallet-harness", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run the scenarios under features/ (other arguments go to pytest)",
        description="Run the scenarios under features/. Arguments not listed here go to pytest.",
        epilog="To split a run across N CI runners, give each runner --shard K/N (K from 1 to"
        " N); --store-durations records each test's time in test-durations.json, by which"
        " later shards balance; wallet-harness merge-reports joins the shards' reports"
        " (docs/sharding.md).",
    )
    run.add_argument("--tags", metavar="EXPR", help='tag expression, e.g. "ledger and not slow"')
    add_app_option(run)
    add_db_url_option(run)
    run.add_argument("--headed", action="store_true", help="show the browser while it works")
    add_defect_option(run, "run against the app with this defect")
    matrix = commands.add_parser(
        "matrix",
        help="check that each defect is caught by the scenarios the defect matrix names",
        description="Run the app profile's defect matrix ([defects] matrix): its scenarios pass"
        " on the healthy app and fail, with the stated assertion and diagnosis stage, against"
        " each defect.",
    )
    add_app_option(matrix)
    matrix.add_argument("--jobs", type=at_least_one, default=2, help="runs at once (default 2)")
    add_defect_option(matrix, "check only this defect")
    matrix.add_argument(
        "--junitxml",
        type=output_file,
        metavar="PATH",
        help="also write the verdicts as JUnit XML",
    )
    matrix.add_argument(
        "--shard",
        type=shard_argument,
        metavar="K/N",
        help="check only shard K of N of the verdicts, to split the matrix across CI runners, by"
        " their recorded seconds (else a simulation weighs as much as twenty scenario runs)",
    )
    matrix.add_argument(
        "--store-durations",
        action="store_true",
        help="record each verdict's seconds in the durations file, by which later shards balance",
    )
    matrix.add_argument(
        "--shard-durations",
        type=Path,
        metavar="PATH",
        help=f"the durations file --shard reads and --store-durations writes (default:"
        f" {DURATIONS_FILE} in the project), its verdicts under the matrix table's path",
    )
    for name, module in COMMAND_MODULES.items():
        if only in (None, name):
            importlib.import_module(module).add_parser(commands)
    return parser


def command_named(arguments: Sequence[str]) -> str | None:
    """The command ``arguments`` name (``run``, ``matrix`` or one of ``COMMAND_MODULES``): the
    first word that is neither an option nor ``--app``'s value; None for any other word."""
    words = iter(arguments)
    for word in words:
        if word == "--app":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in ("run", "matrix", *COMMAND_MODULES) else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        choose_app(arguments)
    except ProfileError as error:
        print(f"wallet-harness: {error}", file=sys.stderr)
        return 2
    parser = build_parser(only=command_named(arguments))
    args, extra = parser.parse_known_args(arguments)
    if args.command not in ("run", "matrix"):  # only those pass arguments on to pytest
        if extra:
            parser.error(
                f"unrecognized arguments: {' '.join(extra)} (wallet-harness {args.command}"
                " --help lists its options, each spelled in full)"
            )
        return int(args.handler(args))
    try:
        root = find_project_root()
    except ProjectNotFound as exc:
        print(f"wallet-harness: {exc}", file=sys.stderr)
        return 2
    os.chdir(root)  # pytest reports paths relative to here; the features live here
    if args.command == "matrix":
        from harness.cli.matrix import Durations, run_matrix_command

        durations = Durations(args.shard_durations or root / DURATIONS_FILE, args.store_durations)
        return run_matrix_command(
            root,
            args.jobs,
            args.defect,
            args.junitxml,
            extra,
            shard=args.shard,
            durations=durations,
        )
    import pytest  # here: no other command needs it

    return int(pytest.main(pytest_arguments(args, extra, root)))
