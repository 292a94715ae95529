"""Push receiver: the webhook handler that checks, de-duplicates and applies deliveries.

Every delivery is read with a size bound, checked against the subscription's secret over
the raw body before anything is parsed, de-duplicated by its delivery id and applied to the
coordinator's data in memory, so the provider gets its answer within milliseconds; only what
needs the network (a refresh after a discovery) is scheduled. What a delivery means for push
health and for the account's credentials is left to the push manager (``push``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from http import HTTPStatus
from typing import Any, Final, Protocol

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .api.errors import InvalidResponseError, InvalidSignatureError
from .api.models import ChargeAction, Charger, PushDelivery, PushEventKind, Vehicle
from .api.provider import Provider, as_push
from .const import DOMAIN, LOGGER
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator

# Providers send at most about 100 events per delivery, far below this; anything larger is refused
# before it is read into memory.
MAX_DELIVERY_BYTES: Final = 1024 * 1024

# Delivery ids remembered for de-duplication: retries come within hours, in far fewer
# deliveries than this for one account.
SEEN_DELIVERIES: Final = 1024

# Events about the subscription itself, which name no user: they only tell that push works.
_ACCOUNTLESS: Final = frozenset({PushEventKind.HEARTBEAT, PushEventKind.TEST})

# Who receives on each push webhook of this Home Assistant (see ``_async_dispatch``).
_RECEIVERS: HassKey[dict[str, PushReceiver | None]] = HassKey(f"{DOMAIN}_push_receivers")
_ABSENT: Final = object()


class _Request(Protocol):
    """What the receiver reads of a request: aiohttp's, or Home Assistant's ``MockRequest``.

    Cloudhooks (Home Assistant Cloud) and the WebSocket ``webhook/handle`` command hand the
    handler a ``MockRequest``: it has headers and a ``content`` stream, but no
    ``content_length``.
    """

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> Any: ...


class PushReceiver:
    """The receiving side of one config entry's push webhook."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConnectedEVConfigEntry,
        coordinator: ConnectedEVCoordinator,
        provider: Provider,
        *,
        on_heard: CALLBACK_TYPE,
        on_credentials_invalidated: Callable[[str | None], None],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.provider = provider
        self.secret = ""
        self.stopped = False
        self._on_heard = on_heard
        self._on_credentials_invalidated = on_credentials_invalidated
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._rejected = 0

    async def async_handle_webhook(self, request: _Request) -> web.Response:
        """Answer one delivery; a failure here is a 500, never Home Assistant's 200.

        Home Assistant answers 200 for a handler that raises, and logs the webhook id (a
        bearer secret): the provider would neither retry nor deactivate the webhook.
        """
        try:
            return await self._async_receive(request)
        except Exception:
            LOGGER.exception("Could not handle a push delivery for %s", self.entry.title)
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)

    async def _async_receive(self, request: _Request) -> web.Response:
        """Check, de-duplicate and apply one delivery; never log the body."""
        body = await _async_read_bounded(request)
        if self.stopped:
            # Unloaded while reading: the provider retries to the entry loaded next.
            return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
        if body is None:
            self._log_rejected(request, "it is larger than 1 MiB")
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            as_push(self.provider).verify_push_delivery(self.secret, body, request.headers)
        except InvalidSignatureError as err:
            self._log_rejected(request, str(err))
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        self._rejected = 0
        self._on_heard()
        try:
            delivery = as_push(self.provider).parse_push_delivery(body, request.headers)
        except InvalidResponseError as err:
            LOGGER.warning("Could not read a push delivery for %s: %s", self.entry.title, err)
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        if self._is_duplicate(delivery.delivery_id):
            LOGGER.debug("Push delivery %s already applied", delivery.delivery_id)
            return web.Response(status=HTTPStatus.OK)
        self._async_apply(delivery)
        return web.Response(status=HTTPStatus.OK)

    def _log_rejected(self, request: _Request, why: str) -> None:
        """Warn about the first rejected delivery of a row; the rest only at debug level."""
        self._rejected += 1
        level = logging.WARNING if self._rejected == 1 else logging.DEBUG
        LOGGER.log(
            level,
            "Rejected a push delivery for %s from %s: %s",
            self.entry.title,
            # A cloudhook's request has no remote address: it came through the cloud.
            getattr(request, "remote", None) or "Home Assistant Cloud",
            why,
        )

    def _is_duplicate(self, delivery_id: str | None) -> bool:
        if delivery_id is None:
            return False
        if delivery_id in self._seen:
            self._seen.move_to_end(delivery_id)
            return True
        self._seen[delivery_id] = None
        if len(self._seen) > SEEN_DELIVERIES:
            self._seen.popitem(last=False)
        return False

    @callback
    def _async_apply(self, delivery: PushDelivery) -> None:
        """Apply the events in order to one copy of the data, then publish it once."""
        coordinator = self.coordinator
        data = coordinator.data
        vehicles = dict(data.vehicles)
        chargers = dict(data.chargers)
        statuses = dict(data.smart_charging)
        actions: list[ChargeAction] = []
        changed = refresh = False
        for event in delivery.events:
            if event.user_id != self.provider.account_id and event.kind not in _ACCOUNTLESS:
                # Provider webhooks are per client: an event that does not name this
                # account's user (another user's, or no user at all) is not this entry's.
                LOGGER.debug("Ignored a %s push event of another account", event.kind)
                continue
            match event.kind:
                case PushEventKind.UPDATED if event.vehicle is not None:
                    if not _is_older(event.vehicle, vehicles.get(event.vehicle.id)):
                        vehicles[event.vehicle.id] = event.vehicle
                        changed = True
                case PushEventKind.UPDATED if event.charger is not None:
                    if not _is_older(event.charger, chargers.get(event.charger.id)):
                        chargers[event.charger.id] = event.charger
                        changed = True
                case PushEventKind.DISCOVERED:
                    # Discoveries carry little more than a name: read it all, chargers too.
                    refresh = True
                case PushEventKind.DELETED if event.device_id is not None:
                    changed |= vehicles.pop(event.device_id, None) is not None
                    changed |= chargers.pop(event.device_id, None) is not None
                    statuses.pop(event.device_id, None)
                case PushEventKind.ACTION_UPDATED if event.action is not None:
                    actions.append(event.action)
                case PushEventKind.SMART_CHARGING_STATUS_UPDATED if (
                    status := event.smart_charging_status
                ) is not None:
                    statuses[status.vehicle_id] = status
                    changed = True
                case PushEventKind.CREDENTIALS_INVALIDATED:
                    self._on_credentials_invalidated(event.vendor)
                case _:
                    pass  # heartbeats, tests and unknown events only tell that push works
        if changed:
            coordinator.async_set_pushed_data(
                replace(data, vehicles=vehicles, chargers=chargers, smart_charging=statuses)
            )
        known = coordinator.data.vehicles.keys() | coordinator.data.chargers.keys()
        for action in actions:
            if action.target_id in known:
                coordinator.async_apply_action(action)
        if refresh:
            self.entry.async_create_background_task(
                self.hass, coordinator.async_request_discovery(), name=f"{DOMAIN} push refresh"
            )


