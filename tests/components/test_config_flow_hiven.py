"""Config flow, Hiven branch: credentials, vehicle choice, authorization page, code, entry."""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch
from urllib.parse import urlencode

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.config_entry_oauth2_flow import (
    AUTH_CALLBACK_PATH,
    MY_AUTH_CALLBACK_PATH,
    _decode_jwt,
)
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    NotCapableError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.hiven import (
    HIVEN_FEATURES,
    DeviceOwnedByAnotherUserError,
    HivenProvider,
)
from custom_components.connected_ev.api.models import (
    DeviceKind,
    LinkOptions,
    LinkResult,
    LinkSession,
)
from custom_components.connected_ev.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_MANUFACTURER,
    CONF_MODE,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
)
from custom_components.connected_ev.link_callback import DATA_LINK_STATES, LINK_CALLBACK_PATH
from custom_components.connected_ev.providers.hiven import hiven_unique_id

FLOW = "custom_components.connected_ev.flows.base"
HA_URL = "http://127.0.0.1:8123"
AUTH_URL = "https://connect.smartcar.example/oauth/authorize?make=TESLA&state=s"
API_KEY = "hiven-secret-key"
USER_ID = "hiven-user-1"
CREDENTIALS = {CONF_API_KEY: API_KEY, CONF_USER_ID: USER_ID, CONF_ENVIRONMENT: "production"}
VEHICLE = {CONF_MANUFACTURER: "tesla", CONF_COUNTRY: "SE", CONF_MODE: "simulated"}
STRINGS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "strings.json"

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
    """Give Home Assistant a URL (our callback view) and HA's OAuth callback view."""
    await async_process_ha_core_config(hass, {"internal_url": HA_URL, "country": "FI"})
    assert await async_setup_component(hass, "application_credentials", {})


@pytest.fixture
def provider() -> Generator[MagicMock]:
    """Mock the Hiven provider the flow builds (yields the provider)."""
    with patch(f"{FLOW}.create_provider") as create:
        mock = create.return_value = MagicMock(spec=HivenProvider)
        mock.features = HIVEN_FEATURES
        mock.async_validate = AsyncMock()
        mock.async_create_link_session = AsyncMock(return_value=LinkSession(link_url=AUTH_URL))
        mock.async_complete_link = AsyncMock(return_value=LinkResult(device_id="dev-1"))
        yield mock


async def _credentials_form(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "hiven"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hiven"
    return result


async def _authorization_step(
    hass: HomeAssistant, credentials: dict[str, Any] | None = None
) -> ConfigFlowResult:
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials or CREDENTIALS
    )
    assert result["step_id"] == "hiven_vehicle"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], VEHICLE)
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["step_id"] == "link_vehicle"
    assert result["url"] == AUTH_URL
    return result


def _session_args(provider: MagicMock) -> tuple[str, LinkOptions]:
    """Return the redirect URI and the options of the last authorization URL."""
    kind, redirect_uri, _language, options = provider.async_create_link_session.call_args[0]
    assert kind is DeviceKind.VEHICLE
    return redirect_uri, options


def _defaults(schema: Any) -> dict[str, Any]:
    """Return the form's default values by field name."""
    return {str(key): key.default() for key in schema.schema if callable(key.default)}


async def _come_back(hass_client_no_auth: ClientSessionGenerator, path: str, **query: str) -> None:
    """Send the browser to ``path`` the way Smartcar does."""
    client = await hass_client_no_auth()
    resp = await client.get(f"{path}?{urlencode(query)}")
    assert resp.status == 200


async def test_manufacturer_choice(hass: HomeAssistant, provider: MagicMock) -> None:
    """Every manufacturer has a label; Hiven gets the chosen one in its own spelling."""
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["step_id"] == "hiven_vehicle"
    schema = result["data_schema"]
    assert schema is not None
    selector = next(value for key, value in schema.schema.items() if key == CONF_MANUFACTURER)
    labels = json.loads(STRINGS.read_text(encoding="utf-8"))["selector"]["manufacturer"]
    assert selector.config["translation_key"] == CONF_MANUFACTURER
    assert selector.config["options"] == list(labels["options"])

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**VEHICLE, CONF_MANUFACTURER: "landrover"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    _uri, options = _session_args(provider)
    assert options.manufacturer == "LANDROVER"


