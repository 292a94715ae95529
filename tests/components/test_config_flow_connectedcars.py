"""Config flow, Connected Cars branch: server, login once, device token, workshop page, reauth."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch
from urllib.parse import parse_qsl, urlsplit

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.connected_ev.api.connectedcars import (
    AccountUser,
    ConnectedCarsAuth,
    ConnectedCarsProvider,
    InvalidEmailError,
    InvalidPasswordError,
    RegisteredDevice,
    UnknownNamespaceError,
    account_key,
)
from custom_components.connected_ev.api.connectedcars.auth import AccessToken
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
)
from custom_components.connected_ev.flows.connectedcars import CONF_IDENTIFIER, CONF_QUERY_TYPE
from custom_components.connected_ev.providers.connectedcars import (
    CONF_API_ORIGIN,
    CONF_AUTH_ORIGIN,
    CONF_DEVICE_NAME,
    CONF_DEVICE_TOKEN,
    CONF_NAMESPACE,
    CONF_REGION,
)

FLOW = "custom_components.connected_ev.flows.connectedcars"
API = "https://api.connectedcars.io"
AUTH = "https://auth-api.connectedcars.io"
AU = ("https://api.au1.connectedcars.io", "https://auth-api.au1.connectedcars.io")
PASSWORD = "the-app-password"
ACCOUNT = {
    CONF_REGION: "semler",
    CONF_NAMESPACE: "semler:minvolkswagen",
    CONF_EMAIL: " ann@example.com ",
    CONF_PASSWORD: PASSWORD,
}
USER = AccountUser(id="1042", email="ann@example.com", firstname="Ann", lastname="Berg")
DEVICE = RegisteredDevice(device_token="device-token-1", device_name="Home Assistant 1a2b3c4d")
VIN = "WVWZZZ1KZAW123456"

pytestmark = pytest.mark.usefixtures("setup_entry", "ha_config")


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
async def ha_config(hass: HomeAssistant) -> None:
    """Home Assistant in Denmark."""
    await async_process_ha_core_config(hass, {"country": "DK"})


@pytest.fixture
def cc() -> Generator[SimpleNamespace]:
    """Mock Connected Cars at the client's edge: regions, Auth API calls, the vehicle list."""
    with (
        patch(f"{FLOW}.async_global_organizations", AsyncMock()) as organizations,
        patch.object(ConnectedCarsAuth, "async_login_password", AsyncMock()) as login,
        patch.object(ConnectedCarsAuth, "async_user_info", AsyncMock()) as user_info,
        patch.object(ConnectedCarsAuth, "async_register_device", AsyncMock()) as register,
        patch.object(ConnectedCarsAuth, "async_token", AsyncMock()) as token,
        patch.object(ConnectedCarsAuth, "async_delete_devices_named", AsyncMock()) as delete,
        patch.object(ConnectedCarsProvider, "async_list_vehicles", AsyncMock()) as vehicles,
        patch(f"{FLOW}.WAIT_INTERVAL", timedelta(0)),
    ):
        organizations.return_value = {"vwaustralia": AU, "semler": (API, AUTH)}
        login.return_value = AccessToken("jwt-login", None)  # type: ignore[arg-type]
        user_info.return_value = USER
        register.return_value = DEVICE
        token.return_value = "jwt-page"
        vehicles.return_value = [SimpleNamespace(id="1")]
        yield SimpleNamespace(
            organizations=organizations,
            login=login,
            user_info=user_info,
            register=register,
            token=token,
            delete=delete,
            vehicles=vehicles,
        )


