"""Drivers: user-level actions the steps call, one sentence each.

``customer``: a person in a browser (log in, top up with a card, close the tab, come back).
``webhook_faults``: what happens to Stripe's webhooks on the way (the fake's control API).
``api_faults``: what happens to the app's own requests to Stripe's API (the fake's control API).
``wallet_api``: the app's JSON API as a script with an organisation's token uses it.
``billing``: the app's billing gates (an SMS) with an organisation's API token.
``hosted_checkout``: paying a Checkout Session without a browser (the fake's control API).
``worker``: the app's queue worker stopped and started, and what waits in its queue.
``ops_view``: what an admin sees on the app's webhook metrics (logged in through the form).
``records``: what the app and Stripe recorded about a scenario's top-ups, for "then" steps.
``stripe_account``: the Stripe account the app shares, where other systems create sessions.
``ledger``: the ledger's SQL functions and the terminal credit, as the app's own paths use them.

Drivers may import ``pages``, ``records``, ``stack``, ``browser`` and the leaves.
"""
