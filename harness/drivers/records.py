"""What the systems recorded about a scenario's top-ups, for "then" steps: the app's ledger and
top-up records (read-only SQL), and the truth kept at Stripe (the fake's API and delivery log)."""

from __future__ import annotations

from harness.records.app_records import InboxEvent, TopupRecord
from harness.records.ledger import LedgerRow
from harness.records.stripe import StripeSession, stripe_session
from harness.stack.wallet_stack import WalletStack

COMPLETED = "checkout.session.completed"


class Records:
    def __init__(self, stack: WalletStack) -> None:
        self.stack = stack

    # -- the app -------------------------------------------------------------------------------

    def observes(self, key: str) -> bool:
        """Whether the profile gives ``capabilities.<key>``, a way to see that record."""
        return self.stack.records.has(key)

    def balance_pence(self, email: str) -> int:
        with self.stack.connect() as conn:
            return self.stack.ledger.balance_pence(conn, self.stack.account(email).org_id)

    def ledger(self, email: str) -> list[LedgerRow]:
        with self.stack.connect() as conn:
            return self.stack.ledger.rows(conn, self.stack.account(email).org_id)

    def topup_rows(self, session_id: str) -> list[LedgerRow]:
        with self.stack.connect() as conn:
            return self.stack.ledger.topup_rows(conn, session_id)

    def topup(self, session_id: str) -> TopupRecord | None:
        with self.stack.connect() as conn:
            return self.stack.records.topup(conn, session_id)

    def inbox(self, session_id: str) -> list[InboxEvent]:
        with self.stack.connect() as conn:
            return self.stack.records.inbox_events(conn, session_id)

    def rejections(self) -> list[str]:
        with self.stack.connect() as conn:
            return self.stack.records.rejections(conn)

    # -- Stripe (the fake) ---------------------------------------------------------------------

    def stripe_session(self, session_id: str) -> StripeSession:
        """Stripe's record of the session: its PaymentIntent, payment status and amount."""
        return stripe_session(self.stack.stripe, session_id)

    def delivery_codes(self, session_id: str, event_type: str = COMPLETED) -> list[int | None]:
        """The HTTP status of each attempt to deliver the session's events of ``event_type``
        (None: no answer, a refused connection or a timeout)."""
        deliveries = self.stack.control.deliveries(object_id=session_id, event_type=event_type)
        return [attempt.status_code for attempt in deliveries.attempts]
