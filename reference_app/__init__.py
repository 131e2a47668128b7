"""The wallet web app under test: ledger, top-up via Stripe Checkout, webhooks, billing gates."""
