"""The home charging location, offered where it is missing.

A charger without a charging location, or a car parked in Home Assistant's home zone whose
position names no charging location, shows "At charging location: Off" next to a tracker
that says "Home", and smart charging (which works at charging locations only) does nothing
there. A fixable repair issue offers, in one confirmation (``repairs``), a location "Home" at
the home zone's coordinates in Home Assistant's time zone, and ties every charger without a
location to it. A location already inside the home zone is used rather than a second one.

Only for providers with charging locations. The issue follows the data: it goes away once
nothing lacks a location (fixed here or elsewhere), stays hidden once the user ignores it,
and is deleted with the entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.components.zone import ENTITY_ID_HOME, in_zone
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api.models import Charger, ChargingLocation, GeoPosition, Vehicle
from .api.provider import ProviderFeature, as_chargers, as_locations
from .const import DOMAIN
from .devices import device_name

if TYPE_CHECKING:
    from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator

HOME_LOCATION_NAME: Final = "Home"
TRANSLATION_KEY: Final = "home_charging_location"


def home_location_issue_id(entry_id: str) -> str:
    """Return the id of an entry's home charging location issue."""
    return f"home_location_{entry_id}"


def _in_home_zone(hass: HomeAssistant, latitude: float | None, longitude: float | None) -> bool:
    zone = hass.states.get(ENTITY_ID_HOME)
    if zone is None or latitude is None or longitude is None:
        return False
    return in_zone(zone, latitude, longitude)


def _parked_at_home(hass: HomeAssistant, position: GeoPosition | None) -> bool:
    return (
        position is not None
        and not position.location_id
        and _in_home_zone(hass, position.latitude, position.longitude)
    )


def devices_without_home_location(
    hass: HomeAssistant, coordinator: ConnectedEVCoordinator
) -> list[str]:
    """Name the chargers without a location, and the cars at home while none is there.

    A car counts while the account has no location in the home zone: the provider tags the
    car's position with a new location only at its next refresh of the car. Only asked of
    providers with charging locations (``async_watch_home_location`` checks).
    """
    data = coordinator.data
    names = []
    if _home_location(hass, data.locations) is None:
        names = [
            device_name(vehicle)
            for vehicle in data.vehicles.values()
            if _parked_at_home(hass, vehicle.location)
        ]
    if ProviderFeature.CHARGERS in coordinator.provider.features:
        names += [device_name(c) for c in data.chargers.values() if not c.location_id]
    return sorted(names)


@callback
def async_update_home_location_issue(
    hass: HomeAssistant, coordinator: ConnectedEVCoordinator
) -> None:
    """Offer the home location while a device lacks one; withdraw the offer once none does."""
    entry = coordinator.config_entry
    issue_id = home_location_issue_id(entry.entry_id)
    if not (names := devices_without_home_location(hass, coordinator)):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": entry.entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=TRANSLATION_KEY,
        translation_placeholders={"title": entry.title, "devices": ", ".join(names)},
    )


@callback
def async_watch_home_location(hass: HomeAssistant, coordinator: ConnectedEVCoordinator) -> None:
    """Keep the issue in step with every update of the devices, until the entry unloads.

    A device's answer is kept while it is the same object (an unchanged device is not parsed
    again) and the locations and the home zone are the ones it was worked out with, so a
    refresh where one device changed looks again at that device only.
    """
    if ProviderFeature.LOCATIONS not in coordinator.provider.features:
        return
    answers: dict[str, tuple[object, bool]] = {}
    basis: list[object] = []
    shown: list[str] | None = None

    def lacks(device: Vehicle | Charger, home_known: bool) -> bool:
        if isinstance(device, Charger):
            return not device.location_id
        return not home_known and _parked_at_home(hass, device.location)

    @callback
    def update() -> None:
        nonlocal shown
        data = coordinator.data
        now_basis = [hass.states.get(ENTITY_ID_HOME), data.locations]
        if len(basis) != 2 or any(a is not b for a, b in zip(basis, now_basis, strict=True)):
            answers.clear()
            basis[:] = now_basis
        home_known = _home_location(hass, data.locations) is not None
        chargers = (
            data.chargers if ProviderFeature.CHARGERS in coordinator.provider.features else {}
        )
        devices: list[Vehicle | Charger] = [*data.vehicles.values(), *chargers.values()]
        names = []
        for device in devices:
            answer = answers.get(device.id)
            if answer is None or answer[0] is not device:
                answer = answers[device.id] = (device, lacks(device, home_known))
            if answer[1]:
                names.append(device_name(device))
        names.sort()
        if names != shown:
            shown = names
            async_update_home_location_issue(hass, coordinator)

    coordinator.config_entry.async_on_unload(coordinator.async_add_listener(update))
    update()


def _home_location(
    hass: HomeAssistant, locations: dict[str, ChargingLocation]
) -> ChargingLocation | None:
    return next(
        (
            location
            for location in locations.values()
            if _in_home_zone(hass, location.latitude, location.longitude)
        ),
        None,
    )


async def async_create_home_location(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> None:
    """Create "Home" (unless a location is in the home zone) and tie the loose chargers to it.

    Raises ``ProviderError`` when the provider refuses; what was done before stays shown.
    """
    provider = entry.runtime_data.provider
    coordinator = entry.runtime_data.coordinator
    home = _home_location(hass, coordinator.data.locations)
    if home is None:
        home = await as_locations(provider).async_create_location(
            HOME_LOCATION_NAME,
            hass.config.latitude,
            hass.config.longitude,
            hass.config.time_zone,
        )
        coordinator.async_set_locations([*coordinator.data.locations.values(), home])
    if ProviderFeature.CHARGERS in provider.features:
        for charger in [c for c in coordinator.data.chargers.values() if not c.location_id]:
            updated = await as_chargers(provider).async_set_charger_location(charger.id, home.id)
            coordinator.async_apply_charger(updated)
    async_update_home_location_issue(hass, coordinator)
