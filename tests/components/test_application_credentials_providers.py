"""Application credentials for several providers: each credential serves only its provider.

A fake second provider with its own OAuth client is added to the registry for these tests.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from homeassistant.components.application_credentials import (
    AuthorizationServer,
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.config_entry_oauth2_flow import (
    LocalOAuth2Implementation,
    async_get_config_entry_implementation,
    async_get_implementations,
)
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.enode import EnodeEnvironment
from custom_components.connected_ev.const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
    Environment,
)
from custom_components.connected_ev.providers import (
    PROVIDERS,
    AuthKind,
    LinkKind,
    ProviderDescription,
    async_get_credential,
    create_provider,
)
from custom_components.connected_ev.providers.enode import ENODE_LINK_UI_URL

FAKE_SERVER = AuthorizationServer(
    authorize_url="https://auth.fake.example/authorize",
    token_url="https://auth.fake.example/token",
)
FAKE_PROVIDER = MagicMock(name="fake provider")


def _fake_factory(
    hass: HomeAssistant, data: Mapping[str, Any], credential: LocalOAuth2Implementation | None
) -> Any:
    """Remember the credential the provider was built with."""
    FAKE_PROVIDER.credential = credential
    return FAKE_PROVIDER


FAKE = ProviderDescription(
    name="fake",
    brand="Fake",
    auth=AuthKind.APPLICATION_CREDENTIAL,
    environments={Environment.PRODUCTION: "https://api.fake.example"},
    titles={Environment.PRODUCTION: "Fake"},
    link=LinkKind.AUTHORIZATION_CODE,
    factory=_fake_factory,
    unique_id=lambda data, client_id: f"fake:{client_id}:{data[CONF_USER_ID]}",
    authorization_server=FAKE_SERVER,
    setup_step="fake",
    reauth_step="fake_reauth",
    reconfigure_menu=("fake_reconfigure",),
)


@pytest.fixture(autouse=True)
def fake_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the fake provider next to the real ones."""
    monkeypatch.setitem(PROVIDERS, FAKE.name, FAKE)


@pytest.fixture
async def credentials(hass: HomeAssistant) -> MockConfigEntry:
    """Store an unused credential and one that a fake provider's entry uses."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("enode-client", "enode-secret", "Enode"), "enode_cred"
    )
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("fake-client", "fake-secret", "Fake"), "fake_cred"
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Fake",
        data={
            CONF_PROVIDER: FAKE.name,
            CONF_ENVIRONMENT: Environment.PRODUCTION.value,
            CONF_USER_ID: "user-1",
            CONF_AUTH_IMPLEMENTATION: "fake_cred",
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def enode_client() -> Generator[MagicMock]:
    """Mock the Enode client the flow tests a credential with (yields the factory)."""
    with patch("custom_components.connected_ev.flows.enode.create_enode_client") as create:
        create.return_value.async_validate_credentials = AsyncMock(return_value=None)
        yield create


async def test_credential_carries_its_providers_oauth_server(
    hass: HomeAssistant, credentials: MockConfigEntry
) -> None:
    """The fake provider's credential has the fake's endpoints; an unused one the default's."""
    implementations = await async_get_implementations(hass, DOMAIN)
    fake = implementations["fake_cred"]
    unused = implementations["enode_cred"]
    assert isinstance(fake, LocalOAuth2Implementation)
    assert isinstance(unused, LocalOAuth2Implementation)
    assert (fake.authorize_url, fake.token_url) == (
        FAKE_SERVER.authorize_url,
        FAKE_SERVER.token_url,
    )
    assert (unused.authorize_url, unused.token_url) == (
        ENODE_LINK_UI_URL,
        EnodeEnvironment.PRODUCTION.endpoints.token_url,
    )
    entry_implementation = await async_get_config_entry_implementation(hass, credentials)
    assert isinstance(entry_implementation, LocalOAuth2Implementation)
    assert entry_implementation.token_url == FAKE_SERVER.token_url


async def test_fake_entry_is_built_with_its_own_client(
    hass: HomeAssistant, credentials: MockConfigEntry
) -> None:
    """Setup builds the fake provider from the fake's credential, never the other one."""
    credential = await async_get_credential(hass, credentials)
    assert credential is not None
    assert create_provider(hass, credentials.data, credential) is FAKE_PROVIDER
    assert FAKE_PROVIDER.credential.client_id == "fake-client"
    assert FAKE_PROVIDER.credential.client_secret == "fake-secret"
    assert FAKE.unique_id(credentials.data, credential.client_id) == "fake:fake-client:user-1"


@pytest.mark.usefixtures("credentials", "current_request_with_host")
async def test_enode_flow_never_offers_another_providers_credential(
    hass: HomeAssistant, enode_client: MagicMock
) -> None:
    """Only the unused credential is Enode's to choose, so the form does not ask which."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert FAKE.name in result["data_schema"].schema[CONF_PROVIDER].config["options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enode"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enode"
    assert CONF_AUTH_IMPLEMENTATION not in result["data_schema"].schema
    with patch(
        "custom_components.connected_ev.flows.enode.EnodeSteps.async_step_link_vehicle",
        return_value={"type": FlowResultType.ABORT, "reason": "stop"},
    ) as link:
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ENVIRONMENT: Environment.SANDBOX.value}
        )
    link.assert_called_once()
    enode_client.assert_called_once_with(
        hass, "enode-client", "enode-secret", Environment.SANDBOX, None
    )


async def test_enode_flow_aborts_when_every_credential_is_anothers(
    hass: HomeAssistant, credentials: MockConfigEntry, enode_client: MagicMock
) -> None:
    """With only the fake provider's credential, Enode has none and says so."""
    await hass.config_entries.async_remove(credentials.entry_id)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Fake 2",
        data={**credentials.data, CONF_AUTH_IMPLEMENTATION: "enode_cred"},
    )
    entry.add_to_hass(hass)
    other = MockConfigEntry(domain=DOMAIN, title="Fake", data=dict(credentials.data))
    other.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enode"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"
    enode_client.assert_not_called()


def test_application_credential_provider_needs_a_server() -> None:
    """A provider taking an OAuth client must name its endpoints."""
    with pytest.raises(ValueError, match="Fake"):
        ProviderDescription(
            name="fake",
            brand="Fake",
            auth=AuthKind.APPLICATION_CREDENTIAL,
            environments={Environment.PRODUCTION: None},
            titles={Environment.PRODUCTION: "Fake"},
            link=LinkKind.NONE,
            factory=_fake_factory,
            unique_id=lambda data, client_id: "fake",
            setup_step="fake",
            reauth_step="fake",
            reconfigure_menu=(),
        )
