"""Input checks done before any request is sent; failures raise ``InvalidRequestError``.

Id checks are reused from the Enode module (they are provider-neutral). Messages name the
argument, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from urllib.parse import urlsplit

from ..enode.validation import (
    build_path,
    non_empty_text,
    number_in_range,
    positive_number,
    resource_id,
)
from ..errors import InvalidRequestError
from ..models import ChargingBehavior, MinimalSoc, SocUnit, Weekday
from .models import (
    AuthorizationMode,
    HivenCapability,
    HivenChargingBehavior,
    HivenEvPreferences,
    HivenManufacturer,
    HivenSocUnit,
    SocLevel,
)

__all__ = [
    "build_path",
    "capabilities",
    "charging_behavior",
    "country_code",
    "credential",
    "id_list",
    "manufacturer",
    "merged_preferences",
    "mode",
    "number_in_range",
    "positive_number",
    "redirect_uri",
    "resource_id",
]

MAX_PERCENT = 100.0
MAX_RANGE_KM = 2000.0
MAX_BATTERY_KWH = 1000.0
MAX_TEXT = 500
_MANUFACTURER = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def credential(value: str, name: str) -> str:
    """Check an API key or user id: printable, no whitespace (it goes into a header)."""
    if (
        not isinstance(value, str)
        or not value
        or len(value) > MAX_TEXT
        or not value.isprintable()
        or any(ch.isspace() for ch in value)
    ):
        raise InvalidRequestError(f"{name} must be non-empty printable text without spaces")
    return value


def manufacturer(value: HivenManufacturer | str) -> str:
    """Check a manufacturer: a documented one, or another upper-case name (lists grow)."""
    if value is HivenManufacturer.UNKNOWN or not isinstance(value, str):
        raise InvalidRequestError("manufacturer is not a valid manufacturer")
    text = str(value.value if isinstance(value, HivenManufacturer) else value).upper()
    if not _MANUFACTURER.fullmatch(text):
        raise InvalidRequestError("manufacturer is not a valid manufacturer")
    return text


def mode(value: AuthorizationMode | str) -> str:
    """Check a Smartcar mode (live, test or simulated)."""
    try:
        return AuthorizationMode(value).value
    except ValueError as err:
        raise InvalidRequestError("mode must be live, test or simulated") from err


def country_code(value: str) -> str:
    """Check an ISO 3166-1 alpha-2 code (returned upper-cased)."""
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value.upper()):
        raise InvalidRequestError("country_code must be an ISO 3166-1 alpha-2 code")
    return value.upper()


def redirect_uri(value: str, name: str) -> str:
    """Check an absolute http(s) URL without a fragment."""
    text = non_empty_text(value, name, max_length=MAX_TEXT)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise InvalidRequestError(f"{name} must be an absolute http(s) URL without fragment")
    return text


def charging_behavior(value: HivenChargingBehavior | ChargingBehavior | str) -> str:
    """Hiven's wire value of a behaviour given as Hiven's, the shared one or text."""
    if isinstance(value, ChargingBehavior):
        value = HivenChargingBehavior.from_shared(value)
    behavior = HivenChargingBehavior(value) if isinstance(value, str) else value
    if not isinstance(behavior, HivenChargingBehavior) or (
        behavior is HivenChargingBehavior.UNKNOWN
    ):
        raise InvalidRequestError(
            "charging_behavior must be SMART_CHARGE_OFF, SMART_CHARGE_AT_LOCATION "
            "or SMART_CHARGE_ANYWHERE"
        )
    return behavior.value


def soc_level(value: SocLevel | MinimalSoc, name: str) -> dict[str, object]:
    """``{value, unit}`` of a level in percent (0-100) or km (0-2000)."""
    if isinstance(value, MinimalSoc):
        if value.unit is SocUnit.UNKNOWN:
            raise InvalidRequestError(f"{name} unit must be PERCENT or KM")
        value = SocLevel(value.value, HivenSocUnit(value.unit.value.upper()))
    if not isinstance(value, SocLevel) or value.unit is HivenSocUnit.UNKNOWN:
        raise InvalidRequestError(f"{name} must be a value in PERCENT or KM")
    high = MAX_PERCENT if value.unit is HivenSocUnit.PERCENT else MAX_RANGE_KM
    number = number_in_range(value.value, name, 0, high)
    return {"value": number, "unit": value.unit.value}


def hh_mm(value: time | str, name: str) -> str:
    """``HH:mm`` of a time of day (seconds must be zero)."""
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise InvalidRequestError(f"{name} must be a whole minute")
        return value.strftime("%H:%M")
    if not isinstance(value, str) or not _HH_MM.fullmatch(value):
        raise InvalidRequestError(f"{name} must be HH:mm (00:00-23:59)")
    return value


def weekday_times(value: Mapping[Weekday | str, time | str]) -> dict[str, str]:
    """``{MONDAY: "HH:mm", …}``; keys are weekdays (any case), some days may be missing."""
    if not isinstance(value, Mapping):
        raise InvalidRequestError("weekday_ready_times must map weekdays to times")
    result: dict[str, str] = {}
    for day, when in value.items():
        try:
            weekday = Weekday(str(day).lower())
        except ValueError as err:
            raise InvalidRequestError("weekday_ready_times has a key that is not a day") from err
        result[weekday.value.upper()] = hh_mm(when, "weekday_ready_times")
    return result


def id_list(value: Sequence[str], name: str) -> list[str]:
    """Check a list of ids (a single string is refused, not split into characters)."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidRequestError(f"{name} must be a sequence of ids")
    return [resource_id(item, name) for item in value]


