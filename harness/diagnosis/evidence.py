"""What the systems recorded about each top-up of a scenario, gathered once into plain frozen
dataclasses (no Playwright or psycopg objects inside) for ``stages.judge`` to read.

Sources, each read the way an investigator would: the fake's Stripe API (the session, its
events, the webhook endpoints) and its delivery log (through ``FakeStripeControl``), the app's
database (read-only), the page the customer has open, and the processes' logs. A source that
cannot be read is recorded in ``unavailable`` with the reason; gathering never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from harness.records.app_records import InboxEvent, Job, NotObservable, Rejection, TopupRecord
from harness.records.ledger import LedgerRow
from harness.records.ledger_invariants import check_ledger
from harness.records.stripe import StripeSession, stripe_session

if TYPE_CHECKING:
    import psycopg

    from harness.drivers.customer import Customer
    from harness.scenario import Scenario

T = TypeVar("T")

PAGE_TIMEOUT_MS = 2_000  # the page is read as it stands: nothing is waited for
LOG_LINES_PER_SOURCE = 8
LOG_LINE_CHARS = 220
CHECKOUT_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    payment_status: str | None  # the session's, as the event carried it


@dataclass(frozen=True)
class Attempt:
    event_id: str
    event_type: str
    endpoint_url: str
    attempt: int
    copy: int
    status_code: int | None  # None: no answer (refused, timed out, dropped)
    error: str | None
    duration_ms: float | None
    faults: tuple[str, ...]
    succeeded: bool
    error_kind: str | None = None  # why there was no 2xx, as the fake names it (ERROR_KINDS)


# alike in shape with records.app_records.TopupRecord (and the other records there): each is a
# frozen record of a different source's fields; only the dataclass form is shared.
@dataclass(frozen=True)
class Pending:
    event_id: str
    event_type: str
    endpoint_url: str
    state: str  # scheduled | in_flight | held | waiting | released
    attempts: int
    due: float | None
    faults: tuple[str, ...]


@dataclass(frozen=True)
class ApiHit:
    """One of the app's requests to Stripe's API a fault rule of the scenario took (the fake's
    ``ApiFaultHit``): ``status`` answered instead (None: no answer, a timeout or a cut
    connection); ``processed``: the request took effect, only its answer was lost."""

    rule_id: str
    action: str  # error | timeout | reset
    method: str
    path: str
    request_id: str
    at: float  # on the fake's clock
    status: int | None
    processed: bool

    def __str__(self) -> str:
        answer = str(self.status) if self.status is not None else "no answer"
        done = ", after Stripe did the work" if self.processed else ""
        return f"{self.method} {self.path}: {self.action}, {answer}{done} ({self.request_id})"


@dataclass(frozen=True)
class Endpoint:
    id: str
    url: str
    enabled_events: tuple[str, ...]
    status: str  # enabled | disabled

    def subscribed_to(self, event_type: str) -> bool:
        events = self.enabled_events
        return self.status == "enabled" and ("*" in events or event_type in events)


@dataclass(frozen=True)
class PageView:
    """What the customer's open tab shows, read as it stands."""

    url: str
    on_dashboard: bool
    landed_session: str | None  # the ?session_id= the dashboard was opened for
    balance_text: str | None
    banner_state: str | None
    banner_visible: bool
    banner_text: str
    error_visible: bool
    error_text: str
    banner_history: tuple[str, ...]
    org_id: str  # the customer's organisation
    db_balance_pence: int | None  # what the database holds for that organisation


@dataclass(frozen=True)
class LogLine:
    source: str  # web | worker | fake
    text: str


