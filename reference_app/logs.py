"""How the app's services log: every process of ``web``, ``worker`` and ``reconcile``, also each
of ``web --processes N``'s, which uvicorn starts afresh."""

from __future__ import annotations

import logging


def configure_service_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # the SDK's two INFO lines a request repeat what the app logs itself, at about 5% of the
    # web app's and the worker's CPU under load; its warnings still show
    logging.getLogger("stripe").setLevel(logging.WARNING)
