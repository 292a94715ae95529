"""Options flow: intervals, manual-only polling, the request budget, and push on and off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.connected_ev.api.errors import ProviderUnavailableError
from custom_components.connected_ev.api.models import WebhookTestResult
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.options import DATA_PUSH, PollingPolicy
from custom_components.connected_ev.push_subscription import PushRegistration

OPTIONS = {
    "push": False,
    "manual_only": False,
    "charging_interval": 3,
    "idle_interval": 10,
    "push_interval": 120,
}


@pytest.fixture
def platforms() -> list[Platform]:
    """No platforms needed."""
    return [Platform.BUTTON]


@pytest.fixture(autouse=True)
def push_provider(mock_provider: AsyncMock) -> AsyncMock:
    """Subscriptions work unless a test says otherwise."""
    mock_provider.async_create_push_subscription.return_value = "wh-1"
    mock_provider.async_test_push_subscription.return_value = WebhookTestResult(True, "ok", 200)
    mock_provider.async_delete_push_subscription.return_value = None
    return mock_provider


async def _submit(hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, Any]) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    return await hass.config_entries.options.async_configure(result["flow_id"], options)


async def test_intervals_saved_and_applied(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """New intervals are stored and the reloaded coordinator uses them."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    schema = result["data_schema"].schema
    defaults = {str(key): key.description["suggested_value"] for key in schema if key.description}
    # No budget suggested: an empty field keeps the provider's default, named in the text.
    assert result["description_placeholders"]["budget_default"] == "2880"
    assert defaults == {
        "push": False,
        "manual_only": False,
        "charging_interval": 2,
        "idle_interval": 7,
        "push_interval": 360,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], OPTIONS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == OPTIONS
    assert init_integration.state is ConfigEntryState.LOADED
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.idle_interval == timedelta(minutes=10)
    assert coordinator.update_interval == timedelta(minutes=10)
    assert PollingPolicy.from_options({"idle_interval": 1}).idle_interval == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"charging_interval": 0}, {"charging_interval": "charging_interval_out_of_range"}),
        ({"idle_interval": 1}, {"idle_interval": "idle_interval_out_of_range"}),
        (
            {"idle_interval": 241, "push_interval": 14},
            {
                "idle_interval": "idle_interval_out_of_range",
                "push_interval": "push_interval_out_of_range",
            },
        ),
        ({"push_interval": 1441}, {"push_interval": "push_interval_out_of_range"}),
    ],
)
async def test_interval_out_of_range(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    changes: dict[str, int],
    errors: dict[str, str],
) -> None:
    """An interval outside its bounds is refused on its field, naming both bounds."""
    result = await _submit(hass, init_integration, OPTIONS | changes)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert result["description_placeholders"] == {
        "reason": "",
        "budget_default": "2880",
        "daily_budget_min": "24",
        "daily_budget_max": "100000",
        "charging_interval_min": "1",
        "charging_interval_max": "60",
        "idle_interval_min": "2",
        "idle_interval_max": "240",
        "push_interval_min": "15",
        "push_interval_max": "1440",
    }
    assert init_integration.options == {}

    result = await hass.config_entries.options.async_configure(result["flow_id"], OPTIONS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == OPTIONS


async def test_manual_only_never_polls(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Manual only: no scheduled refresh, whatever the time; update_entity still works."""
    await _submit(hass, init_integration, OPTIONS | {"manual_only": True})
    await hass.async_block_till_done()
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.update_interval is None
    lists = mock_provider.async_list_vehicles.await_count
    for _ in range(6):
        freezer.tick(timedelta(hours=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert mock_provider.async_list_vehicles.await_count == lists
    mock_provider.async_refresh_hint.assert_not_awaited()

    await coordinator.async_refresh()
    assert mock_provider.async_list_vehicles.await_count == lists + 1
    assert coordinator.update_interval is None


async def test_enable_push(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Turning push on subscribes and tests it, tells the outcome, then saves."""
    hass.config.external_url = "https://ha.example.com"
    result = await _submit(hass, init_integration, OPTIONS | {"push": True})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "push_enabled"
    registration = PushRegistration.from_data(init_integration.data)
    assert registration is not None
    assert registration.subscription_id == "wh-1"

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options["push"] is True
    assert init_integration.runtime_data.push.registration == registration

    # Saving again with push still on changes nothing at the provider.
    await _submit(hass, init_integration, OPTIONS | {"push": True})
    assert mock_provider.async_create_push_subscription.await_count == 1

    # Turning it off deletes the subscription and forgets the registration.
    result = await _submit(hass, init_integration, OPTIONS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_provider.async_delete_push_subscription.assert_awaited_once_with("wh-1")
    assert DATA_PUSH not in init_integration.data


@pytest.mark.parametrize(
    ("setup", "error", "reason"),
    [
        ("no_url", "no_url", ""),
        ("test_failed", "test_failed", "HTTP 404"),
        ("create_error", "cannot_connect", "down"),
    ],
)
async def test_enable_push_errors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    setup: str,
    error: str,
    reason: str,
) -> None:
    """A failure shows on the form, with the provider's reason; nothing is saved."""
    if setup != "no_url":
        hass.config.external_url = "https://ha.example.com"
    if setup == "test_failed":
        mock_provider.async_test_push_subscription.return_value = WebhookTestResult(
            False, "HTTP 404"
        )
    if setup == "create_error":
        mock_provider.async_create_push_subscription.side_effect = ProviderUnavailableError("down")
    result = await _submit(hass, init_integration, OPTIONS | {"push": True})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert reason in result["description_placeholders"]["reason"]
    assert DATA_PUSH not in init_integration.data


async def test_disable_push_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """An unreachable provider keeps push on, with an error to retry."""
    hass.config_entries.async_update_entry(
        init_integration,
        data={**init_integration.data, DATA_PUSH: PushRegistration("w", "s", "x" * 64).as_dict()},
    )
    init_integration.runtime_data.push.registration = PushRegistration.from_data(
        init_integration.data
    )
    mock_provider.async_delete_push_subscription.side_effect = ProviderUnavailableError("x")
    result = await _submit(hass, init_integration, OPTIONS)
    assert result["errors"] == {"base": "cannot_connect"}
    assert DATA_PUSH in init_integration.data


async def test_push_needs_a_loaded_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Push cannot change while the entry is not loaded; intervals can."""
    mock_config_entry.add_to_hass(hass)
    result = await _submit(hass, mock_config_entry, OPTIONS | {"push": True})
    assert result["errors"] == {"base": "not_loaded"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], OPTIONS)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_push_not_supported(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A provider without push says so on the form."""
    mock_provider.features = frozenset(ProviderFeature) - {ProviderFeature.PUSH}
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", []):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    result = await _submit(hass, mock_config_entry, OPTIONS | {"push": True})
    assert result["errors"] == {"base": "not_supported"}


@pytest.mark.parametrize(("budget", "expected"), [(48, 48), (0, 2880), (100_000, 100_000)])
async def test_daily_budget_saved_and_applied(
    hass: HomeAssistant, init_integration: MockConfigEntry, budget: int, expected: int
) -> None:
    """The budget is stored and the reloaded entry keeps to it; 0 means the provider's default."""
    result = await _submit(hass, init_integration, OPTIONS | {"daily_budget": budget})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == OPTIONS | {"daily_budget": budget}
    budget_of_entry = init_integration.runtime_data.coordinator.budget
    assert budget_of_entry.daily == expected
    assert budget_of_entry.limit == expected  # Enode counts the account's requests

    # The form shows the saved budget again (0 shows as the empty default).
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested.get("daily_budget") == (budget or None)


@pytest.mark.parametrize("budget", [1, 23, 100_001, -5])
async def test_daily_budget_out_of_range(
    hass: HomeAssistant, init_integration: MockConfigEntry, budget: int
) -> None:
    """A budget outside its bounds is refused on its field, with a translated message."""
    result = await _submit(hass, init_integration, OPTIONS | {"daily_budget": budget})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"daily_budget": "daily_budget_out_of_range"}
    assert init_integration.options == {}

    placeholders = result["description_placeholders"]
    for language in ("en", "de", "nl", "da", "sv", "fi"):
        translations = await async_get_translations(hass, language, "options", [DOMAIN])
        message = translations[f"component.{DOMAIN}.options.error.daily_budget_out_of_range"]
        shown = message.format(**placeholders)
        assert "24" in shown
        assert "100000" in shown

    result = await hass.config_entries.options.async_configure(result["flow_id"], OPTIONS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
