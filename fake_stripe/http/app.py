"""The ASGI app: /v1 (Stripe's API), /c/pay (hosted Checkout), /_control (test controls)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from fake_stripe.http import api, checkout_page, control
from fake_stripe.service import FakeStripe


def create_app(fake: FakeStripe) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await fake.startup()
        try:
            yield
        finally:
            await fake.shutdown()

    app = Starlette(routes=[*control.routes, *checkout_page.routes, *api.routes], lifespan=lifespan)
    app.state.fake = fake
    return app
