"""Webhook delivery as Stripe does it: signed, retried on a schedule on the fake clock, and
shaped by fault rules. The dispatcher hears every event the account emits and delivers it to
each subscribed endpoint, logging every attempt. It may import ``resources`` (the account, an
endpoint's signing secrets), ``objects``, ``clock`` and ``fault_actions`` (the vocabulary its
rules are checked against); ``service`` and ``http`` import it, ``resources`` never does (events
reach it through ``Account.on_event``).
"""
