"""Input checks done before any request is sent.

A bad id must never change which endpoint is called (``..``, ``/`` or ``?`` in a path), and
an input the API is documented to reject is refused locally with ``InvalidRequestError``.
Messages name the argument, never its value (ids and coordinates stay out of logs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from ..errors import InvalidRequestError

MAX_ID_LENGTH = 200
MAX_REDIRECT_URI_LENGTH = 500
_FORBIDDEN_ID_CHARACTERS = frozenset("/?#")
_DEADLINE = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


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


def uuid(value: str, name: str) -> str:
    """Check an id the spec types ``format: uuid`` (actions, locations, webhooks, ...)."""
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise InvalidRequestError(f"{name} must be a UUID")
    return value


def one_of(value: str, allowed: Collection[str], name: str) -> str:
    """Check a value against one of the spec's enums (exact, case-sensitive)."""
    if not isinstance(value, str) or value not in allowed:
        raise InvalidRequestError(f"{name} is not one of the values Enode documents")
    return value


def scopes(value: Sequence[str], allowed: Collection[str]) -> list[str]:
    """Check a non-empty list of link scopes, each one of the spec's ``Scopes``."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise InvalidRequestError("scopes must be a non-empty sequence of scope names")
    return [one_of(scope, allowed, "scopes") for scope in value]


def redirect_uri(value: str) -> str:
    """Check an absolute http(s) URL of at most 500 characters (``format: uri``)."""
    text = non_empty_text(value, "redirect_uri", max_length=MAX_REDIRECT_URI_LENGTH)
    try:
        parts = urlsplit(text)
        host, _port = parts.hostname, parts.port  # the port is only checked when read
    except ValueError as err:
        raise InvalidRequestError("redirect_uri must be an absolute http(s) URL") from err
    if parts.scheme not in ("http", "https") or not host or any(ch.isspace() for ch in text):
        raise InvalidRequestError("redirect_uri must be an absolute http(s) URL")
    return text


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
        # Also for None: the request schema has no null deadline, so none is ever sent.
        raise InvalidRequestError(
            "deadline must be HH:MM (00:00-23:59 or 24:00); it cannot be cleared, "
            "turn smart charging off instead"
        )
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
