"""What the web app, the worker and the sweep share at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg_pool import ConnectionPool

from reference_app.defects import Defects
from reference_app.settings import AppSettings
from reference_app.stripe_gateway import StripeGateway


@dataclass(frozen=True)
class Runtime:
    settings: AppSettings
    pool: ConnectionPool[Any]
    gateway: StripeGateway
    defects: Defects
