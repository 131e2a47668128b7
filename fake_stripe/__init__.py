"""A stateful Stripe double: /v1 API, hosted Checkout, signed webhooks, faults (issue 3).

One folder per part, as moto keeps one per service; imports run one way, down this list
(``lint-imports`` holds them to it: the contracts in pyproject.toml)::

    cli, server      run it: ``fake-stripe``, ``python -m fake_stripe``, ``FakeStripeServer``
    http/            the thin skin: /v1, the hosted Checkout page, /_control
    service          the whole fake: one account, its clock, the fault rules, the dispatcher
    webhooks/        delivery: signed, retried on the fake clock, shaped by fault rules
    resources/       the operations on Stripe's resources, and the account that holds them
    objects/         plain state, and the facts it is built from (ids, currencies, event types)
    protocol/        Stripe's request and response conventions: errors, forms, params, lists,
                     and JSON from a client read without trusting it
    clock            fake time and the timers that run on it
    fault_actions    the fault vocabulary as data: each action, its params, what times counts

    client           the typed control client: needs only httpx and ``fault_actions``

Other projects (the harness among them) import ``client`` and nothing else.
"""
