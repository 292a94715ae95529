"""What the actions accept: their fields, schemas and validators.

Each validator refuses with a translated ``ServiceValidationError`` naming the field, so a
user sees which value was wrong before anything reaches the provider.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import time
from typing import Any, Final

import probatio as vol
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .api.models import ChargingBehavior, SocUnit, Weekday
from .const import DOMAIN

ATTR_CHARGING_BEHAVIOR: Final = "charging_behavior"
ATTR_TARGET_SOC: Final = "target_soc"
ATTR_MINIMAL_SOC: Final = "minimal_soc"
ATTR_MINIMAL_SOC_UNIT: Final = "minimal_soc_unit"
ATTR_READY_TIME: Final = "ready_time"
ATTR_WEEKDAY_READY_TIMES: Final = "weekday_ready_times"
ATTR_BATTERY_CAPACITY: Final = "battery_capacity"
ATTR_DEFAULT_PRICE_AREA: Final = "default_price_area"
ATTR_CHARGING_LOCATION_IDS: Final = "charging_location_ids"
ATTR_LOCATION_ID: Final = "location_id"
ATTR_NAME: Final = "name"
ATTR_LATITUDE: Final = "latitude"
ATTR_LONGITUDE: Final = "longitude"
ATTR_TIMEZONE: Final = "timezone"

BEHAVIORS: Final = [b.value for b in ChargingBehavior if b is not ChargingBehavior.UNKNOWN]
SOC_UNITS: Final = [u.value for u in SocUnit if u is not SocUnit.UNKNOWN]


MAX_NAME_LENGTH: Final = 100
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder the text around them: a name must read as it is stored."""
NOT_PLACE_ZONES: Final = frozenset({"localtime", "posixrules", "factory"})
"""Zone files that are no place's time zone (``Factory`` is not even a real offset)."""


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """Return the translated validation error ``key`` of the integration."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def hh_mm(value: Any) -> time:
    """Parse a time of day in whole minutes ("07:30"; "07:30:00" from the time selector)."""
    if isinstance(value, time):
        parsed: time | None = value
    else:
        try:
            parsed = cv.time(value)
        except vol.Invalid:
            parsed = None
    if parsed is None or parsed.second or parsed.microsecond:
        raise invalid("invalid_time", value=str(value))
    return parsed


def weekday_times(value: Any) -> dict[str, time]:
    """Parse a weekly schedule: weekday names (monday…sunday) to times of day."""
    if not isinstance(value, dict):
        raise invalid("weekday_ready_times_invalid")
    days = {day.value for day in Weekday}
    result: dict[str, time] = {}
    for day, when in value.items():
        if (key := str(day).lower()) not in days:
            raise invalid("invalid_weekday", value=str(day))
        result[key] = hh_mm(when)
    return result


def name(value: Any) -> str:
    """Check a name as people see it: not blank, short, no control or direction characters."""
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    if not text:
        raise invalid("name_empty")
    if len(text) > MAX_NAME_LENGTH:
        raise invalid("name_too_long", max=str(MAX_NAME_LENGTH))
    if any(unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS for char in text):
        raise invalid("name_invalid_characters")
    return text


def time_zone(value: Any) -> str:
    """Check an IANA time zone of a place (``Europe/Oslo``), not a system file or variant."""
    text = value if isinstance(value, str) else ""
    try:
        cv.time_zone(text)
    except vol.Invalid:
        text = ""
    if not text or text.casefold() in NOT_PLACE_ZONES or text.startswith(("posix/", "right/")):
        raise invalid("invalid_time_zone", value=str(value))
    return text


def one_of(field: str, options: list[str]) -> Callable[[Any], str]:
    """Check a value is one of the options; the error lists them."""

    def validate(value: Any) -> str:
        if value not in options:
            raise invalid(
                "invalid_option", field=field, value=str(value), options=", ".join(options)
            )
        return str(value)

    return validate


def number(field: str, minimum: float, maximum: float) -> Callable[[Any], float]:
    """Check a number is within bounds; the error names the field and the bounds."""

    def validate(value: Any) -> float:
        try:
            result = float(value)
        except TypeError, ValueError:
            result = float("nan")
        if not minimum <= result <= maximum:
            raise invalid(
                "number_out_of_range",
                field=field,
                value=str(value),
                min=f"{minimum:g}",
                max=f"{maximum:g}",
            )
        return result

    return validate


SET_PREFERENCES_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_CHARGING_BEHAVIOR): one_of(ATTR_CHARGING_BEHAVIOR, BEHAVIORS),
        vol.Optional(ATTR_TARGET_SOC): number(ATTR_TARGET_SOC, 0, 100),
        vol.Optional(ATTR_MINIMAL_SOC): number(ATTR_MINIMAL_SOC, 0, 2000),
        vol.Optional(ATTR_MINIMAL_SOC_UNIT, default=SocUnit.PERCENT.value): one_of(
            ATTR_MINIMAL_SOC_UNIT, SOC_UNITS
        ),
        vol.Optional(ATTR_READY_TIME): hh_mm,
        vol.Optional(ATTR_WEEKDAY_READY_TIMES): weekday_times,
        vol.Optional(ATTR_BATTERY_CAPACITY): number(ATTR_BATTERY_CAPACITY, 1, 300),
        vol.Optional(ATTR_DEFAULT_PRICE_AREA): name,
        vol.Optional(ATTR_CHARGING_LOCATION_IDS): vol.All(cv.ensure_list, [cv.string]),
    }
)
GET_PREFERENCES_SCHEMA: Final = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
ENTRY_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
CREATE_LOCATION_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_NAME): name,
        vol.Optional(ATTR_LATITUDE): cv.latitude,
        vol.Optional(ATTR_LONGITUDE): cv.longitude,
        vol.Optional(ATTR_TIMEZONE): time_zone,
    }
)
UPDATE_LOCATION_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_LOCATION_ID): cv.string,
        vol.Optional(ATTR_NAME): name,
        vol.Optional(ATTR_LATITUDE): cv.latitude,
        vol.Optional(ATTR_LONGITUDE): cv.longitude,
        vol.Optional(ATTR_TIMEZONE): time_zone,
    }
)
DELETE_LOCATION_SCHEMA: Final = ENTRY_SCHEMA.extend({vol.Required(ATTR_LOCATION_ID): cv.string})
SET_CHARGER_LOCATION_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_LOCATION_ID): vol.Any(None, cv.string),
    }
)