async def _account_form(
    hass: HomeAssistant, server: dict[str, Any] | None = None
) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "connectedcars"}
    )
    assert result["step_id"] == "connectedcars"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], server or {CONF_ENVIRONMENT: "production"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connectedcars_account"
    return result


def _defaults(result: ConfigFlowResult) -> dict[str, Any]:
    schema = result["data_schema"]
    assert schema is not None
    return {str(key): key.default() for key in schema.schema if callable(key.default)}


async def test_login_stores_only_the_device_token(hass: HomeAssistant, cc: SimpleNamespace) -> None:
    """Denmark by default; the entry keeps the device token, never the password."""
    result = await _account_form(hass)
    assert _defaults(result)[CONF_REGION] == "semler"
    assert _defaults(result)[CONF_NAMESPACE] == "semler:minvolkswagen"
    cc.organizations.assert_awaited_once()
    assert cc.organizations.await_args.args[1] == API
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Connected Cars"
    entry = result["result"]
    assert entry.unique_id == account_key("semler", "1042")
    assert entry.data == {
        CONF_PROVIDER: "connectedcars",
        CONF_ENVIRONMENT: "production",
        CONF_BASE_URL: None,
        CONF_REGION: "semler",
        CONF_NAMESPACE: "semler:minvolkswagen",
        CONF_API_ORIGIN: API,
        CONF_AUTH_ORIGIN: AUTH,
        CONF_EMAIL: "ann@example.com",
        CONF_USER_ID: "1042",
        CONF_DEVICE_TOKEN: "device-token-1",
        CONF_DEVICE_NAME: "Home Assistant 1a2b3c4d",
    }
    assert PASSWORD not in repr(entry.data) + repr(entry.options)
    assert cc.login.await_args.args == (" ann@example.com ", PASSWORD)


async def test_custom_server_and_its_errors(hass: HomeAssistant, cc: SimpleNamespace) -> None:
    """The custom environment needs a valid base URL; an unreachable server is told."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "connectedcars"}
    )
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_ENVIRONMENT: "custom"})
    assert result["errors"] == {CONF_BASE_URL: "base_url_required"}
    cc.organizations.side_effect = ProviderUnavailableError("down")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "http://127.0.0.1:8767/"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    cc.organizations.side_effect = None
    cc.organizations.return_value = {"local": ("http://127.0.0.1:8767", "http://127.0.0.1:8767")}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: "http://127.0.0.1:8767/"}
    )
    assert result["step_id"] == "connectedcars_account"
    assert cc.organizations.await_args.args[1] == "http://127.0.0.1:8767"
    assert _defaults(result)[CONF_REGION] == "local"  # the first when none is Denmark's host
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**ACCOUNT, CONF_REGION: "local"}
    )
    assert result["title"] == "Connected Cars (custom)"
    assert result["result"].data[CONF_BASE_URL] == "http://127.0.0.1:8767"


@pytest.mark.parametrize(
    ("error", "errors", "retry_after"),
    [
        (InvalidEmailError("e"), {CONF_EMAIL: "connectedcars_invalid_email"}, "60"),
        (InvalidPasswordError("p"), {CONF_PASSWORD: "connectedcars_invalid_password"}, "60"),
        (UnknownNamespaceError("n"), {CONF_NAMESPACE: "connectedcars_unknown_namespace"}, "60"),
        (RateLimitedError("r", retry_after=41.6), {"base": "connectedcars_rate_limited"}, "42"),
        (RateLimitedError("r"), {"base": "connectedcars_rate_limited"}, "60"),
        (AuthenticationError("a"), {"base": "connectedcars_invalid_auth"}, "60"),
        (ProviderUnavailableError("u"), {"base": "cannot_connect"}, "60"),
        (ValueError("?"), {"base": "unknown"}, "60"),
    ],
)
async def test_login_errors_are_distinct(
    hass: HomeAssistant,
    cc: SimpleNamespace,
    error: Exception,
    errors: dict[str, str],
    retry_after: str,
) -> None:
    """Each failure names its own field; the form keeps what was typed but the password."""
    result = await _account_form(hass)
    cc.login.side_effect = error
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert result["description_placeholders"] == {"retry_after": retry_after}
    cc.register.assert_not_awaited()
    cc.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_account_already_added_registers_nothing(
    hass: HomeAssistant, cc: SimpleNamespace
) -> None:
    """The same account again aborts before a second device is registered."""
    MockConfigEntry(domain=DOMAIN, unique_id=account_key("semler", "1042")).add_to_hass(hass)
    result = await _account_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["reason"] == "already_configured"
    cc.register.assert_not_awaited()


@pytest.mark.parametrize("step", ["register", "vehicles"])
async def test_failures_after_login_abort(
    hass: HomeAssistant, cc: SimpleNamespace, step: str
) -> None:
    """Registration or the first listing failing ends the flow with a translated reason."""
    getattr(cc, step).side_effect = ProviderUnavailableError("down")
    result = await _account_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def _workshop(hass: HomeAssistant, cc: SimpleNamespace) -> ConfigFlowResult:
    cc.vehicles.return_value = []
    result = await _account_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["step_id"] == "connectedcars_vehicle"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_QUERY_TYPE: "vin", CONF_IDENTIFIER: "WVWZZZ1KZAO123456"}
    )
    assert result["errors"] == {CONF_IDENTIFIER: "connectedcars_invalid_link"}
    assert result["description_placeholders"] == {"fields": "vehicle_vin"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_QUERY_TYPE: "vin", CONF_IDENTIFIER: VIN.lower()}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["step_id"] == "connectedcars_workshop"
    return result


async def test_no_vehicle_opens_the_prefilled_workshop_page(
    hass: HomeAssistant, cc: SimpleNamespace
) -> None:
    """The page is prefilled (VIN, country, name, e-mail) and signed in; the vehicle appears."""
    appears = [[], [], [SimpleNamespace(id="1")]]
    result = await _workshop(hass, cc)
    url = urlsplit(result["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "https://workshop.connectedcars.io/integration/vehicle/add"
    )
    assert dict(parse_qsl(url.query)) == {
        "queryType": "vin",
        "source": "home_assistant",
        "vehicleVin": VIN,
        "vehicleCountryCode": "DK",
        "customerFirstname": "Ann",
        "customerLastname": "Berg",
        "customerEmail": "ann@example.com",
    }
    assert url.fragment == "token=jwt-page"
    cc.vehicles.side_effect = [[], *appears]
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_DEVICE_TOKEN] == "device-token-1"


async def test_vehicle_that_never_appears(hass: HomeAssistant, cc: SimpleNamespace) -> None:
    """After a bounded number of looks (failed ones too) the flow ends; nothing is created."""
    with patch(f"{FLOW}.WAIT_TRIES", 3):
        result = await _workshop(hass, cc)
        cc.vehicles.side_effect = [ProviderUnavailableError("down"), [], []]
        await hass.async_block_till_done(wait_background_tasks=True)
    assert cc.vehicles.await_count == 2 + 3  # the account step and the page's, then 3 looks
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_linked"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_waiting_flow_asked_again_and_closed(
    hass: HomeAssistant, cc: SimpleNamespace
) -> None:
    """Asked again while waiting it shows the same page; closing the flow stops the watch."""
    with patch(f"{FLOW}.WAIT_INTERVAL", timedelta(hours=1)):
        result = await _workshop(hass, cc)
        again = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert again["type"] is FlowResultType.EXTERNAL_STEP
        assert again["url"] == result["url"]
        hass.config_entries.flow.async_abort(result["flow_id"])
        await hass.async_block_till_done()
    assert cc.vehicles.await_count == 2


async def test_page_needs_the_owner_name_and_a_working_account(
    hass: HomeAssistant, cc: SimpleNamespace, hass_owner_user: MockUser
) -> None:
    """Without names on the account the owner's name fills in; failures abort."""
    hass_owner_user.name = "Jane Q Doe"
    cc.user_info.return_value = AccountUser(id="1042")
    cc.vehicles.return_value = []
    result = await _account_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_QUERY_TYPE: "license_plate", CONF_IDENTIFIER: "AB 12 345"}
    )
    query = dict(parse_qsl(urlsplit(result["url"]).query))
    assert query["queryType"] == "licensePlate"
    assert query["vehicleLicensePlate"] == "AB 12 345"
    assert (query["customerFirstname"], query["customerLastname"]) == ("Jane", "Q Doe")
    assert query["customerEmail"] == "ann@example.com"
    hass.config_entries.flow.async_abort(result["flow_id"])

    result = await _account_form(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    cc.vehicles.side_effect = AuthenticationError("gone")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_QUERY_TYPE: "vin", CONF_IDENTIFIER: VIN}
    )
    assert result["reason"] == "connectedcars_invalid_auth"


