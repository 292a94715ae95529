"""The interface Home Assistant code depends on: one provider account.

Shaped by every provider the integration supports, not by Enode alone: some providers are
read-only (Chargetrip), some link through OAuth codes (Hiven) rather than link sessions, and
some push (Enode) while others must be polled. So the interface is a small core, ``Provider``
(validate the account, list its vehicles), plus optional parts a provider class inherits when
it has them: ``Chargers``, ``ChargingControl``, ``RefreshHints``, ``SmartChargingPreferences``,
``SmartChargingStatusReader``, ``Locations``, ``Push``, ``Statistics``,
``CredentialRevocation``, ``LiveUpdates``, ``DeviceRemoval``, ``Remotes`` (a customer's
connectors) and linking (``LinkSessions`` or ``CodeLinking``). ``features`` is derived
from the parts present (``features_of``), so what a provider says it can do and what it
implements cannot drift apart. Callers check ``features`` first, then take the part through
its typed accessor (``as_charging_control`` …), which raises ``NotCapableError`` for a part
the provider lacks.
Per-device capabilities still say what one vehicle or charger can do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import ClassVar, Final

from .errors import NotCapableError, ProviderError
from .models import (
    AddVehicleLink,
    ChargeAction,
    Charger,
    ChargingBehavior,
    ChargingCommand,
    ChargingLocation,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    ChargingStatisticsEntry,
    ClaimRefusal,
    Connector,
    ConnectorFilter,
    DeviceKind,
    DeviceStatusChange,
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
    CREDENTIAL_REVOCATION = "credential_revocation"
    """The provider can revoke the credential the entry stores (when the entry is removed)."""
    ADD_VEHICLE_LINK = "add_vehicle_link"
    """The provider has a page that adds a vehicle to the account, prefilled from a link."""
    LIVE_UPDATES = "live_updates"
    """The provider streams devices' link status over a connection (``LiveUpdates``)."""
    DEVICE_REMOVAL = "device_removal"
    """Removing a device in Home Assistant unlinks it at the provider (``DeviceRemoval``)."""
    GROUP_TIMESTAMPS = "group_timestamps"
    """Each data group (charge state, location, odometer) carries its own timestamp."""
    REMOTES = "remotes"
    """The account is one customer's connectors ("remotes"): claim, release, search."""
    LOCATION_MATCHING = "location_matching"
    """A vehicle's position names the charging location it is at (``GeoPosition.location_id``).

    Without it a vehicle is never known to be at a charging location, whatever its position.
    """


class Provider(ABC):
    """The core of one provider account: validate it and list its vehicles."""

    DATA_FEATURES: ClassVar[frozenset[ProviderFeature]] = frozenset()
    """Features told by the data the provider's devices carry rather than by a part
    (``REACHABILITY``, ``CHARGE_LIMIT``, ``LOCATION_MATCHING``)."""

    @property
    @abstractmethod
    def account_id(self) -> str:
        """Stable id of the account (the config entry's unique id)."""

    @property
    def features(self) -> frozenset[ProviderFeature]:
        """What this provider can do at all; devices narrow it with their capabilities."""
        return features_of(type(self))

    @abstractmethod
    async def async_validate(self) -> UserInfo:
        """Check the credentials with one cheap request; raise ``AuthenticationError``."""

    @abstractmethod
    async def async_list_vehicles(self) -> list[Vehicle]:
        """Every vehicle of the account, all pages, in a fixed number of requests."""


class Linking(ABC):
    """Devices are linked through a page the user's browser visits (see the two kinds)."""

    @abstractmethod
    async def async_create_link_session(
        self,
        kind: DeviceKind,
        redirect_uri: str,
        language: str,
        options: LinkOptions | None = None,
    ) -> LinkSession:
        """Start linking a device of ``kind``; the user's browser goes to ``link_url``.

        ``options`` carry what a ``CodeLinking`` provider's page needs (manufacturer,
        country, mode, the ``state`` to echo); link-session providers ignore them.
        """


class LinkSessions(Linking, ABC):
    """``LINK_SESSION``: the provider links the device itself; the redirect only returns."""


class CodeLinking(Linking, ABC):
    """``LINK_CODE``: linking ends with a code in the redirect that the provider redeems."""

    @abstractmethod
    async def async_complete_link(self, code: str, redirect_uri: str) -> LinkResult:
        """Redeem the code the redirect carried."""


