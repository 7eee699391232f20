"""The service's safe defaults as ASGI middleware: an API key, a body size limit, a per-request time limit.

Each refusal is a JSON body `{"error": "<one line>"}` with its status (401, 413, 503), sent before the
request reaches an endpoint (or, for the time limit, instead of its answer).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

#: Paths an API key does not guard: a load balancer's probe.
OPEN_PATHS = ("/v1/health",)


@dataclass(frozen=True)
class Limits:
    """How much one request may ask of the service."""

    max_body_bytes: int = 1 << 20  # 1 MiB: an order is a few hundred bytes
    max_upload_bytes: int = 20 << 20  # 20 MiB for /v1/screen (an order book)
    max_rows: int = 10_000  # orders in one /v1/screen request
    time_limit: float = 30.0  # seconds, per request, from the first byte read to the answer
    threads: int = 8  # worker threads evaluating at once (fsyncs of the decision log overlap in them)
    connections: int = 1000  # open connections and requests in progress; beyond, uvicorn answers 503


async def send_error(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class ApiKey:
    """Require the key on every path but OPEN_PATHS: `X-API-Key: KEY`, `Authorization: Bearer KEY`, or HTTP Basic
    with the key as the password (what a browser sends after its login prompt, so the web page works too)."""

    def __init__(self, app, key: str):
        self.app, self.key = app, key.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self._given(scope):
            return await self.app(scope, receive, send)
        await send_error(
            send, 401, "an API key is required: send it as X-API-Key or Authorization: Bearer",
            [(b"www-authenticate", b'Basic realm="chipcontrol", charset="UTF-8"')],
        )

    def _given(self, scope: Scope) -> bool:
        candidates = []
        if (key := _header(scope, b"x-api-key")) is not None:
            candidates.append(key)
        auth = _header(scope, b"authorization") or ""
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer":
            candidates.append(value.strip())
        elif scheme.lower() == "basic":
            try:
                candidates.append(base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2])
            except (binascii.Error, UnicodeDecodeError):
                pass
        return any(hmac.compare_digest(c.encode("utf-8", "surrogateescape"), self.key) for c in candidates)


class BodyTooLarge(Exception):
    """Raised inside `receive` when a request body passes its limit."""


class BodyLimit:
    """Refuse a body larger than the limit of its path: at once by its Content-Length, or as it streams in."""

    def __init__(self, app, limits: Limits, upload_paths: tuple[str, ...] = ("/v1/screen",)):
        self.app, self.limits, self.upload_paths = app, limits, upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limits.max_upload_bytes if scope["path"] in self.upload_paths else self.limits.max_body_bytes
        message = f"the request body is larger than this endpoint's limit of {limit:,} bytes"
        length = _header(scope, b"content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > limit):
            return await send_error(send, 413, message if length.strip().isdigit() else "bad Content-Length header")
        seen, started = 0, False

        async def counted() -> dict:
            nonlocal seen
            event = await receive()
            if event["type"] == "http.request":
                seen += len(event.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(message)
            return event

        async def watched(event: dict) -> None:
            nonlocal started
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await send_error(send, 413, message)


class TimeLimit:
    """Answer 503 when a request takes longer than the limit (reading its body included). An evaluation already
    running in a worker thread finishes there; its answer is dropped."""

    def __init__(self, app, seconds: float):
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watched(event: dict) -> None:
            nonlocal started
            started = started or event["type"] == "http.response.start"
            await send(event)

        try:
            with anyio.fail_after(self.seconds):
                await self.app(scope, receive, watched)
        except TimeoutError:
            if not started:
                await send_error(send, 503, f"the request took longer than the service's limit of {self.seconds:g} s")
