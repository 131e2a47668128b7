"""Webhook delivery as Stripe does it: signed, retried on a schedule, and faultable."""
