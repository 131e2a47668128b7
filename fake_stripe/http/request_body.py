"""Reading a request's body with a cap, for ``/v1`` and ``/_control`` alike.

At most ``limit`` bytes are kept in memory. Past the limit the rest is read and dropped (up to
``DRAIN_LIMIT``), so the client can finish sending and then read the refusal: answering before
the body is in makes many clients see a broken pipe instead of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

DRAIN_LIMIT = 64 << 20  # read (and drop) at most this much of an oversized body


@dataclass(frozen=True)
class Body:
    data: bytes  # all of it, or the first ``limit`` bytes when it is too large
    size: int  # bytes received (counting stops a little past DRAIN_LIMIT)
    limit: int

    @property
    def too_large(self) -> bool:
        return self.size > self.limit


async def read_body(request: Request, limit: int) -> Body:
    """The body, capped at ``limit`` bytes. ``ClientDisconnect`` when the client goes away
    before sending all of it: each caller answers that in its own error shape."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > DRAIN_LIMIT:
            break
    return Body(b"".join(chunks), size, limit)
