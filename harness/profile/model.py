"""The keys of an app profile and what each takes. Every table refuses a key it does not know
(a typo is an error, not a silently ignored line); docs/app-profile.md explains each key.

The defaults follow the bug report's app (``organizations.wallet_balance_pence``,
``credit_transactions``, a webhook at ``/api/webhooks/stripe`` that the app registers itself),
so an app built like the report's writes only what differs.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _exactly_one(table: BaseModel, keys: tuple[str, ...]) -> None:
    given = [key for key in keys if getattr(table, key) is not None]
    if len(given) != 1:
        raise ValueError(
            f"give exactly one of {', '.join(keys)} (given: {', '.join(given) or 'none'})"
        )


Command = list[str]


class Ready(_Table):
    """When a process counts as started: one of ``http`` (a URL answers with any status below
    500), ``log`` (a regular expression matches a line of its output), ``tcp`` (a port accepts
    connections, e.g. ``"{port}"``); ``none = true`` for a process with nothing to wait for."""

    http: str | None = None
    log: str | None = None
    tcp: str | None = None
    none: Literal[True] | None = None
    timeout: float = Field(default=30.0, gt=0, description="seconds before start-up is a failure")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        _exactly_one(self, ("http", "log", "tcp", "none"))
        return self


class Process(_Table):
    command: Command = Field(min_length=1)
    cwd: str = "."  # relative to the profile's folder
    env: dict[str, str] = Field(default_factory=dict)
    inherit_env: bool = True  # start from the harness's own environment (PATH, HOME, ...)
    ready: Ready = Field(default_factory=lambda: Ready(none=True))
    stop_signal: Literal["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP"] = "SIGTERM"
    stop_grace: float = Field(default=10.0, ge=0, description="seconds before SIGKILL")


class SnapshotReset(_Table):
    """The harness's own reset: empty every table but ``keep`` and put the seed's rows back,
    after waiting (bounded) until ``busy_sql`` counts no work in flight."""

    keep: list[str] = Field(default_factory=list)
    busy_sql: str | None = None  # e.g. "select count(*) from jobs where status = 'running'"
    lock_table: str | None = None  # locked while resetting, so no new work starts


class Reset(_Table):
    snapshot: SnapshotReset | None = None
    sql: str | None = None
    command: Command | None = None
    url: str | None = None  # POSTed to; a 2xx means done (a provider-state URL)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        _exactly_one(self, ("snapshot", "sql", "command", "url"))
        return self


class Database(_Table):
    migrate: Command | None = None  # the app's own migrate command
    schema_sql: list[str] = Field(default_factory=list)  # or SQL files, in order
    seed: Command | None = None
    seed_sql: list[str] = Field(default_factory=list)
    reset: Reset = Field(default_factory=lambda: Reset(snapshot=SnapshotReset()))
    timeout: float = Field(default=120.0, gt=0, description="seconds for migrate and seed")

    @model_validator(mode="after")
    def _some_schema(self) -> Self:
        if self.migrate is None and not self.schema_sql:
            raise ValueError("say how the schema is made: migrate (a command) or schema_sql")
        return self


DEFAULT_EVENTS = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
]


class Stripe(_Table):
    webhook_path: str = "/api/webhooks/stripe"
    # true: the app creates its endpoint at start-up (the harness finds it at the fake);
    # false: the harness creates it and passes the secret in as {webhook_secret}
    registers_endpoint: bool = True
    secret_key: str = "sk_test_wallet_harness"  # noqa: S105 (the fake takes any test key)
    events: list[str] = Field(default_factory=lambda: list(DEFAULT_EVENTS))
    # the parameter of the app's Checkout Session creation that carries the organisation's id
    # (the accounts' org_id), as the form names it: "client_reference_id", "metadata[org_id]".
    # With it, a simulation faults one organisation's creation while the others go on; without
    # it, a faulted creation runs alone
    creation_org_field: str | None = None


class Account(_Table):
    login: str
    password: str
    org_id: str
    api_token: str | None = None


# every organisation's balance, and every ledger row of every organisation: the harness filters
# and orders them itself, so the queries take no placeholders
DEFAULT_BALANCES_SQL = (
    "select id::text as org_id, wallet_balance_pence as balance_pence from organizations"
)
DEFAULT_ROWS_SQL = """
select id, org_id::text as org_id, type, direction, amount_pence, balance_before_pence,
       balance_after_pence, stripe_payment_intent_id, stripe_checkout_session_id, description,
       created_at as created
  from credit_transactions
