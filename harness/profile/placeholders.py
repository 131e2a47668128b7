"""The values a profile's strings may name in braces, filled in by the harness at start-up.

``{port}`` is the process's own free port, ``{port:NAME}`` another process's (a Redis the app
needs, say); the rest are the same for every process. A name outside this list is refused when
the profile is loaded, not when a process fails to start. ``{processes}`` is also the
process's own: a process whose command or environment names it can run as several
(``scalable``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PLACEHOLDERS = {
    "database_url": "the URL of the app's database (a fresh one per stack)",
    "stripe_api_base": "fake_stripe's base URL, in place of https://api.stripe.com",
    "clock_url": 'fake_stripe\'s clock (GET answers {"now": Unix seconds}): an app that reads'
    " its time there moves when a scenario advances the fake's clock (docs/app-profile.md)",
    "stripe_secret_key": "the secret key the app sends to fake_stripe (stripe.secret_key)",
    "public_url": "the app's own base URL (http://127.0.0.1:<the web process's port>)",
    "webhook_secret": "the endpoint secret, where the harness registers the webhook endpoint",
    "port": "this process's free loopback port; {port:NAME} is process NAME's",
    "processes": "how many processes this process is to run itself (its web server's workers,"
    " its queue's workers), where it can: 1 unless simulate --app-processes asks for more",
    "python": "the Python running the harness (for apps written in Python)",
    "profile_dir": "the folder the profile file is in",
    "defects": "the defect switches asked for, joined by the profile's defects.separator",
    "org_id": "in ledger and reconcile SQL: the organisation asked about",
    "session_id": "in a fulfilment query: the Checkout Session asked about",
    "amount_pence": "in topup_api.json_body: the amount to top up, in pence",
    "pounds": "in screen.money: the amount in pounds with two decimals (50.00)",
    "reason": "in capabilities.manual_credit: why support credits the wallet",
    "org_name": "in capabilities.create_org_sql: the new organisation's name",
    "org_email": "in capabilities.create_org_sql: its login email",
    "api_token": "in capabilities.create_org_sql: its API token, as the harness will send it",
    "api_token_sha256": "in capabilities.create_org_sql: that token's SHA-256, in hex",
}
# left to right, as str.format reads: a doubled brace is a literal one, else {name}
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def names_in(text: str) -> list[str]:
    """Every ``{name}`` in ``text``; doubled braces (``{{``) are literal, as in str.format."""
    return [match.group(1) for match in _TOKEN.finditer(text) if match.group(1) is not None]


def unknown_names(text: str, processes: Iterable[str]) -> list[str]:
    known_ports = {f"port:{name}" for name in processes}
    return [name for name in names_in(text) if name not in PLACEHOLDERS and name not in known_ports]


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` replaced; a name with no value is a harness bug."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        if name not in values:
            raise KeyError(f"no value for {{{name}}} here (in {text!r})")
        return values[name]

    return _TOKEN.sub(value, text)


def sql_with_values(text: str, values: Mapping[str, object]) -> tuple[str, dict[str, object]]:
    """A profile's SQL with each ``{name}`` made a query parameter (``%(name)s``), never pasted
    in, and the values it names; a literal ``%`` is kept as one."""
    named: dict[str, object] = {}

    def parameter(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        if name not in values:
            raise KeyError(f"no value for {{{name}}} here (in {text!r})")
        named[name] = values[name]
        return f"%({name})s"

    query = _TOKEN.sub(parameter, text.replace("%", "%%"))
    return query, named


def scalable(command: Iterable[str], env: Mapping[str, str]) -> bool:
    """Whether a process with this command and environment takes ``{processes}``: the app runs
    it as that many processes itself."""
    return any("processes" in names_in(text) for text in (*command, *env.values()))
