"""Enode API client (version 2024-10-01): asyncio + aiohttp, no Home Assistant imports.

``EnodeClient`` speaks the API, ``EnodeProvider`` adapts it to the ``Provider`` protocol,
``webhooks`` verifies and parses push deliveries and ``parse`` maps Enode JSON to models.
"""

from .client import DEFAULT_PAGE_SIZE, LIST_PAGE_SIZE, UNSET, EnodeClient, UnsetType
from .const import (
    API_VERSION,
    CHARGER_LINK_SCOPES,
    LINK_SCOPES,
    VEHICLE_LINK_SCOPES,
    EnodeEndpoints,
    EnodeEnvironment,
)
from .provider import ENODE_FEATURES, EnodeProvider
from .webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    generate_webhook_secret,
    parse_delivery,
    verify_signature,
)

__all__ = [
    "API_VERSION",
    "CHARGER_LINK_SCOPES",
    "DEFAULT_PAGE_SIZE",
    "DELIVERY_HEADER",
    "ENODE_FEATURES",
    "LINK_SCOPES",
    "LIST_PAGE_SIZE",
    "SIGNATURE_HEADER",
    "UNSET",
    "VEHICLE_LINK_SCOPES",
    "EnodeClient",
    "EnodeEndpoints",
    "EnodeEnvironment",
    "EnodeProvider",
    "UnsetType",
    "generate_webhook_secret",
    "parse_delivery",
    "verify_signature",
]
