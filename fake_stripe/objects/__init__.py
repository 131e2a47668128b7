"""Stripe objects as plain state, each with ``to_stripe()`` giving every field Stripe lists, and
the facts they are built from: seeded ids with Stripe's prefixes, currencies and their charge
limits, the event types an endpoint may subscribe to, and which fields ``expand[]`` reaches. No
operations and no HTTP: ``resources`` makes and changes these objects. It may import
``protocol`` (a path ``expand[]`` cannot follow is Stripe's ``InvalidRequest``) and nothing
else of fake_stripe.
"""
