"""Fixed facts about the Enode API: version, environments and link scopes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Self

from ..models import DeviceKind

PROVIDER_NAME: Final = "Enode"
"""How messages and logs name this provider."""

API_VERSION: Final = "2024-10-01"
"""The API version this client is written against (request header and webhook payloads)."""

TOKEN_PATH: Final = "/oauth2/token"  # noqa: S105 (a URL path, not a secret)


class EnodeEnvironment(StrEnum):
    """The Enode environments; each has its own client id/secret pair."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"

    @property
    def endpoints(self) -> EnodeEndpoints:
        """Where this environment's API and token endpoint live."""
        return _ENVIRONMENT_ENDPOINTS[self]


@dataclass(frozen=True, slots=True)
class EnodeEndpoints:
    """Base URL of the API and URL of the OAuth token endpoint."""

    api_url: str
    token_url: str

    @classmethod
    def for_environment(cls, environment: EnodeEnvironment) -> Self:
        """Endpoints of one of Enode's hosted environments."""
        endpoints = environment.endpoints
        return cls(endpoints.api_url, endpoints.token_url)

    @classmethod
    def for_base_url(cls, base_url: str) -> Self:
        """Endpoints of a server that serves both the API and ``/oauth2/token``.

        This is how the project's local sandbox is reached.
        """
        base = base_url.rstrip("/")
        return cls(api_url=base, token_url=base + TOKEN_PATH)


_ENVIRONMENT_ENDPOINTS: Final = MappingProxyType(
    {
        EnodeEnvironment.PRODUCTION: EnodeEndpoints(
            api_url="https://enode-api.production.enode.io",
            token_url="https://oauth.production.enode.io/oauth2/token",  # noqa: S106
        ),
        EnodeEnvironment.SANDBOX: EnodeEndpoints(
            api_url="https://enode-api.sandbox.enode.io",
            token_url="https://oauth.sandbox.enode.io/oauth2/token",  # noqa: S106
        ),
    }
)

VEHICLE_LINK_SCOPES: Final = (
    "vehicle:read:data",
    "vehicle:read:location",
    "vehicle:control:charging",
)
CHARGER_LINK_SCOPES: Final = ("charger:read:data", "charger:control:charging")

LINK_SCOPES: Final = MappingProxyType(
    {DeviceKind.VEHICLE: VEHICLE_LINK_SCOPES, DeviceKind.CHARGER: CHARGER_LINK_SCOPES}
)
"""Link scopes requested per device kind: one link session per kind, read + control."""

WEBHOOK_ALL_EVENTS: Final = "*"
