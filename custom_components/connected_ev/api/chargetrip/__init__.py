"""Chargetrip connected-vehicle client (GraphQL): asyncio + aiohttp, no Home Assistant imports.

``ChargetripClient`` speaks the API, ``parse`` maps its JSON to models and its error codes to
``api.errors``, ``ChargetripProvider`` is the provider. Choices where Chargetrip's documents
are silent are written down in ``const``.
"""

from .client import ChargetripClient
from .const import DEFAULT_BASE_URL
from .parse import CatalogueModel
from .provider import ChargetripProvider

__all__ = ["DEFAULT_BASE_URL", "CatalogueModel", "ChargetripClient", "ChargetripProvider"]
