"""Stripe objects as plain state, each with ``to_stripe()`` giving every field Stripe lists."""
