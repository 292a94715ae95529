"""One customer of the partner API as a ``Provider``: its devices are its connectors.

The API documents no vehicles, chargers, charging data or push; the provider lists no
vehicles and has only the ``Remotes`` part. Claiming is the one place the PIN is read: the
PIN the user typed is compared with every candidate's in constant time
(``hmac.compare_digest``, a dummy for a connector without a PIN, which no PIN can claim) and
only a match is assigned. A PIN has only 100,000 values, so guessing is bounded too: after
``MAX_WRONG_PINS`` wrong PINs for one name within ``WRONG_PIN_WINDOW`` seconds, claims of
that name are refused without asking the API until the oldest of them is that old (the
document says nothing about attempts; this is the integration's own rule).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Final

from ..clock import monotonic
from ..errors import NotFoundError
from ..models import (
    ClaimRefusal,
    Connector,
    ConnectorAssignment,
    ConnectorFilter,
    UserInfo,
    Vehicle,
)
from ..provider import ClaimRefusedError, Provider, Remotes
from . import validation as check
from .client import ConnectorsClient
from .models import ConnectorRecord

_NO_PIN: Final = b"\x00" * 5
"""Compared against when a connector has no PIN, so the time taken does not tell."""
MAX_WRONG_PINS: Final = 5
WRONG_PIN_WINDOW: Final = 900.0


def to_connector(record: ConnectorRecord, customer_id: str) -> Connector:
    """Return the connector without its PIN, its assignment seen from ``customer_id``."""
    if record.customer_id is None:
        assignment = ConnectorAssignment.UNASSIGNED
    elif record.customer_id == customer_id:
        assignment = ConnectorAssignment.THIS_CUSTOMER
    else:
        assignment = ConnectorAssignment.OTHER_CUSTOMER
    return Connector(
        id=record.id,
        name=record.name,
        type=record.type,
        assignment=assignment,
        hardware_version=record.hardware_version,
        software_version=record.software_version,
    )


class ConnectorsProvider(Provider, Remotes):
    """The connectors of one customer of one partner account."""

    def __init__(
        self,
        client: ConnectorsClient,
        customer_id: str,
        *,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._client = client
        self._customer_id = check.uuid(customer_id, "customer_id")
        self._clock = clock
        self._wrong_pins: dict[str, list[float]] = {}
        """Times of recent wrong PINs, by connector name."""

    def _recent_wrong_pins(self, name: str) -> list[float]:
        since = self._clock() - WRONG_PIN_WINDOW
        recent = [moment for moment in self._wrong_pins.get(name, []) if moment > since]
        if recent:
            self._wrong_pins[name] = recent
        else:
            self._wrong_pins.pop(name, None)
        return recent

    @property
    def account_id(self) -> str:
        """The customer this Home Assistant manages."""
        return self._customer_id

    async def async_validate(self) -> UserInfo:
        """List the customer's connectors with ``limit=1``: one request proves both.

        A customer without connectors is refused (``NotFoundError``): the API does not say
        whether a customer exists, and an empty answer is most often a mistyped id.
        """
        if await self._client.async_count(ConnectorFilter(customer_id=self._customer_id)) == 0:
            raise NotFoundError("The customer has no connectors", detail="customer_id")
        return UserInfo(id=self._customer_id)

    async def async_list_vehicles(self) -> list[Vehicle]:
        """Return no vehicles: the API knows only the connectors that reach them."""
        return []

    async def async_list_remotes(self) -> list[Connector]:
        """Every connector assigned to the customer (pages of 1000)."""
        return await self.async_search_remotes(ConnectorFilter(customer_id=self._customer_id))

    async def async_search_remotes(self, filters: ConnectorFilter) -> list[Connector]:
        """Every connector ``filters`` match, in pages of 1000, without PINs."""
        records = await self._client.async_list_all(filters)
        return [to_connector(record, self._customer_id) for record in records]

    async def async_claim_remote(self, name: str, pin: str) -> Connector:
        """Find the unassigned connector ``name``, check ``pin``, then assign it (one PUT)."""
        name = check.name(name)
        typed = check.pin(pin).encode()
        if len(self._recent_wrong_pins(name)) >= MAX_WRONG_PINS:
            raise ClaimRefusedError("Too many wrong PINs", ClaimRefusal.TOO_MANY_ATTEMPTS)
        unassigned = await self._client.async_list_all(ConnectorFilter(assigned=False, name=name))
        candidates = [record for record in unassigned if record.name == name]
        if not candidates:
            taken = await self._client.async_list_page(ConnectorFilter(name=name))
            if any(record.name == name for record in taken.items):
                raise ClaimRefusedError(
                    "The connector is already assigned", ClaimRefusal.ALREADY_ASSIGNED
                )
            raise ClaimRefusedError("No connector has this name", ClaimRefusal.UNKNOWN_CONNECTOR)
        match: ConnectorRecord | None = None
        for record in candidates:
            expected = record.pin.encode() if record.pin is not None else _NO_PIN
            if hmac.compare_digest(expected, typed) and record.pin is not None and match is None:
                match = record
        if match is None:
            self._wrong_pins.setdefault(name, []).append(self._clock())
            raise ClaimRefusedError("The PIN does not match", ClaimRefusal.WRONG_PIN)
        updated = await self._client.async_set_customer(match.id, self._customer_id)
        return to_connector(updated, self._customer_id)

    async def async_release_remote(self, connector_id: str) -> Connector:
        """Unassign the connector after checking it is the customer's (GET, then PUT)."""
        record = await self._client.async_get(connector_id)
        if record.customer_id != self._customer_id:
            raise ClaimRefusedError(
                "The connector is not assigned to this customer", ClaimRefusal.NOT_ASSIGNED_HERE
            )
        updated = await self._client.async_set_customer(record.id, None)
        return to_connector(updated, self._customer_id)
