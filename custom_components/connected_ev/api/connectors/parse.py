"""Connector JSON → ``ConnectorRecord``/``ConnectorPage``; anything off-shape is an error.

Every failure is ``InvalidResponseError`` (never ``KeyError``/``TypeError``): a malformed body
never raises past the client. Unknown ``type`` values become ``UNKNOWN`` (providers add
values); a ``pin`` that is not five digits is treated as no PIN (it could never match one).
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidResponseError
from ..models import ConnectorType
from .models import ConnectorPage, ConnectorRecord
from .validation import PIN_PATTERN, is_uuid

MAX_VERSION_LENGTH = 100


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidResponseError(f"The {what} is not a JSON object")
    return value


def _optional_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidResponseError(f"The connector's {field} is not a string")
    return value[:MAX_VERSION_LENGTH] or None


def _count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidResponseError(f"The connector list's {field} is not a count")
    return value


def parse_connector(document: Any) -> ConnectorRecord:
    """Parse one connector."""
    data = _object(document, "connector")
    connector_id = data.get("id")
    if not is_uuid(connector_id):
        raise InvalidResponseError("The connector has no valid id")
    customer_id = data.get("customer_id")
    if customer_id is not None and not is_uuid(customer_id):
        raise InvalidResponseError("The connector's customer_id is not a UUID")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidResponseError("The connector has no name")
    raw_type = data.get("type")
    if not isinstance(raw_type, str):
        raise InvalidResponseError("The connector has no type")
    pin = data.get("pin")
    return ConnectorRecord(
        id=str(connector_id).lower(),
        name=name,
        type=ConnectorType(raw_type),
        customer_id=str(customer_id).lower() if customer_id is not None else None,
        hardware_version=_optional_text(data.get("hardware_version"), "hardware_version"),
        software_version=_optional_text(data.get("software_version"), "software_version"),
        pin=pin if isinstance(pin, str) and PIN_PATTERN.fullmatch(pin) else None,
    )


def parse_page(document: Any) -> ConnectorPage:
    """Parse a listing: ``{"query": {…, "limit", "offset"}, "result": [...], "total": n}``."""
    data = _object(document, "connector list")
    result = data.get("result")
    if not isinstance(result, list):
        raise InvalidResponseError("The connector list has no result array")
    query = _object(data.get("query"), "connector list's query")
    return ConnectorPage(
        items=tuple(parse_connector(item) for item in result),
        total=_count(data.get("total"), "total"),
        limit=_count(query.get("limit"), "limit"),
        offset=_count(query.get("offset"), "offset"),
    )
