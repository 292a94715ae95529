"""Weekday ready times on a one-deadline provider: moved at local midnight, kept on restart."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.connected_ev.api.errors import ProviderUnavailableError
from custom_components.connected_ev.api.models import (
    ChargingPreferences,
    ChargingPreferencesUpdate,
)
from custom_components.connected_ev.api.provider import (
    Chargers,
    ChargingControl,
    LinkSessions,
    Locations,
    Provider,
    Push,
    RefreshHints,
    SmartChargingStatusReader,
    Statistics,
    features_of,
)
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import device_identifier
from custom_components.connected_ev.preferences import RETRY_DELAY, storage_key

from .conftest import LOCATION_ID, VEHICLE_ID, home_location

# Monday 2 November 2026, 22:30 UTC: 23:30 in Oslo (the charging location), 17:30 in New York.
MONDAY_EVENING = datetime.fromisoformat("2026-11-02T22:30:00+00:00")
OSLO_MIDNIGHT = datetime.fromisoformat("2026-11-02T23:00:00+00:00")
WEEK = {"monday": "06:00", "tuesday": "07:15"}


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the time platform: it shows the default ready time."""
    return [Platform.TIME]


@pytest.fixture(autouse=True)
async def setup_clock(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Home Assistant runs in New York, the vehicle charges in Oslo."""
    freezer.move_to(MONDAY_EVENING)
    await hass.config.async_set_time_zone("America/New_York")


@pytest.fixture
def mock_provider(mock_provider: AsyncMock) -> AsyncMock:
    """Let the vehicle list show what the fake provider stores (a deadline moves in it)."""
    mock_provider.async_list_vehicles.side_effect = mock_provider.fake_preferences.vehicles
    return mock_provider


def _device_id(hass: HomeAssistant) -> str:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, VEHICLE_ID), entry.entry_id
    )
    assert device is not None
    return device.id


async def _set(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {"device_id": _device_id(hass), **data},
        blocking=True,
        return_response=True,
    )


async def _get(hass: HomeAssistant) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "get_charging_preferences",
        {"device_id": _device_id(hass)},
        blocking=True,
        return_response=True,
    )


def _deadline(provider: AsyncMock) -> time | None:
    return provider.fake_preferences.stored[VEHICLE_ID].ready_time


async def _move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime) -> None:
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("init_integration")
async def test_deadline_rolls_over_at_location_midnight(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """Today's time is sent at once; each Oslo midnight sends the new day's time."""
    result = await _set(hass, ready_time="08:00", weekday_ready_times=WEEK)
    assert _deadline(mock_provider) == time(6, 0)  # Monday in Oslo
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(ready_time=time(6, 0))
    )
    assert result["ready_time"] == "08:00"
    assert result["weekday_ready_times"] == WEEK
    assert hass.states.get("time.batmobile_ready_by").state == "08:00:00"

    await _move_to(hass, freezer, OSLO_MIDNIGHT - timedelta(seconds=1))
    assert _deadline(mock_provider) == time(6, 0)
    await _move_to(hass, freezer, OSLO_MIDNIGHT + timedelta(seconds=1))
    assert _deadline(mock_provider) == time(7, 15)  # Tuesday in Oslo, still Monday in NY

    await _move_to(hass, freezer, OSLO_MIDNIGHT + timedelta(days=1, seconds=1))
    assert _deadline(mock_provider) == time(8, 0)  # Wednesday: no weekday time, the default
    calls = mock_provider.async_set_charging_preferences.await_count
    await _move_to(hass, freezer, OSLO_MIDNIGHT + timedelta(days=2, seconds=1))
    assert mock_provider.async_set_charging_preferences.await_count == calls  # unchanged


async def test_home_time_zone_without_location(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """Without a known charging location the day turns at Home Assistant's midnight."""
    mock_provider.async_list_locations.return_value = []
    await hass.services.async_call(
        DOMAIN, "list_locations", {"config_entry_id": init_integration.entry_id},
        blocking=True, return_response=True,
    )  # fmt: skip
    await _set(hass, ready_time="08:00", weekday_ready_times={"monday": "06:00"})
    assert _deadline(mock_provider) == time(6, 0)  # Monday 17:30 in New York
    await _move_to(hass, freezer, OSLO_MIDNIGHT + timedelta(seconds=1))
    assert _deadline(mock_provider) == time(6, 0)
    await _move_to(hass, freezer, datetime.fromisoformat("2026-11-03T05:00:01+00:00"))
    assert _deadline(mock_provider) == time(8, 0)  # Tuesday in New York


@pytest.mark.usefixtures("init_integration")
async def test_partial_updates_keep_the_week(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """Changing another field or the default time keeps the weekly schedule."""
    await _set(hass, ready_time="08:00", weekday_ready_times=WEEK)
    await _set(hass, minimal_soc=25)
    await _set(hass, ready_time="09:00")
    assert _deadline(mock_provider) == time(6, 0)  # Monday still wins over the default
    read = await _get(hass)
    assert read["ready_time"] == "09:00"
    assert read["weekday_ready_times"] == WEEK
    assert read["minimal_soc"] == {"value": 25, "unit": "percent"}

    await _set(hass, weekday_ready_times={})  # clears the week: the default applies
    assert _deadline(mock_provider) == time(9, 0)
    read = await _get(hass)
    assert read["weekday_ready_times"] is None
    assert read["ready_time"] == "09:00"


@pytest.mark.usefixtures("init_integration")
async def test_week_without_default_keeps_the_deadline(
    hass: HomeAssistant, mock_provider: AsyncMock
) -> None:
    """A week without today and without a default leaves today's deadline alone."""
    await _set(hass, weekday_ready_times={"friday": "05:00"})
    mock_provider.async_set_charging_preferences.assert_not_called()
    assert (await _get(hass))["weekday_ready_times"] == {"friday": "05:00"}


async def test_restart_keeps_the_week(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """The schedule is stored; after a restart today's deadline is corrected at once."""
    await _set(hass, ready_time="08:00", weekday_ready_times=WEEK, charging_behavior="at_location")
    assert hass_storage[storage_key(init_integration.entry_id)]["data"] == {
        "vehicles": {
            VEHICLE_ID: {
                "ready_time": "08:00",
                "weekday_ready_times": {"monday": "06:00", "tuesday": "07:15"},
            }
        }
    }
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    # Meanwhile someone changed the deadline at the provider.
    await mock_provider.fake_preferences.set(
        VEHICLE_ID, ChargingPreferencesUpdate(ready_time=time(11, 0))
    )
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()

    assert _deadline(mock_provider) == time(6, 0)
    read = await _get(hass)
    assert read["charging_behavior"] == "at_location"
    assert read["ready_time"] == "08:00"
    assert read["weekday_ready_times"] == WEEK
    await _move_to(hass, freezer, OSLO_MIDNIGHT + timedelta(seconds=1))
    assert _deadline(mock_provider) == time(7, 15)


async def test_failed_rollover_is_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A provider outage at midnight is logged and retried a little later."""
    await _set(hass, ready_time="08:00", weekday_ready_times=WEEK)
    fake = mock_provider.fake_preferences
    mock_provider.async_set_charging_preferences.side_effect = ProviderUnavailableError("503")
    with caplog.at_level(logging.WARNING):
        await _move_to(hass, freezer, OSLO_MIDNIGHT + timedelta(seconds=1))
    assert "Could not set today's ready time 07:15" in caplog.text
    assert _deadline(mock_provider) == time(6, 0)
    mock_provider.async_set_charging_preferences.side_effect = fake.set
    await _move_to(hass, freezer, OSLO_MIDNIGHT + RETRY_DELAY + timedelta(seconds=2))
    assert _deadline(mock_provider) == time(7, 15)


async def test_startup_failure_and_unknown_vehicle(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A stored week of a vehicle no longer listed is kept; a failed start is retried."""
    hass_storage[storage_key(mock_config_entry.entry_id)] = {
        "version": 1,
        "key": storage_key(mock_config_entry.entry_id),
        "data": {
            "vehicles": {
                VEHICLE_ID: {"ready_time": "08:00", "weekday_ready_times": {"monday": "06:30"}},
                "gone": {"ready_time": None, "weekday_ready_times": {"monday": "06:30"}},
            }
        },
    }
    fake = mock_provider.fake_preferences
    mock_provider.async_set_charging_preferences.side_effect = ProviderUnavailableError("503")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert _deadline(mock_provider) is None

    mock_provider.async_set_charging_preferences.side_effect = fake.set
    await _move_to(hass, freezer, MONDAY_EVENING + RETRY_DELAY + timedelta(seconds=1))
    assert _deadline(mock_provider) == time(6, 30)


async def test_removing_the_entry_removes_the_store(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """Nothing of a removed entry stays in .storage."""
    await _set(hass, weekday_ready_times=WEEK)
    assert storage_key(init_integration.entry_id) in hass_storage
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert storage_key(init_integration.entry_id) not in hass_storage


async def test_location_time_zone_follows_location_changes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """The time zone is the location's as last listed (here moved to Tokyo)."""
    mock_provider.async_list_locations.return_value = [home_location(timezone="Asia/Tokyo")]
    await hass.services.async_call(
        DOMAIN, "list_locations", {"config_entry_id": init_integration.entry_id},
        blocking=True, return_response=True,
    )  # fmt: skip
    # 22:30 UTC Monday is 07:30 Tuesday in Tokyo.
    await _set(hass, ready_time="08:00", weekday_ready_times=WEEK)
    assert _deadline(mock_provider) == time(7, 15)


async def test_time_zone_of_the_chargers_location(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """A vehicle at no location itself takes the time zone of the charger it is plugged in."""
    coordinator = init_integration.runtime_data.coordinator
    vehicle = coordinator.data.vehicles[VEHICLE_ID]
    coordinator.async_set_updated_data(
        replace(
            coordinator.data,
            vehicles={**coordinator.data.vehicles, VEHICLE_ID: replace(vehicle, location=None)},
            locations={LOCATION_ID: home_location(timezone="Asia/Tokyo")},
        )
    )
    coordinator.async_apply_preferences("not-listed", ChargingPreferences())  # ignored
    await _set(hass, ready_time="08:00", weekday_ready_times=WEEK)
    assert _deadline(mock_provider) == time(7, 15)  # Tuesday morning in Tokyo


class _WithoutPreferences(
    Provider,
    LinkSessions,
    Chargers,
    ChargingControl,
    RefreshHints,
    Statistics,
    SmartChargingStatusReader,
    Locations,
    Push,
):
    """Every part but smart-charging preferences."""


async def test_provider_without_preferences(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A provider without preferences gets no preference entities and no capacity repair."""
    mock_provider.__class__ = _WithoutPreferences
    mock_provider.features = features_of(_WithoutPreferences)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    entities = er.async_entries_for_config_entry(er.async_get(hass), mock_config_entry.entry_id)
    entity_ids = {entity.entity_id for entity in entities}
    assert "number.zaptec_go_maximum_charging_current" in entity_ids  # control still there
    assert "switch.batmobile_charging" in entity_ids
    assert not [e for e in entity_ids if e.startswith(("select.", "time."))]
    assert "number.batmobile_minimum_state_of_charge" not in entity_ids
    assert not [issue for issue in ir.async_get(hass).issues.values() if issue.domain == DOMAIN]
