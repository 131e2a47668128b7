"""The ASGI app: /v1 (Stripe's API), /c/pay (hosted Checkout), /_control (test controls)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from fake_stripe.http import api, checkout_page, control
from fake_stripe.service import FakeStripe


def create_app(fake: FakeStripe, on_ready: Callable[[], None] | None = None) -> Starlette:
    """``on_ready`` is called once the fake has started (the socket is already listening)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await fake.startup()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await fake.shutdown()

    app = Starlette(routes=[*control.routes, *checkout_page.routes, *api.routes], lifespan=lifespan)
    app.state.fake = fake
    return app
