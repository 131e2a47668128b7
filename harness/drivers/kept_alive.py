"""A lean HTTP/1.1 client for the simulation's players: one kept-alive ``http.client``
connection, used by one thread, answering ``httpx.Response``s and raising httpx's transport
errors, so that code written against an ``httpx.Client`` (``WalletApi``, ``FakeStripeControl``)
takes it unchanged.

Why: the driver plays thousands of top-ups on the same two cores as the stack it measures, and
an ``httpx.Client`` spends about 0.44 ms of CPU on a loopback request here against about 0.15 ms
for this (bench/README.md, round 20): the harness's share is CPU the app under test does not get.

Not a general client: plain ``http://`` only, no redirects, cookies, proxies or compression,
bodies read whole. A connection the server closed while it sat idle (its keep-alive timeout) is
noticed before the next request and replaced, as httpcore does; a request that fails once sent
is never sent again here (the server may have acted on it): the error goes to the caller.
"""

from __future__ import annotations

import http.client
import json as json_module
import select
import socket
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import httpx


class JsonHttp(Protocol):
    """What the players ask of a client: an ``httpx.Client`` and ``KeptAliveClient`` both are."""

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response: ...

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> httpx.Response: ...

    def close(self) -> None: ...


class KeptAliveClient:
    """Requests to paths under ``base_url`` (``http://host:port[/prefix]``) on one connection,
    opened on first use and again after the server closed it."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"KeptAliveClient speaks plain http to a host: {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._origin = f"http://{parts.netloc}"
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        target = self._prefix + url
        if params:
            target += "?" + urlencode(params, doseq=True)
        sent = {"accept": "*/*", **(headers or {})}
        body = None
        if json is not None:
            body = json_module.dumps(json).encode()
            sent["content-type"] = "application/json"
        connection = self._open()
        try:
            connection.request(method, target, body=body, headers=sent)
            reply = connection.getresponse()
            content = reply.read()
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            raise _as_httpx(error) from error
        except BaseException:  # interrupted mid-exchange: the connection's state is unknown
            self._drop()
            raise
        if reply.will_close:
            self._drop()
        return httpx.Response(
            reply.status,
            headers=reply.getheaders(),
            content=content,
            request=httpx.Request(method, self._origin + target),
        )

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.request("GET", url, headers=headers)

    def close(self) -> None:
        self._drop()

    def __enter__(self) -> KeptAliveClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _open(self) -> http.client.HTTPConnection:
        """The connection, replaced first if the server closed it while it was idle (an idle
        socket that reads as ready holds the server's end-of-stream, or nothing we asked for)."""
        if self._connection is not None and self._connection.sock is not None:
            ready, _, _ = select.select([self._connection.sock], [], [], 0)
            if ready:
                self._drop()
        if self._connection is None or self._connection.sock is None:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                connection.connect()
            except OSError as error:
                connection.close()
                if isinstance(error, TimeoutError):
                    raise httpx.ConnectTimeout(f"{self._origin}: {error}") from error
                raise httpx.ConnectError(f"{self._origin}: {error}") from error
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _as_httpx(error: OSError | http.client.HTTPException) -> httpx.TransportError:
    """The httpx error a caller written for httpx expects for what ``http.client`` raised once
    connected: a server that hung up or answered nonsense, a timeout, a broken connection."""
    message = str(error) or type(error).__name__
    if isinstance(error, http.client.HTTPException):  # RemoteDisconnected is one
        return httpx.RemoteProtocolError(message)
    if isinstance(error, TimeoutError):
        return httpx.ReadTimeout(message)
    return httpx.ReadError(message)
