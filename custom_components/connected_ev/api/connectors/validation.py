"""Input checks done before any request: a request that cannot be valid is never sent.

Each check raises ``InvalidRequestError`` naming the field, never echoing the value (a
customer id is an account id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from ..errors import InvalidRequestError
from ..models import ConnectorType
from .const import MAX_LIMIT, MAX_NAME_LENGTH, MAX_OFFSET

_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
PIN_PATTERN: Final = re.compile(r"[0-9]{5}")
"""The document's ``^\\d{5}$``, ASCII digits only (``\\d`` would take other scripts' digits)."""
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a UUID in its usual 36-character form."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def uuid(value: object, name: str) -> str:
    """Return a UUID (lower case), else raise naming ``name``."""
    if not isinstance(value, str) or not is_uuid(value):
        raise InvalidRequestError(f"{name} must be a UUID", detail=name)
    return value.lower()


def limit(value: int) -> int:
    """Return a page size from 0 to 1000."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise InvalidRequestError(f"limit must be 0 to {MAX_LIMIT}", detail="limit")
    return value


def offset(value: int) -> int:
    """Return an offset of at least 0 (an int64)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OFFSET:
        raise InvalidRequestError("offset must be 0 or more", detail="offset")
    return value


def name(value: str) -> str:
    """Return a connector name filter: non-empty, short, without control characters."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_NAME_LENGTH
        or _CONTROL.search(value)
    ):
        raise InvalidRequestError("name must be a short, non-empty text", detail="name")
    return value.strip()


def types(values: Iterable[ConnectorType | str]) -> tuple[ConnectorType, ...]:
    """Return a non-empty set of known types, each once (the document's "non-empty unique")."""
    result: list[ConnectorType] = []
    for value in values:
        if value not in (ConnectorType.PHYSICAL, ConnectorType.VIRTUAL):
            raise InvalidRequestError("type must be physical or virtual", detail="type")
        kind = ConnectorType(value)
        if kind in result:
            raise InvalidRequestError("type must not repeat a value", detail="type")
        result.append(kind)
    if not result:
        raise InvalidRequestError("type must name at least one type", detail="type")
    return tuple(result)


def pin(value: str) -> str:
    """Return a PIN as the user typed it: exactly five ASCII digits."""
    if not isinstance(value, str) or PIN_PATTERN.fullmatch(value) is None:
        raise InvalidRequestError("pin must be five digits", detail="pin")
    return value
