"""Webhook delivery as Stripe does it: signed, retried on a schedule on the fake clock, and
shaped by fault rules. The dispatcher hears every event the account emits and delivers it to
each subscribed endpoint, deciding when and with which faults; ``sending`` makes each HTTP
attempt and records what came of it, with an ``error_kind`` for every failure (``records``).
It may import ``resources`` (the account, an endpoint's signing secrets), ``objects``,
``protocol`` (a rule's numbers are checked finite as the control API's are), ``clock`` and
``fault_actions`` (the vocabulary its rules are checked against); ``service`` and ``http``
import it, ``resources`` never does (events reach it through ``Account.on_event``).
"""
