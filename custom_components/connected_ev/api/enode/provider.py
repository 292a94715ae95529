"""Enode as a ``Provider``: one Enode user of one Enode client is one account."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Final

from ..errors import (
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
)
from ..models import (
    ChargeAction,
    Charger,
    ChargingBehavior,
    ChargingCommand,
    ChargingLocation,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    ChargingStatisticsEntry,
    DeviceKind,
    LinkOptions,
    LinkSession,
    MaxCurrentAction,
    PreferenceField,
    PushDelivery,
    SmartChargingStatus,
    SocUnit,
    StatisticsResolution,
    UserInfo,
    Vehicle,
    WebhookTestResult,
)
from ..provider import (
    Chargers,
    ChargingControl,
    LinkSessions,
    Locations,
    Provider,
    ProviderFeature,
    Push,
    RefreshHints,
    SmartChargingPreferences,
    SmartChargingStatusReader,
    Statistics,
    features_of,
)
from .client import EnodeClient
from .parse import preferences_from_policy
from .webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, parse_delivery, verify_signature

ENODE_PREFERENCE_FIELDS: Final = frozenset(
    {PreferenceField.CHARGING_BEHAVIOR, PreferenceField.MINIMAL_SOC, PreferenceField.READY_TIME}
)
"""The smart-charging policy (2024-10-01) has isEnabled, one daily deadline and a minimum
in percent; it has no write for the charge limit, capacity, price area or location list."""

ENODE_BEHAVIORS: Final = frozenset({ChargingBehavior.OFF, ChargingBehavior.AT_LOCATION})
"""Enode only smart-charges at charging locations."""


HISTORY_START: Final = datetime(2018, 1, 1, tzinfo=UTC)
"""Where a device's lifetime energy is counted from.

Enode's vehicles and chargers carry no link date, so "since it was linked" cannot be asked
for. A fixed start earlier than any data Enode can hold (its device APIs date from the
2020s), read in YEAR buckets, costs one request with one entry per year, and needs nothing
remembered between requests."""


HOURLY_HISTORY: Final = timedelta(days=30)
"""How far back hourly statistics are read: Enode documents no retention and no limit on
the span of one request, so the choice is ours. 30 days of hours (720 buckets) is one
request's answer of some 150 kB; a longer catch-up starts 30 days back (never paged)."""

NOK_COUNTRIES: Final = frozenset({"NO", "SE", "DK", "FI", "EE", "LV", "LT"})
EUR_COUNTRIES: Final = frozenset({"AT", "BE", "DE", "FR", "NL", "PL", "ES"})
"""Enode prices in NOK or EUR by country, as the statistics schema says (unless tariffs were
given through its tariff endpoints, which this integration never does); other countries'
currency is not documented, so their cost is not read."""


