"""Read-only views of what the systems recorded: the app's own tables of a top-up's way
(``app_tables``: top-ups, the event inbox, the queue, rejected webhooks), its ledger
(``ledger``), the ledger read as a chain (``ledger_chain``), the ledger's invariants
(``ledger_invariants``) and the money against Stripe's record of paid sessions (``flow``).
Nothing here writes. It may import only the leaves.
"""
