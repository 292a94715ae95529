"""The simulated connectors, their customers and the listing rules.

Where the publisher's document is silent, the sandbox chooses (and the client agrees):
- lists are sorted by ``name``, then ``id``; ``name`` filters by exact match;
- a PUT may assign a connector that another customer holds (a partner may move it);
- about one connector in ten has no PIN, virtual ones more often than physical ones.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

DEFAULT_CUSTOMER_ID: Final = "160c0c4b-9966-4dc1-a916-8407eb10d74e"
"""The customer of the document's example (it holds a few connectors at start-up)."""
DEFAULT_CONNECTORS: Final = 3255
"""The ``total`` of the document's example listing."""
DEFAULT_CUSTOMER_CONNECTORS: Final = 3
OTHER_CUSTOMERS: Final = 40
TYPES: Final = ("physical", "virtual")


@dataclass(slots=True)
class Connector:
    """One simulated connector, shaped as the document's ``Connector``."""

    id: str
    name: str
    type: str
    pin: str | None = field(repr=False)  # kept out of test failure output
    hardware_version: str
    software_version: str
    customer_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the connector as the API returns it."""
        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "hardware_version": self.hardware_version,
            "name": self.name,
            "pin": self.pin,
            "software_version": self.software_version,
            "type": self.type,
        }


@dataclass(frozen=True, slots=True)
class Query:
    """A checked listing query (``None``: not filtered)."""

    limit: int = 25
    offset: int = 0
    assigned: bool | None = None
    customer_id: str | None = None
    name: str | None = None
    types: tuple[str, ...] = ()

    def applied(self) -> dict[str, Any]:
        """Return the applied parameters with defaults, as the ``query`` echo has them."""
        echo: dict[str, Any] = {"limit": self.limit, "offset": self.offset}
        if self.assigned is not None:
            echo["assigned"] = self.assigned
        if self.customer_id is not None:
            echo["customer_id"] = self.customer_id
        if self.name is not None:
            echo["name"] = self.name
        if self.types:
            echo["type"] = list(self.types)
        return echo

    def matches(self, connector: Connector) -> bool:
        """Whether ``connector`` passes every filter."""
        if self.assigned is not None and (connector.customer_id is not None) != self.assigned:
            return False
        if self.customer_id is not None and connector.customer_id != self.customer_id:
            return False
        if self.name is not None and connector.name != self.name:
            return False
        return not self.types or connector.type in self.types


class World:
    """Every connector, by id; built from a seed so that runs repeat."""

    def __init__(self, *, seed: int = 0) -> None:
        self._random = random.Random(seed)  # noqa: S311 - repeatable test data
        self.connectors: dict[str, Connector] = {}
        self._next_name = 1_000_000

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def create(
        self,
        *,
        name: str | None = None,
        type_: str | None = None,
        pin: str | None | bool = True,
        customer_id: str | None = None,
    ) -> Connector:
        """Add one connector (``pin=True``: a random PIN; ``None``: no PIN)."""
        rng = self._random
        if name is None:
            self._next_name += 1
            name = str(self._next_name)
        kind = type_ or ("physical" if rng.random() < 0.7 else "virtual")
        if pin is True:
            pin = f"{rng.randrange(100_000):05d}"
        connector = Connector(
            id=self._uuid(),
            name=name,
            type=kind,
            pin=pin or None,
            hardware_version=str(rng.choice((9, 10, 11, 12))),
            software_version=str(rng.randrange(8600, 8800)),
            customer_id=customer_id,
        )
        self.connectors[connector.id] = connector
        return connector

    def populate(
        self,
        count: int,
        *,
        customer_id: str = DEFAULT_CUSTOMER_ID,
        customer_connectors: int = DEFAULT_CUSTOMER_CONNECTORS,
    ) -> None:
        """Add ``count`` connectors: mixed types, some without PIN, many held by others."""
        rng = self._random
        others = [self._uuid() for _ in range(OTHER_CUSTOMERS)]
        for index in range(count):
            owner: str | None = None
            if index < customer_connectors:
                owner = customer_id
            elif rng.random() < 0.45:
                owner = rng.choice(others)
            kind = "physical" if rng.random() < 0.7 else "virtual"
            without_pin = rng.random() < (0.05 if kind == "physical" else 0.25)
            self.create(type_=kind, pin=None if without_pin else True, customer_id=owner)

    def listing(self, query: Query) -> tuple[list[Connector], int]:
        """One page of the matching connectors (sorted by name, then id) and their total."""
        matching = sorted(
            (c for c in self.connectors.values() if query.matches(c)),
            key=lambda c: (c.name, c.id),
        )
        return matching[query.offset : query.offset + query.limit], len(matching)

    def customers(self) -> Iterable[str]:
        """Every customer holding a connector."""
        return {c.customer_id for c in self.connectors.values() if c.customer_id is not None}
