"""The API's own shapes: a connector as listed (with its PIN) and one page of a listing."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import ConnectorType


@dataclass(frozen=True, slots=True)
class ConnectorRecord:
    """One connector exactly as the API describes it.

    ``pin`` is excluded from ``repr`` and comparisons so that it cannot reach a log line or
    an equality check by accident; only ``provider`` reads it, to compare in constant time.
    """

    id: str
    name: str
    type: ConnectorType
    customer_id: str | None
    hardware_version: str | None = None
    software_version: str | None = None
    pin: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ConnectorPage:
    """One page: the connectors, the matching ``total`` and the applied ``limit``/``offset``."""

    items: tuple[ConnectorRecord, ...]
    total: int
    limit: int
    offset: int
