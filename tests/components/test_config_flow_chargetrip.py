"""Config flow, Chargetrip branch: credentials, catalogue, authorization page, entry."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch
from urllib.parse import urlencode

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.config_entry_oauth2_flow import (
    AUTH_CALLBACK_PATH,
    MY_AUTH_CALLBACK_PATH,
)
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.chargetrip import CatalogueModel, ChargetripProvider
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    NotCapableError,
    ProviderError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.models import (
    DeviceKind,
    LinkOptions,
    LinkResult,
    LinkSession,
)
from custom_components.connected_ev.api.provider import features_of
from custom_components.connected_ev.const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    DOMAIN,
    Environment,
)
from custom_components.connected_ev.link_callback import LINK_CALLBACK_PATH
from custom_components.connected_ev.providers.chargetrip import (
    CONF_ACCOUNT,
    CONF_APP_ID,
    chargetrip_account,
    chargetrip_base_url,
    chargetrip_unique_id,
)

FLOW = "custom_components.connected_ev.flows.base"
HA_URL = "http://127.0.0.1:8123"
AUTH_URL = "https://link.enode.example/session-1"
TOKEN = "ct-user-token"
CREDENTIALS = {
    CONF_CLIENT_ID: " ct-client ",
    CONF_APP_ID: "ct-app",
    CONF_TOKEN: f" {TOKEN} ",
    CONF_ENVIRONMENT: "production",
}
MODELS = [
    CatalogueModel("m-1", "Tesla", "Model 3", "Long Range", "AWD", 75.0),
    CatalogueModel("m-2", "Tesla", "Model Y", None, None, None),
]

pytestmark = pytest.mark.usefixtures("current_request_with_host", "setup_entry", "ha_url")


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
async def ha_url(hass: HomeAssistant) -> None:
    """Give Home Assistant a URL, so the link page comes back to our callback view."""
    await async_process_ha_core_config(hass, {"internal_url": HA_URL})
    assert await async_setup_component(hass, "application_credentials", {})


@pytest.fixture
def provider() -> Generator[MagicMock]:
    """Mock the Chargetrip provider the flow builds."""
    with patch(f"{FLOW}.create_provider") as create:
        mock = create.return_value = MagicMock(spec=ChargetripProvider)
        mock.features = features_of(ChargetripProvider)
        mock.async_validate = AsyncMock()
        mock.async_search = AsyncMock(return_value=MODELS)
        mock.async_create_link_session = AsyncMock(return_value=LinkSession(link_url=AUTH_URL))
        mock.async_complete_link = AsyncMock(return_value=LinkResult(device_id="cv-1"))
        yield mock


async def _credentials_form(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "chargetrip"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "chargetrip"
    return result


async def _model_form(hass: HomeAssistant, search: str = "tesla") -> ConfigFlowResult:
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["step_id"] == "chargetrip_search"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"search": search})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "chargetrip_model"
    return result


async def _link_step(hass: HomeAssistant, label: str = "") -> ConfigFlowResult:
    result = await _model_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"model": "m-1", "label": label}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["step_id"] == "link_vehicle"
    assert result["url"] == AUTH_URL
    return result


def _session_args(provider: MagicMock) -> tuple[str, LinkOptions]:
    kind, redirect_uri, _language, options = provider.async_create_link_session.call_args[0]
    assert kind is DeviceKind.VEHICLE
    return redirect_uri, options


async def _come_back(
    hass_client_no_auth: ClientSessionGenerator, path: str = LINK_CALLBACK_PATH, **query: str
) -> None:
    """Send the browser back from the link page to ``path`` (our callback view)."""
    client = await hass_client_no_auth()
    resp = await client.get(f"{path}?{urlencode(query)}")
    assert resp.status == 200


def _options(result: ConfigFlowResult) -> list[dict[str, str]]:
    schema = result["data_schema"]
    assert schema is not None
    selector = next(value for key, value in schema.schema.items() if key == "model")
    options: list[dict[str, str]] = selector.config["options"]
    return options


async def test_add_the_account_and_link_a_vehicle(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    provider: MagicMock,
    setup_entry: AsyncMock,
) -> None:
    """Credentials → search → model and label → Link page → back with a code → entry."""
    result = await _model_form(hass)
    assert _options(result) == [
        {"value": "m-1", "label": "Tesla Model 3 Long Range AWD · 75 kWh"},
        {"value": "m-2", "label": "Tesla Model Y"},
    ]
    assert result["description_placeholders"] == {"page": "1"}
    provider.async_search.assert_awaited_with("tesla", 0)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"model": "m-1", "label": " Family car "}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    redirect_uri, options = _session_args(provider)
    assert redirect_uri == HA_URL + LINK_CALLBACK_PATH
    assert (options.model_id, options.label) == ("m-1", "Family car")
    assert options.state

    await _come_back(hass_client_no_auth, state=options.state, code="c-1")
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    provider.async_complete_link.assert_awaited_once_with("c-1", redirect_uri)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Chargetrip"
    data = {
        CONF_PROVIDER: "chargetrip",
        CONF_ENVIRONMENT: "production",
        CONF_BASE_URL: None,
        CONF_CLIENT_ID: "ct-client",
        CONF_APP_ID: "ct-app",
        CONF_TOKEN: TOKEN,
    }
    assert result["data"] == {**data, CONF_ACCOUNT: chargetrip_account(data)}
    assert result["result"].unique_id == chargetrip_unique_id(result["data"])
    assert TOKEN not in result["result"].unique_id
    assert setup_entry.await_count == 1


async def test_no_code_back_still_authorizes(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """Enode may send no code: authorize is called without one and decides."""
    result = await _link_step(hass)
    _uri, options = _session_args(provider)
    assert options.label is None
    assert options.state is not None
    await _come_back(hass_client_no_auth, state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert provider.async_complete_link.await_args.args[0] == ""
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_more_models_and_no_more(hass: HomeAssistant, provider: MagicMock) -> None:
    """Show more reads the next page; an empty page goes back to the search."""
    result = await _model_form(hass, search="")
    provider.async_search.assert_awaited_with(None, 0)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"more": True})
    provider.async_search.assert_awaited_with(None, 1)
    assert result["description_placeholders"] == {"page": "2"}
    provider.async_search.return_value = []
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"more": True})
    assert result["step_id"] == "chargetrip_search"
    assert result["errors"] == {"base": "chargetrip_no_models"}


async def test_a_model_must_be_picked(hass: HomeAssistant, provider: MagicMock) -> None:
    """Submitting without a model and without "more" asks again."""
    result = await _model_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "chargetrip_model"
    assert result["errors"] == {"base": "chargetrip_pick_model"}


async def test_search_failure_aborts(hass: HomeAssistant, provider: MagicMock) -> None:
    """Chargetrip unreachable while searching: cannot connect."""
    provider.async_search.side_effect = ProviderUnavailableError("down")
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (AuthenticationError("no"), "chargetrip_invalid_auth"),
        (ProviderUnavailableError("down"), "cannot_connect"),
        (ProviderError("odd"), "unknown"),
    ],
)
async def test_credentials_are_tested(
    hass: HomeAssistant, provider: MagicMock, error: Exception, key: str
) -> None:
    """Each failure is a form error; the token is not offered back."""
    provider.async_validate.side_effect = error
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": key}
    schema = result["data_schema"]
    assert schema is not None
    suggested = {str(k): (k.description or {}).get("suggested_value") for k in schema.schema}
    assert suggested[CONF_TOKEN] is None
    assert suggested[CONF_APP_ID] == "ct-app"


@pytest.mark.parametrize(
    ("base_url", "error"), [(None, "base_url_required"), ("ftp://x", "invalid_base_url")]
)
async def test_custom_environment_needs_a_base_url(
    hass: HomeAssistant, provider: MagicMock, base_url: str | None, error: str
) -> None:
    """The custom environment's URL is checked before anything is sent."""
    result = await _credentials_form(hass)
    custom: dict[str, Any] = {**CREDENTIALS, CONF_ENVIRONMENT: "custom"}
    if base_url:
        custom[CONF_BASE_URL] = base_url
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["errors"] == {CONF_BASE_URL: error}
    provider.async_validate.assert_not_awaited()


