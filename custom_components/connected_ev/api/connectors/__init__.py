"""Client of the partner "Connectors API" (a customer's connectors, also called remotes).

asyncio + aiohttp, no Home Assistant imports. ``const`` writes down what the publisher's
document leaves open (token URL, API-key header).
"""

from .auth import ApiKeyAuth, Auth, ClientCredentials
from .client import ConnectorsClient, checked_base_url
from .const import API_KEY_HEADER, DEFAULT_TOKEN_PATH, MAX_LIMIT, PROVIDER_NAME
from .models import ConnectorPage, ConnectorRecord
from .provider import ConnectorsProvider

__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_TOKEN_PATH",
    "MAX_LIMIT",
    "PROVIDER_NAME",
    "ApiKeyAuth",
    "Auth",
    "ClientCredentials",
    "ConnectorPage",
    "ConnectorRecord",
    "ConnectorsClient",
    "ConnectorsProvider",
    "checked_base_url",
]
