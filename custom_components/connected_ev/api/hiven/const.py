"""Documented facts about the Hiven API: base URL, headers, paths and enum values.

Everything here is taken from Hiven's vehicle documentation. What that document leaves open
is chosen in ``assumptions.py``, in one place, and the local sandbox implements the same.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

PROVIDER_NAME: Final = "Hiven"
"""How messages and logs name this provider."""

DEFAULT_BASE_URL: Final = "https://api.hiven.energy"
DEFAULT_REQUEST_TIMEOUT: Final = 20.0

API_KEY_HEADER: Final = "X-Api-Key"
USER_ID_HEADER: Final = "X-User-Id"

AUTHORIZATION_URL_PATH: Final = "/v1/hiven/devices/smartcar/authorization-url"
CONNECT_PATH: Final = "/v1/hiven/devices/smartcar/connect"
DEVICES_PATH: Final = "/v2/hiven/devices"
DEVICE_PATH: Final = "/v2/hiven/devices/{deviceId}"
STATUS_PATH: Final = "/v1/hiven/devices/{deviceId}/status"
EV_PREFERENCES_PATH: Final = "/v2/hiven/devices/{deviceId}/smart-charging/ev-preferences"
CAPABILITIES_PATH: Final = "/v2/hiven/vehicles/smartcar/capabilities"

DEFAULT_COUNTRY_CODE: Final = "FI"
"""Country the authorization URL targets when none is given (the document's default)."""

EV_DEVICE_TYPE: Final = "EV"
"""``type`` of a vehicle in the device list; other types (chargers) are ignored."""

VIRTUAL_KEY_URL_PARAM: Final = "virtual_key_url"
"""Extra redirect parameter Smartcar adds for Tesla: send the user there next."""

BRAND_NAMES: Final = MappingProxyType(
    {
        "BMW": "BMW",
        "CITROEN": "Citroën",
        "CUPRA": "Cupra",
        "DS": "DS",
        "FORD": "Ford",
        "HYUNDAI": "Hyundai",
        "JAGUAR": "Jaguar",
        "KIA": "Kia",
        "LANDROVER": "Land Rover",
        "MINI": "MINI",
        "SKODA": "Škoda",
        "TESLA": "Tesla",
        "VOLKSWAGEN": "Volkswagen",
    }
)
"""Display names of the documented manufacturers (unknown ones are shown as sent)."""
