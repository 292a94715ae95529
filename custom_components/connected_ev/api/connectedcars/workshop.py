"""The workshop "add vehicle" deep link: build it from its fields, refusing any invalid one.

Connected Cars' workshop page (``/integration/vehicle/add``) adds a vehicle to an account and
is prefilled from the query. Every parameter of the documented table is here, checked as
documented: ``queryType`` is ``vin`` or ``licensePlate`` and needs that field; the VIN is 17
of ``ABCDEFGHJKLMNPRSTUVWXYZ0-9`` (no I, O, Q); the country code two letters (the page's
default is DK); the year four digits; the phone starts with ``+`` and a country code.

Where the table gives no constraint, this module chose one (the local simulator agrees):
the workshop id is a positive whole number (the example is 42); the brand is a lower-case
key (``volkswagen``: the API's enum value); the fuel type one of the vehicle-lookup
document's list (``diesel``, ``gasoline``, ``electric``, ``hybrid``, ``hybrid_diesel``,
``natural_gas``, ``hydrogen``), the only list Connected Cars publishes; an e-mail address has
one ``@`` and a dot in its domain; every other text is 1-200 printable characters. VINs,
country codes and engine codes are upper-cased, brand and fuel type lower-cased, and spaces
around any value dropped, before they are checked.

Every key and value is percent-encoded (``@`` → ``%40``, ``+`` → ``%2B``, space → ``%20``),
as the page requires. A token goes only in the fragment (``#token=…``), never in the query,
and only when asked for: the fragment never reaches a server's logs.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Final
from urllib.parse import quote

from ..errors import InvalidRequestError
from ..models import AddVehicleLink
from .const import WORKSHOP_ADD_VEHICLE_PATH, WORKSHOP_ORIGIN

QUERY_TYPES: Final = {"vin": "vin", "license_plate": "licensePlate"}
"""The model's query types and the page's names for them."""
VIN_PATTERN: Final = re.compile(r"[ABCDEFGHJKLMNPRSTUVWXYZ0-9]{17}")
COUNTRY_PATTERN: Final = re.compile(r"[A-Z]{2}")
YEAR_PATTERN: Final = re.compile(r"\d{4}")
PHONE_PATTERN: Final = re.compile(r"\+[1-9]\d{0,2}[ \d()-]{4,20}")
"""``+``, a country code (1-3 digits, no leading 0), then the number (spaces allowed)."""
WORKSHOP_ID_PATTERN: Final = re.compile(r"[1-9]\d{0,9}")
KEY_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
FUEL_TYPES: Final = re.compile(
    r"diesel|gasoline|electric|hybrid|hybrid_diesel|natural_gas|hydrogen"
)
ENGINE_CODE_PATTERN: Final = re.compile(r"[A-Z0-9]{1,10}")
EMAIL_PATTERN: Final = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
MAX_TEXT: Final = 200
DEFAULT_COUNTRY: Final = "DK"


class WorkshopLinkError(InvalidRequestError):
    """Fields of the add-vehicle link are missing or invalid; nothing was built or sent."""

    def __init__(self, invalid: tuple[str, ...]) -> None:
        names = ", ".join(parameter_name(name) for name in invalid)
        super().__init__(f"Invalid workshop link fields: {names}", detail=", ".join(invalid))
        self.fields = invalid
        """The invalid fields of ``AddVehicleLink`` (``vehicle_vin`` …), in the page's order."""


def parameter_name(field_name: str) -> str:
    """Return the query parameter of a field: ``vehicle_vin`` → ``vehicleVin``."""
    head, *rest = field_name.split("_")
    return head + "".join(part.title() for part in rest)


PARAMETERS: Final = tuple(parameter_name(field.name) for field in fields(AddVehicleLink))
"""Every query parameter of the page, in the documented order."""

_UPPER: Final = frozenset({"vehicleVin", "vehicleCountryCode", "vehicleEngineCode"})
_LOWER: Final = frozenset({"vehicleBrand", "vehicleFuelType"})
_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    "vehicleVin": VIN_PATTERN,
    "vehicleCountryCode": COUNTRY_PATTERN,
    "vehicleYear": YEAR_PATTERN,
    "vehicleWorkshopId": WORKSHOP_ID_PATTERN,
    "vehicleBrand": KEY_PATTERN,
    "vehicleFuelType": FUEL_TYPES,
    "vehicleEngineCode": ENGINE_CODE_PATTERN,
    "customerEmail": EMAIL_PATTERN,
    "customerPhone": PHONE_PATTERN,
}


def _normalized(name: str, value: str) -> str:
    value = value.strip()
    if name in _UPPER:
        return value.upper()
    if name in _LOWER:
        return value.lower()
    return value


def _valid(name: str, value: str) -> bool:
    if name == "queryType":
        return value in QUERY_TYPES.values()
    if (pattern := _PATTERNS.get(name)) is not None:
        return pattern.fullmatch(value) is not None
    return 0 < len(value) <= MAX_TEXT and value.isprintable()


def checked_query(link: AddVehicleLink) -> list[tuple[str, str]]:
    """Return the (parameter, value) pairs, normalized; ``WorkshopLinkError`` names bad ones.

    Every invalid field is named at once, so the user fixes them in one go.
    """
    pairs: list[tuple[str, str]] = []
    invalid: list[str] = []
    for field in fields(link):
        raw = getattr(link, field.name)
        name = parameter_name(field.name)
        if raw is None:
            continue
        value = _normalized(name, str(raw))
        if name == "queryType":
            value = QUERY_TYPES.get(value, "")
        if _valid(name, value):
            pairs.append((name, value))
        else:
            invalid.append(field.name)
    required = {"vin": "vehicle_vin", "license_plate": "vehicle_license_plate"}.get(link.query_type)
    if required is not None and getattr(link, required) is None:
        invalid.append(required)
    if invalid:
        order = [field.name for field in fields(AddVehicleLink)]
        raise WorkshopLinkError(tuple(sorted(invalid, key=order.index)))
    return pairs


def add_vehicle_url(
    link: AddVehicleLink, *, origin: str = WORKSHOP_ORIGIN, token: str | None = None
) -> str:
    """Build the page's URL: every component percent-encoded; ``token`` only in the fragment."""
    query = "&".join(
        f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in checked_query(link)
    )
    url = f"{origin.rstrip('/')}{WORKSHOP_ADD_VEHICLE_PATH}?{query}"
    if token is not None:
        if not token or not token.isprintable():
            raise WorkshopLinkError(("token",))
        url += f"#token={quote(token, safe='')}"
    return url
