"""Amounts drawn over a whole allowed range, as a property (Hypothesis): every edge and one
penny either side, and amounts in between, in the forms a customer types (with or without a
pound sign, with or without thousands separators, no, one or two decimals), started through the
app's API (in pence, then paid on the hosted Checkout page) or typed into the dashboard's amount
field. An amount in the range must agree penny for penny everywhere (``harness.checks.amounts``);
one outside it must be refused, on the dashboard with an error naming the amount or by the API
with a 4xx, before anything reaches Stripe or the ledger.

Derandomized, with no example database and no deadline (each example is a real payment), so a
run is the same on every machine; a failure is shrunk and printed as the smallest case.

Each case is a real payment, a few tenths of a second: the property can be split into shares
(``share=(k, n)``). Each share runs the same search twice: once paying nothing, to list its cases
(derandomized, the same list in every process), then for real, paying only the cases dealt to it
(``deal``: in turn, the payments first, so no share pays more than one case over another). A case
that only the second run meets (Hypothesis shrinking a failure) is paid by the share that met it,
so a failure shrinks as it does unsplit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.checks.amounts import typed_amount_agrees
from harness.drivers.records import Records
from harness.money import format_money
from harness.pages.checkout_page import by_card
from harness.records.stripe import stripe_sessions
from harness.scenario import Scenario

# what a failed check here is about, when no stage of the flow broke (harness.diagnosis.blame)
FAILURE_STAGE = "session"
API, DASHBOARD = "the API", "the dashboard"
CARD = "4242424242424242"


@dataclass(frozen=True)
class AmountCase:
    """One amount to top up: ``pence``, sent through ``route`` (``API`` or ``DASHBOARD``),
    and for the dashboard ``typed`` as the customer types it."""

    pence: int
    route: str
    typed: str

    def __str__(self) -> str:
        return f"{format_money(self.pence)} through {self.route} (typed {self.typed!r})"


def typed_form(pence: int, *, pound_sign: bool, commas: bool, decimals: int) -> str:
    """``pence`` as a customer may type it: 100000 -> ``£1,000`` or ``1000.00``; 750 ->
    ``7.5``. ``decimals`` (0, 1 or 2) is lowered to what the amount needs at least."""
    pounds, rest = divmod(pence, 100)
    needed = 0 if rest == 0 else 1 if rest % 10 == 0 else 2
    decimals = max(decimals, needed)
    whole = f"{pounds:,}" if commas else str(pounds)
    tail = {0: "", 1: f".{rest // 10}", 2: f".{rest:02d}"}[decimals]
    return ("£" if pound_sign else "") + whole + tail


def edges(low: int, high: int) -> list[int]:
    """The limits and one penny either side of each."""
    return [low - 1, low, high, high + 1]


@cache
def float_hostile(low: int, high: int) -> tuple[int, ...]:
    """The amounts in ``low``..``high`` pence whose pounds a binary float cannot hold closely
    enough to survive ``int(float(pounds) * 100)`` (19.99 -> 1998): one in twenty or so, so
    the draw favours them rather than hoping to meet one."""
    return tuple(
        p for p in range(low, high + 1) if int(float(f"{p // 100}.{p % 100:02d}") * 100) != p
    )


@st.composite
def amount_cases(draw: st.DrawFn, low: int, high: int) -> AmountCase:
    """Amounts over ``low``..``high`` pence (and the edges), in a typed form, by either route."""
    hostile = float_hostile(low, high) or (low,)
    pence = draw(
        st.one_of(
            st.integers(low, high),
            st.sampled_from(edges(low, high)),
            st.sampled_from(hostile),
        )
    )
    typed = typed_form(
        pence,
        pound_sign=draw(st.booleans()),
        commas=draw(st.booleans()),
        decimals=draw(st.sampled_from([0, 1, 2])),
    )
    return AmountCase(pence, draw(st.sampled_from([API, DASHBOARD])), typed)


def deal(
    cases: Sequence[AmountCase], low: int, high: int, share: tuple[int, int]
) -> frozenset[AmountCase]:
    """The cases share ``(k, n)`` pays: ``cases`` dealt out in turn to ``n`` shares, those in
    ``low``..``high`` (real payments) first, then those to be refused (cheap), so the shares'
    payments differ by one at most. Each case goes to exactly one share."""
    number, shares = share
    if not 1 <= number <= shares:
        raise ValueError(f"share {number} of {shares}: a share is numbered from 1 to {shares}")
    distinct = list(dict.fromkeys(cases))
    ordered = [c for c in distinct if low <= c.pence <= high]
    ordered += [c for c in distinct if not low <= c.pence <= high]
    return frozenset(ordered[number - 1 :: shares])


def search(low: int, high: int, examples: int, check: Callable[[AmountCase], None]) -> None:
    """The property's search: ``check`` on ``examples`` drawn amounts and, by both routes,
    every edge and the first amount a float cannot hold. Derandomized, so every call with the
    same arguments meets the same cases in the same order while ``check`` passes."""
    hostile = float_hostile(low, high)
    explicit = [
        AmountCase(pence, route, typed_form(pence, pound_sign=False, commas=False, decimals=2))
        for pence in [*edges(low, high), *hostile[:1]]
        for route in (API, DASHBOARD)
    ]

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=amount_cases(low, high))
    def every_case(case: AmountCase) -> None:
        check(case)

    for case in explicit:
        every_case = example(case=case)(every_case)
    every_case()


def amounts_agree_over_the_range(
    scenario: Scenario,
    records: Records,
    email: str,
    low: int,
    high: int,
    examples: int,
    share: tuple[int, int] = (1, 1),
) -> None:
    """``search``'s cases: each in ``low``..``high`` agrees penny for penny, each outside it
    is refused with nothing started or credited. ``share``: only the cases ``deal`` gives
    share ``(k, n)`` are paid."""
    planned: list[AmountCase] = []
    search(low, high, examples, planned.append)
    mine = deal(planned, low, high, share)
    others = set(planned) - mine
    passed: set[AmountCase] = set()  # a case the search meets again is not paid again

    def agrees(case: AmountCase) -> None:
        if case in passed or case in others:
            return  # done, or another share's to pay
        if low <= case.pence <= high:
            _pay(scenario, email, case)
            typed_amount_agrees(scenario, records, email, case.typed, case.pence)
        else:
            _refused(scenario, records, email, case)
        passed.add(case)

    search(low, high, examples, agrees)


def _pay(scenario: Scenario, email: str, case: AmountCase) -> None:
    customer = scenario.customer(email)
    if case.route == API:
        session_id = scenario.api(email).session_id(scenario.api(email).start_top_up(case.pence))
        assert session_id, f"{case}: the API started no Checkout Session"
        url = scenario.stack.stripe.v1.checkout.sessions.retrieve(session_id).url
        assert url, f"{case}: Stripe has no Checkout page for {session_id}"
        customer.pay_at_checkout(url, by_card(CARD))
    else:
        customer.dashboard.open()
        customer.type_top_up(case.typed, by_card(CARD))


def _refused(scenario: Scenario, records: Records, email: str, case: AmountCase) -> None:
    customer = scenario.customer(email)
    org_id = scenario.stack.account(email).org_id
    sessions_before = _sessions_of(scenario, org_id)
    credits_before = _topup_rows(records, email)
    if case.route == API:
        answer = scenario.api(email).start_top_up(case.pence)
        if not 400 <= answer.status_code < 500:
            raise AssertionError(f"{case}: the API answered {answer}, not a refusal (4xx)")
    else:
        customer.dashboard.open()
        customer.type_amount_and_press(case.typed)
        customer.dashboard.expect_error(customer.dashboard.money(case.pence))
    if _sessions_of(scenario, org_id) != sessions_before:
        raise AssertionError(f"{case}: refused, yet a Checkout Session was created at Stripe")
    scenario.wait_until_quiet()
    if _topup_rows(records, email) != credits_before:
        raise AssertionError(f"{case}: refused, yet the ledger has a new top-up row")


def _sessions_of(scenario: Scenario, org_id: str) -> int:
    return sum(1 for s in stripe_sessions(scenario.stack.stripe) if s.org_id == org_id)


def _topup_rows(records: Records, email: str) -> int:
    return sum(1 for row in records.ledger(email) if row.type == "topup")
