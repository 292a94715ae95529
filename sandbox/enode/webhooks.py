"""Signed webhook delivery with bounded retries, as Enode does it (scaled down in time).

Each delivery is a POST of a JSON array of at most 100 events, signed with
``x-enode-signature: sha1=<hex HMAC-SHA1(secret, raw body)>`` and identified by
``x-enode-delivery``. Failed deliveries are retried after increasing delays (simulated time);
after the last attempt the events are dropped and the webhook is set inactive. Only loopback
URLs are ever contacted, so tests can never send traffic off the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from sandbox.clock import isoformat
from sandbox.enode import catalog
from sandbox.enode.world import Webhook, World

_LOGGER = logging.getLogger(__name__)

MAX_EVENTS_PER_DELIVERY = 100
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
DELIVERY_TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BODY = 10_000
DELIVERY_LOG_SIZE = 200
_DRAIN_ROUNDS = 100

type JSON = dict[str, Any]


def is_loopback_url(url: str) -> bool:
    """Return True for an http(s) URL whose host is a loopback name or address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign(secret: str, body: bytes) -> str:
    """Return the ``x-enode-signature`` value for a raw body."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@dataclass(slots=True)
class DeliveryRecord:
    """What happened to one delivery attempt (for the admin API and tests)."""

    delivery_id: str
    webhook_id: str
    at: float
    events: list[str]
    attempt: int
    status: int | None
    error: str | None

    def as_json(self) -> JSON:
        """Describe the attempt."""
        return {
            "deliveryId": self.delivery_id,
            "webhookId": self.webhook_id,
            "at": isoformat(self.at),
            "events": self.events,
            "attempt": self.attempt,
            "status": self.status,
            "error": self.error,
        }


@dataclass(slots=True)
class _Response:
    status: int
    body: str
    headers: list[str]


class WebhookDispatcher:
    """Queues events per webhook and delivers them in signed batches."""

    def __init__(
        self,
        world: World,
        *,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        timeout: float = DELIVERY_TIMEOUT_SECONDS,
    ) -> None:
        self.world = world
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.session: aiohttp.ClientSession | None = None
        self.log: deque[DeliveryRecord] = deque(maxlen=DELIVERY_LOG_SIZE)
        self._queues: dict[str, deque[JSON]] = {}
        self._failures: dict[str, int] = {}
        self._next_attempt: dict[str, float] = {}
        self._inflight: dict[str, asyncio.Task[None]] = {}

    @property
    def max_attempts(self) -> int:
        """Attempts per batch before the webhook is deactivated."""
        return len(self.retry_delays) + 1

    def enqueue(self, event: JSON) -> None:
        """Queue a rendered event for every active webhook subscribed to it."""
        name = event["event"]
        for webhook in self.world.webhooks.values():
            if not webhook.is_active:
                continue
            subscribed = "*" in webhook.events or name in webhook.events
            if name != "system:heartbeat" and not subscribed:
                continue
            self._queues.setdefault(webhook.id, deque()).append(event)

    def pending(self, webhook_id: str) -> int:
        """Return how many events wait for a webhook."""
        return len(self._queues.get(webhook_id, ()))

    def heartbeat(self) -> None:
        """Queue a ``system:heartbeat`` for every active webhook."""
        created = isoformat(self.world.sim_time)
        for webhook in self.world.webhooks.values():
            if webhook.is_active:
                event = {
                    "event": "system:heartbeat",
                    "createdAt": created,
                    "version": catalog.API_VERSION,
                    "pendingEvents": self.pending(webhook.id),
                }
                self._queues.setdefault(webhook.id, deque()).append(event)

    def forget(self, webhook_id: str) -> None:
        """Drop everything queued for a webhook (deleted or deactivated)."""
        self._queues.pop(webhook_id, None)
        self._failures.pop(webhook_id, None)
        self._next_attempt.pop(webhook_id, None)

    def flush(self) -> None:
        """Start a delivery for each webhook with queued events that is due."""
        now = self.world.sim_time
        for webhook_id in list(self._queues):
            webhook = self.world.webhooks.get(webhook_id)
            if webhook is None or not webhook.is_active:
                self.forget(webhook_id)
                continue
            if not self._queues[webhook_id] or webhook_id in self._inflight:
                continue
            if self._next_attempt.get(webhook_id, now) > now:
                continue
            self._inflight[webhook_id] = asyncio.create_task(self._deliver(webhook))

    async def drain(self) -> None:
        """Wait until no delivery is in flight and none is due (bounded).

        A queue skipped by ``flush`` because its previous batch was still in flight is
        started once that batch is done, so events queued meanwhile are not left waiting for
        the next tick.
        """
        for _ in range(_DRAIN_ROUNDS):
            self.flush()
            tasks = list(self._inflight.values())
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel deliveries in flight."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, webhook: Webhook) -> None:
        try:
            await self._deliver_batch(webhook)
        finally:
            self._inflight.pop(webhook.id, None)

    async def _deliver_batch(self, webhook: Webhook) -> None:
        queue = self._queues.get(webhook.id)
        if not queue:
            return
        batch = [queue[i] for i in range(min(len(queue), MAX_EVENTS_PER_DELIVERY))]
        attempt = self._failures.get(webhook.id, 0) + 1
        delivery_id, status, error = await self._post_logged(webhook, batch, attempt)
        if status is not None and 200 <= status < 300:
            webhook.last_success = self.world.sim_time
            self._failures.pop(webhook.id, None)
            self._next_attempt.pop(webhook.id, None)
            for _ in batch:
                queue.popleft()
            return
        _LOGGER.info("Webhook delivery %s failed (attempt %d): %s", delivery_id, attempt, error)
        if attempt >= self.max_attempts:
            webhook.is_active = False
            self.forget(webhook.id)
            return
        self._failures[webhook.id] = attempt
        self._next_attempt[webhook.id] = self.world.sim_time + self.retry_delays[attempt - 1]

    async def _post_logged(
        self, webhook: Webhook, events: list[JSON], attempt: int
    ) -> tuple[str, int | None, str | None]:
        delivery_id = str(uuid.uuid4())
        status: int | None = None
        error: str | None = None
        try:
            response = await self._post(webhook, events, delivery_id)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            error = f"{type(err).__name__}: {err}"
        else:
            status = response.status
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        self.log.append(
            DeliveryRecord(
                delivery_id=delivery_id,
                webhook_id=webhook.id,
                at=self.world.sim_time,
                events=[event["event"] for event in events],
                attempt=attempt,
                status=status,
                error=error,
            )
        )
        return delivery_id, status, error

    async def _post(self, webhook: Webhook, events: list[JSON], delivery_id: str) -> _Response:
        if not is_loopback_url(webhook.url):
            raise ValueError("the sandbox only delivers webhooks to loopback addresses")
        if self.session is None:
            raise ValueError("the webhook dispatcher has no HTTP session")
        body = json.dumps(events, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "x-enode-signature": sign(webhook.secret, body),
            "x-enode-delivery": delivery_id,
            "User-Agent": "Enode-Sandbox-Webhooks/1.0",
        }
        if webhook.auth_header_name and webhook.auth_header_value:
            headers[webhook.auth_header_name] = webhook.auth_header_value
        async with self.session.post(
            webhook.url,
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            allow_redirects=False,
        ) as response:
            text = (await response.read())[:MAX_RESPONSE_BODY].decode(errors="replace")
            return _Response(
                status=response.status,
                body=text,
                headers=[f"{name.lower()}: {value}" for name, value in response.headers.items()],
            )

    async def send_test(self, webhook: Webhook) -> JSON:
        """Deliver ``enode:webhook:test`` now and describe the outcome (TestFirehoseWebhook)."""
        event = {
            "event": "enode:webhook:test",
            "createdAt": isoformat(self.world.sim_time),
            "version": catalog.API_VERSION,
        }
        delivery_id = str(uuid.uuid4())
        try:
            response = await self._post(webhook, [event], delivery_id)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            self._record_test(webhook, delivery_id, None, f"{type(err).__name__}: {err}")
            return {
                "status": "FAILURE",
                "description": f"Could not deliver the test event: {err}",
                "response": None,
            }
        if not 200 <= response.status < 300:
            self._record_test(webhook, delivery_id, response.status, f"HTTP {response.status}")
            return {
                "status": "FAILURE",
                "description": f"The webhook endpoint answered HTTP {response.status}.",
                "response": None,
            }
        self._record_test(webhook, delivery_id, response.status, None)
        webhook.is_active = True
        webhook.last_success = self.world.sim_time
        self._failures.pop(webhook.id, None)
        self._next_attempt.pop(webhook.id, None)
        return {
            "status": "SUCCESS",
            "description": "The test event was delivered.",
            "response": {
                "code": response.status,
                "body": response.body,
                "headers": response.headers,
            },
        }

    def _record_test(
        self, webhook: Webhook, delivery_id: str, status: int | None, error: str | None
    ) -> None:
        self.log.append(
            DeliveryRecord(
                delivery_id=delivery_id,
                webhook_id=webhook.id,
                at=self.world.sim_time,
                events=["enode:webhook:test"],
                attempt=1,
                status=status,
                error=error,
            )
        )
