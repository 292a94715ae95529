"""What a provider description holds: the registry's one record per provider."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_entry_oauth2_flow

from ..api.provider import Provider
from ..const import Environment
from ..options import PollingPolicy, RequestCounting


class ProviderName(StrEnum):
    """Providers a config entry can be for (the name stored in the entry)."""

    ENODE = "enode"
    HIVEN = "hiven"
    CONNECTEDCARS = "connectedcars"
    CHARGETRIP = "chargetrip"
    CONNECTORS = "connectors"


class AuthKind(StrEnum):
    """How a provider account authenticates the integration."""

    APPLICATION_CREDENTIAL = "application_credential"
    """An OAuth client kept in Home Assistant's application credentials."""
    API_KEY = "api_key"
    LOGIN = "login"
    TOKEN = "token"  # noqa: S105 - an auth kind, not a secret


class LinkKind(StrEnum):
    """How a device gets linked to the account."""

    LINK_SESSION = "link_session"
    """The provider's link page; the linked device is found by listing the account."""
    AUTHORIZATION_CODE = "authorization_code"
    """An authorization page that sends back a code the flow redeems."""
    CATALOGUE_AUTHORIZE = "catalogue_authorize"
    """The user picks from the provider's catalogue, then authorizes."""
    NONE = "none"
    """The account's devices come with it."""


type ProviderFactory = Callable[
    [HomeAssistant, Mapping[str, Any], config_entry_oauth2_flow.LocalOAuth2Implementation | None],
    Provider,
]
type UniqueIdFactory = Callable[[Mapping[str, Any], str | None], str]


@dataclass(frozen=True, kw_only=True, slots=True)
class ProviderDescription:
    """Everything generic code needs to know about one provider."""

    name: str
    """The key stored in entries (``CONF_PROVIDER``) and the provider selector's option."""
    brand: str
    """The provider's name as its users know it (the account device's manufacturer)."""
    auth: AuthKind
    environments: Mapping[Environment, str | None]
    """Its environments and their URLs, in the form's order; None: the user's base URL."""
    titles: Mapping[Environment, str]
    """The entry's title per environment."""
    link: LinkKind
    factory: ProviderFactory
    """Build the provider from entry data (and the credential, for application credentials)."""
    unique_id: UniqueIdFactory
    """The entry's unique id from entry data (and the credential's client id)."""
    redact: frozenset[str] = frozenset()
    """Entry data and payload keys diagnostics must redact for this provider."""
    polling: PollingPolicy = field(default_factory=PollingPolicy)
    """The default polling intervals, before the user changes them in the options."""
    request_counting: RequestCounting = RequestCounting.PER_REQUEST
    """How the provider counts requests: what the daily budget is a budget of."""
    daily_budget: int = 2880
    """The default daily request budget (per vehicle when counted per vehicle); the options
    change it. Say why next to the value: what the provider's limits or plans allow."""
    authorization_server: AuthorizationServer | None = None
    """The OAuth endpoints of the provider's own OAuth client (application credentials)."""
    credential_placeholders: Mapping[str, str] = field(default_factory=dict)
    """The application-credential dialog's placeholders (where the client comes from)."""
    link_language: Callable[[str], str] = str
    """Map Home Assistant's language to one the link page accepts."""
    setup_step: str
    """The first of the provider's config-flow steps after the provider choice."""
    reauth_step: str
    """The step reauth starts with."""
    reconfigure_menu: tuple[str, ...]
    """The steps the reconfigure menu offers: account settings, linking another device."""
    invalid_auth_error: str = "invalid_auth"
    """The error key of a rejected account (it names what the user typed)."""
    link_error: Callable[[Exception], str | None] = lambda _err: None
    """The provider's own abort reason for a failure to start or finish a link (None: the
    generic one), where its refusals say more than the error's class."""

    def __post_init__(self) -> None:
        """Refuse a description that generic code could not use."""
        if self.uses_application_credentials and self.authorization_server is None:
            raise ValueError(f"{self.brand} takes an application credential: name its server")

    @property
    def uses_application_credentials(self) -> bool:
        """Whether the account is an OAuth client kept in application credentials."""
        return self.auth is AuthKind.APPLICATION_CREDENTIAL


class CredentialUnavailableError(HomeAssistantError):
    """The entry's application credential is gone or is not a client id and secret."""
