"""The seed's logins and organisations (``python -m reference_app seed``), by email."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    org_id: str
    api_token: str


DEMO_ORG = "ad9306a9-4d8a-4685-a667-cbeb7eb01a07"
OTHER_ORG = "5f0c2b9e-8d4a-4e61-9b7f-2c3d4e5f6a7b"

ACCOUNTS = {
    account.email: account
    for account in (
        Account("test@demo.com", "topup-demo-1", DEMO_ORG, "wallet_demo_token_test"),
        Account("admin@demo.com", "admin-demo-1", DEMO_ORG, "wallet_demo_token_test"),
        Account("other@demo.com", "other-demo-1", OTHER_ORG, "wallet_demo_token_other"),
    )
}


def account(email: str) -> Account:
    try:
        return ACCOUNTS[email.lower()]
    except KeyError:
        raise KeyError(f"no seed login {email!r}; known: {', '.join(ACCOUNTS)}") from None
