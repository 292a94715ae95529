"""Connected Cars client (the brand apps' telematics): asyncio + aiohttp, no Home Assistant.

``ConnectedCarsAuth`` speaks the Auth API (log in once, a device token, 1-hour JWTs),
``ConnectedCarsClient`` the GraphQL pull API, ``parse`` maps its data to models and
``workshop`` builds the workshop's add-vehicle link.
"""

from .auth import AccessToken, AccountUser, ConnectedCarsAuth, RegisteredDevice
from .client import ConnectedCarsClient, async_global_organizations
from .const import DEFAULT_API_ORIGIN, DEFAULT_NAMESPACE, KNOWN_NAMESPACES, WORKSHOP_ORIGIN
from .errors import InvalidEmailError, InvalidPasswordError, UnknownNamespaceError
from .provider import ConnectedCarsProvider, account_key
from .workshop import WorkshopLinkError, add_vehicle_url

__all__ = [
    "DEFAULT_API_ORIGIN",
    "DEFAULT_NAMESPACE",
    "KNOWN_NAMESPACES",
    "WORKSHOP_ORIGIN",
    "AccessToken",
    "AccountUser",
    "ConnectedCarsAuth",
    "ConnectedCarsClient",
    "ConnectedCarsProvider",
    "InvalidEmailError",
    "InvalidPasswordError",
    "RegisteredDevice",
    "UnknownNamespaceError",
    "WorkshopLinkError",
    "account_key",
    "add_vehicle_url",
    "async_global_organizations",
]
