"""The interface Home Assistant code depends on: one provider account.

Shaped by every provider the integration supports, not by Enode alone: some providers are
read-only (Chargetrip), some link through OAuth codes (Hiven) rather than link sessions, and
some push (Enode) while others must be polled. What a provider cannot do is said by
``features``; calls outside them raise ``NotCapableError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from .models import (
    ChargeAction,
    Charger,
    ChargingBehavior,
    ChargingCommand,
    ChargingLocation,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    DeviceKind,
    LinkOptions,
    LinkResult,
    LinkSession,
    MaxCurrentAction,
    PreferenceField,
    PushDelivery,
    SmartChargingStatus,
    SocUnit,
    UserInfo,
    Vehicle,
    WebhookTestResult,
)


class ProviderFeature(StrEnum):
    """Account-level abilities of a provider, independent of any one device."""

    LINK_SESSION = "link_session"
    LINK_CODE = "link_code"
    """Linking ends with a code in the redirect that ``async_complete_link`` redeems."""
    CHARGERS = "chargers"
    CHARGING_CONTROL = "charging_control"
    SMART_CHARGING = "smart_charging"
    LOCATIONS = "locations"
    PUSH = "push"
    REFRESH_HINT = "refresh_hint"
    CHARGING_STATISTICS = "charging_statistics"
    """The provider keeps per-device charging statistics: ``async_get_lifetime_energy``."""
    REACHABILITY = "reachability"
    """Devices say whether the provider can reach them now (``is_reachable``)."""
    CHARGE_LIMIT = "charge_limit"
    """Vehicles report the charge limit set in the car (``VehicleChargeState.charge_limit``)."""
    LOCATION_MATCHING = "location_matching"
    """A vehicle's position names the charging location it is at (``GeoPosition.location_id``).

    Without it a vehicle is never known to be at a charging location, whatever its position.
    """


class Provider(Protocol):
    """One provider account, as the coordinator, entities and actions use it."""

    @property
    def account_id(self) -> str:
        """Stable id of the account (the config entry's unique id)."""
        ...

    @property
    def features(self) -> frozenset[ProviderFeature]:
        """What this provider can do at all; devices narrow it with their capabilities."""
        ...

    async def async_validate(self) -> UserInfo:
        """Check the credentials with one cheap request; raise ``AuthenticationError``."""
        ...

    async def async_list_vehicles(self) -> list[Vehicle]:
        """Every vehicle of the account, all pages, in a fixed number of requests."""
        ...

    async def async_list_chargers(self) -> list[Charger]:
        """Every charger of the account (empty where the provider has none)."""
        ...

    async def async_create_link_session(
        self,
        kind: DeviceKind,
        redirect_uri: str,
        language: str,
        options: LinkOptions | None = None,
    ) -> LinkSession:
        """Start linking a device of ``kind``; the user's browser goes to ``link_url``.

        ``options`` carry what a ``LINK_CODE`` provider's page needs (manufacturer, country,
        mode, the ``state`` to echo); link-session providers ignore them.
        """
        ...

    async def async_complete_link(self, code: str, redirect_uri: str) -> LinkResult:
        """Redeem the code the redirect carried (``LINK_CODE`` only; else NotCapableError)."""
        ...

    async def async_set_charging(
        self, kind: DeviceKind, device_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Ask the device to start or stop charging; the returned action tracks it."""
        ...

    async def async_get_charge_action(self, kind: DeviceKind, action_id: str) -> ChargeAction:
        """Return the current state of an action started by ``async_set_charging``."""
        ...

    async def async_refresh_hint(self, kind: DeviceKind, device_id: str) -> None:
        """Ask the provider to fetch fresh data from the device (may wake a car: sparingly)."""
        ...

    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> MaxCurrentAction:
        """Change the device's maximum charging current (ampere)."""
        ...

    async def async_get_lifetime_energy(self, kind: DeviceKind, device_id: str) -> float:
        """Return the kWh the device has charged over its whole history (one request).

        ``CHARGING_STATISTICS`` only (else ``NotCapableError``). Statistics can lag behind
        the device's data, so a value read while charging is a little behind.
        """
        ...

    # --- smart-charging preferences ----------------------------------------------------

    @property
    def supported_preference_fields(self) -> frozenset[PreferenceField]:
        """Preference fields the provider honours natively (empty: no preferences)."""
        ...

    @property
    def supported_charging_behaviors(self) -> frozenset[ChargingBehavior]:
        """Charging behaviours the provider can be set to."""
        ...

    @property
    def supported_minimal_soc_units(self) -> frozenset[SocUnit]:
        """Units the provider takes a minimal state of charge in."""
        ...

    async def async_get_charging_preferences(self, vehicle_id: str) -> ChargingPreferences:
        """Read the vehicle's preferences from the provider."""
        ...

    async def async_set_charging_preferences(
        self, vehicle_id: str, update: ChargingPreferencesUpdate
    ) -> ChargingPreferences:
        """Change the given fields only; return the preferences as the provider now has them."""
        ...

    async def async_get_smart_charging_status(self, vehicle_id: str) -> SmartChargingStatus:
        """Read what smart charging is doing for the vehicle now (one request)."""
        ...

    # --- charging locations ------------------------------------------------------------

    async def async_list_locations(self) -> list[ChargingLocation]:
        """Every charging location of the account, all pages."""
        ...

    async def async_create_location(
        self, name: str, latitude: float, longitude: float, timezone: str
    ) -> ChargingLocation:
        """Create a charging location (``timezone`` is an IANA name)."""
        ...

    async def async_update_location(
        self,
        location_id: str,
        *,
        name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        timezone: str | None = None,
    ) -> ChargingLocation:
        """Change the given fields of a charging location."""
        ...

    async def async_delete_location(self, location_id: str) -> ChargingLocation:
        """Delete a charging location; return it as it was."""
        ...

    async def async_set_charger_location(self, charger_id: str, location_id: str | None) -> Charger:
        """Tie a charger to a charging location (``None`` unties it); return the charger."""
        ...

    # --- push ----------------------------------------------------------------------------

    async def async_create_push_subscription(self, url: str, secret: str) -> str:
        """Have the provider push every event to ``url``, signed with ``secret``; return its id."""
        ...

    async def async_test_push_subscription(self, subscription_id: str) -> WebhookTestResult:
        """Have the provider send a test event now (also reactivates a disabled subscription)."""
        ...

    async def async_delete_push_subscription(self, subscription_id: str) -> None:
        """Stop the provider pushing to the subscription (``NotFoundError`` if already gone)."""
        ...

    def verify_push_delivery(self, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise ``InvalidSignatureError`` unless the raw body is signed with ``secret``."""
        ...

    def parse_push_delivery(self, body: bytes, headers: Mapping[str, str]) -> PushDelivery:
        """Parse a verified delivery; raise ``InvalidResponseError`` if it is unreadable."""
        ...