async def test_connect_a_vehicle(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    provider: MagicMock,
    setup_entry: AsyncMock,
) -> None:
    """Credentials, vehicle choice, authorization page, the code back, the entry."""
    result = await _authorization_step(hass)
    redirect_uri, options = _session_args(provider)
    assert redirect_uri == HA_URL + LINK_CALLBACK_PATH
    assert (options.manufacturer, options.country_code, options.mode) == (
        "TESLA",
        "SE",
        "simulated",
    )
    assert options.state

    await _come_back(hass_client_no_auth, LINK_CALLBACK_PATH, code="c-1", state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    provider.async_complete_link.assert_awaited_once_with("c-1", redirect_uri)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Hiven"
    assert result["data"] == {
        CONF_PROVIDER: "hiven",
        CONF_ENVIRONMENT: "production",
        CONF_BASE_URL: None,
        CONF_API_KEY: API_KEY,
        CONF_USER_ID: USER_ID,
        CONF_COUNTRY: "SE",
    }
    assert result["result"].unique_id == hiven_unique_id(None, USER_ID)
    assert USER_ID not in result["result"].unique_id
    assert setup_entry.await_count == 1


async def test_country_defaults_to_home_assistants(
    hass: HomeAssistant, provider: MagicMock
) -> None:
    """The country field starts at Home Assistant's country."""
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    schema = result["data_schema"]
    assert schema is not None
    defaults = _defaults(schema)
    assert defaults[CONF_COUNTRY] == "FI"
    assert defaults[CONF_MODE] == "live"


async def test_country_fallback_without_ha_country(
    hass: HomeAssistant, provider: MagicMock
) -> None:
    """Without a Home Assistant country the document's default country is offered."""
    hass.config.country = None
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    schema = result["data_schema"]
    assert schema is not None
    defaults = _defaults(schema)
    assert defaults[CONF_COUNTRY] == "FI"


async def test_tesla_virtual_key(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """A virtual-key URL in the redirect sends the user there before the entry is made."""
    result = await _authorization_step(hass)
    _uri, options = _session_args(provider)
    key_url = "https://www.tesla.example/_ak/hiven?vin=1"
    assert options.state is not None
    await _come_back(
        hass_client_no_auth,
        LINK_CALLBACK_PATH,
        code="c-1",
        state=options.state,
        virtual_key_url=key_url,
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "virtual_key"
    assert result["description_placeholders"] == {"url": key_url.replace("&", "&amp;")}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_resume_through_my(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """With ``my`` loaded the code comes back through Home Assistant's OAuth redirect."""
    hass.config.components.add("my")
    result = await _authorization_step(hass)
    redirect_uri, options = _session_args(provider)
    assert redirect_uri == MY_AUTH_CALLBACK_PATH
    assert options.state is not None
    claims = _decode_jwt(hass, options.state)
    assert claims is not None
    assert claims["flow_id"] == result["flow_id"]

    await _come_back(hass_client_no_auth, AUTH_CALLBACK_PATH, code="c-9", state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    provider.async_complete_link.assert_awaited_once_with("c-9", MY_AUTH_CALLBACK_PATH)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (DeviceOwnedByAnotherUserError("owned", status=409), "owned_by_another_user"),
        (NotCapableError("expired code", status=400), "link_refused"),
        (ProviderUnavailableError("down"), "cannot_connect"),
        (AuthenticationError("no"), "hiven_invalid_auth"),
    ],
)
async def test_connect_failures_abort(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    provider: MagicMock,
    error: Exception,
    reason: str,
) -> None:
    """409 and the other connect failures end in translated aborts."""
    provider.async_complete_link.side_effect = error
    result = await _authorization_step(hass)
    _uri, options = _session_args(provider)
    assert options.state is not None
    await _come_back(hass_client_no_auth, LINK_CALLBACK_PATH, code="c-1", state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_cancelled_on_the_authorization_page(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """Smartcar's ``error=access_denied`` ends the flow as cancelled."""
    result = await _authorization_step(hass)
    _uri, options = _session_args(provider)
    assert options.state is not None
    await _come_back(
        hass_client_no_auth, LINK_CALLBACK_PATH, error="access_denied", state=options.state
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "link_cancelled"
    provider.async_complete_link.assert_not_awaited()


async def test_back_without_code(hass: HomeAssistant, provider: MagicMock) -> None:
    """A redirect with this session's state but neither code nor error links nothing."""
    result = await _authorization_step(hass)
    _uri, options = _session_args(provider)
    assert options.state is not None
    claims = hass.data[DATA_LINK_STATES].pending_claims(options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"state": claims})
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_linked"


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (AuthenticationError("bad key", status=401), "hiven_invalid_auth"),
        (AuthenticationError("other user", status=403), "hiven_invalid_auth"),
        (ForbiddenError("limit", status=403), "unknown"),
        (ProviderUnavailableError("down"), "cannot_connect"),
        (RuntimeError("boom"), "unknown"),
    ],
)
async def test_credential_errors(
    hass: HomeAssistant, provider: MagicMock, error: Exception, key: str
) -> None:
    """Rejected or unreachable: the form again, without the API key filled in."""
    provider.async_validate.side_effect = error
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": key}
    schema = result["data_schema"]
    assert schema is not None
    suggested = {str(k): (k.description or {}).get("suggested_value") for k in schema.schema}
    assert suggested[CONF_API_KEY] is None
    assert suggested[CONF_USER_ID] == USER_ID


@pytest.mark.parametrize(
    ("base_url", "error"),
    [(None, "base_url_required"), ("ftp://x", "invalid_base_url")],
)
async def test_custom_base_url_errors(
    hass: HomeAssistant, provider: MagicMock, base_url: str | None, error: str
) -> None:
    """The custom environment needs an http(s) base URL."""
    result = await _credentials_form(hass)
    user_input: dict[str, Any] = {**CREDENTIALS, CONF_ENVIRONMENT: "custom"}
    if base_url is not None:
        user_input[CONF_BASE_URL] = base_url
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {CONF_BASE_URL: error}
    provider.async_validate.assert_not_awaited()


async def test_custom_base_url_and_duplicate(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """A custom server gets its own title; the same user on it again is refused."""
    custom = {**CREDENTIALS, CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "http://127.0.0.1:8766/"}
    result = await _authorization_step(hass, custom)
    _uri, options = _session_args(provider)
    assert options.state is not None
    await _come_back(hass_client_no_auth, LINK_CALLBACK_PATH, code="c-1", state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["title"] == "Hiven (custom)"
    assert result["data"][CONF_BASE_URL] == "http://127.0.0.1:8766"

    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _entry(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Hiven",
        unique_id=hiven_unique_id(None, USER_ID),
        data={
            CONF_PROVIDER: "hiven",
            CONF_ENVIRONMENT: "production",
            CONF_BASE_URL: None,
            CONF_API_KEY: API_KEY,
            CONF_USER_ID: USER_ID,
            CONF_COUNTRY: "SE",
        },
    )
    entry.add_to_hass(hass)
    return entry


async def test_reconfigure_links_another_vehicle(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, provider: MagicMock
) -> None:
    """Reconfigure goes straight to the vehicle choice and ends with the vehicle linked."""
    entry = _entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "hiven_vehicle"}
    )
    assert result["step_id"] == "hiven_vehicle"
    schema = result["data_schema"]
    assert schema is not None
    defaults = _defaults(schema)
    assert defaults[CONF_COUNTRY] == "SE"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**VEHICLE, CONF_COUNTRY: "NO"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    _uri, options = _session_args(provider)
    assert options.state is not None
    await _come_back(hass_client_no_auth, LINK_CALLBACK_PATH, code="c-2", state=options.state)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_linked"
    assert entry.data[CONF_COUNTRY] == "SE"  # the account's country stays


async def test_reauth(hass: HomeAssistant, provider: MagicMock) -> None:
    """A new API key is tested, then stored; the user id stays."""
    entry = _entry(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "hiven_reauth"
    provider.async_validate.side_effect = AuthenticationError("no")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "wrong"}
    )
    assert result["errors"] == {"base": "hiven_invalid_auth"}
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: " new-key "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == "new-key"
    assert entry.data[CONF_USER_ID] == USER_ID


async def _reconfigure_hiven(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_hiven"}
    )
    assert result["step_id"] == "reconfigure_hiven"
    schema = result["data_schema"]
    assert schema is not None
    assert CONF_USER_ID not in {str(key) for key in schema.schema}
    return result


async def test_reconfigure_server_and_key(hass: HomeAssistant, provider: MagicMock) -> None:
    """A new key and server are tested, then stored; the unique id follows the server."""
    entry = _entry(hass)
    result = await _reconfigure_hiven(hass, entry)
    custom = {CONF_API_KEY: "k2", CONF_ENVIRONMENT: "custom"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["errors"] == {CONF_BASE_URL: "base_url_required"}
    provider.async_validate.side_effect = ProviderUnavailableError("down")
    custom[CONF_BASE_URL] = "http://127.0.0.1:8766"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["errors"] == {"base": "cannot_connect"}
    provider.async_validate.side_effect = AuthenticationError("bad key", status=401)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["errors"] == {"base": "hiven_invalid_auth"}
    provider.async_validate.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_API_KEY] == "k2"
    assert entry.data[CONF_BASE_URL] == "http://127.0.0.1:8766"
    assert entry.unique_id == hiven_unique_id("http://127.0.0.1:8766", USER_ID)

    # The same server again keeps the unique id.
    result = await _reconfigure_hiven(hass, entry)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], custom)
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_onto_another_entry(hass: HomeAssistant, provider: MagicMock) -> None:
    """Moving to a server where the same user already has an entry is refused."""
    entry = _entry(hass)
    MockConfigEntry(
        domain=DOMAIN, unique_id=hiven_unique_id("http://127.0.0.1:8766", USER_ID)
    ).add_to_hass(hass)
    result = await _reconfigure_hiven(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: "k2", CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "http://127.0.0.1:8766"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_API_KEY] == API_KEY


@pytest.mark.parametrize(
    ("error", "reason"),
    [(AuthenticationError("no", status=401), "hiven_invalid_auth"), (RuntimeError("x"), "unknown")],
)
async def test_authorization_url_failure_aborts(
    hass: HomeAssistant, provider: MagicMock, error: Exception, reason: str
) -> None:
    """A rejected key when asking for the authorization page names Hiven's credentials."""
    provider.async_create_link_session.side_effect = error
    result = await _credentials_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CREDENTIALS)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], VEHICLE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


def test_hiven_rejection_names_api_key_and_user_id() -> None:
    """The message of a Hiven rejection names what the user typed, not a client secret."""
    config = json.loads(STRINGS.read_text(encoding="utf-8"))["config"]
    for section in ("error", "abort"):
        text = config[section]["hiven_invalid_auth"]
        assert "API key" in text
        assert "user id" in text
        assert "secret" not in text
