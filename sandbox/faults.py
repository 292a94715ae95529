"""Fault injection: make chosen requests slow, failing, rate limited, malformed, empty or dropped.

Faults are matched on the request path (``fnmatch`` glob) and optionally the method, and apply
a fixed number of times, so a test can script exactly which request of a client sees what.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from aiohttp import web

from sandbox.problems import problem_response

FAULT_KINDS: tuple[str, ...] = (
    "latency",
    "error",
    "rate_limit",
    "token_expiry",
    "malformed",
    "empty",
    "disconnect",
)
MAX_LATENCY_MS = 30_000.0
MAX_FAULT_COUNT = 1_000_000
MAX_RETRY_AFTER = 86_400.0
DEFAULT_RETRY_AFTER = 1.0
_MALFORMED_FALLBACK = b'{"data": [{"id": '

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Fault:
    """One injected fault and how many more requests it applies to."""

    id: str
    path: str
    kind: str
    remaining: int = 1
    method: str | None = None
    status: int = 503
    retry_after: float | None = None
    latency_ms: float = 1000.0

    def matches(self, method: str, path: str) -> bool:
        """Return True when this fault applies to a request."""
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return fnmatchcase(path, self.path)

    def as_json(self) -> dict[str, object]:
        """Describe the fault for the admin API."""
        return {
            "id": self.id,
            "path": self.path,
            "method": self.method,
            "kind": self.kind,
            "remaining": self.remaining,
            "status": self.status,
            "retryAfter": self.retry_after,
            "latencyMs": self.latency_ms,
        }


class FaultBodyError(ValueError):
    """An admin fault body member is invalid; each sandbox answers it in its own error format."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _bounded(body: Mapping[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise FaultBodyError(f"{name} must be a number from {low:g} to {high:g}", name)
    return float(value)


def fault_from_body(
    body: Mapping[str, Any],
    *,
    kinds: tuple[str, ...],
    ids: Iterator[int],
    path: str | None = None,
) -> Fault:
    """Build the fault an admin body asks for (``path``, ``method``, ``kind``, numbers).

    Every sandbox's ``POST /_sandbox/faults`` takes the same members with the same bounds;
    ``kinds`` are the kinds that sandbox can serve. A fixed ``path`` (a sandbox with a single
    endpoint) is used instead of the body's, and no method is read then. The first invalid
    member raises ``FaultBodyError``; an id is taken from ``ids`` only for a valid body.
    """
    method: object = None
    if path is None:
        path, method = body.get("path", "*"), body.get("method")
        if not isinstance(path, str) or not path:
            raise FaultBodyError("path must be a glob", "path")
        if method is not None and not isinstance(method, str):
            raise FaultBodyError("method must be a string", "method")
    kind = body.get("kind", "error")
    if kind not in kinds:
        raise FaultBodyError("kind must be one of " + ", ".join(kinds), "kind")
    remaining = int(_bounded(body, "count", 1, 1, MAX_FAULT_COUNT))
    status = int(_bounded(body, "status", 503, 400, 599))
    retry_after = (
        None
        if body.get("retryAfter") is None
        else _bounded(body, "retryAfter", 0, 0, MAX_RETRY_AFTER)
    )
    latency_ms = _bounded(body, "latencyMs", 1000, 0, MAX_LATENCY_MS)
    return Fault(
        id=f"fault-{next(ids)}",
        path=path,
        kind=str(kind),
        remaining=remaining,
        method=method if isinstance(method, str) else None,
        status=status,
        retry_after=retry_after,
        latency_ms=latency_ms,
    )


class FaultStore:
    """The active faults, consulted in creation order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Register a fault."""
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def active(self) -> list[Fault]:
        """Return the faults that still apply."""
        return [fault for fault in self._faults if fault.remaining > 0]

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault for this request and count one use of it."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                self._faults = [f for f in self._faults if f.remaining > 0]
                return fault
        return None


def _retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(0, math.ceil(seconds)))}


async def apply_fault(
    fault: Fault,
    request: web.Request,
    handler: Handler,
    revoke_token: Callable[[str], None],
) -> web.StreamResponse:
    """Serve ``request`` the way ``fault`` says."""
    if fault.kind == "latency":
        await asyncio.sleep(min(fault.latency_ms, MAX_LATENCY_MS) / 1000.0)
        return await handler(request)
    if fault.kind == "error":
        headers = {} if fault.retry_after is None else _retry_after_header(fault.retry_after)
        return problem_response(fault.status, "Injected sandbox error.", headers=headers)
    if fault.kind == "rate_limit":
        retry_after = DEFAULT_RETRY_AFTER if fault.retry_after is None else fault.retry_after
        return problem_response(
            429, "Rate limit exceeded (injected).", headers=_retry_after_header(retry_after)
        )
    if fault.kind == "token_expiry":
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            revoke_token(token.strip())
        return await handler(request)
    if fault.kind == "malformed":
        response = await handler(request)
        body = response.body if isinstance(response, web.Response) else None
        raw = bytes(body) if isinstance(body, bytes | bytearray) else b""
        truncated = raw[: len(raw) // 2] if len(raw) > 1 else _MALFORMED_FALLBACK
        return web.Response(status=200, body=truncated, content_type="application/json")
    if fault.kind == "empty":
        # A list answered as if the account had no devices (a provider glitch): one empty page.
        await handler(request)
        empty = {"data": [], "pagination": {"after": None, "before": None}}
        return web.Response(status=200, text=json.dumps(empty), content_type="application/json")
    # disconnect: close the connection without writing a response.
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.Response(status=204)
