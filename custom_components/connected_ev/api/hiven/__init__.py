"""Hiven API client (vehicles through Smartcar): asyncio + aiohttp, no Home Assistant imports.

``HivenClient`` speaks the API and ``parse`` maps Hiven JSON to models. What Hiven's
document leaves open is chosen in ``assumptions``.
"""

from .client import UNSET, HivenClient, UnsetType
from .const import DEFAULT_BASE_URL
from .errors import DeviceOwnedByAnotherUserError
from .models import (
    AuthorizationMode,
    ConnectOutcome,
    ConnectResult,
    HivenCapability,
    HivenChargingBehavior,
    HivenChargingStatus,
    HivenDevice,
    HivenEvPreferences,
    HivenLocation,
    HivenManufacturer,
    HivenSocUnit,
    HivenVehicleStatus,
    HivenVehicleType,
    SocLevel,
    VehicleModelCapabilities,
    YearRange,
)
from .provider import HIVEN_FEATURES, HivenProvider

__all__ = [
    "DEFAULT_BASE_URL",
    "HIVEN_FEATURES",
    "UNSET",
    "AuthorizationMode",
    "ConnectOutcome",
    "ConnectResult",
    "DeviceOwnedByAnotherUserError",
    "HivenCapability",
    "HivenChargingBehavior",
    "HivenChargingStatus",
    "HivenClient",
    "HivenDevice",
    "HivenEvPreferences",
    "HivenLocation",
    "HivenManufacturer",
    "HivenProvider",
    "HivenSocUnit",
    "HivenVehicleStatus",
    "HivenVehicleType",
    "SocLevel",
    "UnsetType",
    "VehicleModelCapabilities",
    "YearRange",
]