async def test_same_account_twice_aborts(hass: HomeAssistant, provider: MagicMock) -> None:
    """The same server, project and token: already configured."""
    _entry(hass)
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            ConflictError("x", problem_type="vehicle_already_connected"),
            "chargetrip_already_connected",
        ),
        (
            NotCapableError("x", problem_type="connect_provider_not_allowed"),
            "chargetrip_not_enabled",
        ),
        (ForbiddenError("x", problem_type="operation_not_allowed"), "chargetrip_not_enabled"),
        (
            ForbiddenError("x", problem_type="connected_vehicle_per_make_limit_reached"),
            "chargetrip_make_limit",
        ),
        (ForbiddenError("x"), "link_limit_reached"),
        (ProviderUnavailableError("x", problem_type="enode_proxy_exception"), "cannot_connect"),
        (AuthenticationError("x", problem_type="auth_token_expired"), "chargetrip_invalid_auth"),
    ],
)
async def test_create_refusals_are_explained(
    hass: HomeAssistant, provider: MagicMock, error: Exception, reason: str
) -> None:
    """Each refusal of createConnectedVehicle aborts with its own message."""
    provider.async_create_link_session.side_effect = error
    result = await _model_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"model": "m-1"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (NotCapableError("x", problem_type="not_authorized"), "chargetrip_not_authorized"),
        (NotCapableError("x", problem_type="auth_code_invalid"), "chargetrip_not_authorized"),
        (
            ConflictError("x", problem_type="connect_multiple_vehicles_not_allowed"),
            "chargetrip_multiple_vehicles",
        ),
        (ProviderUnavailableError("x"), "cannot_connect"),
    ],
)
async def test_authorize_refusals_are_explained(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    provider: MagicMock,
    error: Exception,
    reason: str,
) -> None:
    """Not authorized after the Link page: no entry, a clear reason."""
    provider.async_complete_link.side_effect = error
    result = await _link_step(hass)
    _uri, options = _session_args(provider)
    assert options.state is not None
    await _come_back(hass_client_no_auth, state=options.state, code="c")
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


