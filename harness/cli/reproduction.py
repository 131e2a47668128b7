"""The bug report's test case, once, on a running stack, and what the diagnosis makes of it.

test@demo.com logs in, tops up £50.00 with the card 4242 4242 4242 4242 and lands back on the
dashboard; once the fake and the worker are quiet, ``harness.diagnosis`` judges every stage
from the runtime evidence. For each broken stage this names the line of the bug report's
investigation checklist it answers, then says what the customer saw, what Stripe and the ledger
hold, and which BDD scenario covers the case. ``wallet-harness reproduce`` runs it.
"""

from __future__ import annotations

import contextlib
import shlex

from playwright.sync_api import Error as PlaywrightError
from rich.console import Console
from rich.text import Text

from harness.console import fail, plain
from harness.defect_matrix.table import Catch, MatrixError, load, matrix_table
from harness.diagnosis import STAGE_KEYS, Diagnosis, Stage, TopupEvidence, diagnose
from harness.diagnosis.trace import BROKEN
from harness.money import format_money
from harness.pages.checkout_page import by_card
from harness.profile.loading import ProfileError, default_profile
from harness.scenario import Scenario, StackNotQuiet

EMAIL = "test@demo.com"
CARD = "4242 4242 4242 4242"  # the report's test card, typed as people type it
AMOUNT_PENCE = 5000
SCREEN_WAIT_MS = 5_000  # for the dashboard to catch up with the ledger before it is read
# the report's test case, features/topup/report_test_case.feature (top up, land, see £50.00)
REPORT_SCENARIO = "test_back_on_the_dashboard_the_customer_sees_5000_without_reloading"
SEED_BUG = "seed-bug"

# The bug report's investigation checklist (shared/seed/topup-bug-report.md, "Potential Root
# Causes (Investigation Checklist)"): its sections, and the lines each stage of the diagnosis
# answers. The payment and balance stages have none: the report took the payment as verified,
# and never asks whether the balance and the ledger agree.
SECTIONS = {
    1: "Webhook Not Being Received",
    2: "Webhook Not Being Processed",
    3: "Webhook Processing Job Failing",
    4: "Wallet Update Not Executing",
    5: "Transaction Not Logged",
    6: "Frontend Not Refreshing",
    7: "Environment/Configuration Issues",
}
CHECKLIST: dict[str, tuple[tuple[int, str], ...]] = {
    "session": ((4, "Is the org_id being extracted correctly from checkout session?"),),
    "event": ((1, "Check Stripe Dashboard → Developers → Webhooks → Recent deliveries"),),
    "delivery": (
        (1, "Is Stripe sending the webhook to the correct URL?"),
        (1, "Look for failed delivery attempts"),
    ),
    "signature": (
        (2, "Is signature validation passing?"),
        (7, "Is `STRIPE_WEBHOOK_SECRET` correctly set in `.env`?"),
    ),
    "queue": (
        (2, "Is the webhook being added to the BullMQ job queue?"),
        (3, "Is the BullMQ worker running?"),
    ),
    "job": (
        (3, "Are jobs being added to the queue but failing?"),
        (4, "Is the `add_wallet_credits()` RPC function being called?"),
    ),
    "rescue": ((6, "Is frontend polling the wallet verification endpoint?"),),
    "ledger": ((5, "Is `credit_transactions` table receiving inserts?"),),
    "screen": (
        (6, "Is frontend polling the wallet verification endpoint?"),
        (6, "Are browser console errors preventing refresh?"),
    ),
}


def checklist_lines(stage_key: str) -> list[str]:
    """The checklist lines a broken stage answers, each with its section."""
    lines = [
        f"§{number} {SECTIONS[number]}: {question}"
        for number, question in CHECKLIST.get(stage_key, ())
    ]
    return lines or ["no line of the checklist asks about this stage"]


def reproduce_topup(
    scenario: Scenario, console: Console, defect: str | None, app: str | None = None
) -> int:
    """The top-up, the wait, the diagnosis and what it means; returns the exit code. ``app``:
    the profile named with ``--app``, named again in the commands it suggests."""
    problem = top_up_once(scenario, console)
    diagnosis = diagnose(scenario)
    console.print()
    plain(console, diagnosis.render())
    broken = broken_stages(diagnosis)
    if broken:
        console.print()
        plain(console, "The bug report's investigation checklist, answered by the broken stages:")
        width = max(len(key) for key in STAGE_KEYS)
        for stage in broken:
            for index, line in enumerate(checklist_lines(stage.key)):
                key = stage.key if index == 0 else ""
                console.print(Text.assemble("  ", (f"{key:<{width}}", "bold red"), f"  {line}"))
    console.print()
    for line in outcome_lines(diagnosis):
        plain(console, line)
    plain(console, "Covered by:")
    for command in bdd_commands(defect, app):
        plain(console, f"  {command}")
    if problem is not None:
        fail(f"reproduce: the top-up did not complete: {problem}")
        return 1
    return 1 if diagnosis.first_broken else 0


