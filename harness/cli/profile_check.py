"""``wallet-harness profile check [PROFILE]``: the doctor for an app profile.

It starts the app from the profile, as ``run`` would, and checks each part in order, one line
each with what it tried and found and, for a failure, the fix: the profile reads; its commands
exist; the migrate and seed run; the ledger and record queries return their columns; the
processes start and get ready; each login works and its dashboard shows the ledger's balance;
the webhook endpoint is registered and a paid top-up's signed delivery is answered 2xx and
credited; the reset returns to the seed; each optional capability answers. A check that needs
a failed one is not run. Everything started is stopped at the end, also after a failure or
Ctrl-C. The checks themselves are ``harness.cli.profile_doctor``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.cli.options import add_db_url_option
from harness.cli.profile_findings import FAILED, MARKS, Check, summary
from harness.console import make_console, plain
from harness.profile.loading import ProfileError, default_profile_path, load_profile
from harness.project import artifacts_dir, shown

DESCRIPTION = """\
Start the app from its profile, as `run` would, and check each part in order, one
line each with what was tried and found and, for a failure, the fix: commands,
database (migrate and seed), queries, processes, each login and its balance
against the ledger, the webhook endpoint and a paid top-up's signed delivery and
credit, the reset back to the seed, and each capability. A check that needs a
failed one is not run; everything started is stopped, also on Ctrl-C.
docs/app-profile.md#checking-a-profile explains each check."""
LOG_DIR_NAME = "profile-check"  # artifacts/profile-check/: the processes' logs, screenshots
STYLES = {MARKS[FAILED]: "red"}


def add_parser(commands: Any) -> None:
    profile = commands.add_parser(
        "profile",
        help="work with an app profile (docs/app-profile.md)",
        description="Work with an app profile (docs/app-profile.md).",
    )
    actions = profile.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="start the app from its profile and check each part, with the fix for a failure",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 every check passed, 1 one failed, 2 the profile cannot be read,"
        " 130 interrupted",
    )
    check.add_argument(
        "profile",
        nargs="?",
        metavar="PROFILE",
        help="the profile (default: WALLET_APP_PROFILE, then the project's)",
    )
    add_db_url_option(check)
    check.add_argument("--json", action="store_true", help="print the checks as JSON")
    check.set_defaults(handler=run_profile_check)


def run_profile_check(args: argparse.Namespace) -> int:
    from harness.cli.profile_doctor import Doctor

    console = make_console()
    try:
        path = Path(args.profile) if args.profile else default_profile_path()
        profile = load_profile(path)
    except ProfileError as error:
        if args.json:
            print(json.dumps({"profile": str(args.profile), "error": str(error)}, indent=2))
        else:
            plain(console, f"{MARKS[FAILED]} profile: {error}", style="red")
        return 2

    def show(check: Check) -> None:
        if not args.json:
            for line in check.lines():
                plain(console, line, style=STYLES.get(line[:1]))

    doctor = Doctor(profile, args.db_url, artifacts_dir() / LOG_DIR_NAME, show)
    try:
        checks = doctor.run()
    except KeyboardInterrupt:
        plain(console, "interrupted: everything the check started is stopped")
        return 130
    failed = any(check.outcome == FAILED for check in checks)
    if args.json:
        found = {
            "profile": shown(profile.path),
            "passed": not failed,
            "summary": summary(checks),
            "checks": [check.as_json() for check in checks],
        }
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        plain(console, summary(checks), style="red" if failed else None)
    return 1 if failed else 0
