"""Checks: the named assertions that "then" steps make, each one call. A check waits until the
stack is quiet where it reads the outcome, compares, and fails with a message that shows what
it found (an ``AssertionError`` it raises itself, so the message is the same under pytest's
assertion rewriting and under ``python -O``: the defect matrix matches on it).

``flow``: the money against Stripe's record, which the plugin also runs after every scenario.
``ledger``: the app's ledger on the stack (a wallet's balance, the one top-up credit of a
payment, credits chained at once, nothing credited).
``topups``: the app's record of each top-up (status, which path credited it), Stripe's session,
and what the app's API tells an organisation about a payment.
``deliveries``: the fake's delivery log for a payment (answers, order, events, what waits).
``pipeline``: the app's queue and the admin's recent failures.
``api_faults``: the app's requests to Stripe's API the scenario faulted, and a sweep they made
fail.
``billing``: what a billing gate answered and the debit it left.
``dashboard``: what the customer saw over time (landing loads, the banner's history).
``diagnosis``: the stage the flow trace blames.
``wallet_functions``: the ledger's SQL functions on a database of their own (the ledger
features).

It may import the diagnosis and everything below it.
"""