def battery_capacity(value: float) -> float:
    """Check a battery capacity in kWh, above zero."""
    number = number_in_range(value, "battery_capacity", 0, MAX_BATTERY_KWH)
    if number <= 0:
        raise InvalidRequestError("battery_capacity must be greater than zero")
    return number


def capabilities(value: Sequence[HivenCapability | str] | None, name: str) -> list[str]:
    """Capability names for the capabilities filter."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidRequestError(f"{name} must be a sequence of capabilities")
    result: list[str] = []
    for item in value:
        capability = HivenCapability(item) if isinstance(item, str) else item
        if not isinstance(capability, HivenCapability) or (capability is HivenCapability.UNKNOWN):
            raise InvalidRequestError(f"{name} has an unknown capability")
        result.append(capability.value)
    return result


def latitude(value: float) -> float:
    """Check a latitude in degrees."""
    return number_in_range(value, "latitude", -90, 90)


def longitude(value: float) -> float:
    """Check a longitude in degrees."""
    return number_in_range(value, "longitude", -180, 180)


def text(value: str, name: str) -> str:
    """Non-empty text of at most 500 characters."""
    return non_empty_text(value, name, max_length=MAX_TEXT)


def merged_preferences(current: HivenEvPreferences, change: Mapping[str, object]) -> str:
    """Check the stored preferences with ``change`` (a PUT body) merged in; return the behaviour.

    The behaviour is the changed one, else the stored one: every PUT carries it. Unless it is
    SMART_CHARGE_OFF, the merged result needs targetSoC and a ready time (A10): readyTime, or
    a weekday schedule naming all seven days (then no day falls back to readyTime). The error
    names the user-facing fields, so that the user knows what to set first.
    """
    behavior = change.get("chargingBehavior")
    if not isinstance(behavior, str):
        stored = current.charging_behavior
        if stored is None or stored is HivenChargingBehavior.UNKNOWN:
            raise InvalidRequestError(
                "charging_behavior is required: Hiven has none stored that this client knows"
            )
        behavior = stored.value
    if behavior == HivenChargingBehavior.SMART_CHARGE_OFF.value:
        return behavior
    target = change.get("targetSoC", current.target_soc)
    ready = change.get("readyTime", current.ready_time)
    week = change.get("weekDaySpecificReadyTimes", current.weekday_ready_times)
    missing = []
    if target is None:
        missing.append("target_soc")
    if ready is None and not (isinstance(week, Mapping) and len(week) == len(Weekday)):
        missing.append("ready_time")
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        message = f"{' and '.join(missing)} {verb} required unless charging_behavior is off"
        raise InvalidRequestError(message, detail=message)
    return behavior