"""


class Ledger(_Table):
    """Where the money is: ``balances_sql`` gives ``org_id`` and ``balance_pence`` for every
    organisation, ``rows_sql`` every ledger row (columns in ``harness.records.ledger``); the
    defaults are the bug report's tables."""

    balances_sql: str = DEFAULT_BALANCES_SQL
    rows_sql: str = DEFAULT_ROWS_SQL


class Locator(_Table):
    """One element of the page, as Playwright finds it (``harness.pages.locators.locate``): by
    ``role`` (with ``name``: get_by_role), ``label`` (get_by_label), ``text`` (get_by_text),
    ``test_id`` (get_by_test_id, the ``data-testid`` attribute) or, as a last resort, ``css``."""

    role: str | None = None
    name: str | None = None  # with role: the accessible name
    label: str | None = None
    text: str | None = None
    test_id: str | None = None
    css: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        _exactly_one(self, ("role", "label", "text", "test_id", "css"))
        if self.name is not None and self.role is None:
            raise ValueError("name goes with role (the element's accessible name)")
        return self


class LoginScreen(_Table):
    """The login form: at ``path``, the login typed into ``email``, the password into
    ``password``, then ``submit`` pressed; logged in once the address is no longer ``path``."""

    path: str = "/login"
    email: Locator = Locator(label="Email")
    password: Locator = Locator(label="Password")
    submit: Locator = Locator(role="button", name="Log in")


class DashboardScreen(_Table):
    """The wallet dashboard at ``path`` (the harness opens it after logging in, and as
    ``path?session_id=cs_...`` for one top-up's reference)."""

    path: str = "/dashboard/wallet"
    # the amount: a preset chosen by its label ("£50.00" or "£50") where one exists, else typed
    # in here
    amount: Locator = Locator(label="Amount")
    presets: bool = False
    top_up: Locator = Locator(role="button", name="Top Up")
    # no defaults: where an app shows these is its own markup, never a convention of the harness
    balance: Locator
    rows: Locator  # one element per transaction, newest first
    message: Locator  # what the customer is told on landing
    # the attribute on the message saying how the top-up stands (pending, credited, ...), if any
    message_state: str | None = None
    error: Locator  # where a failure is shown
    # how soon the dashboard shows what the app has done once it is done (its poll, plus
    # drawing): once the stack is quiet, an expectation on the screen waits this long more
    updates_within_ms: int = Field(default=2000, ge=100, le=30_000)


class Screen(_Table):
    login: LoginScreen = LoginScreen()
    dashboard: DashboardScreen
    money: str = "£{pounds}"  # how an amount is written: {pounds} is 50.00 (1,234.56)

    @field_validator("money")
    @classmethod
    def _names_pounds(cls, money: str) -> str:
        try:
            written = money.format(pounds="\0")
        except (KeyError, IndexError, ValueError):  # another {name}, or a lone brace
            written = ""
        if written.count("\0") != 1:
            raise ValueError('name {pounds} once and nothing else in braces, e.g. "£{pounds}"')
        return money


class TopupApi(_Table):
    """Start a top-up over HTTP with an account's API token, as a script would (``simulate``
    and the API scenarios need it)."""

    method: Literal["POST", "PUT"] = "POST"
    path: str
    # the JSON sent; a string that is exactly "{amount_pence}" becomes the amount, a number
    json_body: dict[str, object] = Field(default_factory=dict)
    session_id: str = "session_id"  # where the answer's JSON holds the id: a dotted path
    # what the landing page asks about one top-up (GET, the same token): "{session_id}" filled
    status_path: str | None = None


class Fulfilment(_Table):
    """Which path credited a top-up: SQL showing every top-up the app recorded (the harness
    filters around it), or a URL on the app answering one top-up as JSON (``{session_id}``
    filled in; 404 when the app has no record of it), asked with ``account``'s API token when
    one is named. The columns, or the JSON's keys: ``harness.records.app_records.TopupRecord``."""

    sql: str | None = None
    url: str | None = None
    account: str | None = None  # with url: whose API token the request carries

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        _exactly_one(self, ("sql", "url"))
        if self.account is not None and self.url is None:
            raise ValueError("account goes with url (whose API token asks the app)")
        return self


