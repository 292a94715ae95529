"""Config flow: provider, credentials, linking through the signed callback, reauth, reconfigure."""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Mapping
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.config_entry_oauth2_flow import (
    AUTH_CALLBACK_PATH,
    MY_AUTH_CALLBACK_PATH,
    _decode_jwt,
    _encode_jwt,
)
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.enode import ENODE_FEATURES, EnodeProvider
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import DeviceInformation, DeviceKind, LinkSession
from custom_components.connected_ev.const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
    Environment,
)
from custom_components.connected_ev.flows.enode import async_derive_enode_user_id
from custom_components.connected_ev.identifiers import account_entity_unique_id, account_identifier
from custom_components.connected_ev.link_callback import (
    DATA_LINK_STATES,
    LINK_CALLBACK_PATH,
)
from custom_components.connected_ev.providers import async_migrate_unique_id
from custom_components.connected_ev.providers.enode import enode_language, enode_unique_id

FLOW = "custom_components.connected_ev.flows.base"
ENODE_FLOW = "custom_components.connected_ev.flows.enode"
CALLBACK = "custom_components.connected_ev.link_callback"
CLIENT_ID = "client-id"
CLIENT_SECRET = "client-secret"
LINK_URL = "https://link.example.com/session/abc"
HA_URL = "http://127.0.0.1:8123"

pytestmark = pytest.mark.usefixtures("current_request_with_host", "flow_setup_entry")


def _vehicle(display_name: str | None = None, brand: str | None = "Tesla") -> SimpleNamespace:
    return SimpleNamespace(
        vendor="TESLA",
        information=DeviceInformation(brand=brand, model="Model 3", display_name=display_name),
    )


@pytest.fixture
def flow_setup_entry() -> Generator[AsyncMock]:
    """Keep the other half of the integration (setup) out of flow tests."""
    with (
        patch("custom_components.connected_ev.async_setup_entry", create=True) as setup,
        patch("custom_components.connected_ev.async_unload_entry", create=True) as unload,
    ):
        setup.return_value = True
        unload.return_value = True
        yield setup


@pytest.fixture
async def flow_credentials(hass: HomeAssistant) -> None:
    """Give Home Assistant a URL and one stored application credential."""
    await async_process_ha_core_config(hass, {"internal_url": HA_URL})
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET, "Main"), "cred"
    )


