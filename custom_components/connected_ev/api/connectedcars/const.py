"""Connected Cars hosts, paths, namespaces and the limits this client chose.

Hosts and paths follow Connected Cars' public documentation (connectedcars/docs); the
namespaces are the brand apps' ones public clients use. Where the documentation is silent
the choice is written next to the value.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import aiohttp

PROVIDER_NAME: Final = "Connected Cars"

DEFAULT_API_ORIGIN: Final = "https://api.connectedcars.io"
"""Denmark's GraphQL host; ``globalOrganizations`` can be asked here without a token."""
DEFAULT_AUTH_ORIGIN: Final = "https://auth-api.connectedcars.io"
WORKSHOP_ORIGIN: Final = "https://workshop.connectedcars.io"

GRAPHQL_PATH: Final = "/graphql"
LOGIN_PASSWORD_PATH: Final = "/auth/login/email/password"  # noqa: S105 - a path
LOGIN_DEVICE_TOKEN_PATH: Final = "/auth/login/deviceToken"  # noqa: S105 - a path
REGISTER_DEVICE_PATH: Final = "/user/registerDevice"
DEVICES_PATH: Final = "/user/devices"
DELETE_DEVICE_PATH: Final = "/user/deleteDevice"
USER_INFO_PATH: Final = "/user/info"
WORKSHOP_ADD_VEHICLE_PATH: Final = "/integration/vehicle/add"

NAMESPACE_HEADER: Final = "X-Organization-Namespace"
USER_AGENT: Final = "HomeAssistant-ConnectedEV"
"""The pull-API guide asks integrations for a descriptive User-Agent."""

DEFAULT_NAMESPACE: Final = "semler:minvolkswagen"
KNOWN_NAMESPACES: Final = (
    "semler:minvolkswagen",
    "semler:minskoda",
    "semler:minseat",
    "semler:mitaudi",
    "vwaustralia:app",
)
"""The consumer apps' namespaces (``<organization>:<product>``) public clients use."""

DEVICE_MODEL: Final = "Home Assistant"
DEVICE_NAME_PREFIX: Final = "Home Assistant"
"""A registered device is named "Home Assistant <8 hex>": ``/user/devices`` lists devices
without saying which token is whose, so the name (kept in the entry) finds ours again."""

TOKEN_LIFETIME: Final = timedelta(seconds=3600)
"""Asked for with ``?expiresIn=3600`` on device-token logins (as the apps do)."""
TOKEN_RENEW_MARGIN: Final = timedelta(minutes=5)
"""A JWT is renewed this long before it expires, so no request races its expiry."""

DEFAULT_REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=30)

MESSAGE_EMAIL_INCORRECT: Final = "Email is incorrect"
MESSAGE_INCORRECT_PASSWORD: Final = "Incorrect password"  # noqa: S105 - a message
MESSAGE_NAMESPACE_NOT_FOUND: Final = "Namespace could not be found"
