"""Drivers: user-level actions the steps call, one sentence each.

``customer``: a person in a browser (log in, top up with a card, close the tab, come back).
``webhook_faults``: what happens to Stripe's webhooks on the way (the fake's control API).
``wallet_api``: the app's JSON API as a script with an organisation's token uses it.
"""