class QueueProbe(_Table):
    """How many jobs wait and how many failed: SQL returning (waiting, failed), a URL answering
    JSON ``{"waiting": n, "failed": n}``, or a command printing that JSON (BullMQ's counts)."""

    sql: str | None = None
    url: str | None = None
    command: Command | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        _exactly_one(self, ("sql", "url", "command"))
        return self


class Capabilities(_Table):
    """Each switches on more checks; a scenario that needs one the profile lacks is reported
    as not applicable, naming the key."""

    topup_api: TopupApi | None = None
    reconcile: Command | None = None
    worker: str | None = None  # the process the scenarios stop, kill and start
    fulfilment: Fulfilment | None = None  # which path credited each top-up: SQL or a URL
    # SQL showing every record of a kind (the harness filters around it; columns in
    # harness.records.app_records): the Stripe events the app stored, its queue's jobs, the
    # deliveries it refused, its worker's last sign of life
    events_sql: str | None = None
    jobs_sql: str | None = None
    rejections_sql: str | None = None
    heartbeat_sql: str | None = None  # one value: seconds since the worker last showed life
    queue_probe: QueueProbe | None = None
    failures_url: str | None = None
    billing_api: str | None = None  # base path of the billing gates
    logs: list[str] = Field(default_factory=list)  # files to keep as evidence
    # the database has the report's add_wallet_credits / deduct_wallet_credits functions
    ledger_functions: bool = False
    # support's manual credit at a terminal: {org_id}, {amount_pence}, {reason} filled in
    manual_credit: Command | None = None
    # lets {org_id} go {amount_pence} below zero (the ledger features' debt limit)
    debt_limit_sql: str | None = None
    # statements making one more organisation with an API token, for `simulate` (placeholders
    # {org_id} a UUID, {org_name}, {org_email}, {api_token}, {api_token_sha256})
    create_org_sql: list[str] = Field(default_factory=list)


class Defects(_Table):
    """The app's own switches for known bugs, passed in through ``{defects}``."""

    names: list[str] = Field(default_factory=list)
    presets: dict[str, list[str]] = Field(default_factory=dict)  # a name for several at once
    separator: str = ","
    # the defect matrix: which scenarios must catch which defect (a TOML table of [[catch]]),
    # relative to the profile's folder; ``wallet-harness matrix`` runs it
    matrix: str | None = None

    @model_validator(mode="after")
    def _presets_name_defects(self) -> Self:
        for preset, names in self.presets.items():
            unknown = sorted(set(names) - set(self.names))
            if unknown:
                raise ValueError(f"preset {preset!r} names no defect {', '.join(unknown)}")
        return self


class Simulation(_Table):
    """How ``wallet-harness simulate`` runs the app beyond what the scenarios need."""

    # added to the environment of the simulation's runs of the reconcile command: e.g. the page
    # size a deployment sweeps with, where [env] shrinks it so that a scenario's few top-ups
    # fill two pages (ten thousand top-ups in pages of two would be 15,000 requests a sweep)
    reconcile_env: dict[str, str] = Field(default_factory=dict)
    # the longest a healthy app leaves its unfinished jobs without finishing, starting or
    # queueing any (its recovery of a dead worker's job, its longest retry wait), with a
    # margin: a simulation's queue still for longer is stuck, said then rather than after the
    # run's whole wait for quiet (45 s at least); unset, only that wait decides
    stuck_after_seconds: float | None = Field(default=None, gt=0)


class AppProfile(_Table):
    name: str
    env: dict[str, str] = Field(default_factory=dict)  # every process's; its own env wins
    processes: dict[str, Process]
    database: Database
    stripe: Stripe = Stripe()
    accounts: dict[str, Account] = Field(default_factory=dict)
    ledger: Ledger = Ledger()
    screen: Screen
    capabilities: Capabilities = Capabilities()
    defects: Defects = Defects()
    simulation: Simulation = Simulation()

    @model_validator(mode="after")
    def _has_web(self) -> Self:
        if "web" not in self.processes:
            raise ValueError("processes needs a web process: the one customers and webhooks reach")
        worker = self.capabilities.worker
        if worker is not None and worker not in self.processes:
            raise ValueError(f"capabilities.worker names {worker!r}, which is not a process")
        fulfilment = self.capabilities.fulfilment
        if fulfilment and fulfilment.account and fulfilment.account not in self.accounts:
            raise ValueError(
                f"capabilities.fulfilment.account names {fulfilment.account!r}, which is not"
                " in [accounts]"
            )
        return self
