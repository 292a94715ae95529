"""Push: the provider's events through a Home Assistant webhook, applied without a poll.

Enabling push (options flow) registers a Home Assistant webhook, reachable through a Home
Assistant Cloud cloudhook when Cloud is logged in and else through the external URL, and
subscribes it at the provider with a fresh secret (``push_subscription``). Deliveries are
checked, de-duplicated and applied by the receiver (``push_receiver``). This module ties
them together for one entry: start and stop, enable and disable, health and credentials.

While deliveries keep coming (events or heartbeats) push is healthy and polling slows to a
safety poll; when they stop for longer than ``PUSH_STALE_AFTER`` polling returns to normal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from .api.errors import NotFoundError, ProviderError
from .api.provider import Provider, ProviderFeature, as_push
from .const import DOMAIN, LOGGER
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .options import DATA_PUSH, PollingPolicy
from .providers import get_description
from .push_receiver import (
    PushReceiver,
    async_forget_webhook,
    async_pause_webhook,
    async_receive_on,
)
from .push_subscription import (
    PushRegistration,
    PushSetupError,
    async_delete_cloudhook,
    async_webhook_url,
    new_secret,
)

# Push providers send heartbeats "periodically" without saying how often (the sandboxes:
# every 5 minutes). Assume at most every 15 minutes; twice that without any delivery means push is
# broken (HA unreachable, webhook deactivated after failed deliveries) and polling resumes.
PUSH_HEARTBEAT_INTERVAL: Final = timedelta(minutes=15)
PUSH_STALE_AFTER: Final = 2 * PUSH_HEARTBEAT_INTERVAL


class PushHealth(StrEnum):
    """Whether push keeps the data current (the push health sensor's states)."""

    HEALTHY = "healthy"
    STALE = "stale"
    DISABLED = "disabled"


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
        # The provider's defaults, as setup and the options form read them.
        self.policy = PollingPolicy.from_options(entry.options, get_description(entry.data).polling)
        self.registration = PushRegistration.from_data(entry.data)
        self.health = PushHealth.DISABLED
        self.last_event_at: datetime | None = None
        self.receiver = PushReceiver(
            hass,
            entry,
            coordinator,
            provider,
            on_heard=self._async_heard,
            on_credentials_invalidated=self._async_credentials_invalidated,
        )
        self._registered_webhook: str | None = None
        self._stale_timer: CALLBACK_TYPE | None = None
        self._listeners: list[CALLBACK_TYPE] = []

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
        self.receiver.stopped = True
        if self._registered_webhook is not None:
            async_pause_webhook(self.hass, self._registered_webhook)
            self._registered_webhook = None
        self._cancel_stale_timer()

    async def _async_test_on_start(self) -> None:
        if (registration := self.registration) is None:
            return  # pragma: no cover - disabled between start and Home Assistant running
        try:
            result = await as_push(self.provider).async_test_push_subscription(
                registration.subscription_id
            )
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
        url, cloudhook = await async_webhook_url(self.hass, webhook_id)
        registration = PushRegistration(
            webhook_id=webhook_id,
            subscription_id="",
            secret=new_secret(),
            cloudhook=cloudhook,
        )
        self._async_unregister_webhook()
        self._async_register_webhook(registration)
        try:
            subscription_id = await as_push(self.provider).async_create_push_subscription(
                url, registration.secret
            )
        except ProviderError as err:
            await self._async_undo(registration)
            raise PushSetupError.from_provider_error(err) from err
        registration = replace(registration, subscription_id=subscription_id)
        try:
            result = await as_push(self.provider).async_test_push_subscription(subscription_id)
        except ProviderError as err:
            await self._async_undo(registration)
            raise PushSetupError.from_provider_error(err) from err
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
            await as_push(self.provider).async_delete_push_subscription(
                registration.subscription_id
            )
        except NotFoundError:
            pass  # already gone at the provider
        except ProviderError as err:
            raise PushSetupError.from_provider_error(err) from err
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

    async def _async_undo(self, registration: PushRegistration) -> None:
        """Forget a registration here: unregister the webhook, delete its cloudhook."""
        if registration.subscription_id and registration is not self.registration:
            # A half-made registration: the subscription exists but never worked.
            with contextlib.suppress(ProviderError):
                await as_push(self.provider).async_delete_push_subscription(
                    registration.subscription_id
                )
        await async_delete_cloudhook(self.hass, registration)
        async_forget_webhook(self.hass, registration.webhook_id)
        if self._registered_webhook == registration.webhook_id:
            self._registered_webhook = None

    @callback
    def _async_register_webhook(self, registration: PushRegistration) -> None:
        """Receive on the webhook; it may still be registered from before a reload."""
        async_receive_on(self.receiver, registration.webhook_id, registration.secret)
        self._registered_webhook = registration.webhook_id

    @callback
    def _async_unregister_webhook(self) -> None:
        if self._registered_webhook is not None:
            async_forget_webhook(self.hass, self._registered_webhook)
            self._registered_webhook = None

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
