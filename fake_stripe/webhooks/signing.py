"""``Stripe-Signature``: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">`` per secret."""

from __future__ import annotations

import hashlib
import hmac


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secrets: list[str], timestamp: int) -> str:
    """One ``v1`` per active secret (two while a secret is being rolled)."""
    return ",".join([f"t={timestamp}"] + [f"v1={sign(payload, s, timestamp)}" for s in secrets])
