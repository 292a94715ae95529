"""The Enode base-URL hint names the local sandbox's real address.

scripts/develop starts the sandbox on ``SANDBOX_PORT`` and tells Home Assistant its URL;
without it the hint shows the sandbox's default port.
"""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
)

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials", "no_setup")


@pytest.fixture
def no_setup() -> Generator[None]:
    """Keep the integration's setup out: only the forms matter here."""
    with patch("custom_components.connected_ev.async_setup_entry", return_value=True):
        yield


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """One stored application credential, so that the Enode form is shown."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("client-id", "client-secret", "Main"), "cred"
    )


async def _hint(hass: HomeAssistant, result: ConfigFlowResult) -> str:
    """Return the base-URL hint as the user reads it under the field."""
    translations = await async_get_translations(hass, "en", "config", [DOMAIN])
    key = f"component.{DOMAIN}.config.step.{result['step_id']}.data_description.base_url"
    return translations[key].format(**(result["description_placeholders"] or {}))


async def _enode_form(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enode"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enode"
    return result


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({"CONNECTED_EV_SANDBOX_URL": "http://127.0.0.1:18765"}, "http://127.0.0.1:18765"),
        ({}, "http://127.0.0.1:8765"),
        ({"CONNECTED_EV_SANDBOX_URL": ""}, "http://127.0.0.1:8765"),
    ],
)
async def test_hint_follows_the_sandbox_port(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], url: str
) -> None:
    """The demo's sandbox on another port is the address the hint suggests."""
    monkeypatch.delenv("CONNECTED_EV_SANDBOX_URL", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    hint = await _hint(hass, await _enode_form(hass))
    assert hint.endswith(f"for example {url} for the local sandbox.")


async def test_reconfigure_hint_follows_the_sandbox_port(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving an entry to the local sandbox suggests the same address."""
    monkeypatch.setenv("CONNECTED_EV_SANDBOX_URL", "http://127.0.0.1:18765")
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_PROVIDER: "enode",
            CONF_ENVIRONMENT: "sandbox",
            CONF_BASE_URL: None,
            CONF_USER_ID: "ha-user",
            CONF_AUTH_IMPLEMENTATION: "cred",
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_credentials"}
    )
    assert result["step_id"] == "reconfigure_credentials"
    assert "for example http://127.0.0.1:18765 for the local sandbox." in await _hint(hass, result)
