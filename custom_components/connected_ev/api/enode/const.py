"""Fixed facts about the Enode API: version, environments and link scopes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Self

from ..models import DeviceKind

PROVIDER_NAME: Final = "Enode"
"""How messages and logs name this provider."""

API_VERSION: Final = "2024-10-01"
"""The API version this client is written against (request header and webhook payloads)."""

TOKEN_PATH: Final = "/oauth2/token"  # noqa: S105 (a URL path, not a secret)


class EnodeEnvironment(StrEnum):
    """The Enode environments; each has its own client id/secret pair."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"

    @property
    def endpoints(self) -> EnodeEndpoints:
        """Where this environment's API and token endpoint live."""
        return _ENVIRONMENT_ENDPOINTS[self]


@dataclass(frozen=True, slots=True)
class EnodeEndpoints:
    """Base URL of the API and URL of the OAuth token endpoint."""

    api_url: str
    token_url: str

    @classmethod
    def for_environment(cls, environment: EnodeEnvironment) -> Self:
        """Endpoints of one of Enode's hosted environments."""
        endpoints = environment.endpoints
        return cls(endpoints.api_url, endpoints.token_url)

    @classmethod
    def for_base_url(cls, base_url: str) -> Self:
        """Endpoints of a server that serves both the API and ``/oauth2/token``.

        This is how the project's local sandbox is reached.
        """
        base = base_url.rstrip("/")
        return cls(api_url=base, token_url=base + TOKEN_PATH)


_ENVIRONMENT_ENDPOINTS: Final = MappingProxyType(
    {
        EnodeEnvironment.PRODUCTION: EnodeEndpoints(
            api_url="https://enode-api.production.enode.io",
            token_url="https://oauth.production.enode.io/oauth2/token",  # noqa: S106
        ),
        EnodeEnvironment.SANDBOX: EnodeEndpoints(
            api_url="https://enode-api.sandbox.io",
            token_url="https://oauth.sandbox.io/oauth2/token",  # noqa: S106
        ),
    }
)

VEHICLE_LINK_SCOPES: Final = (
    "vehicle:read:data",
    "vehicle:read:location",
    "vehicle:control:charging",
)
CHARGER_LINK_SCOPES: Final = ("charger:read:data", "charger:control:charging")

LINK_SCOPES: Final = MappingProxyType(
    {DeviceKind.VEHICLE: VEHICLE_LINK_SCOPES, DeviceKind.CHARGER: CHARGER_LINK_SCOPES}
)
"""Link scopes requested per device kind: one link session per kind, read + control."""

WEBHOOK_ALL_EVENTS: Final = "*"

# --- documented enums (2024-10-01): input outside them is refused before sending ---------

LINK_LANGUAGES: Final = (
    "browser", "da-DK", "de-DE", "en-US", "en-GB", "es-ES", "fi-FI", "fr-FR", "it-IT", "ja-JP",
    "lv-LV", "lt-LT", "nb-NO", "nl-NL", "nl-BE", "pl-PL", "pt-PT", "ro-RO", "sv-SE",
)  # fmt: skip
"""``language`` of a link or relink session (Link UI); ``browser`` follows the browser."""

INTERVENTION_LANGUAGES: Final = (
    "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ja-JP", "pt-PT", "lv-LV", "lt-LT", "nl-NL",
    "nl-BE", "nb-NO", "pl-PL", "sv-SE", "da-DK", "fi-FI", "ro-RO",
)  # fmt: skip
"""``language`` of the interventions calls (no ``browser`` and no ``it-IT`` there)."""

LINK_SCOPE_NAMES: Final = (
    "battery:control:operation_mode", "battery:read:data", "battery:read:location",
    "charger:control:charging", "charger:read:data", "hvac:control:mode", "hvac:read:data",
    "inverter:read:data", "inverter:read:location", "meter:read:data",
    "meter:read:location", "vehicle:control:charging", "vehicle:read:data",
    "vehicle:read:location",
)  # fmt: skip
"""Every scope a link session may request (``Scopes``)."""

VEHICLE_VENDORS: Final = (
    "ACURA", "AUDI", "BMW", "HONDA", "HYUNDAI", "JAGUAR", "LANDROVER", "KIA", "MERCEDES",
    "MINI", "NISSAN", "PEUGEOT", "PORSCHE", "RENAULT", "SEAT", "SKODA", "TESLA",
    "VOLKSWAGEN", "VOLVO", "FORD", "OPEL", "DS", "TOYOTA", "LEXUS", "CITROEN", "CUPRA",
    "VAUXHALL", "FIAT", "RIVIAN", "NIO", "CHEVROLET", "GMC", "CADILLAC", "XPENG",
    "POLESTAR", "SUBARU", "JEEP", "MAZDA", "MG", "CHRYSLER", "DODGE", "RAM", "ALFAROMEO",
    "LANCIA", "LUCID", "BYD", "DACIA", "ALPINE",
)  # fmt: skip
"""``VehicleVendor``: the vendors a vehicle link session may preselect."""

CHARGER_VENDORS: Final = (
    "ZAPTEC", "EASEE", "WALLBOX", "EO", "CHARGEAMPS", "EVBOX", "GOE", "CHARGEPOINT",
    "ENELX", "TESLA", "OHME", "GARO", "SCHNEIDER", "PODPOINT", "KEBA", "HYPERVOLT",
    "MYENERGI", "HEIDELBERG", "ALFEN",
)  # fmt: skip
"""``ChargerVendor``: the vendors a charger link session may preselect."""

OTHER_ASSET_VENDORS: Final = (
    "AFORE", "APSYSTEMS", "CSISolar", "Deye", "ENPHASE", "FOXESS", "FRONIUS", "GIVENERGY",
    "GOODWE", "GROWATT", "Hoymiles", "HUAWEI", "INVT", "SMA", "SOFAR", "SOLAREDGE",
    "SOLARK", "SOLAX", "SOLIS", "SOLPLANET", "SUNGROW", "SUNSYNK", "TSUN", "TADO", "MILL",
    "ADAX", "ECOBEE", "SENSIBO", "HONEYWELL", "RESIDEO", "MITSUBISHI", "MICROMATIC", "NIBE",
    "PANASONIC", "TOSHIBA", "DAIKIN", "NEST", "FUJITSU", "BOSCH", "NETATMO",
)  # fmt: skip
"""Inverter, HVAC, battery and meter vendors not listed above (the interventions filter
takes a vendor of any asset type)."""
