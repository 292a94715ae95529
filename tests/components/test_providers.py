"""Stored settings become the right provider client; credentials help the user find theirs."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant

from custom_components.connected_ev.api.enode import EnodeEndpoints, EnodeEnvironment
from custom_components.connected_ev.application_credentials import (
    ENODE_LINK_UI_URL,
    async_get_authorization_server,
    async_get_description_placeholders,
)
from custom_components.connected_ev.const import Environment
from custom_components.connected_ev.providers import enode_endpoints


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
    server = await async_get_authorization_server(hass)
    assert server.authorize_url == ENODE_LINK_UI_URL
    assert server.token_url == EnodeEnvironment.PRODUCTION.endpoints.token_url
    placeholders = await async_get_description_placeholders(hass)
    assert placeholders == {
        "console_url": "https://developers.enode.com",
        "sandbox_hint": "python -m sandbox",
    }