# --- the webhooks of this Home Assistant -----------------------------------------------------


def _receivers(hass: HomeAssistant) -> dict[str, PushReceiver | None]:
    """Return the registered push webhooks and who receives on each (``None``: nobody now)."""
    return hass.data.setdefault(_RECEIVERS, {})


async def _async_dispatch(hass: HomeAssistant, webhook_id: str, request: _Request) -> web.Response:
    """Hand a delivery to its entry's receiver; 503 while the entry is not running."""
    if (receiver := _receivers(hass).get(webhook_id)) is None:
        return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
    return await receiver.async_handle_webhook(request)


@callback
def async_receive_on(receiver: PushReceiver, webhook_id: str, secret: str) -> None:
    """Receive on the webhook with this secret; it may still be registered from before."""
    receiver.secret = secret
    receivers = _receivers(receiver.hass)
    if webhook_id not in receivers:
        webhook.async_register(
            receiver.hass,
            DOMAIN,
            f"{receiver.entry.title} push",
            webhook_id,
            _async_dispatch,
            allowed_methods=["POST"],
        )
    receivers[webhook_id] = receiver


@callback
def async_pause_webhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Keep the webhook registered but answer 503 until an entry receives on it again.

    While the entry reloads (or stays unloaded), the provider retries instead of getting
    Home Assistant's 200 for nobody.
    """
    _receivers(hass)[webhook_id] = None


@callback
def async_forget_webhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Stop answering on a webhook for good (push disabled, the entry removed)."""
    if _receivers(hass).pop(webhook_id, _ABSENT) is not _ABSENT:
        webhook.async_unregister(hass, webhook_id)


# --- reading and comparing -------------------------------------------------------------------


def _is_older(device: Vehicle | Charger, than: Vehicle | Charger | None) -> bool:
    """Whether ``device`` was seen before the shown ``than``: a late retry or a replay.

    Providers retry failed deliveries after newer ones, and the delivery ids seen are only
    remembered while running; such an update must not roll the state back.
    """
    return (
        than is not None
        and device.last_seen is not None
        and than.last_seen is not None
        and device.last_seen < than.last_seen
    )


async def _async_read_bounded(request: _Request) -> bytes | None:
    """Read the body, or ``None`` once it exceeds ``MAX_DELIVERY_BYTES`` (never all of it).

    An aiohttp request announcing a larger body is refused unread; a ``MockRequest`` (its
    body already in memory) and chunked bodies are read up to one byte past the limit.
    """
    length = request.content_length if isinstance(request, web.BaseRequest) else None
    if length is not None and length > MAX_DELIVERY_BYTES:
        return None
    stream = request.content  # a MockRequest makes a new stream on every access
    chunks: list[bytes] = []
    size = 0
    # Bounded: every round reads at least one byte or ends, and stops past the limit.
    while size <= MAX_DELIVERY_BYTES:
        chunk: bytes = await stream.read(MAX_DELIVERY_BYTES + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > MAX_DELIVERY_BYTES else b"".join(chunks)
