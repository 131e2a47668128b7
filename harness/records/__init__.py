"""Read-only views of what the systems recorded, each through the app profile's SQL: the app's
own records of a top-up's way (``app_records``: top-ups, stored events, the queue, rejected
webhooks, the worker's heartbeat), its ledger (``ledger``), the ledger read as a chain
(``ledger_chain``), the ledger's invariants (``ledger_invariants``) and the money against
Stripe's record of paid sessions (``flow``). Nothing here writes. It may import only the
profile and the leaves.
"""
