"""Test-harness machinery for the Stripe -> wallet money path (Postgres provisioning, drivers)."""