def _entry(hass: HomeAssistant) -> MockConfigEntry:
    data = {
        CONF_PROVIDER: "chargetrip",
        CONF_ENVIRONMENT: "production",
        CONF_BASE_URL: None,
        CONF_CLIENT_ID: "ct-client",
        CONF_APP_ID: "ct-app",
        CONF_TOKEN: TOKEN,
    }
    data[CONF_ACCOUNT] = chargetrip_account(data)
    entry = MockConfigEntry(
        domain=DOMAIN, title="Chargetrip", unique_id=chargetrip_unique_id(data), data=data
    )
    entry.add_to_hass(hass)
    return entry


async def test_reauth_asks_for_a_new_token(hass: HomeAssistant, provider: MagicMock) -> None:
    """The new token is tested, then stored; the unique id stays."""
    entry = _entry(hass)
    unique_id = entry.unique_id
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "chargetrip_reauth"
    assert result["description_placeholders"] == {"name": "Chargetrip"}
    provider.async_validate.side_effect = AuthenticationError("no")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_TOKEN: "bad"})
    assert result["errors"] == {"base": "chargetrip_invalid_auth"}
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: " fresh "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == "fresh"
    assert entry.unique_id == unique_id


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> ConfigFlowResult:
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["reconfigure_chargetrip", "chargetrip_search"]
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


async def test_reconfigure_changes_token_and_server(
    hass: HomeAssistant, provider: MagicMock
) -> None:
    """A bad URL and a refused token are form errors; then the change is saved."""
    entry = _entry(hass)
    result = await _reconfigure(hass, entry, "reconfigure_chargetrip")
    assert result["step_id"] == "reconfigure_chargetrip"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "t", CONF_ENVIRONMENT: "custom"}
    )
    assert result["errors"] == {CONF_BASE_URL: "base_url_required"}
    provider.async_validate.side_effect = ProviderUnavailableError("down")
    changed = {
        CONF_TOKEN: "t2",
        CONF_ENVIRONMENT: "custom",
        CONF_BASE_URL: "http://127.0.0.1:8767/",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], changed)
    assert result["errors"] == {"base": "cannot_connect"}
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], changed)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_TOKEN] == "t2"
    assert entry.data[CONF_BASE_URL] == "http://127.0.0.1:8767"
    assert entry.data[CONF_CLIENT_ID] == "ct-client"


async def test_reconfigure_links_another_vehicle(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """Reconfigure → search → model → Link page → linked, the entry reloads."""
    entry = _entry(hass)
    result = await _reconfigure(hass, entry, "chargetrip_search")
    assert result["step_id"] == "chargetrip_search"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"model": "m-2"})
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    _uri, options = _session_args(provider)
    assert options.state is not None
    await _come_back(hass_client_no_auth, state=options.state, code="c")
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_linked"


def test_base_url_per_environment() -> None:
    """Production is Chargetrip's API; custom needs the user's base URL."""
    assert chargetrip_base_url(Environment.PRODUCTION, "http://ignored") == (
        "https://api.chargetrip.io"
    )
    assert chargetrip_base_url(Environment.CUSTOM, "http://127.0.0.1:1") == "http://127.0.0.1:1"
    with pytest.raises(ValueError, match="base URL"):
        chargetrip_base_url(Environment.CUSTOM, None)


async def test_resume_through_my(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """With my.home-assistant.io the code comes back through Home Assistant's OAuth view."""
    hass.config.components.add("my")
    result = await _link_step(hass)
    redirect_uri, options = _session_args(provider)
    assert redirect_uri == MY_AUTH_CALLBACK_PATH
    assert options.state is not None
    await _come_back(hass_client_no_auth, AUTH_CALLBACK_PATH, code="c-9", state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    provider.async_complete_link.assert_awaited_once_with("c-9", MY_AUTH_CALLBACK_PATH)
    assert result["type"] is FlowResultType.CREATE_ENTRY
