"""Config flow, Connectors API branch: server, credentials and customer; reauth; reconfigure."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.connectors import ConnectorsProvider
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.const import CONF_PROVIDER, DOMAIN
from custom_components.connected_ev.providers.connectors import connectors_unique_id

FLOW = "custom_components.connected_ev.flows.base"
BASE = "http://127.0.0.1:8768"
CUSTOMER = "160c0c4b-9966-4dc1-a916-8407eb10d74e"
KEY_INPUT = {"base_url": BASE + "/", "customer_id": CUSTOMER.upper(), "api_key": " key-1 "}
OAUTH_INPUT = {
    "base_url": BASE,
    "customer_id": CUSTOMER,
    "client_id": "id-1",
    "client_secret": "secret-1",
    "token_url": "https://auth.example/oauth2/token/",
}

pytestmark = pytest.mark.usefixtures("setup_entry")


@pytest.fixture
def setup_entry() -> Generator[AsyncMock]:
    """Keep setup out of the flow tests."""
    with (
        patch("custom_components.connected_ev.async_setup_entry", create=True) as setup,
        patch("custom_components.connected_ev.async_unload_entry", create=True) as unload,
    ):
        setup.return_value = True
        unload.return_value = True
        yield setup


@pytest.fixture
def provider() -> Generator[MagicMock]:
    """Mock the provider the flow builds; ``create`` records the data it was built from."""
    with patch(f"{FLOW}.create_provider") as create:
        mock = create.return_value = MagicMock(spec=ConnectorsProvider)
        mock.async_validate = AsyncMock()
        mock.create = create
        yield mock


async def _form(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "connectors"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connectors"
    return result


def _entry(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Connectors API",
        unique_id=connectors_unique_id(BASE, CUSTOMER),
        data={
            CONF_PROVIDER: "connectors",
            "environment": "custom",
            "base_url": BASE,
            "customer_id": CUSTOMER,
            "api_key": "key-1",
            **data,
        },
        version=2,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    return entry


async def test_api_key_account(hass: HomeAssistant, provider: MagicMock) -> None:
    """Tested by listing the customer's connectors, then stored, normalized; no link step."""
    result = await _form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], KEY_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Connectors API"
    assert result["data"] == {
        CONF_PROVIDER: "connectors",
        "environment": "custom",
        "base_url": BASE,
        "customer_id": CUSTOMER,
        "api_key": "key-1",
    }
    assert result["result"].unique_id == connectors_unique_id(BASE, CUSTOMER)
    assert CUSTOMER not in result["result"].unique_id
    provider.async_validate.assert_awaited_once()


async def test_client_credentials_account(hass: HomeAssistant, provider: MagicMock) -> None:
    result = await _form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], OAUTH_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["client_id"] == "id-1"
    assert result["data"]["client_secret"] == "secret-1"
    assert result["data"]["token_url"] == "https://auth.example/oauth2/token"
    assert "api_key" not in result["data"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"base_url": "ftp://x"}, {"base_url": "invalid_base_url"}),
        ({"customer_id": "1005123"}, {"customer_id": "connectors_invalid_customer_id"}),
        ({"api_key": ""}, {"base": "connectors_one_credential"}),
        ({"client_id": "id-1", "client_secret": "s"}, {"base": "connectors_one_credential"}),
        ({"api_key": "", "client_id": "id-1"}, {"base": "connectors_one_credential"}),
        (
            {"api_key": "", "client_id": "i", "client_secret": "s", "token_url": "nope"},
            {"token_url": "invalid_base_url"},
        ),
    ],
)
async def test_form_errors_send_nothing(
    hass: HomeAssistant, provider: MagicMock, changes: dict[str, str], errors: dict[str, str]
) -> None:
    result = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**KEY_INPUT, **changes}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    provider.async_validate.assert_not_awaited()
    # What was typed comes back, except the secrets.
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested["customer_id"] == KEY_INPUT["customer_id"] or "customer_id" in changes
    assert "api_key" not in suggested
    assert "client_secret" not in suggested


@pytest.mark.parametrize(
    ("error", "errors"),
    [
        (AuthenticationError("no", status=401), {"base": "connectors_invalid_auth"}),
        (NotFoundError("no connectors"), {"customer_id": "connectors_no_connectors"}),
        (NotFoundError("404", status=404), {"base_url": "connectors_not_the_api"}),
        (InvalidResponseError("html"), {"base_url": "connectors_not_the_api"}),
        (NotCapableError("400", status=400), {"base_url": "connectors_not_the_api"}),
        (ProviderUnavailableError("down"), {"base": "cannot_connect"}),
        (RuntimeError("boom"), {"base": "unknown"}),
    ],
)
async def test_test_listing_errors(
    hass: HomeAssistant, provider: MagicMock, error: Exception, errors: dict[str, str]
) -> None:
    provider.async_validate.side_effect = error
    result = await _form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], KEY_INPUT)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], KEY_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_customer_twice(hass: HomeAssistant, provider: MagicMock) -> None:
    _entry(hass)
    result = await _form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], KEY_INPUT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_switches_credentials(hass: HomeAssistant, provider: MagicMock) -> None:
    """New credentials are tested, then replace the old kind entirely."""
    entry = _entry(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "connectors_reauth"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "connectors_one_credential"}
    provider.async_validate.side_effect = AuthenticationError("no", status=401)
    oauth = {"client_id": "id-2", "client_secret": "secret-2"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], oauth)
    assert result["errors"] == {"base": "connectors_invalid_auth"}
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], oauth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert "api_key" not in entry.data
    assert entry.data["client_id"] == "id-2"
    assert entry.data["token_url"] is None
    assert entry.data["customer_id"] == CUSTOMER


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["reconfigure_connectors"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_connectors"}
    )
    assert result["step_id"] == "reconfigure_connectors"
    assert "customer_id" not in {str(key) for key in result["data_schema"].schema}
    return result


async def test_reconfigure_server_and_credentials(hass: HomeAssistant, provider: MagicMock) -> None:
    entry = _entry(hass)
    result = await _reconfigure(hass, entry)
    new = {"base_url": "https://partner.example", "api_key": "key-2"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**new, "base_url": "x"}
    )
    assert result["errors"] == {"base_url": "invalid_base_url"}
    provider.async_validate.side_effect = InvalidResponseError("html")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new)
    assert result["errors"] == {"base_url": "connectors_not_the_api"}
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new)
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["base_url"] == "https://partner.example"
    assert entry.data["api_key"] == "key-2"
    assert entry.unique_id == connectors_unique_id("https://partner.example", CUSTOMER)

    # The same server again keeps the unique id.
    result = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], new)
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_onto_another_entry(hass: HomeAssistant, provider: MagicMock) -> None:
    entry = _entry(hass)
    MockConfigEntry(
        domain=DOMAIN, unique_id=connectors_unique_id("https://partner.example", CUSTOMER)
    ).add_to_hass(hass)
    result = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": "https://partner.example", "api_key": "key-2"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["base_url"] == BASE


async def test_unusable_api_key_is_a_form_error(hass: HomeAssistant) -> None:
    """A key that cannot be sent as a header is refused before any request."""
    result = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**KEY_INPUT, "api_key": "key\u00a0with\u0007bell"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "connectors_invalid_auth"}
