"""The operations on Stripe's resources, with no HTTP (moto's ``models.py``): Checkout Sessions,
paying them (test cards, 3-D Secure, bank debits), Products and Prices, Events, Webhook
Endpoints, lookups across them, and the ``Account`` that holds every object. Each operation
takes the account and decoded parameters, and returns objects or raises a ``protocol.errors``
exception, so the /v1 routes, the hosted page and the control API all run the same code. It may
import ``objects``, ``protocol`` and ``clock``; never ``webhooks``, ``service`` or ``http``.
"""