class Chargers(ABC):
    """``CHARGERS``: the account has chargers as well as vehicles."""

    @abstractmethod
    async def async_list_chargers(self) -> list[Charger]:
        """Every charger of the account."""

    @abstractmethod
    async def async_set_charger_location(self, charger_id: str, location_id: str | None) -> Charger:
        """Tie a charger to a charging location (``None`` unties it); return the charger."""


class ChargingControl(ABC):
    """``CHARGING_CONTROL``: start and stop charging, and set the maximum current."""

    @abstractmethod
    async def async_set_charging(
        self, kind: DeviceKind, device_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Ask the device to start or stop charging; the returned action tracks it."""

    @abstractmethod
    async def async_get_charge_action(self, kind: DeviceKind, action_id: str) -> ChargeAction:
        """Return the current state of an action started by ``async_set_charging``."""

    @abstractmethod
    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> MaxCurrentAction:
        """Change the device's maximum charging current (ampere)."""


class RefreshHints(ABC):
    """``REFRESH_HINT``: ask the provider to fetch fresh data from a device."""

    @abstractmethod
    async def async_refresh_hint(self, kind: DeviceKind, device_id: str) -> None:
        """Ask the provider to fetch fresh data from the device (may wake a car: sparingly)."""


class Statistics(ABC):
    """``CHARGING_STATISTICS``: the provider keeps per-device charging statistics."""

    @abstractmethod
    async def async_get_lifetime_energy(self, kind: DeviceKind, device_id: str) -> float:
        """Return the kWh the device has charged over its whole history (one request).

        Statistics can lag behind the device's data, so a value read while charging is a
        little behind.
        """

    @abstractmethod
    async def async_get_hourly_charging(
        self, kind: DeviceKind, device_id: str | None, start: datetime
    ) -> list[ChargingStatisticsEntry]:
        """Return the energy (and cost) charged per UTC hour from ``start`` until now.

        ``device_id`` ``None``: every device of ``kind`` added up (one request for all).

        In as few requests as the provider allows; the hour under way comes last, partial.
        """

    @abstractmethod
    def cost_currency(self, country: str | None) -> str | None:
        """Return the currency (ISO 4217) of the cost for an account in ``country``.

        ``country`` is an ISO 3166 alpha-2 code; ``None`` when the cost's currency is unknown.
        """


class SmartChargingPreferences(ABC):
    """Smart-charging preferences; ``supported_preference_fields`` says which ones."""

    @property
    @abstractmethod
    def supported_preference_fields(self) -> frozenset[PreferenceField]:
        """Preference fields the provider honours natively."""

    @property
    @abstractmethod
    def supported_charging_behaviors(self) -> frozenset[ChargingBehavior]:
        """Charging behaviours the provider can be set to."""

    @property
    @abstractmethod
    def supported_minimal_soc_units(self) -> frozenset[SocUnit]:
        """Units the provider takes a minimal state of charge in."""

    @abstractmethod
    async def async_get_charging_preferences(self, vehicle_id: str) -> ChargingPreferences:
        """Read the vehicle's preferences from the provider."""

    @abstractmethod
    async def async_set_charging_preferences(
        self, vehicle_id: str, update: ChargingPreferencesUpdate
    ) -> ChargingPreferences:
        """Change the given fields only; return the preferences as the provider now has them."""


class SmartChargingStatusReader(ABC):
    """``SMART_CHARGING``: what smart charging is doing for a vehicle now."""

    @abstractmethod
    async def async_get_smart_charging_status(self, vehicle_id: str) -> SmartChargingStatus:
        """Read what smart charging is doing for the vehicle now (one request)."""


class Locations(ABC):
    """``LOCATIONS``: the account's charging locations."""

    @abstractmethod
    async def async_list_locations(self) -> list[ChargingLocation]:
        """Every charging location of the account, all pages."""

    @abstractmethod
    async def async_create_location(
        self, name: str, latitude: float, longitude: float, timezone: str
    ) -> ChargingLocation:
        """Create a charging location (``timezone`` is an IANA name)."""

    @abstractmethod
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

    @abstractmethod
    async def async_delete_location(self, location_id: str) -> ChargingLocation:
        """Delete a charging location; return it as it was."""


class CredentialRevocation(ABC):
    """``CREDENTIAL_REVOCATION``: the stored credential can be given up at the provider.

    For credentials the integration itself created at the provider (a registered device's
    token): removing the entry should not leave a working credential behind.
    """

    @abstractmethod
    async def async_revoke_credential(self) -> None:
        """Make the entry's stored credential stop working at the provider."""


class AddVehicleLinks(ABC):
    """``ADD_VEHICLE_LINK``: a page of the provider that adds a vehicle, prefilled by a link."""

    @abstractmethod
    async def async_add_vehicle_url(self, link: AddVehicleLink, *, with_token: bool) -> str:
        """Build the page's URL; ``with_token`` signs the page in (in the URL's fragment).

        Raises ``InvalidRequestError`` whose ``detail`` names every invalid field of ``link``
        (comma-separated); nothing is sent then.
        """


class ClaimRefusedError(ProviderError):
    """A connector was not claimed or released, for ``reason``; nothing was changed."""

    def __init__(self, message: str, reason: ClaimRefusal) -> None:
        super().__init__(message, detail=reason.value)
        self.reason = reason


class Remotes(ABC):
    """``REMOTES``: the account is one customer, and its devices are its connectors.

    Connectors are neither vehicles nor chargers: they are listed, claimed by name and PIN,
    released and searched here. The PIN never leaves the provider (``Connector`` has none).
    """

    @abstractmethod
    async def async_list_remotes(self) -> list[Connector]:
        """Every connector assigned to the customer, all pages."""

    @abstractmethod
    async def async_search_remotes(self, filters: ConnectorFilter) -> list[Connector]:
        """Every connector ``filters`` match, all pages."""

    @abstractmethod
    async def async_claim_remote(self, name: str, pin: str) -> Connector:
        """Assign the unassigned connector ``name`` to the customer if ``pin`` is its PIN.

        Raise ``ClaimRefusedError`` (unknown, already assigned, wrong PIN) and change nothing.
        """

    @abstractmethod
    async def async_release_remote(self, connector_id: str) -> Connector:
        """Unassign one of the customer's connectors (``ClaimRefusedError`` if not theirs)."""


class Push(ABC):
    """``PUSH``: the provider pushes events to a webhook."""

    @abstractmethod
    async def async_create_push_subscription(self, url: str, secret: str) -> str:
        """Have the provider push every event to ``url``, signed with ``secret``; return its id."""

    @abstractmethod
    async def async_test_push_subscription(self, subscription_id: str) -> WebhookTestResult:
        """Have the provider send a test event now (also reactivates a disabled subscription)."""

    @abstractmethod
    async def async_delete_push_subscription(self, subscription_id: str) -> None:
        """Stop the provider pushing to the subscription (``NotFoundError`` if already gone)."""

    @abstractmethod
    def verify_push_delivery(self, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise ``InvalidSignatureError`` unless the raw body is signed with ``secret``."""

    @abstractmethod
    def parse_push_delivery(self, body: bytes, headers: Mapping[str, str]) -> PushDelivery:
        """Parse a verified delivery; raise ``InvalidResponseError`` if it is unreadable."""


class LiveUpdates(ABC):
    """``LIVE_UPDATES``: a connection on which the provider pushes link-status changes."""

    @abstractmethod
    def async_watch(self, device_ids: Sequence[str]) -> AsyncIterator[DeviceStatusChange]:
        """Yield status changes of the devices until the provider ends every watch.

        Raises ``AuthenticationError`` when the credentials are refused and
        ``ProviderUnavailableError`` when the connection drops (the caller reconnects).
        Closing the iterator closes the connection.
        """


class DeviceRemoval(ABC):
    """``DEVICE_REMOVAL``: a device can be unlinked from the account."""

    @abstractmethod
    async def async_remove_device(self, kind: DeviceKind, device_id: str) -> None:
        """Unlink the device at the provider (``NotFoundError`` when it is already gone)."""


PART_FEATURES: Final[tuple[tuple[type, ProviderFeature], ...]] = (
    (LinkSessions, ProviderFeature.LINK_SESSION),
    (CodeLinking, ProviderFeature.LINK_CODE),
    (Chargers, ProviderFeature.CHARGERS),
    (ChargingControl, ProviderFeature.CHARGING_CONTROL),
    (RefreshHints, ProviderFeature.REFRESH_HINT),
    (Statistics, ProviderFeature.CHARGING_STATISTICS),
    (SmartChargingStatusReader, ProviderFeature.SMART_CHARGING),
    (Locations, ProviderFeature.LOCATIONS),
    (Push, ProviderFeature.PUSH),
    (CredentialRevocation, ProviderFeature.CREDENTIAL_REVOCATION),
    (AddVehicleLinks, ProviderFeature.ADD_VEHICLE_LINK),
    (Remotes, ProviderFeature.REMOTES),
    (LiveUpdates, ProviderFeature.LIVE_UPDATES),
    (DeviceRemoval, ProviderFeature.DEVICE_REMOVAL),
)
"""The feature each optional part stands for (preferences are told by their fields)."""


@cache
@cache
def features_of(provider_class: type[Provider]) -> frozenset[ProviderFeature]:
    """Return the features of a provider class: its parts' and its ``DATA_FEATURES``.

    Cached: a class's parts do not change, and entities and schedulers ask per device.
    """
    parts = {feature for part, feature in PART_FEATURES if issubclass(provider_class, part)}
    return frozenset(parts) | provider_class.DATA_FEATURES


def _lacks(part: str) -> NotCapableError:
    return NotCapableError(f"The provider has no {part}")


def as_linking(provider: Provider) -> Linking:
    """Return the provider's linking part (``NotCapableError`` if it has none)."""
    if isinstance(provider, Linking):
        return provider
    raise _lacks("linking")


def as_code_linking(provider: Provider) -> CodeLinking:
    """Return the provider's code-linking part (``NotCapableError`` if it has none)."""
    if isinstance(provider, CodeLinking):
        return provider
    raise _lacks("code linking")


def as_chargers(provider: Provider) -> Chargers:
    """Return the provider's chargers part (``NotCapableError`` if it has none)."""
    if isinstance(provider, Chargers):
        return provider
    raise _lacks("chargers")


def as_charging_control(provider: Provider) -> ChargingControl:
    """Return the provider's charging control (``NotCapableError`` if it has none)."""
    if isinstance(provider, ChargingControl):
        return provider
    raise _lacks("charging control")


def as_refresh_hints(provider: Provider) -> RefreshHints:
    """Return the provider's refresh hints (``NotCapableError`` if it has none)."""
    if isinstance(provider, RefreshHints):
        return provider
    raise _lacks("refresh hint")


def as_statistics(provider: Provider) -> Statistics:
    """Return the provider's charging statistics (``NotCapableError`` if it has none)."""
    if isinstance(provider, Statistics):
        return provider
    raise _lacks("charging statistics")


def as_preferences(provider: Provider) -> SmartChargingPreferences:
    """Return the provider's smart-charging preferences (``NotCapableError`` if none)."""
    if isinstance(provider, SmartChargingPreferences):
        return provider
    raise _lacks("smart-charging preferences")


def as_status_reader(provider: Provider) -> SmartChargingStatusReader:
    """Return the provider's smart-charging status reader (``NotCapableError`` if none)."""
    if isinstance(provider, SmartChargingStatusReader):
        return provider
    raise _lacks("smart-charging status")


def as_locations(provider: Provider) -> Locations:
    """Return the provider's charging locations (``NotCapableError`` if it has none)."""
    if isinstance(provider, Locations):
        return provider
    raise _lacks("charging locations")


def as_push(provider: Provider) -> Push:
    """Return the provider's push part (``NotCapableError`` if it has none)."""
    if isinstance(provider, Push):
        return provider
    raise _lacks("push")


def as_credential_revocation(provider: Provider) -> CredentialRevocation:
    """Return the provider's credential revocation (``NotCapableError`` if it has none)."""
    if isinstance(provider, CredentialRevocation):
        return provider
    raise _lacks("credential revocation")


def as_device_removal(provider: Provider) -> DeviceRemoval:
    """Return the provider's device removal (``NotCapableError`` if it has none)."""
    if isinstance(provider, DeviceRemoval):
        return provider
    raise _lacks("device removal")


def as_add_vehicle_links(provider: Provider) -> AddVehicleLinks:
    """Return the provider's add-vehicle page (``NotCapableError`` if it has none)."""
    if isinstance(provider, AddVehicleLinks):
        return provider
    raise _lacks("add-vehicle page")


def as_remotes(provider: Provider) -> Remotes:
    """Return the provider's connectors part (``NotCapableError`` if it has none)."""
    if isinstance(provider, Remotes):
        return provider
    raise _lacks("connectors")