def _entry(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Connected Cars",
        unique_id=account_key("semler", "1042"),
        version=2,
        minor_version=2,
        data={
            CONF_PROVIDER: "connectedcars",
            CONF_ENVIRONMENT: "production",
            CONF_BASE_URL: None,
            CONF_REGION: "semler",
            CONF_NAMESPACE: "semler:minvolkswagen",
            CONF_API_ORIGIN: API,
            CONF_AUTH_ORIGIN: AUTH,
            CONF_EMAIL: "ann@example.com",
            CONF_USER_ID: "1042",
            CONF_DEVICE_TOKEN: "old-device-token",
            CONF_DEVICE_NAME: "Home Assistant 00000000",
            **data,
        },
    )
    entry.add_to_hass(hass)
    return entry


async def test_reconfigure_adds_another_vehicle(hass: HomeAssistant, cc: SimpleNamespace) -> None:
    """Reconfigure offers the workshop page; a new vehicle id ends it."""
    entry = _entry(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["menu_options"] == ["connectedcars_add_vehicle"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "connectedcars_add_vehicle"}
    )
    assert result["step_id"] == "connectedcars_vehicle"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_QUERY_TYPE: "vin", CONF_IDENTIFIER: VIN}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    cc.user_info.assert_awaited_once()  # the account's names, read with the device token
    cc.vehicles.side_effect = [[SimpleNamespace(id="1"), SimpleNamespace(id="2")]]
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_linked"