def _assert_built_with_credential(
    create: MagicMock, hass: HomeAssistant, data: Mapping[str, Any]
) -> None:
    """Check the provider was built once, from ``data`` and the stored credential."""
    create.assert_called_once()
    built_hass, built_data, credential = create.call_args.args
    assert (built_hass, built_data) == (hass, data)
    assert (credential.client_id, credential.client_secret) == (CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def flow_client() -> Generator[MagicMock]:
    """Mock the Enode client the flow tests credentials with (yields the factory)."""
    with patch(f"{ENODE_FLOW}.create_enode_client") as create:
        create.return_value.async_validate_credentials = AsyncMock(return_value=None)
        yield create


@pytest.fixture
def flow_provider() -> Generator[MagicMock]:
    """Mock the provider the flow links with (yields the factory)."""
    with patch(f"{FLOW}.create_provider") as create:
        provider = create.return_value = MagicMock(spec=EnodeProvider)
        provider.features = ENODE_FEATURES
        provider.async_create_link_session = AsyncMock(
            return_value=LinkSession(link_url=LINK_URL, link_token="token")
        )
        provider.async_list_vehicles = AsyncMock(return_value=[_vehicle()])
        provider.async_list_chargers = AsyncMock(
            return_value=[
                SimpleNamespace(vendor="ZAPTEC", information=DeviceInformation(brand=None))
            ]
        )
        yield create


async def _enode_form(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enode"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "enode"
    return result


async def _link_vehicle_step(
    hass: HomeAssistant, user_input: dict[str, Any] | None = None
) -> ConfigFlowResult:
    result = await _enode_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input or {CONF_ENVIRONMENT: "production"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["step_id"] == "link_vehicle"
    return result


def _callback_path(provider_factory: MagicMock, call: int = -1) -> str:
    """Path and query the link page redirects to (what the browser would request)."""
    redirect_uri = provider_factory.return_value.async_create_link_session.call_args_list[call][0][
        1
    ]
    parts = urlsplit(redirect_uri)
    assert f"{parts.scheme}://{parts.netloc}" == HA_URL
    assert parts.path == LINK_CALLBACK_PATH
    return f"{parts.path}?{parts.query}"


def _fields(result: ConfigFlowResult) -> dict[Any, Any]:
    schema = result["data_schema"]
    assert schema is not None
    return dict(schema.schema)


def _state(path: str) -> str:
    return parse_qs(urlsplit(path).query)["state"][0]


async def _follow_callback(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, path: str
) -> None:
    client = await hass_client_no_auth()
    resp = await client.get(path)
    assert resp.status == 200
    assert "<script>window.close()</script>" in await resp.text()


@pytest.mark.usefixtures("flow_credentials")
async def test_link_vehicle_then_finish(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_client: MagicMock,
    flow_provider: MagicMock,
    flow_setup_entry: AsyncMock,
) -> None:
    """Credentials are tested, the vehicle is linked, and the entry holds the account."""
    result = await _link_vehicle_step(hass)
    assert result["url"] == LINK_URL
    flow_client.assert_called_once_with(
        hass, CLIENT_ID, CLIENT_SECRET, Environment.PRODUCTION, None
    )
    provider = flow_provider.return_value
    kind, _, language = provider.async_create_link_session.call_args[0]
    assert kind is DeviceKind.VEHICLE
    assert language == "en-US"

    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "link_more"
    assert result["description_placeholders"] == {"vehicles": "Tesla Model 3"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "finish"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Enode"
    user_id = await async_derive_enode_user_id(hass, CLIENT_ID)
    assert user_id.startswith("ha-")
    assert result["data"] == {
        CONF_PROVIDER: "enode",
        CONF_ENVIRONMENT: "production",
        CONF_BASE_URL: None,
        CONF_USER_ID: user_id,
        CONF_AUTH_IMPLEMENTATION: "cred",
    }
    assert result["result"].unique_id == enode_unique_id(CLIENT_ID, user_id)
    assert user_id not in result["result"].unique_id
    _assert_built_with_credential(flow_provider, hass, result["data"])
    assert len(flow_setup_entry.mock_calls) == 1


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_link_vehicle_and_charger(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """A second link session with charger scopes, then the entry is created."""
    flow_provider.return_value.async_list_vehicles.return_value = [_vehicle("My car")]
    result = await _link_vehicle_step(hass)
    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["description_placeholders"] == {"vehicles": "My car"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "link_charger"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["step_id"] == "link_charger"
    provider = flow_provider.return_value
    assert provider.async_create_link_session.call_args[0][0] is DeviceKind.CHARGER
    charger_path = _callback_path(flow_provider)
    assert _state(charger_path) != _state(_callback_path(flow_provider, 0))

    await _follow_callback(hass, hass_client_no_auth, charger_path)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    provider.async_list_chargers.assert_awaited_once()


@pytest.mark.parametrize(
    ("user_input", "title", "base_url"),
    [
        ({CONF_ENVIRONMENT: "sandbox", CONF_BASE_URL: "http://ignored"}, "Enode sandbox", None),
        (
            {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: " http://127.0.0.1:9999/ "},
            "Enode (custom)",
            "http://127.0.0.1:9999",
        ),
    ],
)
@pytest.mark.usefixtures("flow_credentials", "flow_provider")
async def test_environments(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_client: MagicMock,
    flow_provider: MagicMock,
    user_input: dict[str, str],
    title: str,
    base_url: str | None,
) -> None:
    """The environment decides the server, the title and the unique id."""
    result = await _link_vehicle_step(hass, user_input)
    environment = Environment(user_input[CONF_ENVIRONMENT])
    flow_client.assert_called_once_with(hass, CLIENT_ID, CLIENT_SECRET, environment, base_url)
    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    await hass.config_entries.flow.async_configure(result["flow_id"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "finish"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title
    assert result["data"][CONF_BASE_URL] == base_url
    user_id = result["data"][CONF_USER_ID]
    assert result["result"].unique_id == enode_unique_id(CLIENT_ID, user_id)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (AuthenticationError("no"), "invalid_auth"),
        (ProviderUnavailableError("down"), "cannot_connect"),
        (RateLimitedError("slow down", retry_after=3), "cannot_connect"),
        (RuntimeError("boom"), "unknown"),
    ],
)
@pytest.mark.usefixtures("flow_credentials", "flow_provider")
async def test_credential_errors_and_recovery(
    hass: HomeAssistant, flow_client: MagicMock, error: Exception, key: str
) -> None:
    """Each failure is a translated error on the form; fixing it continues the flow."""
    result = await _enode_form(hass)
    flow_client.return_value.async_validate_credentials.side_effect = error
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "production"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": key}

    flow_client.return_value.async_validate_credentials.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "production"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP


@pytest.mark.parametrize(
    ("base_url", "key"),
    [
        (None, "base_url_required"),
        ("", "base_url_required"),
        ("ftp://127.0.0.1", "invalid_base_url"),
        ("http://", "invalid_base_url"),
        ("http://[bad", "invalid_base_url"),
        ("http://127.0.0.1:1?x=1", "invalid_base_url"),
    ],
)
@pytest.mark.usefixtures("flow_credentials", "flow_provider")
async def test_custom_base_url_is_checked(
    hass: HomeAssistant, flow_client: MagicMock, base_url: str | None, key: str
) -> None:
    """The custom environment needs an http(s) URL; nothing is contacted before."""
    result = await _enode_form(hass)
    user_input = {CONF_ENVIRONMENT: "custom"}
    if base_url is not None:
        user_input[CONF_BASE_URL] = base_url
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_BASE_URL: key}
    flow_client.assert_not_called()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "https://enode.local/"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP


async def test_missing_credentials(hass: HomeAssistant) -> None:
    """Without application credentials the frontend is sent to add them."""
    assert await async_setup_component(hass, "application_credentials", {})
    result = await _start_enode(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


@pytest.mark.usefixtures("flow_credentials")
async def test_unavailable_implementations_count_as_missing(hass: HomeAssistant) -> None:
    """A failing credential provider is treated like no credentials."""
    with patch(
        f"{FLOW}.async_get_implementations", side_effect=ImplementationUnavailableError("x")
    ):
        result = await _start_enode(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


async def _start_enode(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enode"}
    )


@pytest.mark.usefixtures("flow_credentials", "flow_provider")
async def test_several_credentials_are_a_choice(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_client: MagicMock
) -> None:
    """With two credentials the form asks which; the chosen one is tested and stored."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("other-id", "other-secret", "Other"), "cred2"
    )
    result = await _enode_form(hass)
    assert CONF_AUTH_IMPLEMENTATION in _fields(result)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_AUTH_IMPLEMENTATION: "cred2", CONF_ENVIRONMENT: "sandbox"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    flow_client.assert_called_once_with(hass, "other-id", "other-secret", Environment.SANDBOX, None)


@pytest.mark.usefixtures("flow_credentials", "flow_provider")
async def test_single_credential_is_not_asked(hass: HomeAssistant) -> None:
    """One credential: no select on the form."""
    result = await _enode_form(hass)
    assert CONF_AUTH_IMPLEMENTATION not in _fields(result)


@pytest.mark.usefixtures("flow_credentials", "flow_client", "flow_provider")
async def test_same_account_aborts(hass: HomeAssistant) -> None:
    """The same client on the same server is the same Enode user: one entry only."""
    user_id = await async_derive_enode_user_id(hass, CLIENT_ID)
    MockConfigEntry(domain=DOMAIN, unique_id=enode_unique_id(CLIENT_ID, user_id)).add_to_hass(hass)
    result = await _enode_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "production"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_same_account_through_another_url_aborts(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """The sandbox environment, then a custom URL of that same server: one account, refused."""
    result = await _link_vehicle_step(hass, {CONF_ENVIRONMENT: "sandbox"})
    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    await hass.config_entries.flow.async_configure(result["flow_id"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "finish"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY

    result = await _enode_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "https://enode-api.sandbox.io/"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (AuthenticationError("no"), "invalid_auth"),
        (ProviderUnavailableError("down"), "cannot_connect"),
        (ForbiddenError("limit"), "link_limit_reached"),
        (ValueError("boom"), "unknown"),
    ],
)
@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_link_session_errors_abort(
    hass: HomeAssistant, flow_provider: MagicMock, error: Exception, reason: str
) -> None:
    """A link session the provider refuses ends the flow with a translated reason."""
    flow_provider.return_value.async_create_link_session.side_effect = error
    result = await _enode_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "production"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.data[DATA_LINK_STATES]._pending


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_frontend_refetch_keeps_the_session(
    hass: HomeAssistant, flow_provider: MagicMock
) -> None:
    """Asking for the external step again shows the same page, not a new session."""
    result = await _link_vehicle_step(hass)
    again = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert again["type"] is FlowResultType.EXTERNAL_STEP
    assert again["url"] == LINK_URL
    flow_provider.return_value.async_create_link_session.assert_awaited_once()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("&error=user_cancelled&error_message=User%20%3Cb%3Ecancelled%3C/b%3E", None),
        ("&error=access_denied", "access_denied"),
        ("&error=x&error_message=" + "a" * 300, "a" * 200),
    ],
)
@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_link_error_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_provider: MagicMock,
    query: str,
    message: str | None,
) -> None:
    """``error`` on the redirect becomes the link_cancelled abort with a safe message."""
    result = await _link_vehicle_step(hass)
    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider) + query)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "link_cancelled"
    expected = message or "User &lt;b&gt;cancelled&lt;/b&gt;"
    assert result["description_placeholders"] == {"error_message": expected}


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_nothing_linked(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """The page said done but the account has no vehicle: abort."""
    flow_provider.return_value.async_list_vehicles.return_value = []
    result = await _link_vehicle_step(hass)
    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_linked"


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_listing_error_aborts(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """A provider failure while finding the linked device is a translated abort."""
    flow_provider.return_value.async_list_vehicles.side_effect = RateLimitedError("slow")
    result = await _link_vehicle_step(hass)
    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


# --- the callback view refuses everything but the flow's own pending state ----------------


async def _assert_rejected(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, path: str
) -> None:
    client = await hass_client_no_auth()
    resp = await client.get(path)
    assert resp.status == 400
    text = await resp.text()
    assert text == "Invalid or expired link state."


def _forge(hass: HomeAssistant, claims: dict[str, Any], secret: str | None = None) -> str:
    states = hass.data[DATA_LINK_STATES]
    now = dt_util.utcnow()
    payload = {"iat": now, "exp": now + timedelta(minutes=5), **claims}
    return jwt.encode(payload, secret or states._secret, algorithm="HS256")


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_callback_rejections_leave_the_flow_alone(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """Bad signature, another flow's id, expiry, no state: 400 and the flow still waits."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("other-id", "other-secret", "Other"), "cred2"
    )
    result = await _link_vehicle_step(
        hass, {CONF_AUTH_IMPLEMENTATION: "cred", CONF_ENVIRONMENT: "production"}
    )
    flow_id = result["flow_id"]
    other = await _link_vehicle_step(
        hass, {CONF_AUTH_IMPLEMENTATION: "cred2", CONF_ENVIRONMENT: "production"}
    )
    states = hass.data[DATA_LINK_STATES]
    good = _state(_callback_path(flow_provider, 0))
    nonce = jwt.decode(good, options={"verify_signature": False})["nonce"]

    bad_paths = [
        LINK_CALLBACK_PATH,
        f"{LINK_CALLBACK_PATH}?state=not-a-jwt",
        # Right claims, wrong key.
        f"{LINK_CALLBACK_PATH}?state="
        + _forge(hass, {"flow_id": flow_id, "nonce": nonce}, secret="x" * 64),
        # Another flow's id with this flow's nonce, correctly signed.
        f"{LINK_CALLBACK_PATH}?state="
        + _forge(hass, {"flow_id": other["flow_id"], "nonce": nonce}),
        # Expired.
        f"{LINK_CALLBACK_PATH}?state="
        + _forge(
            hass,
            {"flow_id": flow_id, "nonce": nonce, "exp": dt_util.utcnow() - timedelta(seconds=1)},
        ),
        # Missing nonce.
        f"{LINK_CALLBACK_PATH}?state=" + _forge(hass, {"flow_id": flow_id}),
        # A pending state whose flow no longer exists.
        f"{LINK_CALLBACK_PATH}?state=" + states.sign("gone", states.issue("gone")),
    ]
    for path in bad_paths:
        await _assert_rejected(hass, hass_client_no_auth, path)

    for waiting in (flow_id, other["flow_id"]):
        progress = hass.config_entries.flow.async_get(waiting)
        assert progress["step_id"] == "link_vehicle"
    again = await hass.config_entries.flow.async_configure(flow_id)
    assert again["type"] is FlowResultType.EXTERNAL_STEP

    # The genuine state still works afterwards, exactly once.
    path = _callback_path(flow_provider, 0)
    await _follow_callback(hass, hass_client_no_auth, path)
    await _assert_rejected(hass, hass_client_no_auth, path)


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_callback_for_a_finished_flow(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """Once the flow is gone (closed by the user), its state resumes nothing."""
    result = await _link_vehicle_step(hass)
    hass.config_entries.flow.async_abort(result["flow_id"])
    await _assert_rejected(hass, hass_client_no_auth, _callback_path(flow_provider))


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_reused_state_after_the_flow_moved_on(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """The vehicle's state cannot resume the charger's link session."""
    result = await _link_vehicle_step(hass)
    vehicle_path = _callback_path(flow_provider)
    await _follow_callback(hass, hass_client_no_auth, vehicle_path)
    await hass.config_entries.flow.async_configure(result["flow_id"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "link_charger"}
    )
    assert result["step_id"] == "link_charger"
    await _assert_rejected(hass, hass_client_no_auth, vehicle_path)
    assert hass.config_entries.flow.async_get(result["flow_id"])["step_id"] == "link_charger"


# --- the way back through my.home-assistant.io and HA's own OAuth callback ----------------


@pytest.fixture
def flow_my(hass: HomeAssistant) -> None:
    """Have the ``my`` integration loaded, as far as the flow can tell."""
    hass.config.components.add("my")


def _my_path(provider_factory: MagicMock, call: int = -1) -> str:
    """Where my.home-assistant.io forwards the browser: HA's OAuth callback, same query."""
    redirect_uri = provider_factory.return_value.async_create_link_session.call_args_list[call][0][
        1
    ]
    parts = urlsplit(redirect_uri)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == MY_AUTH_CALLBACK_PATH
    return f"{AUTH_CALLBACK_PATH}?{parts.query}"


async def _get(hass_client_no_auth: ClientSessionGenerator, path: str) -> int:
    client = await hass_client_no_auth()
    resp = await client.get(path)
    return resp.status


@pytest.mark.parametrize("why", ["my_loaded", "no_url"])
@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_my_redirect_uri(hass: HomeAssistant, flow_provider: MagicMock, why: str) -> None:
    """With ``my`` loaded, or without a URL, the way back is my.home-assistant.io."""
    if why == "my_loaded":
        hass.config.components.add("my")
        result = await _link_vehicle_step(hass)
    else:
        with patch(f"{CALLBACK}.get_url", side_effect=NoURLAvailableError):
            result = await _link_vehicle_step(hass)
    redirect_uri = flow_provider.return_value.async_create_link_session.call_args[0][1]
    assert len(redirect_uri) <= 500  # what Enode (and the sandbox) accept
    query = parse_qs(urlsplit(_my_path(flow_provider)).query)
    assert set(query) == {"state", "code"}
    assert query["code"] == ["linked"]
    state = _decode_jwt(hass, query["state"][0])
    assert state is not None
    assert state["flow_id"] == result["flow_id"]
    # Our own token rides in the redirect-URI claim: the session's nonce and its expiry.
    way_back, _, token = state["redirect_uri"].partition("#")
    assert way_back == MY_AUTH_CALLBACK_PATH
    nonce, expiry, _mac = token.split(".")
    assert nonce == hass.data[DATA_LINK_STATES]._pending[result["flow_id"]]
    assert int(expiry) > dt_util.utcnow().timestamp()


@pytest.mark.usefixtures("flow_credentials", "flow_client", "flow_my")
async def test_resume_through_my(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """HA's OAuth callback resumes the flow; each state works once, for its own session."""
    result = await _link_vehicle_step(hass)
    vehicle_path = _my_path(flow_provider)
    assert await _get(hass_client_no_auth, vehicle_path) == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "link_more"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "link_charger"}
    )
    assert result["step_id"] == "link_charger"
    # The vehicle's state again: HA's view passes it on, the charger step ignores it.
    assert await _get(hass_client_no_auth, vehicle_path) == 200
    assert hass.config_entries.flow.async_get(result["flow_id"])["step_id"] == "link_charger"

    assert await _get(hass_client_no_auth, _my_path(flow_provider)) == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    flow_provider.return_value.async_list_chargers.assert_awaited_once()


@pytest.mark.usefixtures("flow_credentials", "flow_client", "flow_my")
async def test_my_resume_with_a_wrong_nonce_waits(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """A state HA's view accepts but without this session's nonce does not advance the flow."""
    result = await _link_vehicle_step(hass)
    flow_id = result["flow_id"]
    forged = _encode_jwt(
        hass, {"flow_id": flow_id, "redirect_uri": MY_AUTH_CALLBACK_PATH, "nonce": "guess"}
    )
    assert await _get(hass_client_no_auth, f"{AUTH_CALLBACK_PATH}?state={forged}&code=x") == 200
    assert hass.config_entries.flow.async_get(flow_id)["step_id"] == "link_vehicle"
    flow_provider.return_value.async_create_link_session.assert_awaited_once()

    assert await _get(hass_client_no_auth, _my_path(flow_provider)) == 200
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "link_more"


@pytest.mark.usefixtures("flow_credentials", "flow_client", "flow_my")
async def test_cancel_through_my_is_nothing_linked(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """Enode's ``error`` follows our ``code``, which HA's view reads first: the listing tells."""
    flow_provider.return_value.async_list_vehicles.return_value = []
    result = await _link_vehicle_step(hass)
    path = _my_path(flow_provider) + "&error=user_cancelled&error_message=Cancelled"
    assert await _get(hass_client_no_auth, path) == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_linked"


@pytest.mark.usefixtures("flow_credentials", "flow_client", "flow_my")
async def test_error_without_code_through_my(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, flow_provider: MagicMock
) -> None:
    """Should ``code`` ever be dropped, HA's view passes ``error`` and the flow says so."""
    result = await _link_vehicle_step(hass)
    state = parse_qs(urlsplit(_my_path(flow_provider)).query)["state"][0]
    path = f"{AUTH_CALLBACK_PATH}?state={state}&error=access_denied"
    assert await _get(hass_client_no_auth, path) == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "link_cancelled"
    assert result["description_placeholders"] == {"error_message": "access_denied"}


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_resume_without_the_session_state_waits(
    hass: HomeAssistant, flow_provider: MagicMock
) -> None:
    """Input straight to the link step (as through the flow API) needs the session's state."""
    result = await _link_vehicle_step(hass)
    flow_id = result["flow_id"]
    nonce = hass.data[DATA_LINK_STATES]._pending[flow_id]
    for user_input in (
        {},
        {"state": "not-claims"},
        {"state": {"flow_id": flow_id}},
        {"state": {"flow_id": flow_id, "nonce": 1}},
        {"state": {"flow_id": flow_id, "nonce": "wrong"}},
        {"state": {"flow_id": "other", "nonce": nonce}},
    ):
        again = await hass.config_entries.flow.async_configure(flow_id, user_input)
        assert again["type"] is FlowResultType.EXTERNAL_STEP
        assert again["url"] == LINK_URL
    flow_provider.return_value.async_create_link_session.assert_awaited_once()
    done = await hass.config_entries.flow.async_configure(
        flow_id, {"state": {"flow_id": flow_id, "nonce": nonce}}
    )
    assert done["type"] is FlowResultType.EXTERNAL_STEP_DONE


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "en-US"),
        ("en-GB", "en-GB"),
        ("de", "de-DE"),
        ("nl-BE", "nl-BE"),
        ("nb", "nb-NO"),
        ("pt-BR", "pt-PT"),
        ("zh-Hans", "en-US"),
    ],
)
def test_enode_language(language: str, expected: str) -> None:
    """Home Assistant's language picks the Link UI language; unknown ones fall back."""
    assert enode_language(language) == expected


# --- reauth ------------------------------------------------------------------------------


def _entry(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    entry_data = {
        CONF_PROVIDER: "enode",
        CONF_ENVIRONMENT: "custom",
        CONF_BASE_URL: "http://127.0.0.1:9999",
        CONF_USER_ID: "ha-stored-user",
        CONF_AUTH_IMPLEMENTATION: "cred",
        **data,
    }
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Enode (custom)",
        data=entry_data,
        unique_id=enode_unique_id(CLIENT_ID, entry_data[CONF_USER_ID]),
        minor_version=2,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.usefixtures("flow_credentials")
async def test_reauth_with_new_credential(
    hass: HomeAssistant, flow_client: MagicMock, flow_setup_entry: AsyncMock
) -> None:
    """Reauth tests the new credential on the entry's server and keeps the user id."""
    entry = _entry(hass)
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("new-id", "new-secret", "New"), "cred2"
    )
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"name": "Enode (custom)"}

    flow_client.return_value.async_validate_credentials.side_effect = AuthenticationError("no")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_AUTH_IMPLEMENTATION: "cred"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    flow_client.return_value.async_validate_credentials.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_AUTH_IMPLEMENTATION: "cred2"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    flow_client.assert_called_with(
        hass, "new-id", "new-secret", Environment.CUSTOM, "http://127.0.0.1:9999"
    )
    assert entry.data[CONF_AUTH_IMPLEMENTATION] == "cred2"
    assert entry.data[CONF_USER_ID] == "ha-stored-user"
    await hass.async_block_till_done()
    assert len(flow_setup_entry.mock_calls) == 1


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_reauth_single_credential_is_a_confirmation(hass: HomeAssistant) -> None:
    """With one credential reauth is a confirmation that tests it again."""
    entry = _entry(hass)
    result = await entry.start_reauth_flow(hass)
    assert _fields(result) == {}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


async def test_reauth_without_credentials(hass: HomeAssistant) -> None:
    """Reauth with every credential removed asks for one first."""
    assert await async_setup_component(hass, "application_credentials", {})
    entry = _entry(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


# --- reconfigure -------------------------------------------------------------------------


async def test_reconfigure_names_account_and_devices(hass: HomeAssistant) -> None:
    """The reconfigure menu says which account it is and what is linked to it."""
    entry = _entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["description_placeholders"] == {"name": "Enode (custom)", "devices": "—"}
    hass.config_entries.flow.async_abort(result["flow_id"])

    registry = dr.async_get(hass)
    devices = [
        registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, identifier)},
            name=name,
            entry_type=entry_type,
        )
        for identifier, name, entry_type in (
            ("account", "Enode account", dr.DeviceEntryType.SERVICE),
            ("v-1", "Model 3", None),
            ("c-1", "Zappi", None),
        )
    ]
    registry.async_update_device(devices[1].id, name_by_user="Family car")
    result = await entry.start_reconfigure_flow(hass)
    assert result["description_placeholders"] == {
        "name": "Enode (custom)",
        "devices": "Family car, Zappi",
    }


@pytest.mark.usefixtures("flow_credentials")
async def test_reconfigure_credentials(hass: HomeAssistant, flow_client: MagicMock) -> None:
    """Moving to another server is validated; the user id (and devices) stay."""
    entry = _entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["reconfigure_credentials", "link_vehicle", "link_charger"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_credentials"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_credentials"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "nope"}
    )
    assert result["errors"] == {CONF_BASE_URL: "invalid_base_url"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "sandbox"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    flow_client.assert_called_once_with(hass, CLIENT_ID, CLIENT_SECRET, Environment.SANDBOX, None)
    assert entry.data[CONF_ENVIRONMENT] == "sandbox"
    assert entry.data[CONF_BASE_URL] is None
    assert entry.data[CONF_USER_ID] == "ha-stored-user"
    assert entry.unique_id == enode_unique_id(CLIENT_ID, "ha-stored-user")


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_reconfigure_same_server(hass: HomeAssistant) -> None:
    """Re-saving the same server keeps the unique id."""
    entry = _entry(hass)
    unique_id = entry.unique_id
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_credentials"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "http://127.0.0.1:9999/"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == unique_id


@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_reconfigure_onto_another_entry(hass: HomeAssistant) -> None:
    """Two entries cannot end up as the same account (here: moved onto the other's client)."""
    entry = _entry(hass)
    hass.config_entries.async_update_entry(
        entry, unique_id=enode_unique_id("retired-client", "ha-stored-user")
    )
    _entry(hass, **{CONF_ENVIRONMENT: "sandbox", CONF_BASE_URL: None})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_credentials"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "sandbox"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_ENVIRONMENT] == "custom"


async def test_reconfigure_credentials_without_credentials(hass: HomeAssistant) -> None:
    """Reconfigure with every credential removed asks for one first."""
    assert await async_setup_component(hass, "application_credentials", {})
    entry = _entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_credentials"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


@pytest.mark.parametrize("kind", [DeviceKind.VEHICLE, DeviceKind.CHARGER])
@pytest.mark.usefixtures("flow_credentials", "flow_client")
async def test_reconfigure_links_another_device(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_provider: MagicMock,
    flow_setup_entry: AsyncMock,
    kind: DeviceKind,
) -> None:
    """Linking another device later uses the same external step, then reloads the entry."""
    entry = _entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": f"link_{kind.value}"}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["step_id"] == f"link_{kind.value}"
    _assert_built_with_credential(flow_provider, hass, dict(entry.data))
    assert flow_provider.return_value.async_create_link_session.call_args[0][0] is kind

    await _follow_callback(hass, hass_client_no_auth, _callback_path(flow_provider))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_linked"
    await hass.async_block_till_done()
    assert len(flow_setup_entry.mock_calls) == 1


@pytest.mark.usefixtures("flow_credentials", "flow_client", "flow_provider")
async def test_reconfigure_link_with_removed_credential(hass: HomeAssistant) -> None:
    """The entry's credential is gone: linking needs one first."""
    entry = _entry(hass, **{CONF_AUTH_IMPLEMENTATION: "removed"})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "link_vehicle"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


# --- unique ids of entries made before they named the client ---------------------------------


def _old_enode_unique_id(environment: str, base_url: str | None, user_id: str) -> str:
    """Return the unique id entries of minor version 1 have (environment and URL hashed)."""
    account = f"{environment}:{base_url or ''}:{user_id}"
    return f"enode:{hashlib.sha256(account.encode()).hexdigest()[:32]}"


def _old_entry(hass: HomeAssistant, environment: str, base_url: str | None) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Enode {environment}",
        data={
            CONF_PROVIDER: "enode",
            CONF_ENVIRONMENT: environment,
            CONF_BASE_URL: base_url,
            CONF_USER_ID: "ha-stored-user",
            CONF_AUTH_IMPLEMENTATION: "cred",
        },
        unique_id=_old_enode_unique_id(environment, base_url, "ha-stored-user"),
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.usefixtures("flow_credentials")
async def test_migration_names_the_client(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An old entry gets the client-based unique id; its account device and sensors stay."""
    entry = _old_entry(hass, "sandbox", None)
    old = entry.unique_id
    device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"account_{old}")}
    )
    sensor = entity_registry.async_get_or_create(
        "sensor", DOMAIN, f"{old}_push_health", config_entry=entry, device_id=device.id
    )
    vehicle = entity_registry.async_get_or_create(
        "sensor", DOMAIN, "vehicle-1_battery_level", config_entry=entry
    )

    assert await hass.config_entries.async_setup(entry.entry_id)

    new = enode_unique_id(CLIENT_ID, "ha-stored-user")
    assert (entry.unique_id, entry.minor_version) == (new, 2)
    # The account device and its sensors now follow the entry id, not the unique id.
    assert device_registry.async_get(device.id).identifiers == {account_identifier(entry)}
    assert entity_registry.async_get(sensor.entity_id).unique_id == account_entity_unique_id(
        entry, "push_health"
    )
    assert entity_registry.async_get(vehicle.entity_id).unique_id == "vehicle-1_battery_level"


@pytest.mark.usefixtures("flow_credentials")
async def test_migration_of_two_entries_of_one_account(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Two old entries of one account: the second keeps its id, both load, the log says so."""
    first = _old_entry(hass, "sandbox", None)
    second = _old_entry(hass, "custom", "https://enode-api.sandbox.io")
    assert await hass.config_entries.async_setup(first.entry_id)  # sets up both
    await hass.async_block_till_done()

    assert first.unique_id == enode_unique_id(CLIENT_ID, "ha-stored-user")
    assert second.unique_id == _old_enode_unique_id(
        "custom", "https://enode-api.sandbox.io", "ha-stored-user"
    )
    assert second.minor_version == 1
    assert "Enode custom is the same Enode account as another entry" in caplog.text
    assert "ha-stored-user" not in caplog.text


@pytest.mark.parametrize("implementation", [None, "not a client credential"])
async def test_migration_waits_for_the_credential(
    hass: HomeAssistant, implementation: str | None
) -> None:
    """Without its credential the entry keeps its id and is migrated on a later start."""
    assert await async_setup_component(hass, "application_credentials", {})
    entry = _old_entry(hass, "sandbox", None)
    old = entry.unique_id
    with patch(
        "custom_components.connected_ev.providers.config_entry_oauth2_flow"
        ".async_get_config_entry_implementation",
        side_effect=None if implementation else ImplementationUnavailableError,
        return_value=implementation,
    ):
        await hass.config_entries.async_setup(entry.entry_id)
    assert (entry.unique_id, entry.minor_version) == (old, 1)


async def test_migration_of_hiven_keeps_its_id(hass: HomeAssistant) -> None:
    """Hiven entries are already identified by their user: only the version moves."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_PROVIDER: "hiven", CONF_USER_ID: "hiven-user"},
        unique_id="hiven:abc",
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert (entry.unique_id, entry.minor_version) == ("hiven:abc", 2)


async def test_migration_leaves_current_entries_alone(hass: HomeAssistant) -> None:
    """An entry already at the current version keeps its id (later versions call this too)."""
    entry = _old_entry(hass, "sandbox", None)
    hass.config_entries.async_update_entry(entry, minor_version=2)
    old = entry.unique_id
    assert await async_migrate_unique_id(hass, entry)
    assert entry.unique_id == old
