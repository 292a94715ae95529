"""Hiven as a ``Provider``: one Hiven user (API key + user id) is one account.

Hiven has no start/stop, charger, push, refresh-hint or charging-statistics endpoints in its
vehicle document, and no smart-charging status: the provider has none of those parts.
Linking is code based (Smartcar): ``async_create_link_session`` gives the authorization URL,
``async_complete_link`` hands the redirect's code to Hiven.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import time
from typing import Any, Final

from ..errors import NotCapableError, NotFoundError
from ..models import (
    Capability,
    CapabilityInfo,
    ChargingBehavior,
    ChargingLocation,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    DeviceKind,
    LinkOptions,
    LinkResult,
    LinkSession,
    PreferenceField,
    SocUnit,
    UserInfo,
    Vehicle,
    Weekday,
)
from ..provider import CodeLinking, Locations, Provider, SmartChargingPreferences, features_of
from .client import UNSET, HivenClient
from .models import (
    AuthorizationMode,
    HivenCapability,
    HivenDevice,
    HivenLocation,
    SocLevel,
    VehicleModelCapabilities,
)

HIVEN_BEHAVIORS: Final = frozenset(
    {ChargingBehavior.OFF, ChargingBehavior.AT_LOCATION, ChargingBehavior.ANYWHERE}
)

BASE_CAPABILITIES: Final = frozenset(
    {Capability.INFORMATION, Capability.CHARGE_STATE, Capability.SMART_CHARGING}
)
"""What every Hiven vehicle has: identity, the status call and charging preferences."""

CAPABILITY_MAP: Final[Mapping[HivenCapability, tuple[Capability, ...]]] = {
    HivenCapability.READ_LOCATION: (Capability.LOCATION,),
    HivenCapability.EXECUTE_START_AND_STOP: (Capability.START_CHARGING, Capability.STOP_CHARGING),
}
"""Shared capabilities of Hiven's model capabilities. READ_BATTERY_CAPACITY has none: the
status simply carries a capacity or not."""


def vehicle_capabilities(
    device: HivenDevice, capabilities: Collection[HivenCapability]
) -> dict[Capability, CapabilityInfo]:
    """Return the base capabilities plus the shared ones of Hiven's ``capabilities``.

    LOCATION also follows the device's ``locationSupported``.
    """
    names: set[Capability] = set(BASE_CAPABILITIES)
    for capability in capabilities:
        names.update(CAPABILITY_MAP.get(capability, ()))
    if device.location_supported:
        names.add(Capability.LOCATION)
    return {name: CapabilityInfo(is_capable=True) for name in sorted(names)}


def model_capabilities(
    device: HivenDevice, models: list[VehicleModelCapabilities]
) -> frozenset[HivenCapability]:
    """Hiven's capabilities of the device's model in the model list (none if not listed)."""
    model = _find_model(device, models)
    return frozenset() if model is None else model.capabilities


def _find_model(
    device: HivenDevice, models: list[VehicleModelCapabilities]
) -> VehicleModelCapabilities | None:
    """Find the listed model of the device's make, model and (when known) year."""
    make = (device.manufacturer or "").upper()
    name = (device.model or "").casefold()
    for model in models:
        if model.make.upper() != make or model.model.casefold() != name:
            continue
        start, end = model.year_range.start, model.year_range.end
        year = device.year
        if year is None or ((start is None or start <= year) and (end is None or year <= end)):
            return model
    return None


def location_to_shared(location: HivenLocation, user_id: str, timezone: str) -> ChargingLocation:
    """Shared location; Hiven keeps no time zone, so the account's one is reported."""
    return ChargingLocation(
        id=location.id,
        name=location.name or "",
        latitude=location.latitude,
        longitude=location.longitude,
        timezone=timezone,
        user_id=user_id,
        price_area=location.spot_price_area_id,
    )


