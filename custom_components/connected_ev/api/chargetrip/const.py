"""Chargetrip's connected-vehicle API: endpoints, headers, scopes, and the choices we made.

Documented (providers-more.md part A): queries and mutations are POSTed to ``/graphql``, the
``connectedVehicle`` subscription speaks ``graphql-transport-ws`` on ``/subscription``; the
project's ``x-client-id`` and ``x-app-id`` go with every request and the user's token in
``authorization``; errors come as HTTP 200 with ``errors[].extensions.exception.code``.

Where the documents are silent we chose, and the local sandbox does the same:

* Token issuance: Chargetrip's customer integration issues the user's token; the user pastes
  it and it is sent verbatim as the ``authorization`` value (no ``Bearer`` added). Over the
  WebSocket the three header values are the ``connection_init`` payload.
* Units: ``battery.percentage`` is 0-100 %, ``battery.range`` km, ``battery.capacity`` kWh,
  ``charge.charge_speed`` kW (the docs say "kwh"; a rate is a power), ``charge.limit`` %,
  ``odometer.distance`` km, ``minutes_till_charged`` minutes.
* Coordinates: GeoJSON order, ``[longitude, latitude]``.
* Scopes: a data group outside the granted scopes comes back ``null``; ``battery`` rides on
  ``charge_state``.
* A custom base URL ``B`` serves ``B/graphql`` and ``B/subscription`` (ws/wss by scheme).
"""

from __future__ import annotations

from typing import Final

PROVIDER_NAME: Final = "Chargetrip"
"""How messages and logs name this provider."""

DEFAULT_BASE_URL: Final = "https://api.chargetrip.io"
GRAPHQL_PATH: Final = "/graphql"
SUBSCRIPTION_PATH: Final = "/subscription"
DEFAULT_REQUEST_TIMEOUT: Final = 20.0

CLIENT_ID_HEADER: Final = "x-client-id"
APP_ID_HEADER: Final = "x-app-id"
AUTHORIZATION_HEADER: Final = "authorization"

CONNECT_PROVIDER: Final = "Enode"
"""The only connectivity provider Chargetrip has (``CarConnectivityProvider``)."""
SCOPES: Final = ("location", "charge_state", "odometer")
"""Every ``ConnectScope``: a vehicle is linked with all three."""

STATUS_PENDING_AUTHORIZATION: Final = "pending_authorization"
STATUS_AUTHORIZED: Final = "authorized"
STATUS_PENDING_REMOVAL: Final = "pending_removal"
STATUS_REMOVED: Final = "removed"

ALREADY_CONNECTED: Final = "vehicle_already_connected"
"""The code of a model the user already has connected (or left pending)."""
NOT_AUTHORIZED: Final = "not_authorized"
"""``problem_type`` of the error raised when authorizing left the vehicle unauthorized."""

MAX_CONNECTED_VEHICLES: Final = 100
"""The page size of the one ``connectedVehicleList`` each refresh reads."""
CATALOGUE_PAGE_SIZE: Final = 10
"""Models shown per page of the catalogue search (the API's own default)."""

WS_PROTOCOL: Final = "graphql-transport-ws"
WS_ACK_TIMEOUT: Final = 10.0
"""Seconds to wait for ``connection_ack`` (the protocol's servers close after 10 s)."""
WS_IDLE: Final = 60.0
"""Seconds of silence after which the client pings; a second silence ends the connection.

A protocol ``ping`` rather than aiohttp's heartbeat: the server answers ``pong`` on the
application level, which also proves the GraphQL server (not only a proxy) is alive."""
