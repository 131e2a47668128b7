"""What ``wallet-harness profile check`` can tell before anything starts: every command,
folder, SQL file and defect matrix the profile names is there (a program on ``PATH`` or a file
relative to its working directory), every person the features name has a login in
``[accounts]``, and which values an app cannot do without (its database, the fake's URL) no
process is given.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from harness.cli.profile_findings import CheckFailed
from harness.drivers.ops_view import ADMIN
from harness.profile.loading import LoadedProfile
from harness.profile.model import AppProfile
from harness.profile.placeholders import fill, names_in
from harness.project import ProjectNotFound, find_project_root
from harness.stack.app import fixed_values

QUOTED_EMAIL = re.compile(r'"([^"@\s]+@[^"@\s]+)"')
NEEDED = (  # a placeholder no process is given, and why an app needs it
    ("database_url", "pass the app its database, e.g. DATABASE_URL"),
    ("stripe_api_base", "the app must call the fake, not Stripe (STRIPE_API_BASE)"),
)


def commands_found(profile: LoadedProfile) -> str:
    """``CheckFailed`` naming each command, folder or SQL file that is not there."""
    app, folder = profile.app, profile.folder
    values = fixed_values(profile)
    missing: list[str] = []
    named = 0
    for name, process in app.processes.items():
        cwd = (folder / process.cwd).resolve()
        named += 1
        if not cwd.is_dir():
            missing.append(f"processes.{name}.cwd: no folder {cwd}")
            continue
        path = process.env.get("PATH", app.env.get("PATH"))
        if path is None and process.inherit_env:
            path = os.environ.get("PATH")
        missing += _not_found(f"processes.{name}", process.command, cwd, path, values)
    database, capabilities = app.database, app.capabilities
    probe = capabilities.queue_probe
    for key, command in (
        ("database.migrate", database.migrate),
        ("database.seed", database.seed),
        ("database.reset.command", database.reset.command),
        ("capabilities.reconcile", capabilities.reconcile),
        ("capabilities.manual_credit", capabilities.manual_credit),
        ("capabilities.queue_probe.command", probe.command if probe else None),
    ):
        if command:
            named += 1
            missing += _not_found(key, command, folder, os.environ.get("PATH"), values)
    for key, files in (
        ("database.schema_sql", database.schema_sql),
        ("database.seed_sql", database.seed_sql),
    ):
        for file in files:
            named += 1
            if not (folder / file).is_file():
                missing.append(f"{key}: no file {folder / file}")
    if app.defects.matrix:
        named += 1
        if not (folder / app.defects.matrix).is_file():
            missing.append(f"defects.matrix: no file {folder / app.defects.matrix}")
    if missing:
        raise CheckFailed(
            "not found: " + "; ".join(missing),
            "install what is missing, or give its path: absolute, or relative to the"
            " process's cwd (itself relative to the profile's folder; database and capability"
            " commands run in the profile's folder)",
        )
    return f"the {named} commands, folders and files it names are there"


def accounts_given(app: AppProfile) -> str:
    """``CheckFailed`` naming each person the features name who has no login."""
    people = features_people()
    if app.capabilities.failures_url:
        people.add(ADMIN)  # the recent failures are an admin's
    have = {email.lower() for email in app.accounts}
    missing = sorted(person for person in people if person.lower() not in have)
    if missing or not have:
        wanted = ", ".join(f'[accounts."{person}"]' for person in missing or ["test@demo.com"])
        raise CheckFailed(
            f"no login for {', '.join(missing) or 'anyone'} in [accounts]",
            f"add {wanted} with the app's login, password and org_id (and api_token where the"
            " app has an API): the people the features name (docs/app-profile.md [accounts])",
        )
    return f"a login for each person the features name ({', '.join(sorted(people))})"


def features_people() -> set[str]:
    """The people the features name: every quoted email under ``features/``."""
    try:
        features = find_project_root() / "features"
    except ProjectNotFound:
        return set()
    return {
        found
        for path in features.rglob("*.feature")
        for found in QUOTED_EMAIL.findall(path.read_text(errors="replace"))
    }


def never_given(app: AppProfile) -> str:
    """A hint for each value an app needs that no process is given (``""``: none)."""
    texts = [*app.env.values()]
    for process in app.processes.values():
        texts += [*process.env.values(), *process.command]
    named = {name for text in texts for name in names_in(text)}
    return "".join(
        f"; no process is given {{{name}}}: {why}" for name, why in NEEDED if name not in named
    )


def _not_found(
    key: str, command: list[str], cwd: Path, path: str | None, values: dict[str, str]
) -> list[str]:
    """``key``'s program, unless it is found: on ``path``, or as a file relative to ``cwd``."""
    word = command[0]
    if not set(names_in(word)) <= set(values):
        return []  # named by a placeholder known only at start-up
    program = fill(word, values)
    if "/" in program:
        found = (cwd / program).is_file() and os.access(cwd / program, os.X_OK)
        return [] if found else [f"{key}: {program!r} is no executable file (in {cwd})"]
    if shutil.which(program, path=path):
        return []
    return [f"{key}: {program!r} is not on PATH"]
