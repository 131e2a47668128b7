"""The simulation suite: many top-ups through the app's real API and the fake's real Stripe API
under a seeded mix of webhook faults, then the money checked against Stripe's record.

``plan`` turns a seed into each top-up's history (organisation, amount, how it is paid, whether
the customer lands, which faults hit its webhook); ``runner`` plays the histories on a running
stack; ``invariants`` checks the outcome against the fake's truth; ``shrink`` cuts a failure down
to the fewest, simplest histories that still fail; ``command`` is ``wallet-harness simulate``.
"""
