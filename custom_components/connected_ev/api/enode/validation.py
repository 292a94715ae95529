"""Input checks done before any request is sent.

A bad id must never change which endpoint is called (``..``, ``/`` or ``?`` in a path), and
an input the API is documented to reject is refused locally with ``InvalidRequestError``.
Messages name the argument, never its value (ids and coordinates stay out of logs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

from ..errors import InvalidRequestError

MAX_ID_LENGTH = 200
_FORBIDDEN_ID_CHARACTERS = frozenset("/?#")
_DEADLINE = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


def resource_id(value: str, name: str) -> str:
    """Check that ``value`` can safely be one URL path segment (an id, a vendor name)."""
    if (
        not isinstance(value, str)
        or not value
        or len(value) > MAX_ID_LENGTH
        or not value.isprintable()
        or any(ch.isspace() or ch in _FORBIDDEN_ID_CHARACTERS for ch in value)
        or not value.strip(".")
    ):
        raise InvalidRequestError(f"{name} is not a valid id")
    return value


def build_path(template: str, ids: Mapping[str, str]) -> str:
    """Fill ``template``'s named placeholders with checked, percent-encoded ids."""
    return template.format_map(
        {name: quote(resource_id(value, name), safe="") for name, value in ids.items()}
    )


def _finite(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequestError(f"{name} must be a finite number")
    return value


def positive_number(value: float, name: str) -> float:
    """Check for a finite number above zero (bool is not a number here)."""
    if _finite(value, name) <= 0:
        raise InvalidRequestError(f"{name} must be greater than zero")
    return value


def number_in_range(value: float, name: str, low: float, high: float) -> float:
    """Check for a finite number within ``[low, high]``."""
    if not low <= _finite(value, name) <= high:
        raise InvalidRequestError(f"{name} must be between {low:g} and {high:g}")
    return value


def latitude(value: float) -> float:
    """Check a latitude in degrees."""
    return number_in_range(value, "latitude", -90, 90)


def longitude(value: float) -> float:
    """Check a longitude in degrees."""
    return number_in_range(value, "longitude", -180, 180)


def deadline(value: str) -> str:
    """Check an ``HH:MM`` smart-charging deadline against the API's pattern."""
    if not isinstance(value, str) or not _DEADLINE.fullmatch(value):
        raise InvalidRequestError("deadline must be HH:MM (00:00-23:59 or 24:00)")
    return value


def timestamp(value: datetime, name: str) -> str:
    """Format an aware datetime as the API's UTC date-time (``2021-03-21T00:15:00.000Z``)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidRequestError(f"{name} must be a datetime with a time zone")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def non_empty_text(value: str, name: str, *, min_length: int = 1, max_length: int = 0) -> str:
    """Check for text of ``min_length`` to ``max_length`` (0: unbounded) characters."""
    if not isinstance(value, str) or not value.strip() or len(value) < min_length:
        raise InvalidRequestError(f"{name} must have at least {min_length} character(s)")
    if max_length and len(value) > max_length:
        raise InvalidRequestError(f"{name} must have at most {max_length} characters")
    return value


def page_size(value: int) -> int:
    """Check for a page size the API accepts (an integer above zero)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidRequestError("page_size must be an integer greater than zero")
    return value
