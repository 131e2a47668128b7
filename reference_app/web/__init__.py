"""The web app (FastAPI): dashboard, top-up API, webhook endpoint, metrics, billing gates."""
