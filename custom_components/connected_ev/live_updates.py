"""Live updates: a provider's stream of link-status changes, applied as they arrive.

For providers with ``LiveUpdates`` one background task per entry watches the vehicles the
coordinator lists. A vehicle being removed (or removed) at the provider disappears at once;
one that needs authorizing again raises a repair issue until it is linked again. A lost
connection is retried with exponential backoff; refused credentials hand over to the
coordinator, whose refresh starts re-authentication once. The task is an entry background
task, so unloading the entry or stopping Home Assistant cancels it without waiting, and
``async_paused`` closes the stream before a device is removed (the provider refuses to
remove a device whose stream is open).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from .api.errors import AuthenticationError, ProviderError
from .api.models import DeviceStatusChange, LinkStatus
from .api.provider import LiveUpdates, ProviderFeature
from .const import DOMAIN, LOGGER
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .devices import device_name
from .issues import create_warning_issue

BACKOFF_MIN: Final = timedelta(seconds=5)
BACKOFF_MAX: Final = timedelta(minutes=5)
"""Reconnect delays: doubled after each failed connection, reset by any message."""

RELINK_ISSUE: Final = "vehicle_relink"

DATA_LIVE_UPDATES: Final[HassKey[dict[str, LiveUpdatesManager]]] = HassKey(f"{DOMAIN}_live_updates")


class LiveUpdatesManager:
    """Runs one entry's status stream and applies what it reports."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConnectedEVConfigEntry,
        coordinator: ConnectedEVCoordinator,
        provider: LiveUpdates,
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._coordinator = coordinator
        self._provider = provider
        self._task: asyncio.Task[None] | None = None
        self._watched: tuple[str, ...] = ()
        self._paused = 0

    @callback
    def async_start(self) -> None:
        """Watch the listed vehicles now and whenever the list changes.

        A relink warning of a vehicle the account no longer lists (linked again under a
        new id, or gone) has done its job: it is withdrawn.
        """
        prefix = f"{RELINK_ISSUE}_{self._entry.entry_id}_"
        listed = self._coordinator.data.vehicles
        for domain, issue_id in list(ir.async_get(self._hass).issues):
            stale = issue_id.startswith(prefix) and issue_id.removeprefix(prefix) not in listed
            if domain == DOMAIN and stale:
                ir.async_delete_issue(self._hass, DOMAIN, issue_id)
        self._entry.async_on_unload(self._coordinator.async_add_listener(self._async_listed))
        self._entry.async_on_unload(self._async_stop)
        self._async_listed()

    @callback
    def _async_listed(self) -> None:
        """(Re)start the stream when the set of listed vehicles changed."""
        ids = tuple(sorted(self._coordinator.data.vehicles))
        if ids == self._watched or self._paused:
            return
        self._async_stop()
        self._watched = ids
        if ids:
            self._task = self._entry.async_create_background_task(
                self._hass, self._async_run(ids), f"{DOMAIN} live updates"
            )

    @callback
    def _async_stop(self) -> None:
        """Cancel the stream (it closes its connection as it unwinds)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._watched = ()

    @asynccontextmanager
    async def async_paused(self) -> AsyncIterator[None]:
        """Close the stream for the duration (a removal), then watch what is listed then."""
        self._paused += 1
        task, self._task = self._task, None
        self._watched = ()
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        try:
            yield
        finally:
            self._paused -= 1
            self._async_listed()

    async def _async_run(self, ids: tuple[str, ...]) -> None:
        """Stream until every watch ends; reconnect with backoff when the connection drops."""
        delay = BACKOFF_MIN
        while True:
            try:
                async for change in self._provider.async_watch(ids):
                    delay = BACKOFF_MIN
                    self._async_apply(change)
            except AuthenticationError:
                # The coordinator's refresh raises ConfigEntryAuthFailed: one reauth flow.
                LOGGER.debug("Live updates refused; refreshing to re-authenticate")
                await self._coordinator.async_request_refresh()
                return
            except ProviderError as err:
                LOGGER.debug(
                    "Live updates lost (%s); reconnecting in %s",
                    type(err).__name__,
                    delay,
                )
            else:
                return
            await asyncio.sleep(delay.total_seconds())
            delay = min(delay * 2, BACKOFF_MAX)

    @callback
    def _async_apply(self, change: DeviceStatusChange) -> None:
        """Show a status change now: a removed vehicle goes, one to re-authorize warns."""
        data = self._coordinator.data
        vehicle = data.vehicles.get(change.device_id)
        issue_id = f"{RELINK_ISSUE}_{self._entry.entry_id}_{change.device_id}"
        if change.status in (LinkStatus.REMOVING, LinkStatus.REMOVED):
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            if vehicle is not None:
                vehicles = {i: v for i, v in data.vehicles.items() if i != change.device_id}
                self._coordinator.async_set_pushed_data(replace(data, vehicles=vehicles))
        elif change.status is LinkStatus.LINKING and vehicle is not None:
            create_warning_issue(self._hass, issue_id, RELINK_ISSUE, {"name": device_name(vehicle)})
        elif change.status is LinkStatus.LINKED:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)


@callback
def async_start_live_updates(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry, coordinator: ConnectedEVCoordinator
) -> None:
    """Start the entry's status stream if its provider has one."""
    provider = coordinator.provider
    # Setup must not fail over a stream: a provider that claims the feature without the
    # part (test doubles of every feature) gets none.
    if ProviderFeature.LIVE_UPDATES not in provider.features or not isinstance(
        provider, LiveUpdates
    ):
        return
    manager = LiveUpdatesManager(hass, entry, coordinator, provider)
    managers = hass.data.setdefault(DATA_LIVE_UPDATES, {})
    managers[entry.entry_id] = manager

    @callback
    def _forget() -> None:
        managers.pop(entry.entry_id, None)

    entry.async_on_unload(_forget)
    manager.async_start()


@asynccontextmanager
async def async_live_updates_paused(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry
) -> AsyncIterator[None]:
    """Close the entry's status stream (if any) while the block runs."""
    manager = hass.data.get(DATA_LIVE_UPDATES, {}).get(entry.entry_id)
    if manager is None:
        yield
        return
    async with manager.async_paused():
        yield
