"""Stored settings become the right provider client; credentials help the user find theirs."""

from __future__ import annotations

import pytest
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant

from custom_components.connected_ev.api.enode import EnodeEndpoints, EnodeEnvironment
from custom_components.connected_ev.api.hiven import HivenProvider
from custom_components.connected_ev.application_credentials import (
    async_get_auth_implementation,
    async_get_description_placeholders,
)
from custom_components.connected_ev.const import (
    CONF_API_KEY,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    Environment,
)
from custom_components.connected_ev.providers import (
    PROVIDERS,
    AuthKind,
    LinkKind,
    ProviderName,
    create_provider,
    get_description,
    uses_application_credentials,
)
from custom_components.connected_ev.providers.enode import (
    ENODE_LINK_UI_URL,
    enode_endpoints,
    enode_unique_id,
)
from custom_components.connected_ev.providers.hiven import hiven_base_url


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (Environment.PRODUCTION, EnodeEnvironment.PRODUCTION.endpoints),
        (Environment.SANDBOX, EnodeEnvironment.SANDBOX.endpoints),
        (
            Environment.CUSTOM,
            EnodeEndpoints("http://127.0.0.1:8765", "http://127.0.0.1:8765/oauth2/token"),
        ),
    ],
)
def test_endpoints_follow_the_environment(
    environment: Environment, expected: EnodeEndpoints
) -> None:
    """The base URL only matters for the custom environment."""
    assert enode_endpoints(environment, "http://127.0.0.1:8765") == expected


def test_custom_environment_needs_a_base_url() -> None:
    with pytest.raises(ValueError, match="base URL"):
        enode_endpoints(Environment.CUSTOM, None)


async def test_application_credentials_describe_enode(hass: HomeAssistant) -> None:
    """The credentials dialog points at Enode's console and at the local sandbox."""
    credential = ClientCredential("client-id", "client-secret", "Main")
    implementation = await async_get_auth_implementation(hass, "cred", credential)
    assert implementation.authorize_url == ENODE_LINK_UI_URL
    assert implementation.token_url == EnodeEnvironment.PRODUCTION.endpoints.token_url
    assert (implementation.client_id, implementation.name) == ("client-id", "Main")
    placeholders = await async_get_description_placeholders(hass)
    assert placeholders == {
        "console_url": "https://developers.enode.com",
        "sandbox_hint": "python -m sandbox.enode",
    }


def test_hiven_base_url() -> None:
    """Production is Hiven's API; the custom environment needs its base URL."""
    assert hiven_base_url(Environment.PRODUCTION, "http://ignored") == "https://api.hiven.energy"
    assert hiven_base_url(Environment.CUSTOM, "http://127.0.0.1:8766") == "http://127.0.0.1:8766"
    with pytest.raises(ValueError, match="base URL"):
        hiven_base_url(Environment.CUSTOM, None)


async def test_create_hiven_provider(hass: HomeAssistant) -> None:
    """A Hiven entry needs no application credential; the country follows the entry, then HA."""
    data = {
        CONF_PROVIDER: ProviderName.HIVEN.value,
        CONF_ENVIRONMENT: Environment.PRODUCTION.value,
        CONF_API_KEY: "key",
        CONF_USER_ID: "user-1",
    }
    assert not uses_application_credentials(data)
    assert uses_application_credentials({CONF_ENVIRONMENT: Environment.SANDBOX.value})
    hass.config.country = "SE"
    provider = create_provider(hass, data)
    assert isinstance(provider, HivenProvider)
    assert provider.account_id == "user-1"
    assert "key" not in repr(provider.client)
    created = create_provider(hass, {**data, CONF_COUNTRY: "NO"})
    assert isinstance(created, HivenProvider)


async def test_enode_needs_a_credential(hass: HomeAssistant) -> None:
    with pytest.raises(ValueError, match="application credential"):
        create_provider(hass, {CONF_ENVIRONMENT: Environment.SANDBOX.value, CONF_USER_ID: "u"})


def test_enode_unique_id_needs_the_client() -> None:
    """An Enode entry's unique id names its client: without one there is none."""
    data = {CONF_USER_ID: "user-1"}
    enode = PROVIDERS[ProviderName.ENODE]
    with pytest.raises(ValueError, match="application credential"):
        enode.unique_id(data, None)
    assert enode.unique_id(data, "client") == enode_unique_id("client", "user-1")


def test_registry_describes_every_provider() -> None:
    """Each provider names its own steps, titles for its environments and its auth kind."""
    for name, description in PROVIDERS.items():
        assert description.name == name
        assert set(description.titles) == set(description.environments)
        assert description.uses_application_credentials == (
            description.auth is AuthKind.APPLICATION_CREDENTIAL
        )
    assert get_description({}) is PROVIDERS[ProviderName.ENODE]
    assert get_description({CONF_PROVIDER: "hiven"}).link is LinkKind.AUTHORIZATION_CODE
