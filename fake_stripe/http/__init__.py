"""The thin HTTP skin (moto's ``responses.py`` and ``urls.py``): ``/v1`` in ``api`` (around it,
``api_pipeline``: authentication, form body, idempotency, errors, ``expand[]``), the hosted
Checkout page and the test-only ``/_control``. Each route parses, calls ``resources`` or the
``service``, and serialises; the state and its rules live below. It may import every part
below it (``service``, ``webhooks``, ``resources``, ``objects``, ``protocol``, ``clock``,
``fault_actions``); only ``server`` imports it.
"""