class HivenProvider(Provider, CodeLinking, SmartChargingPreferences, Locations):
    """Code linking, preferences and locations on top of a ``HivenClient``.

    Not ``SmartChargingStatusReader``: Hiven has no smart-charging *status* (it would be an
    always-unknown sensor and one failing request per plugged-in vehicle and poll).

    ``country_code`` is where new locations are (Hiven needs it for the price area) and
    ``timezone`` the time zone reported for locations: both are Home Assistant's.
    """

    def __init__(self, client: HivenClient, *, country_code: str, timezone: str) -> None:
        self._client = client
        self._country_code = country_code
        self._timezone = timezone
        self._models: list[VehicleModelCapabilities] | None = None
        self._models_lock = asyncio.Lock()
        self._capabilities: dict[str, frozenset[HivenCapability]] = {}

    @property
    def client(self) -> HivenClient:
        """The underlying client, for Hiven-only calls."""
        return self._client

    @property
    def account_id(self) -> str:
        """The Hiven user id."""
        return self._client.user_id

    async def async_validate(self) -> UserInfo:
        """List the devices: one cheap request that needs both the key and the user."""
        await self._client.async_list_device_details()
        return UserInfo(id=self._client.user_id)

    async def async_list_vehicles(self) -> list[Vehicle]:
        """List the vehicles with their telemetry.

        Cost: one device list and one status per vehicle (concurrently); the first time this
        provider sees a vehicle, also its capabilities (see ``_async_capabilities``).
        """
        devices = [d for d in await self._client.async_list_device_details() if d.is_vehicle]
        if not devices:
            return []
        await asyncio.gather(
            *(self._async_capabilities(d) for d in devices if d.id not in self._capabilities)
        )
        statuses = await asyncio.gather(*(self._client.async_get_status(d.id) for d in devices))
        vehicles = []
        for device, status in zip(devices, statuses, strict=True):
            vehicle = device.to_vehicle(self._client.user_id)
            charge_state = status.to_charge_state()
            if charge_state.battery_capacity_kwh is None and vehicle.charging_preferences:
                # Not every car reports its capacity: smart charging uses the preference.
                charge_state = replace(
                    charge_state,
                    battery_capacity_kwh=vehicle.charging_preferences.battery_capacity_kwh,
                )
            vehicles.append(
                replace(
                    vehicle,
                    charge_state=charge_state,
                    last_seen=status.timestamp,
                    capabilities=vehicle_capabilities(device, self._capabilities[device.id]),
                )
            )
        return vehicles

    async def _async_capabilities(self, device: HivenDevice) -> None:
        """Ask Hiven once, with ``forceRefresh``, what a vehicle can do, and keep the answer.

        A provider is built at every setup of the entry: the first setup, the reload after a
        reconfigure or after connecting another vehicle, a restart. Those are the moments
        capabilities may have changed (a car just connected, a Tesla virtual key added), so
        the refresh is asked for then, once per vehicle; polls reuse the answer (A14). Where
        Hiven has no such call (404), the model list answers (read once, cached).
        """
        try:
            capabilities = await self._client.async_get_vehicle_capabilities(
                device.id, force_refresh=True
            )
        except NotFoundError:
            async with self._models_lock:  # several vehicles fall back at once: one request
                if self._models is None:
                    self._models = await self._client.async_list_vehicle_capabilities()
            capabilities = model_capabilities(device, self._models)
        self._capabilities[device.id] = capabilities

    async def async_create_link_session(
        self,
        kind: DeviceKind,
        redirect_uri: str,
        language: str,
        options: LinkOptions | None = None,
    ) -> LinkSession:
        """Smartcar's authorization URL for the chosen manufacturer, country and mode."""
        if kind is not DeviceKind.VEHICLE:
            raise NotCapableError("Hiven links vehicles only")
        options = options or LinkOptions()
        if not options.manufacturer:
            raise NotCapableError("Hiven needs a manufacturer to link a vehicle")
        kwargs: dict[str, Any] = {}
        if options.country_code:
            kwargs["country_code"] = options.country_code
        url = await self._client.async_get_authorization_url(
            manufacturer=options.manufacturer,
            redirect_uri=redirect_uri,
            mode=options.mode or AuthorizationMode.LIVE,
            state=options.state,
            **kwargs,
        )
        return LinkSession(link_url=url)

    async def async_complete_link(self, code: str, redirect_uri: str) -> LinkResult:
        """Connect the vehicle (``DeviceOwnedByAnotherUserError`` on 409)."""
        result = await self._client.async_connect(auth_code=code, redirect_url=redirect_uri)
        return LinkResult(device_id=result.device_id, already_linked=result.already_added)

    # --- smart-charging preferences: the ev-preferences resource -------------------------

    @property
    def supported_preference_fields(self) -> frozenset[PreferenceField]:
        """Every field, weekday ready times included (no Home Assistant scheduling)."""
        return frozenset(PreferenceField)

    @property
    def supported_charging_behaviors(self) -> frozenset[ChargingBehavior]:
        """Off, at charging locations, anywhere."""
        return HIVEN_BEHAVIORS

    @property
    def supported_minimal_soc_units(self) -> frozenset[SocUnit]:
        """Percent or km of range."""
        return frozenset({SocUnit.PERCENT, SocUnit.KM})

    async def async_get_charging_preferences(self, vehicle_id: str) -> ChargingPreferences:
        """Read the ev-preferences."""
        return (await self._client.async_get_ev_preferences(vehicle_id)).to_shared()

    async def async_set_charging_preferences(
        self, vehicle_id: str, update: ChargingPreferencesUpdate
    ) -> ChargingPreferences:
        """Send the given fields as one partial PUT, then read back (the PUT answers "").

        The client reads the stored preferences first, merges the change and refuses what
        Hiven would reject (``InvalidRequestError`` naming ``target_soc``/``ready_time``),
        so the PUT always carries ``chargingBehavior``.
        """
        if update.behavior is ChargingBehavior.UNKNOWN:
            raise NotCapableError("Unsupported behaviour", detail=update.behavior.value)
        if update.fields:
            weekday: dict[Weekday | str, time | str] | None = None
            if update.weekday_ready_times is not None:
                weekday = dict(update.weekday_ready_times.items())
            await self._client.async_set_ev_preferences(
                vehicle_id,
                charging_behavior=UNSET if update.behavior is None else update.behavior,
                charging_location_ids=(
                    UNSET
                    if update.charging_location_ids is None
                    else list(update.charging_location_ids)
                ),
                minimal_soc=UNSET if update.minimal_soc is None else update.minimal_soc,
                target_soc=UNSET if update.target_soc is None else SocLevel(update.target_soc),
                ready_time=UNSET if update.ready_time is None else update.ready_time,
                # An empty schedule clears it (assumption A9: null clears).
                weekday_ready_times=UNSET if weekday is None else (weekday or None),
                battery_capacity=(
                    UNSET if update.battery_capacity_kwh is None else update.battery_capacity_kwh
                ),
                default_spot_price_area_id=(
                    UNSET if update.default_price_area is None else update.default_price_area
                ),
            )
        return await self.async_get_charging_preferences(vehicle_id)

    # --- charging locations: user locations (assumption A2) ------------------------------

    async def async_list_locations(self) -> list[ChargingLocation]:
        """List the user's locations."""
        return [self._shared(location) for location in await self._client.async_list_locations()]

    async def async_create_location(
        self, name: str, latitude: float, longitude: float, timezone: str
    ) -> ChargingLocation:
        """Create a location in the account's country (Hiven has no time zone to store)."""
        created = await self._client.async_create_location(
            latitude=latitude, longitude=longitude, country_code=self._country_code, name=name
        )
        return self._shared(created)

    async def async_update_location(
        self,
        location_id: str,
        *,
        name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        timezone: str | None = None,
    ) -> ChargingLocation:
        """Change name and/or coordinates; a time zone alone changes nothing Hiven keeps."""
        if name is None and latitude is None and longitude is None:
            for location in await self.async_list_locations():
                if location.id == location_id:
                    return location
            raise NotFoundError("Hiven has no such location")
        updated = await self._client.async_update_location(
            location_id, name=name, latitude=latitude, longitude=longitude
        )
        return self._shared(updated)

    async def async_delete_location(self, location_id: str) -> ChargingLocation:
        """Delete a location; it is read first, since the delete answers nothing."""
        gone = next(
            (loc for loc in await self.async_list_locations() if loc.id == location_id), None
        )
        if gone is None:
            raise NotFoundError("Hiven has no such location")
        await self._client.async_delete_location(location_id)
        return gone

    def _shared(self, location: HivenLocation) -> ChargingLocation:
        return location_to_shared(location, self._client.user_id, self._timezone)


HIVEN_FEATURES: Final = features_of(HivenProvider)
"""Code linking and user locations; preferences are told by ``supported_preference_fields``."""