async def test_reauth_replaces_the_device_token(hass: HomeAssistant, cc: SimpleNamespace) -> None:
    """The password again; a new device token; the old device is deleted."""
    entry = _entry(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "connectedcars_reauth"
    assert result["description_placeholders"]["email"] == "ann@example.com"
    cc.login.side_effect = InvalidPasswordError("no")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {CONF_PASSWORD: "connectedcars_invalid_password"}
    cc.login.side_effect = InvalidEmailError("the e-mail changed in the app")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "connectedcars_invalid_email"}
    cc.login.side_effect = RateLimitedError("slow", retry_after=90)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "connectedcars_rate_limited"}
    assert result["description_placeholders"]["retry_after"] == "90"
    cc.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_DEVICE_TOKEN] == "device-token-1"
    assert entry.data[CONF_DEVICE_NAME] == "Home Assistant 1a2b3c4d"
    cc.delete.assert_awaited_once_with("Home Assistant 00000000")
    assert PASSWORD not in repr(entry.data)


async def test_reauth_with_another_account(hass: HomeAssistant, cc: SimpleNamespace) -> None:
    """Logging in as someone else aborts; nothing is registered."""
    entry = _entry(hass)
    cc.user_info.return_value = AccountUser(id="999")
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["reason"] == "wrong_account"
    cc.register.assert_not_awaited()
    assert entry.data[CONF_DEVICE_TOKEN] == "old-device-token"


@pytest.mark.parametrize(
    ("data", "delete_error", "deletes"),
    [({}, ProviderUnavailableError("down"), 1), ({CONF_DEVICE_NAME: None}, None, 0)],
)
async def test_reauth_keeps_the_new_token_when_the_old_device_stays(
    hass: HomeAssistant,
    cc: SimpleNamespace,
    data: dict[str, Any],
    delete_error: Exception | None,
    deletes: int,
) -> None:
    """A failed (or impossible) deletion of the old device does not undo the reauth."""
    entry = _entry(hass, **data)
    cc.delete.side_effect = delete_error
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_DEVICE_TOKEN] == "device-token-1"
    assert cc.delete.await_count == deletes
