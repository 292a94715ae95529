"""Push: the provider's events through a Home Assistant webhook, applied without a poll.

Enabling push (options flow) registers a Home Assistant webhook, reachable through a Home
Assistant Cloud cloudhook when Cloud is logged in and else through the external URL, and
subscribes it at the provider with a fresh secret. Every delivery is checked against that
secret over the raw body before anything is parsed, de-duplicated by its delivery id and
applied to the coordinator's data in memory, so the provider gets its answer within
milliseconds; only what needs the network (a refresh after a discovery) is scheduled.

While deliveries keep coming (events or heartbeats) push is healthy and polling slows to a
safety poll; when they stop for longer than ``PUSH_STALE_AFTER`` polling returns to normal.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from types import ModuleType
from typing import Any, Final, Protocol

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.errors import (
    AuthenticationError,
    InvalidResponseError,
    InvalidSignatureError,
    NotFoundError,
    ProviderError,
)
from .api.models import ChargeAction, Charger, PushDelivery, PushEventKind, Vehicle
from .api.provider import Provider, ProviderFeature
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .options import DATA_PUSH, PollingPolicy
from .providers import create_provider

LOGGER = logging.getLogger(__package__)

# Enode sends heartbeats "periodically" without saying how often (the sandbox: every 5
# minutes). Assume at most every 15 minutes; twice that without any delivery means push is
# broken (HA unreachable, webhook deactivated after failed deliveries) and polling resumes.
PUSH_HEARTBEAT_INTERVAL: Final = timedelta(minutes=15)
PUSH_STALE_AFTER: Final = 2 * PUSH_HEARTBEAT_INTERVAL

# Enode sends at most 100 events per delivery, far below this; anything larger is refused
# before it is read into memory.
MAX_DELIVERY_BYTES: Final = 1024 * 1024

# Events about the subscription itself, which name no user: they only tell that push works.
_ACCOUNTLESS: Final = frozenset({PushEventKind.HEARTBEAT, PushEventKind.TEST})

# Who receives on each push webhook of this Home Assistant (see ``_async_dispatch``).
_RECEIVERS: HassKey[dict[str, PushManager | None]] = HassKey(f"{DOMAIN}_push_receivers")
_ABSENT: Final = object()

# Delivery ids remembered for de-duplication: retries come within hours, in far fewer
# deliveries than this for one account.
SEEN_DELIVERIES: Final = 1024


class PushHealth(StrEnum):
    """Whether push keeps the data current (the push health sensor's states)."""

    HEALTHY = "healthy"
    STALE = "stale"
    DISABLED = "disabled"


class PushSetupError(Exception):
    """Push could not be enabled; ``key`` is the options flow's error to show."""

    def __init__(self, key: str, reason: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PushRegistration:
    """What push needs across restarts: stored in the entry data (the secret is never logged)."""

    webhook_id: str
    subscription_id: str
    secret: str
    cloudhook: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Serialize for the entry data."""
        return {
            "webhook_id": self.webhook_id,
            "subscription_id": self.subscription_id,
            "secret": self.secret,
            "cloudhook": self.cloudhook,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PushRegistration | None:
        """Read the registration from entry data; ``None`` when there is none (or it is bad)."""
        stored = data.get(DATA_PUSH)
        if not isinstance(stored, Mapping):
            return None
        values = (stored.get("webhook_id"), stored.get("subscription_id"), stored.get("secret"))
        if not all(isinstance(value, str) and value for value in values):
            return None
        return cls(*values, cloudhook=bool(stored.get("cloudhook")))  # type: ignore[arg-type]


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


def credentials_issue_id(entry_id: str, vendor: str | None) -> str:
    """Name the repair issue of one vendor whose credentials the provider reported invalid."""
    return f"credentials_invalidated_{entry_id}_{(vendor or 'account').lower()}"


class PushManager:
    """The push side of one config entry: registration, receiver, health."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConnectedEVConfigEntry,
        coordinator: ConnectedEVCoordinator,
        provider: Provider,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.provider = provider
        self.policy = PollingPolicy.from_options(entry.options)
        self.registration = PushRegistration.from_data(entry.data)
        self.health = PushHealth.DISABLED
        self.last_event_at: datetime | None = None
        self._registered_webhook: str | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._stale_timer: CALLBACK_TYPE | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._rejected = 0
        self._secret = ""
        self._stopped = False

    @property
    def supported(self) -> bool:
        """Whether the provider can push at all."""
        return ProviderFeature.PUSH in self.provider.features

    # --- lifecycle -----------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Receive deliveries if push is on; test it once Home Assistant runs.

        The test makes the provider deliver an event right away (push is healthy without
        waiting for a heartbeat) and reactivates a subscription the provider disabled after
        failed deliveries (for example while Home Assistant was down).
        """
        if self.supported:
            self._async_check_credentials_issues()
        if not (self.supported and self.registration is not None):
            return
        if not self.policy.push:
            # Enabled but never confirmed (the dialog was closed, or Home Assistant stopped
            # before it was): the provider must not keep pushing to a webhook nobody serves.
            self.entry.async_create_background_task(
                self.hass, self.async_discard_unconfirmed(), name=f"{DOMAIN} push discard"
            )
            return
        self._async_register_webhook(self.registration)
        self._async_set_health(PushHealth.STALE)

        @callback
        def _test_when_started(hass: HomeAssistant) -> None:
            self.entry.async_create_background_task(
                hass, self._async_test_on_start(), name=f"{DOMAIN} push test"
            )

        self.entry.async_on_unload(async_at_started(self.hass, _test_when_started))

    @callback
    def async_stop(self) -> None:
        """Stop receiving (the provider keeps the subscription: deliveries resume on setup).

        A delivery still being read when this runs is answered 503 and changes nothing (the
        provider retries it to the entry loaded next), so no timer outlives the entry.
        """
        self._stopped = True
        if self._registered_webhook is not None:
            # Still registered, answering 503: while the entry reloads (or stays unloaded),
            # the provider retries instead of getting Home Assistant's 200 for nobody.
            _receivers(self.hass)[self._registered_webhook] = None
            self._registered_webhook = None
        self._cancel_stale_timer()

    async def _async_test_on_start(self) -> None:
        if (registration := self.registration) is None:
            return  # pragma: no cover - disabled between start and Home Assistant running
        try:
            result = await self.provider.async_test_push_subscription(registration.subscription_id)
        except NotFoundError:
            LOGGER.warning(
                "The push subscription of %s no longer exists at the provider; polling "
                "instead. Turn push off and on again in the options",
                self.entry.title,
            )
            return
        except ProviderError as err:
            LOGGER.debug("Could not test the push subscription: %s", err)
            return
        if not result.success:
            LOGGER.warning(
                "The provider could not deliver push events to %s (%s); polling instead",
                self.entry.title,
                result.description,
            )

    # --- enabling and disabling (options flow) ---------------------------------------------

    async def async_enable(self) -> PushRegistration:
        """Subscribe a new webhook with a new secret and test it; undo everything on failure.

        Returns the registration for the caller to store; receiving starts at once, so the
        provider's test delivery is answered.
        """
        webhook_id = webhook.async_generate_id()
        url, cloudhook = await self._async_webhook_url(webhook_id)
        registration = PushRegistration(
            webhook_id=webhook_id,
            subscription_id="",
            secret=_new_secret(),
            cloudhook=cloudhook,
        )
        self._async_unregister_webhook()
        self._async_register_webhook(registration)
        try:
            subscription_id = await self.provider.async_create_push_subscription(
                url, registration.secret
            )
        except ProviderError as err:
            await self._async_undo(registration)
            raise PushSetupError(_error_key(err), str(err)) from err
        registration = replace(registration, subscription_id=subscription_id)
        try:
            result = await self.provider.async_test_push_subscription(subscription_id)
        except ProviderError as err:
            await self._async_undo(registration)
            raise PushSetupError(_error_key(err), str(err)) from err
        if not result.success:
            await self._async_undo(registration)
            raise PushSetupError("test_failed", result.description)
        self.registration = registration
        LOGGER.info("Push enabled for %s", self.entry.title)
        return registration

    async def async_disable(self) -> None:
        """Delete the subscription at the provider, then the cloudhook and the webhook.

        Raises ``PushSetupError`` if the provider could not be asked, so the user can retry
        rather than leave a subscription pushing to nobody.
        """
        if (registration := self.registration) is None:
            return
        try:
            await self.provider.async_delete_push_subscription(registration.subscription_id)
        except NotFoundError:
            pass  # already gone at the provider
        except ProviderError as err:
            raise PushSetupError(_error_key(err), str(err)) from err
        await self._async_undo(registration)
        self.registration = None
        self._async_set_health(PushHealth.DISABLED)
        LOGGER.info("Push disabled for %s", self.entry.title)

    async def async_discard_unconfirmed(self) -> None:
        """Delete a subscription the user never confirmed, and forget it in the entry.

        If the provider cannot be asked now, the registration stays stored and the next
        setup tries again: the entry never loses track of what it made at the provider.
        """
        try:
            await self.async_disable()
        except PushSetupError as err:
            LOGGER.warning(
                "Could not delete the unconfirmed push subscription of %s (%s); trying "
                "again on the next start",
                self.entry.title,
                err.reason,
            )
            return
        self.hass.config_entries.async_update_entry(
            self.entry,
            data={key: value for key, value in self.entry.data.items() if key != DATA_PUSH},
        )

    async def _async_webhook_url(self, webhook_id: str) -> tuple[str, bool]:
        """Use a cloudhook when Home Assistant Cloud is logged in, else the external URL."""
        if (cloud := _cloud(self.hass)) is not None and cloud.async_active_subscription(self.hass):
            try:
                url: str = await cloud.async_create_cloudhook(self.hass, webhook_id)
            except cloud.CloudNotAvailable:
                LOGGER.debug("Home Assistant Cloud is not connected; using the external URL")
            else:
                return url, True
        try:
            return webhook.async_generate_url(self.hass, webhook_id, allow_internal=False), False
        except NoURLAvailableError as err:
            raise PushSetupError("no_url") from err

    async def _async_undo(self, registration: PushRegistration) -> None:
        """Forget a registration here: unregister the webhook, delete its cloudhook."""
        if registration.subscription_id and registration is not self.registration:
            # A half-made registration: the subscription exists but never worked.
            with contextlib.suppress(ProviderError):
                await self.provider.async_delete_push_subscription(registration.subscription_id)
        await _async_delete_cloudhook(self.hass, registration)
        _async_forget_webhook(self.hass, registration.webhook_id)
        if self._registered_webhook == registration.webhook_id:
            self._registered_webhook = None

    @callback
    def _async_register_webhook(self, registration: PushRegistration) -> None:
        """Receive on the webhook; it may still be registered from before a reload."""
        self._secret = registration.secret
        receivers = _receivers(self.hass)
        if registration.webhook_id not in receivers:
            webhook.async_register(
                self.hass,
                DOMAIN,
                f"{self.entry.title} push",
                registration.webhook_id,
                _async_dispatch,
                allowed_methods=["POST"],
            )
        receivers[registration.webhook_id] = self
        self._registered_webhook = registration.webhook_id

    @callback
    def _async_unregister_webhook(self) -> None:
        if self._registered_webhook is not None:
            _async_forget_webhook(self.hass, self._registered_webhook)
            self._registered_webhook = None

    # --- receiving ---------------------------------------------------------------------------

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
        if self._stopped:
            # Unloaded while reading: the provider retries to the entry loaded next.
            return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
        if body is None:
            self._log_rejected(request, "it is larger than 1 MiB")
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            self.provider.verify_push_delivery(self._secret, body, request.headers)
        except InvalidSignatureError as err:
            self._log_rejected(request, str(err))
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        self._rejected = 0
        self._async_heard()
        try:
            delivery = self.provider.parse_push_delivery(body, request.headers)
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
                    refresh = True  # discoveries carry little more than a name: read it all
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
                    self._async_credentials_invalidated(event.vendor)
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
                self.hass, coordinator.async_request_refresh(), name=f"{DOMAIN} push refresh"
            )

    # --- credentials ---------------------------------------------------------------------------

    @callback
    def _async_credentials_invalidated(self, vendor: str | None) -> None:
        """Tell the user to link the vendor again (Reconfigure of this entry)."""
        LOGGER.warning(
            "The provider reports that the %s credentials of %s no longer work",
            vendor or "vendor",
            self.entry.title,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            credentials_issue_id(self.entry.entry_id, vendor),
            is_fixable=False,
            is_persistent=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key="credentials_invalidated",
            translation_placeholders={
                "title": self.entry.title,
                "vendor": (vendor or "vendor").title(),
                "entry_url": (
                    f"/config/integrations/integration/{DOMAIN}#config_entry={self.entry.entry_id}"
                ),
            },
        )

    @callback
    def _async_check_credentials_issues(self) -> None:
        """On setup, clear credentials issues of vendors that work again (one request)."""
        prefix = f"credentials_invalidated_{self.entry.entry_id}_"
        issues = [
            issue_id
            for domain, issue_id in ir.async_get(self.hass).issues
            if domain == DOMAIN and issue_id.startswith(prefix)
        ]
        if issues:
            self.entry.async_create_background_task(
                self.hass, self._async_clear_credentials_issues(issues), name=f"{DOMAIN} relink"
            )

    async def _async_clear_credentials_issues(self, issues: list[str]) -> None:
        try:
            user = await self.provider.async_validate()
        except ProviderError as err:
            LOGGER.debug("Could not check the linked vendors: %s", err)
            return
        if any(not vendor.is_valid for vendor in user.linked_vendors):
            # Still broken somewhere: keep the issues of the broken vendors (and unnamed).
            valid = {
                credentials_issue_id(self.entry.entry_id, vendor.vendor)
                for vendor in user.linked_vendors
                if vendor.is_valid
            }
            issues = [issue_id for issue_id in issues if issue_id in valid]
        for issue_id in issues:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    # --- health ------------------------------------------------------------------------------

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> Callable[[], None]:
        """Call ``update`` when the health or the last event time changes."""
        self._listeners.append(update)
        return lambda: self._listeners.remove(update)

    @callback
    def _async_heard(self) -> None:
        """Note a verified delivery: push works now; stale again after ``PUSH_STALE_AFTER``."""
        self.last_event_at = dt_util.utcnow()
        self._cancel_stale_timer()
        self._stale_timer = async_call_later(self.hass, PUSH_STALE_AFTER, self._async_went_stale)
        if self.health is not PushHealth.HEALTHY and self.registration is not None:
            self._async_set_health(PushHealth.HEALTHY)
        else:
            self._async_notify()

    @callback
    def _async_went_stale(self, _now: datetime) -> None:
        self._stale_timer = None
        LOGGER.warning(
            "No push delivery for %s in %s; polling at the normal interval again",
            self.entry.title,
            PUSH_STALE_AFTER,
        )
        self._async_set_health(PushHealth.STALE)

    @callback
    def _async_set_health(self, health: PushHealth) -> None:
        self.health = health
        self.coordinator.async_set_push_interval(
            self.policy.push_interval if health is PushHealth.HEALTHY else None
        )
        if health is PushHealth.DISABLED:
            self._cancel_stale_timer()
        self._async_notify()

    @callback
    def _async_notify(self) -> None:
        for update in list(self._listeners):
            update()

    def _cancel_stale_timer(self) -> None:
        if self._stale_timer is not None:
            self._stale_timer()
            self._stale_timer = None


def _receivers(hass: HomeAssistant) -> dict[str, PushManager | None]:
    """Return the registered push webhooks and who receives on each (``None``: nobody now)."""
    return hass.data.setdefault(_RECEIVERS, {})


async def _async_dispatch(hass: HomeAssistant, webhook_id: str, request: _Request) -> web.Response:
    """Hand a delivery to its entry's receiver; 503 while the entry is not running."""
    if (manager := _receivers(hass).get(webhook_id)) is None:
        return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
    return await manager.async_handle_webhook(request)


@callback
def _async_forget_webhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Stop answering on a webhook for good (push disabled, the entry removed)."""
    if _receivers(hass).pop(webhook_id, _ABSENT) is not _ABSENT:
        webhook.async_unregister(hass, webhook_id)


async def async_remove_push(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> None:
    """On entry removal, delete its webhook, cloudhook and provider subscription.

    Deleting at the provider is best effort. The entry is unloaded by now, so the provider is
    built again from its credentials.
    """
    if (registration := PushRegistration.from_data(entry.data)) is None:
        return
    _async_forget_webhook(hass, registration.webhook_id)
    await _async_delete_cloudhook(hass, registration)
    try:
        implementation = await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    except (HomeAssistantError, ValueError):  # unavailable or unknown implementation
        implementation = None
    if not isinstance(implementation, config_entry_oauth2_flow.LocalOAuth2Implementation):
        LOGGER.warning("Could not delete the push subscription of %s: no credentials", entry.title)
        return
    provider = create_provider(
        hass, entry.data, implementation.client_id, implementation.client_secret
    )
    try:
        await provider.async_delete_push_subscription(registration.subscription_id)
    except NotFoundError:
        pass
    except ProviderError as err:
        LOGGER.warning("Could not delete the push subscription of %s: %s", entry.title, err)


def _cloud(hass: HomeAssistant) -> ModuleType | None:
    """Home Assistant Cloud, if it is set up (imported late: it is an after-dependency)."""
    if "cloud" not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    return cloud


async def _async_delete_cloudhook(hass: HomeAssistant, registration: PushRegistration) -> None:
    if registration.cloudhook and (cloud := _cloud(hass)) is not None:
        with contextlib.suppress(cloud.CloudNotAvailable, ValueError):
            await cloud.async_delete_cloudhook(hass, registration.webhook_id)


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


def _new_secret() -> str:
    """256 random bits, hex: well above the 128 bits a webhook secret needs."""
    return secrets.token_hex(32)


def _error_key(err: ProviderError) -> str:
    return "invalid_auth" if isinstance(err, AuthenticationError) else "cannot_connect"


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