class EnodeProvider(
    Provider,
    LinkSessions,
    Chargers,
    ChargingControl,
    RefreshHints,
    Statistics,
    SmartChargingPreferences,
    SmartChargingStatusReader,
    Locations,
    Push,
):
    """Every part of the ``Provider`` interface on an ``EnodeClient`` and one Enode user id.

    Enode's vehicles also say whether they are reachable, their charge limit and which
    charging location they are at (``DATA_FEATURES``).
    """

    DATA_FEATURES: ClassVar[frozenset[ProviderFeature]] = frozenset(
        {
            ProviderFeature.REACHABILITY,
            ProviderFeature.CHARGE_LIMIT,
            ProviderFeature.LOCATION_MATCHING,
        }
    )

    def __init__(self, client: EnodeClient, user_id: str) -> None:
        self._client = client
        self._user_id = user_id

    @property
    def client(self) -> EnodeClient:
        """The underlying client, for Enode-only calls (smart charging, locations, push)."""
        return self._client

    @property
    def account_id(self) -> str:
        """The Enode user id: chosen by the integration and stable for the account."""
        return self._user_id

    async def async_validate(self) -> UserInfo:
        """Fetch the user: proves the credentials and shows which vendors still work.

        Enode creates a user on its first link session, so an unknown user id is a valid
        account without devices, not an error.
        """
        try:
            return await self._client.async_get_user(self._user_id)
        except NotFoundError:
            return UserInfo(id=self._user_id)

    async def async_list_vehicles(self) -> list[Vehicle]:
        """List every vehicle of the user."""
        return await self._client.async_list_vehicles(self._user_id)

    async def async_list_chargers(self) -> list[Charger]:
        """List every charger of the user."""
        return await self._client.async_list_chargers(self._user_id)

    async def async_create_link_session(
        self,
        kind: DeviceKind,
        redirect_uri: str,
        language: str,
        options: LinkOptions | None = None,
    ) -> LinkSession:
        """Start a Link UI session with the scopes of ``kind`` (the user picks the vendor)."""
        return await self._client.async_create_link_session(
            self._user_id, vendor_type=kind, language=language, redirect_uri=redirect_uri
        )

    async def async_set_charging(
        self, kind: DeviceKind, device_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Start or stop charging through the vehicle or the charger endpoint."""
        if kind is DeviceKind.VEHICLE:
            return await self._client.async_set_vehicle_charging(device_id, command)
        if kind is DeviceKind.CHARGER:
            return await self._client.async_set_charger_charging(device_id, command)
        raise InvalidRequestError("kind must be vehicle or charger")

    async def async_get_charge_action(self, kind: DeviceKind, action_id: str) -> ChargeAction:
        """Get a charging action of a vehicle or a charger."""
        action: ChargeAction | MaxCurrentAction
        if kind is DeviceKind.VEHICLE:
            action = await self._client.async_get_vehicle_action(action_id)
        elif kind is DeviceKind.CHARGER:
            action = await self._client.async_get_charger_action(action_id)
        else:
            raise InvalidRequestError("kind must be vehicle or charger")
        if not isinstance(action, ChargeAction):
            raise InvalidResponseError("The Enode action is not a charging action")
        return action

    async def async_refresh_hint(self, kind: DeviceKind, device_id: str) -> None:
        """Send a refresh hint to the vehicle or the charger endpoint."""
        if kind is DeviceKind.VEHICLE:
            await self._client.async_vehicle_refresh_hint(device_id)
        elif kind is DeviceKind.CHARGER:
            await self._client.async_charger_refresh_hint(device_id)
        else:
            raise InvalidRequestError("kind must be vehicle or charger")

    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> MaxCurrentAction:
        """Change the maximum current through the vehicle or the charger endpoint."""
        if kind is DeviceKind.VEHICLE:
            return await self._client.async_set_vehicle_max_current(device_id, max_current_a)
        if kind is DeviceKind.CHARGER:
            return await self._client.async_set_charger_max_current(device_id, max_current_a)
        raise InvalidRequestError("kind must be vehicle or charger")

    async def async_get_lifetime_energy(self, kind: DeviceKind, device_id: str) -> float:
        """Add up the device's yearly ``kwhSum`` since ``HISTORY_START`` (one request)."""
        entries = await self._statistics(kind, device_id, HISTORY_START, StatisticsResolution.YEAR)
        return math.fsum(entry.energy_kwh for entry in entries)

    async def _statistics(
        self,
        kind: DeviceKind,
        device_id: str | None,
        start: datetime,
        resolution: StatisticsResolution,
    ) -> list[ChargingStatisticsEntry]:
        return await self._client.async_get_charging_statistics(
            self._user_id,
            device_kind=kind,
            device_id=device_id,
            start=start,
            resolution=resolution,
        )

    async def async_get_hourly_charging(
        self, kind: DeviceKind, device_id: str | None, start: datetime
    ) -> list[ChargingStatisticsEntry]:
        """Read HOUR buckets (UTC: ``utcOffset`` does not apply) in one request.

        Without ``device_id`` the request has no ``id``. The OpenAPI document makes ``id``
        optional without saying what its absence means; we take it as every device of
        ``type`` added up, hour by hour (one request for all), and the sandbox agrees.
        ``start`` is moved no further back than ``HOURLY_HISTORY`` (to a whole hour); buckets
        before it are dropped, should the answer hold any.
        """
        earliest = (datetime.now(UTC) - HOURLY_HISTORY).replace(minute=0, second=0, microsecond=0)
        start = max(start, earliest)
        entries = await self._statistics(kind, device_id, start, StatisticsResolution.HOUR)
        return [entry for entry in entries if entry.start >= start]

    def cost_currency(self, country: str | None) -> str | None:
        """NOK or EUR by the country, as Enode documents them; else unknown."""
        if country in NOK_COUNTRIES:
            return "NOK"
        if country in EUR_COUNTRIES:
            return "EUR"
        return None

    # --- smart-charging preferences: the smart-charging policy ---------------------------

    @property
    def supported_preference_fields(self) -> frozenset[PreferenceField]:
        """Behaviour, minimum SoC and the daily deadline."""
        return ENODE_PREFERENCE_FIELDS

    @property
    def supported_charging_behaviors(self) -> frozenset[ChargingBehavior]:
        """Off, or smart charging at charging locations."""
        return ENODE_BEHAVIORS

    @property
    def supported_minimal_soc_units(self) -> frozenset[SocUnit]:
        """``minimumChargeLimit`` is a percentage."""
        return frozenset({SocUnit.PERCENT})

    async def async_get_charging_preferences(self, vehicle_id: str) -> ChargingPreferences:
        """Read the smart-charging policy."""
        policy = await self._client.async_get_smart_charging_policy(vehicle_id)
        return preferences_from_policy(policy)

    async def async_set_charging_preferences(
        self, vehicle_id: str, update: ChargingPreferencesUpdate
    ) -> ChargingPreferences:
        """Send the given fields as one partial policy PUT; refuse what the policy lacks."""
        if unsupported := update.fields - ENODE_PREFERENCE_FIELDS:
            raise NotCapableError("Unsupported preference", detail=", ".join(sorted(unsupported)))
        is_enabled: bool | None = None
        if update.behavior is not None:
            if update.behavior not in ENODE_BEHAVIORS:
                raise NotCapableError("Unsupported behaviour", detail=update.behavior.value)
            is_enabled = update.behavior is ChargingBehavior.AT_LOCATION
        minimum: float | None = None
        if update.minimal_soc is not None:
            if update.minimal_soc.unit is not SocUnit.PERCENT:
                raise NotCapableError("Unsupported unit", detail=update.minimal_soc.unit.value)
            minimum = update.minimal_soc.value
        if is_enabled is None and minimum is None and update.ready_time is None:
            return await self.async_get_charging_preferences(vehicle_id)
        if update.ready_time is not None:
            policy = await self._client.async_update_smart_charging_policy(
                vehicle_id,
                is_enabled=is_enabled,
                deadline=update.ready_time.strftime("%H:%M"),
                minimum_charge_limit=minimum,
            )
        else:
            policy = await self._client.async_update_smart_charging_policy(
                vehicle_id, is_enabled=is_enabled, minimum_charge_limit=minimum
            )
        return preferences_from_policy(policy)

    async def async_get_smart_charging_status(self, vehicle_id: str) -> SmartChargingStatus:
        """Read the smart-charging status (with its plan)."""
        return await self._client.async_get_smart_charging_status(vehicle_id)

    # --- charging locations --------------------------------------------------------------

    async def async_list_locations(self) -> list[ChargingLocation]:
        """List the user's locations, all pages."""
        return await self._client.async_list_locations(self._user_id)

    async def async_create_location(
        self, name: str, latitude: float, longitude: float, timezone: str
    ) -> ChargingLocation:
        """Create a location of the user."""
        return await self._client.async_create_location(
            self._user_id, name=name, latitude=latitude, longitude=longitude, timezone=timezone
        )

    async def async_update_location(
        self,
        location_id: str,
        *,
        name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        timezone: str | None = None,
    ) -> ChargingLocation:
        """Change some fields of a location."""
        return await self._client.async_update_location(
            location_id, name=name, latitude=latitude, longitude=longitude, timezone=timezone
        )

    async def async_delete_location(self, location_id: str) -> ChargingLocation:
        """Delete a location."""
        return await self._client.async_delete_location(location_id)

    async def async_set_charger_location(self, charger_id: str, location_id: str | None) -> Charger:
        """Tie the charger to a location (``PUT /chargers/{id}``)."""
        return await self._client.async_set_charger_location(charger_id, location_id)

    # --- push: Enode webhooks ------------------------------------------------------------

    async def async_create_push_subscription(self, url: str, secret: str) -> str:
        """Create a webhook for every event (Enode webhooks are per client, not per user)."""
        return (await self._client.async_create_webhook(url, secret)).id

    async def async_test_push_subscription(self, subscription_id: str) -> WebhookTestResult:
        """Send ``enode:webhook:test``; success also reactivates an inactive webhook."""
        return await self._client.async_test_webhook(subscription_id)

    async def async_delete_push_subscription(self, subscription_id: str) -> None:
        """Delete the webhook."""
        await self._client.async_delete_webhook(subscription_id)

    def verify_push_delivery(self, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Check ``x-enode-signature`` (HMAC-SHA1 of the raw body)."""
        verify_signature(secret, body, headers.get(SIGNATURE_HEADER))

    def parse_push_delivery(self, body: bytes, headers: Mapping[str, str]) -> PushDelivery:
        """Parse the event array; ``x-enode-delivery`` is the id to de-duplicate by."""
        return parse_delivery(body, headers.get(DELIVERY_HEADER))


ENODE_FEATURES: Final = features_of(EnodeProvider)
"""Enode links, controls, smart-charges, knows locations and pushes: everything but codes."""