def top_up_once(scenario: Scenario, console: Console) -> str | None:
    """Log in, top up £50.00 by card, land, wait until quiet; what went wrong, if anything."""
    try:
        customer = scenario.customer(EMAIL)
        customer.log_in()
        plain(console, f"logged in as {EMAIL}")
        session_id = customer.top_up(AMOUNT_PENCE, by_card(CARD))
        paid = f"paid {format_money(AMOUNT_PENCE)} with card {CARD} ({session_id})"
        plain(console, f"{paid}; back on {customer.page.url}")
        scenario.wait_until_quiet()
        plain(console, "the fake's deliveries and the worker's queue are quiet")
        settle_screen(scenario)
    except (AssertionError, PlaywrightError, StackNotQuiet) as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        return f"{type(error).__name__}: {first_line}"
    return None


def settle_screen(scenario: Scenario) -> None:
    """Give the dashboard a moment to show what the ledger holds, as a customer would wait; a
    screen that never catches up is the diagnosis' to report."""
    customer = scenario.current_customer
    if not customer.page.url.startswith(customer.dashboard.url):
        return
    with scenario.stack.connect() as conn:
        held = scenario.stack.ledger.balance_pence(conn, customer.account.org_id)
    with contextlib.suppress(AssertionError):  # Playwright's expect() failing
        customer.dashboard.expect_balance(format_money(held), timeout_ms=SCREEN_WAIT_MS)


def broken_stages(diagnosis: Diagnosis) -> list[Stage]:
    return [stage for trace in diagnosis.traces for stage in trace.stages if stage.status == BROKEN]


def outcome_lines(diagnosis: Diagnosis) -> list[str]:
    """What the customer saw, what Stripe and the ledger hold, from the evidence."""
    if not diagnosis.evidence:
        return ["No top-up was started, so there is no screen or ledger to show."]
    evidence = diagnosis.evidence[-1]
    return [screen_line(evidence), stripe_line(evidence), ledger_line(evidence)]


def screen_line(evidence: TopupEvidence) -> str:
    page = evidence.page
    if page is None:
        return f"The customer saw: nothing to read ({evidence.unavailable.get('page', '-')})"
    if not page.on_dashboard:
        return f"The customer saw: {page.url}, not the dashboard"
    said = page.error_text or (page.banner_text if page.banner_visible else "") or "no message"
    return f"The customer saw: a balance of {page.balance_text} on the dashboard; {said}"


def stripe_line(evidence: TopupEvidence) -> str:
    session = evidence.stripe_session
    if session is None or session.amount_total is None:
        return "Stripe: the Checkout Session could not be read"
    return (
        f"Stripe: {format_money(session.amount_total)}, payment_status {session.payment_status}"
        f" ({session.payment_intent or 'no PaymentIntent'})"
    )


def ledger_line(evidence: TopupEvidence) -> str:
    if evidence.org_balance_pence is None:
        return "The ledger: could not be read"
    rows = len(evidence.ledger_rows)
    return (
        f"The ledger: the organisation holds {format_money(evidence.org_balance_pence)};"
        f" {rows} top-up {'row' if rows == 1 else 'rows'} in the ledger for"
        f" {evidence.session_id}"
    )


def describe_defects(defect: str | None) -> str:
    if defect is None:
        return "the healthy app, no defect"
    presets = default_profile().app.defects.presets
    if defect in presets:
        return f"defect preset {defect}: {', '.join(sorted(presets[defect]))}"
    return f"defect {defect}"


def bdd_commands(defect: str | None, app: str | None = None) -> list[str]:
    """The BDD scenarios that cover this case, as commands to run (on the same app)."""
    run = "wallet-harness run" + (f" --app {shlex.quote(app)}" if app else "")
    if defect is None:
        return [f"{run} -k {REPORT_SCENARIO}   (the report's test case)"]
    commands = []
    if defect == SEED_BUG:
        commands.append(f"{run} --tags seed-bug   (the report's symptoms, reproduced)")
    commands += [
        f"{run} --defect {defect} -k {shlex.quote(scenario)}   (fails while the defect is on)"
        for scenario in matrix_scenarios(defect)
    ]
    matrix = run.replace("wallet-harness run", "wallet-harness matrix", 1)
    commands.append(f"{matrix} --defect {defect}   (the defect matrix's verdict)")
    return commands


def matrix_scenarios(defect: str) -> list[str]:
    """The scenarios the app profile's defect matrix says catch the defect."""
    try:
        catches = load(matrix_table())
    except (MatrixError, ProfileError, OSError):
        return []
    return [c.scenario for c in catches if isinstance(c, Catch) and c.defect == defect]
