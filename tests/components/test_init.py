"""The integration loads in Home Assistant and describes itself correctly."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import AsyncMock, Mock, patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers import device_registry as dr
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev import async_remove_config_entry_device
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    InvalidResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import device_identifier

from .conftest import BASIC_VEHICLE_ID, CHARGER_ID, VEHICLE_ID

ROOT = Path(__file__).parents[2]


async def test_component_sets_up(hass: HomeAssistant) -> None:
    """Home Assistant finds the custom integration and sets it up without YAML."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components


async def test_yaml_configuration_is_refused(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Accounts come from config entries only; YAML under the domain is reported."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"client_id": "x"}})
    assert "The connected_ev integration does not support YAML setup" in caplog.text


async def test_manifest_is_complete_for_hacs(hass: HomeAssistant) -> None:
    """The loader reads the manifest with every key HACS and hassfest look for."""
    integration = await async_get_integration(hass, DOMAIN)
    manifest = integration.manifest
    for key in (
        "domain",
        "name",
        "version",
        "codeowners",
        "documentation",
        "issue_tracker",
        "iot_class",
        "integration_type",
        "requirements",
        "dependencies",
    ):
        assert key in manifest, key
    assert manifest["integration_type"] == "hub"
    assert str(integration.version) == manifest["version"]
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == manifest["name"]
    assert hacs["homeassistant"] <= "2026.10.4"


def test_translations_match_strings() -> None:
    """The English translation is generated from strings.json and must not drift."""
    component = ROOT / "custom_components" / DOMAIN
    strings = json.loads((component / "strings.json").read_text())
    english = json.loads((component / "translations" / "en.json").read_text())
    assert english == strings


async def test_setup_and_unload(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """The entry loads with the stored credentials, then unloads and stops polling."""
    mock_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.connected_ev.create_provider", return_value=mock_provider
    ) as create_provider:
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    create_provider.assert_called_once()
    built_hass, built_data, credential = create_provider.call_args.args
    assert (built_hass, built_data) == (hass, mock_config_entry.data)
    assert (credential.client_id, credential.client_secret) == ("id", "secret")
    runtime = mock_config_entry.runtime_data
    assert runtime.provider is mock_provider
    assert set(runtime.coordinator.data.vehicles) == {VEHICLE_ID, BASIC_VEHICLE_ID}
    assert set(runtime.coordinator.data.chargers) == {CHARGER_ID}

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (ProviderUnavailableError("down", retry_after=30), ConfigEntryState.SETUP_RETRY),
        (RateLimitedError("slow down", retry_after=60), ConfigEntryState.SETUP_RETRY),
        (InvalidResponseError("bad body"), ConfigEntryState.SETUP_RETRY),
        (ForbiddenError("no"), ConfigEntryState.SETUP_RETRY),
        (AuthenticationError("rejected"), ConfigEntryState.SETUP_ERROR),
    ],
)
async def test_setup_errors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
    error: Exception,
    state: ConfigEntryState,
) -> None:
    """The first refresh tests the account: outages retry, rejected credentials do not."""
    mock_provider.async_list_vehicles.side_effect = error
    mock_config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is state


async def test_setup_auth_failure_starts_reauth(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """Definitely rejected credentials start a reauth flow."""
    mock_provider.async_list_vehicles.side_effect = AuthenticationError("rejected")
    mock_config_entry.add_to_hass(hass)

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    flows = mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert len(list(flows)) == 1


async def test_setup_without_credentials(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """An implementation provider that is down means: retry later."""
    mock_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.connected_ev.providers.config_entry_oauth2_flow."
        "async_get_config_entry_implementation",
        side_effect=config_entry_oauth2_flow.ImplementationUnavailableError("down"),
    ):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    mock_provider.async_list_vehicles.assert_not_called()


async def test_setup_with_foreign_implementation(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Only a local implementation holds a client id and secret to authenticate with."""
    mock_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.connected_ev.providers.config_entry_oauth2_flow."
        "async_get_config_entry_implementation",
        return_value=Mock(spec=config_entry_oauth2_flow.AbstractOAuth2Implementation),
    ):
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_remove_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device the provider still lists cannot be removed; a stray one can."""
    listed = device_registry.async_get_device_by_identifier(
        device_identifier(init_integration, VEHICLE_ID), init_integration.entry_id
    )
    assert listed is not None
    assert not await async_remove_config_entry_device(hass, init_integration, listed)

    stray = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={device_identifier(init_integration, "gone")},
    )
    assert await async_remove_config_entry_device(hass, init_integration, stray)
