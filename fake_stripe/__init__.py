"""A stateful Stripe double: /v1 API, hosted Checkout, signed webhooks, faults (issue 3)."""
