"""Paths, limits and the conventions this package chose where the document is silent.

The publisher's document (a "Partner API" page) names three endpoints and says the API is
secured by OAuth2 (one copy: "OAuth2 and ApiKey"), but gives no base URL, token URL, grant,
scope or API-key header. Those are configuration; where a default is needed it is chosen here:

- Token URL: ``<base URL>/oauth2/token`` unless the user gives one; grant
  ``client_credentials`` with the client id and secret in the form body (RFC 6749 §2.3.1
  allows both body and Basic; the body works with more servers) and no scope.
- API key: sent as ``X-Api-Key: <key>`` (the most common header of that name).
- The ``name`` filter is treated as a possible partial match: claiming compares names exactly
  on this side as well.
- Lists are read in pages of the largest documented size (1000) until ``total`` is reached.
"""

from __future__ import annotations

from typing import Final

PROVIDER_NAME: Final = "Connectors API"

CONNECTORS_PATH: Final = "/v2/customers/connectors"
CONNECTOR_PATH: Final = "/v2/customers/connectors/{connector_id}"

DEFAULT_TOKEN_PATH: Final = "/oauth2/token"  # noqa: S105 - a path, not a secret
API_KEY_HEADER: Final = "X-Api-Key"

MAX_LIMIT: Final = 1000
"""The largest page the document allows (``limit`` is 0 to 1000)."""
DEFAULT_LIMIT: Final = 25
"""The page size the server applies when ``limit`` is not sent."""
MAX_OFFSET: Final = 2**63 - 1
"""``offset`` is an int64 ≥ 0."""
MAX_PAGES: Final = 10_000
"""A bound on one listing (10 million connectors): a server whose ``total`` keeps growing
cannot keep the client reading for ever."""

MAX_NAME_LENGTH: Final = 200
"""Longest ``name`` filter sent (names are short serial-like strings, e.g. ``1005123``)."""

DEFAULT_REQUEST_TIMEOUT: Final = 30.0
