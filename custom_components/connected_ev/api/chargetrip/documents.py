"""Every GraphQL document the Chargetrip client sends, written once with ``gql()``.

The refresh query is built per number of known vehicles (aliases ``d<i>``/``m<i>``), so
one request reads every vehicle's data whatever their number; its text is cached per size. A test
validates each document here against ``schema.graphql`` (the refresh one at several sizes),
so a misspelt field fails there, not at Chargetrip.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from gql import gql
from graphql import DocumentNode

from .const import CONNECT_PROVIDER, MAX_CONNECTED_VEHICLES

VALIDATE: Final = gql(
    """
    query Validate {
      connectedVehicleList(size: 1) { id }
    }
    """
)
"""The cheapest request that needs all three credentials (the user token included)."""

CATALOGUE: Final = gql(
    f"""
    query Catalogue($search: String, $page: Int!, $size: Int!) {{
      vehicleList(
        search: $search
        filter: {{connect: {{providers: [{CONNECT_PROVIDER}]}}}}
        page: $page
        size: $size
      ) {{
        id
        naming {{ make model version edition }}
        battery {{ usable_kwh }}
        connect {{ providers }}
      }}
    }}
    """
)

CREATE: Final = gql(
    """
    mutation CreateConnectedVehicle($input: CreateConnectedVehicleInput) {
      createConnectedVehicle(input: $input) { id status authorization_url }
    }
    """
)

AUTHORIZE: Final = gql(
    """
    mutation AuthorizeConnectedVehicle($input: AuthorizeConnectedVehicleInput) {
      authorizeConnectedVehicle(input: $input) { id status scope }
    }
    """
)

REMOVE: Final = gql(
    """
    mutation RemoveConnectedVehicle($input: RemoveConnectedVehicleInput!) {
      removeConnectedVehicle(input: $input) { id status }
    }
    """
)

WATCH: Final = gql(
    """
    subscription WatchConnectedVehicle($id: ID!) {
      connectedVehicle(id: $id) { id status scope }
    }
    """
)
"""Status changes of one vehicle (the subscription carries no vehicle data)."""

_LIST_FIELD: Final = (
    f"vehicles: connectedVehicleList(size: {MAX_CONNECTED_VEHICLES}) "
    "{ id vehicle_id status scope label vin }"
)
_DATA_FRAGMENT: Final = """
fragment VehicleDataFields on VehicleData {
  battery { range percentage capacity date }
  charge {
    is_plugged_in is_charging is_fully_charged limit charge_speed
    fully_charged_at minutes_till_charged date
  }
  location { geometry { coordinates } properties { date } }
  odometer { distance date }
}
"""


def data_alias(index: int) -> str:
    """Return the alias of the ``index``-th vehicle's data in the refresh document."""
    return f"d{index}"


def model_alias(index: int) -> str:
    """Return the alias of the ``index``-th vehicle's catalogue entry (refresh)."""
    return f"m{index}"


REFRESH: Final = "Refresh"
"""The refresh document's operation name."""


def refresh_document(count: int) -> DocumentNode:
    """Parse the refresh query for ``count`` vehicles (the tests validate it)."""
    return gql(refresh_query(count))


@lru_cache(maxsize=8)
def refresh_query(count: int) -> str:
    """Build the refresh: the vehicle list plus data and model of ``count`` vehicles.

    Variables ``c<i>`` (connected vehicle id) and ``v<i>`` (catalogue id) per vehicle. Sent
    as text, built without parsing: parsing and printing a document of 100 vehicles takes
    a quarter of a second, which would hold up Home Assistant's event loop.
    """
    if not 0 <= count <= MAX_CONNECTED_VEHICLES:
        raise ValueError("count out of range")
    variables = "".join(f"$c{i}: ID!, $v{i}: ID!, " for i in range(count)).rstrip(", ")
    signature = f"({variables})" if variables else ""
    fields = "\n".join(
        f"{data_alias(i)}: connectedVehicleData(id: $c{i}) {{ ...VehicleDataFields }}\n"
        f"{model_alias(i)}: vehicle(id: $v{i}) "
        "{ naming { make model version edition } battery { usable_kwh } }"
        for i in range(count)
    )
    fragment = _DATA_FRAGMENT if count else ""
    return f"query {REFRESH}{signature} {{\n{_LIST_FIELD}\n{fields}\n}}\n{fragment}"


SENT_DOCUMENTS: Final = (VALIDATE, CATALOGUE, CREATE, AUTHORIZE, REMOVE, WATCH)
"""The fixed documents (the refresh one is built by ``refresh_document``)."""