@dataclass(frozen=True)
class TopupEvidence:
    session_id: str
    email: str | None = None
    app_webhook_url: str | None = None
    stripe_session: StripeSession | None = None
    events: tuple[StripeEvent, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    pending: tuple[Pending, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    topup: TopupRecord | None = None
    inbox: tuple[InboxEvent, ...] = ()
    jobs: tuple[Job, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    ledger_rows: tuple[LedgerRow, ...] = ()  # the session's topup rows
    org_id: str | None = None  # whose wallet the top-up is for
    org_balance_pence: int | None = None
    violations: tuple[str, ...] = ()  # ledger invariants broken for the org or the session
    page: PageView | None = None
    landing_loads: tuple[str, ...] = ()  # landing URLs loaded for this session
    reconciled: bool = False  # the scenario ran the reconciliation sweep
    sweeps: int = 0  # how many sweeps the scenario ran ...
    failed_sweeps: int = 0  # ... and how many of them failed, as the scenario expected
    # the app's requests to Stripe's API a fault took, that touched this top-up: its session's
    # creation, its session's reads, and every listing of the events
    api_hits: tuple[ApiHit, ...] = ()
    worker_running: bool | None = None
    worker_stopped_on_purpose: bool = False  # a scenario's ``Given the worker is stopped``
    heartbeat_age: float | None = None  # seconds since a worker last beat; None: never
    # the profile's queue probe: (waiting, failed) jobs now, and when the scenario began; for an
    # app whose jobs the harness cannot see one by one (no events_sql / jobs_sql)
    queue_counts: tuple[int, int] | None = None
    queue_counts_at_start: tuple[int, int] | None = None
    log_lines: tuple[LogLine, ...] = ()
    unavailable: dict[str, str] = field(default_factory=dict)  # source -> why it was not read

    @property
    def amount_pence(self) -> int | None:
        if self.stripe_session is not None and self.stripe_session.amount_total is not None:
            return self.stripe_session.amount_total
        return None if self.topup is None else self.topup.amount_pence


def gather(scenario: Scenario) -> list[TopupEvidence]:
    """One ``TopupEvidence`` per Checkout Session the scenario started, in order."""
    try:
        session_ids = list(scenario.session_ids)
    except Exception:
        return []
    hits = api_hits(scenario)
    found = [gather_one(scenario, session_id, hits) for session_id in session_ids]
    return attribute_creations(found, hits)


def api_hits(scenario: Scenario) -> tuple[ApiHit, ...]:
    """Every request of the app's a fault rule took since the reset; none when the fake cannot
    say (gathering never raises)."""
    try:
        return tuple(_api_hit(hit) for hit in scenario.stack.control.api_fault_hits())
    except Exception:
        return ()


def is_creation(hit: ApiHit) -> bool:
    return hit.method == "POST" and hit.path == "/v1/checkout/sessions"


def is_read_of(hit: ApiHit, session_id: str) -> bool:
    return hit.method == "GET" and session_id in hit.path.split("/")


def is_listing(hit: ApiHit) -> bool:
    return hit.method == "GET" and hit.path == "/v1/events"


def unattributed_creations(
    evidence: list[TopupEvidence], hits: tuple[ApiHit, ...]
) -> tuple[ApiHit, ...]:
    """The creation requests faulted after which no top-up's session was created: nothing came
    of them (every retry failed too, or the app gave up)."""
    claimed = {hit for ev in evidence for hit in ev.api_hits if is_creation(hit)}
    return tuple(hit for hit in hits if is_creation(hit) and hit not in claimed)


def attribute_creations(
    evidence: list[TopupEvidence], hits: tuple[ApiHit, ...]
) -> list[TopupEvidence]:
    """Each faulted creation request goes to the first session Stripe created in its second or
    later: the session the app's retries (or next try) got."""
    created = sorted(
        (ev.stripe_session.created, index)
        for index, ev in enumerate(evidence)
        if ev.stripe_session is not None and ev.stripe_session.created is not None
    )
    mine: dict[int, list[ApiHit]] = {}
    for hit in (h for h in hits if is_creation(h)):
        owner = next((index for when, index in created if when >= int(hit.at)), None)
        if owner is not None:
            mine.setdefault(owner, []).append(hit)
    return [
        replace(ev, api_hits=(*mine.get(index, ()), *ev.api_hits))
        for index, ev in enumerate(evidence)
    ]


def gather_one(scenario: Scenario, session_id: str, hits: tuple[ApiHit, ...] = ()) -> TopupEvidence:
    """``hits``: the scenario's faulted API requests; this top-up keeps its session's reads and
    the listings (its creation's are ``attribute_creations``')."""
    gone: dict[str, str] = {}
    read = _Reader(gone)
    stack = scenario.stack
    customer = _customer_of(scenario, session_id)
    session = read("stripe session", lambda: stripe_session(stack.stripe, session_id), None)
    events = read("stripe events", lambda: _stripe_events(scenario, session_id), ())
    deliveries = read("fake deliveries", lambda: stack.control.deliveries(object_id=session_id))
    attempts = tuple(_attempt(a) for a in deliveries.attempts) if deliveries else ()
    pending = tuple(_pending(p) for p in deliveries.pending) if deliveries else ()
    endpoints = read("webhook endpoints", lambda: _endpoints(scenario), ())
    event_ids = sorted({e.id for e in events} | {a.event_id for a in attempts})
    org_id = (session.client_reference_id if session else None) or (
        customer.account.org_id if customer else None
    )
    db = _database_evidence(scenario, session_id, event_ids, org_id, gone)
    org_id = org_id or (db["topup"].org_id if db.get("topup") else None)
    page = None
    if customer is None:
        gone["page"] = "no customer in a browser started this top-up"
    elif _closed(customer):
        gone["page"] = "the customer's tab is closed"
    else:
        page = read("page", lambda: _page_view(scenario, customer), None)
    inbox: tuple[InboxEvent, ...] = db.get("inbox", ())
    all_ids = sorted(set(event_ids) | {event.event_id for event in inbox})
    return TopupEvidence(
        session_id=session_id,
        email=customer.email if customer else None,
        app_webhook_url=stack.web_url + stack.profile.app.stripe.webhook_path,
        stripe_session=session,
        events=events,
        attempts=attempts,
        pending=pending,
        endpoints=endpoints,
        topup=db.get("topup"),
        inbox=inbox,
        jobs=db.get("jobs", ()),
        rejections=db.get("rejections", ()),
        ledger_rows=db.get("ledger_rows", ()),
        org_id=org_id,
        org_balance_pence=db.get("balance"),
        violations=db.get("violations", ()),
        page=page,
        landing_loads=tuple(
            url for url in (customer.landing_loads if customer else []) if session_id in url
        ),
        reconciled=bool(scenario.notes.get("reconciled")),
        sweeps=int(scenario.notes.get("sweeps", 0)),
        failed_sweeps=int(scenario.notes.get("failed_sweeps", 0)),
        api_hits=tuple(h for h in hits if is_read_of(h, session_id) or is_listing(h)),
        worker_running=read("worker", lambda: stack.worker.running, None),
        # a stack that cannot say (gathering never raises) has stopped nothing on purpose
        worker_stopped_on_purpose=bool(getattr(stack, "worker_stopped_on_purpose", False)),
        heartbeat_age=db.get("heartbeat_age"),
        queue_counts=db.get("queue_counts"),
        queue_counts_at_start=scenario.queue_at_start,
        log_lines=read("logs", lambda: _log_lines(scenario, [session_id, *all_ids]), ()),
        unavailable=gone,
    )


# -- sources -----------------------------------------------------------------------------------


class _Reader:
    """Read one source; on any failure note why and hand back the default."""

    def __init__(self, unavailable: dict[str, str]) -> None:
        self.unavailable = unavailable

    def __call__(self, source: str, read: Callable[[], T], default: Any = None) -> Any:
        try:
            return read()
        except NotObservable as missing:  # the profile gives no way to see it: say which key
            self.unavailable[source] = str(missing)
            return default
        except Exception as error:
            self.unavailable[source] = _why(error)
            return default


def _why(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:160]}" if text else type(error).__name__


def _stripe_events(scenario: Scenario, session_id: str) -> tuple[StripeEvent, ...]:
    listed = scenario.stack.stripe.v1.events.list(
        {"types": list(CHECKOUT_EVENTS), "limit": 100}
    ).to_dict()
    found = []
    for event in reversed(listed.get("data", [])):  # oldest first
        data_object = event.get("data", {}).get("object", {})
        if data_object.get("id") == session_id:
            found.append(StripeEvent(event["id"], event["type"], data_object.get("payment_status")))
    return tuple(found)


def _api_hit(hit: Any) -> ApiHit:
    return ApiHit(
        rule_id=hit.rule_id,
        action=hit.action,
        method=hit.method,
        path=hit.path,
        request_id=hit.request_id,
        at=hit.at,
        status=hit.status,
        processed=hit.processed,
    )


def _endpoints(scenario: Scenario) -> tuple[Endpoint, ...]:
    listed = scenario.stack.stripe.v1.webhook_endpoints.list().to_dict()
    return tuple(
        Endpoint(
            id=endpoint["id"],
            url=endpoint["url"],
            enabled_events=tuple(endpoint.get("enabled_events") or ()),
            status=endpoint.get("status") or "enabled",
        )
        for endpoint in listed.get("data", [])
    )


def _attempt(attempt: Any) -> Attempt:
    return Attempt(
        event_id=attempt.event_id,
        event_type=attempt.event_type,
        endpoint_url=attempt.endpoint_url,
        attempt=attempt.attempt,
        copy=attempt.copy,
        status_code=attempt.status_code,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
        faults=tuple(attempt.faults),
        succeeded=attempt.succeeded,
        error_kind=attempt.error_kind,
    )


# alike in shape with _attempt: each copies a different record of the fake's, naming the fields
# the stages read, so that mypy checks every one of them.
def _pending(pending: Any) -> Pending:
    return Pending(
        event_id=pending.event_id,
        event_type=pending.event_type,
        endpoint_url=pending.endpoint_url,
        state=pending.state,
        attempts=pending.attempts,
        due=pending.due,
        faults=tuple(pending.faults),
    )


@contextmanager
def _connection(scenario: Scenario) -> Iterator[psycopg.Connection[Any]]:
    conn = scenario.stack.connect()
    try:
        yield conn
    finally:
        conn.close()


def _database_evidence(
    scenario: Scenario,
    session_id: str,
    event_ids: list[str],
    org_id: str | None,
    gone: dict[str, str],
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    read = _Reader(gone)
    records = scenario.stack.records
    try:
        with _connection(scenario) as conn:
            found["topup"] = read("topups", lambda: records.topup(conn, session_id))
            inbox = read("inbox", lambda: tuple(records.inbox_events(conn, session_id)), ())
            found["inbox"] = inbox
            ids = sorted(set(event_ids) | {event.event_id for event in inbox})
            found["jobs"] = read("jobs", lambda: tuple(records.jobs_for_events(conn, ids)), ())
            found["rejections"] = read(
                "rejections", lambda: tuple(records.rejected_deliveries(conn)), ()
            )
            found["ledger_rows"] = read(
                "ledger", lambda: tuple(scenario.stack.ledger.topup_rows(conn, session_id)), ()
            )
            owner = org_id or (found["topup"].org_id if found["topup"] else None)
            if owner is not None:
                found["balance"] = read(
                    "balance", lambda: scenario.stack.ledger.balance_pence(conn, owner), None
                )
            found["violations"] = read(
                "ledger invariants",
                lambda: tuple(
                    str(v)
                    for v in check_ledger(conn, scenario.stack.ledger)
                    if v.subject in (owner, session_id)
                ),
                (),
            )
            found["heartbeat_age"] = read(
                "heartbeat", lambda: records.last_heartbeat_age(conn), None
            )
            found["queue_counts"] = read("queue", lambda: records.queue_counts(conn), None)
    except Exception as error:
        gone["database"] = _why(error)
    return found


def _customer_of(scenario: Scenario, session_id: str) -> Customer | None:
    """The customer who started the session; of several, one whose tab is still open."""
    try:
        owners = [c for c in scenario.customers.values() if session_id in c.session_ids]
    except Exception:
        return None
    open_ones = [c for c in owners if not _closed(c)]
    chosen = open_ones or owners
    return chosen[-1] if chosen else None


def _closed(customer: Customer) -> bool:
    try:
        return customer.page.is_closed()
    except Exception:
        return True


def _page_view(scenario: Scenario, customer: Customer | None) -> PageView | None:
    if customer is None:
        return None
    from harness.pages.dashboard_page import shown_text  # Playwright's, only with a page open

    dashboard = customer.dashboard
    url = customer.page.url
    org_id = customer.account.org_id
    try:
        with _connection(scenario) as conn:
            db_balance: int | None = scenario.stack.ledger.balance_pence(conn, org_id)
    except Exception:
        db_balance = None
    on_dashboard = url.startswith(dashboard.url)

    status = dashboard.status
    has_banner = on_dashboard and status.count() > 0
    state_attribute = dashboard.screen.dashboard.message_state
    return PageView(
        url=url,
        on_dashboard=on_dashboard,
        landed_session=dashboard.landed_session(),
        balance_text=(shown_text(dashboard.balance) or None) if on_dashboard else None,
        banner_state=status.get_attribute(state_attribute, timeout=PAGE_TIMEOUT_MS)
        if has_banner and state_attribute is not None
        else None,
        banner_visible=has_banner and status.is_visible(),
        banner_text=shown_text(status) if has_banner else "",
        error_visible=on_dashboard and dashboard.error.count() > 0 and dashboard.error.is_visible(),
        error_text=shown_text(dashboard.error) if on_dashboard else "",
        banner_history=_banner_history(dashboard) if on_dashboard else (),
        org_id=org_id,
        db_balance_pence=db_balance,
    )


def _banner_history(dashboard: Any) -> tuple[str, ...]:
    """What the banner said since the page loaded; nothing when the page cannot say."""
    try:
        return tuple(dashboard.banner_history())
    except Exception:
        return ()


# -- logs --------------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} ")
# client chatter that names a session without saying anything about the flow
_ACCESS = re.compile(r"INFO uvicorn\.access \S+ - ")  # keep the request line and its status
_NOISE = ("/_control/", " INFO httpx ", " INFO stripe ")


def scenario_log(scenario: Scenario, name: str) -> str:
    """The part of a process's log written since the scenario began."""
    path = scenario.stack.logs[name]
    if not path.exists():
        return ""
    offsets: dict[str, int] = getattr(scenario, "log_offsets", {})
    with path.open("rb") as log:
        log.seek(offsets.get(name, 0))
        return log.read().decode(errors="replace")


def _log_lines(scenario: Scenario, ids: list[str]) -> tuple[LogLine, ...]:
    """A few lines of each log naming the session or its events, and the webhook's requests."""
    needles = [needle for needle in ids if needle]
    webhook_request = f"POST {scenario.stack.profile.app.stripe.webhook_path}"
    lines: list[LogLine] = []
    for name in ("fake", "web", "worker"):
        picked = [
            _trim(line)
            for line in scenario_log(scenario, name).splitlines()
            if (any(needle in line for needle in needles) or webhook_request in line)
            and "defect" not in line.lower()  # evidence is behaviour, never configuration
            and not any(noise in line for noise in _NOISE)
        ]
        lines += [LogLine(name, text) for text in picked[-LOG_LINES_PER_SOURCE:]]
    return tuple(lines)


def _trim(line: str) -> str:
    line = _ACCESS.sub("", _DATE.sub("", line.strip()))
    return line if len(line) <= LOG_LINE_CHARS else line[: LOG_LINE_CHARS - 1] + "…"
