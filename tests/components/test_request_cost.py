"""What an account costs in requests, on the simulated clock: only what can have changed.

No charger list on timed polls unless a plug-in or charging state changed (else slowly; for
an account without chargers, until discovery finds one), polls timed just after the
provider's own refresh, smart-charging status only when it can have changed, setup at the
same cost for 1 or 20 devices, and state written only for changed devices.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import datetime, timedelta
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.enode import EnodeProvider
from custom_components.connected_ev.api.errors import ProviderUnavailableError
from custom_components.connected_ev.api.models import Charger, SmartChargingPlan, Vehicle
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL, DOMAIN
from custom_components.connected_ev.poll_timing import (
    CHARGER_PLUGGED_POLL,
    CHARGER_POLL,
    margin_for,
)
from custom_components.connected_ev.push import PushRegistration
from custom_components.connected_ev.smart_status import STATUS_MAX_AGE

from .conftest import USER_ID, load_chargers, load_vehicles

CHARGER_SENSOR = "sensor.zaptec_go_charge_rate"
STATUS = "sensor.batmobile_smart_charging_status"
RENAULT = "sensor.renault_zoe_battery"
MINUTE = timedelta(minutes=1)


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the sensors."""
    return [Platform.SENSOR]


@pytest.fixture
def mock_provider(mock_provider: AsyncMock) -> AsyncMock:
    """Start without chargers (any are linked later, outside Home Assistant)."""
    mock_provider.async_list_chargers.return_value = []
    return mock_provider


async def _run(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, total: timedelta, step: timedelta = MINUTE
) -> None:
    """Let ``total`` pass ``step`` at a time, running every timer and task on the way."""
    for _ in range(int(total / step)):
        freezer.tick(step)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_no_charger_requests_until_discovery_finds_one(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """An account without chargers asks for them at setup and on the slow discovery only."""
    assert mock_provider.async_list_chargers.await_count == 1  # setup
    polls = mock_provider.async_list_vehicles.await_count
    await _run(hass, freezer, CHARGER_POLL - 2 * DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count >= polls + 90 // 7
    assert mock_provider.async_list_chargers.await_count == 1

    # Linked in the provider's own app: the discovery poll finds it.
    mock_provider.async_list_chargers.return_value = load_chargers()
    await _run(hass, freezer, 3 * DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_chargers.await_count == 2
    assert hass.states.get(CHARGER_SENSOR) is not None


@pytest.mark.usefixtures("init_integration")
async def test_charger_list_read_when_a_plug_in_can_have_changed_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """Timed polls list chargers when a car plugs in or out, else slowly; asking lists them.

    A charger's state changes with a plug-in, which the vehicle list (read on every poll)
    shows; what only the charger shows is read every 30 minutes while a car is plugged in
    and every 3 hours otherwise.
    """
    batmobile, renault = load_vehicles()
    charger = load_chargers()[0]
    mock_provider.async_list_chargers.return_value = [charger]
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
    await coordinator.async_refresh()  # asked for: lists every kind
    assert mock_provider.async_list_chargers.await_count == 2

    # The Batmobile stays plugged in: quiet polls leave the charger list alone.
    polls = mock_provider.async_list_vehicles.await_count
    await _run(hass, freezer, CHARGER_PLUGGED_POLL - DEFAULT_IDLE_INTERVAL - 2 * MINUTE)
    assert mock_provider.async_list_vehicles.await_count >= polls + 2
    assert mock_provider.async_list_chargers.await_count == 2
    await _run(hass, freezer, 2 * DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_chargers.await_count == 3

    # Unplugged: the next poll lists the charger, which shows it free.
    unplugged = replace(
        batmobile,
        charge_state=replace(
            batmobile.charge_state, is_plugged_in=False, plugged_in_charger_id=None
        ),
    )
    mock_provider.async_list_vehicles.return_value = [unplugged, renault]
    mock_provider.async_list_chargers.return_value = [
        replace(
            charger,
            charge_state=replace(
                charger.charge_state, is_plugged_in=False, plugged_in_vehicle_id=None
            ),
        )
    ]
    await _run(hass, freezer, DEFAULT_IDLE_INTERVAL + MINUTE)
    assert mock_provider.async_list_chargers.await_count == 4

    # Nothing plugged in: the charger list waits for the slow poll.
    polls = mock_provider.async_list_vehicles.await_count
    await _run(hass, freezer, CHARGER_POLL - 2 * DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count >= polls + 90 // 7
    assert mock_provider.async_list_chargers.await_count == 4
    await _run(hass, freezer, 3 * DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_chargers.await_count == 5

    # Plugged in again: read at once.
    mock_provider.async_list_vehicles.return_value = [batmobile, renault]
    await _run(hass, freezer, DEFAULT_IDLE_INTERVAL + MINUTE)
    assert mock_provider.async_list_chargers.await_count == 6


async def test_pushed_discovery_lists_chargers_at_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A charger the provider announces by push is read at once, not at the next discovery."""
    enode = EnodeProvider(MagicMock(), USER_ID)
    mock_provider.verify_push_delivery = MagicMock(side_effect=enode.verify_push_delivery)
    mock_provider.parse_push_delivery = MagicMock(side_effect=enode.parse_push_delivery)
    secret = "b" * 64
    registration = PushRegistration("a" * 64, "wh-1", secret)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Enode sandbox",
        unique_id=USER_ID,
        version=2,
        minor_version=2,
        data={
            "provider": "enode",
            "environment": "sandbox",
            "base_url": None,
            "user_id": USER_ID,
            "auth_implementation": DOMAIN,
            "push_registration": registration.as_dict(),
        },
        options={"push": True},
    )
    await _setup(hass, entry)
    assert mock_provider.async_list_chargers.await_count == 1
    mock_provider.async_list_chargers.return_value = load_chargers()

    charger = {"id": load_chargers()[0].id, "vendor": "ZAPTEC"}
    body = json.dumps(
        [
            {
                "event": "user:charger:discovered",
                "createdAt": "2026-11-02T18:00:00Z",
                "user": {"id": USER_ID},
                "charger": charger,
            }
        ]
    ).encode()
    signature = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    client = await hass_client_no_auth()
    response = await client.post(
        f"/api/webhook/{registration.webhook_id}",
        data=body,
        headers={"x-enode-signature": signature, "Content-Type": "application/json"},
    )
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)

    assert mock_provider.async_list_chargers.await_count == 2
    assert hass.states.get(CHARGER_SENSOR) is not None


async def test_next_poll_lands_just_after_the_provider_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """Polls follow the provider's refresh of the car (``last_seen``), not the setup time.

    The provider refreshes the car every 7 minutes, 3 minutes out of step with setup: a
    blind 7-minute clock would read each refresh 4 minutes late, for ever.
    """
    start = dt_util.utcnow()
    phase, cadence = timedelta(minutes=3), DEFAULT_IDLE_INTERVAL
    vehicle = load_vehicles()[1]

    def refreshed_at(now: datetime) -> datetime:
        return start + phase + ((now - start - phase) // cadence) * cadence

    polls: list[datetime] = []

    async def list_vehicles() -> list[Vehicle]:
        now = dt_util.utcnow()
        polls.append(now)
        return [replace(vehicle, last_seen=refreshed_at(now))]

    mock_provider.async_list_vehicles.side_effect = list_vehicles
    await _setup(hass, mock_config_entry)
    step = timedelta(seconds=10)
    await _run(hass, freezer, timedelta(hours=2), step)

    late = [poll - refreshed_at(poll) for poll in polls[2:]]  # learnt after two polls
    assert late
    assert all(lateness <= margin_for(cadence) + step for lateness in late)
    assert len(polls) <= timedelta(hours=2) / cadence + 3  # one poll per refresh, no more


async def test_smart_charging_status_read_when_it_can_have_changed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """Plugging in reads the status; quiet polls do not; the plan's start time does."""
    batmobile, renault = load_vehicles()
    unplugged = replace(
        batmobile, charge_state=replace(batmobile.charge_state, is_plugged_in=False)
    )
    mock_provider.async_list_vehicles.return_value = [unplugged, renault]
    status = mock_provider.async_get_smart_charging_status.return_value
    await _setup(hass, mock_config_entry)
    assert mock_provider.async_get_smart_charging_status.await_count == 0

    starts = dt_util.utcnow() + timedelta(minutes=40)
    plan = replace(status.plan or SmartChargingPlan(id="plan"), start_at=starts)
    mock_provider.async_get_smart_charging_status.return_value = replace(status, plan=plan)
    mock_provider.async_list_vehicles.return_value = [batmobile, renault]
    await _run(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_get_smart_charging_status.await_count == 1  # plugged in
    assert hass.states.get(STATUS).state == status.state.value

    await _run(hass, freezer, timedelta(minutes=30))  # polls, nothing changed
    assert mock_provider.async_get_smart_charging_status.await_count == 1

    await _run(hass, freezer, timedelta(minutes=15))  # the plan starts
    assert mock_provider.async_get_smart_charging_status.await_count == 2
    assert timedelta(minutes=55) < STATUS_MAX_AGE  # so not merely its age


@pytest.mark.parametrize("count", [1, 20])
async def test_setup_costs_the_same_for_any_number_of_devices(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
    count: int,
) -> None:
    """Setup lists vehicles, chargers and locations; idle devices' energy is never read."""
    vehicle, charger = load_vehicles()[1], load_chargers()[0]
    idle = replace(charger.charge_state, is_plugged_in=False, plugged_in_vehicle_id=None)
    mock_provider.async_list_vehicles.return_value = [
        replace(vehicle, id=f"vehicle-{n}") for n in range(count)
    ]
    mock_provider.async_list_chargers.return_value = [
        replace(charger, id=f"charger-{n}", charge_state=idle) for n in range(count)
    ]
    await _setup(hass, mock_config_entry)

    requests = [call[0] for call in mock_provider.mock_calls]
    assert sorted(requests) == [
        "async_list_chargers",
        "async_list_locations",
        "async_list_vehicles",
    ]
    await _run(hass, freezer, 60 * MINUTE)  # no lifetime energy read until a device charges
    assert mock_provider.async_get_lifetime_energy.await_count == 0


async def test_a_refresh_writes_only_the_changed_device(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """One car of twenty changed: only its entities (and its charger's) write their state."""
    car, charger = load_vehicles()[1], load_chargers()[0]
    idle = replace(charger.charge_state, is_plugged_in=False, plugged_in_vehicle_id=None)
    vehicles: list[Vehicle] = [load_vehicles()[0]] + [
        replace(
            car, id=f"vehicle-{n}", information=replace(car.information, display_name=f"Car {n}")
        )
        for n in range(19)
    ]
    chargers: list[Charger] = [charger] + [
        replace(
            charger,
            id=f"charger-{n}",
            information=replace(charger.information, display_name=f"Box {n}"),
            charge_state=idle,
        )
        for n in range(19)
    ]
    mock_provider.async_list_vehicles.return_value = vehicles
    mock_provider.async_list_chargers.return_value = chargers
    await _setup(hass, mock_config_entry)
    await _run(hass, freezer, MINUTE)  # the first lifetime energy reads
    coordinator = mock_config_entry.runtime_data.coordinator

    written: list[str] = []
    original = Entity.async_write_ha_state

    def count(entity: Entity) -> None:
        written.append(entity.entity_id)
        original(entity)

    first = vehicles[0]
    changed = replace(first, charge_state=replace(first.charge_state, battery_level=12.0))
    mock_provider.async_list_vehicles.return_value = [changed, *vehicles[1:]]
    with patch.object(Entity, "async_write_ha_state", count):
        await coordinator.async_refresh()
    assert hass.states.get("sensor.batmobile_battery").state == "12.0"
    assert written
    assert {entity_id.split(".")[1].split("_")[0] for entity_id in written} <= {
        "batmobile",
        "zaptec",
    }
    everything: list[str] = []

    def count_all(entity: Entity) -> None:
        everything.append(entity.entity_id)
        original(entity)

    mock_provider.async_list_vehicles.return_value = [
        replace(v, charge_state=replace(v.charge_state, battery_level=5.0)) for v in vehicles
    ]
    mock_provider.async_list_chargers.return_value = [
        replace(c, charge_state=replace(c.charge_state, max_current_a=10.0)) for c in chargers
    ]
    with patch.object(Entity, "async_write_ha_state", count_all):
        await coordinator.async_refresh()
    assert len(written) * 10 <= len(everything)


@pytest.mark.usefixtures("init_integration")
async def test_pushed_data_after_a_failed_poll_brings_every_entity_back(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """After an outage, data from a push makes every device available, not the changed one."""
    coordinator = mock_config_entry.runtime_data.coordinator
    mock_provider.async_list_vehicles.side_effect = ProviderUnavailableError("down")
    await coordinator.async_refresh()
    assert hass.states.get(RENAULT).state == STATE_UNAVAILABLE

    batmobile = coordinator.data.vehicles[load_vehicles()[0].id]
    pushed = replace(batmobile, charge_state=replace(batmobile.charge_state, battery_level=12))
    vehicles = {**coordinator.data.vehicles, batmobile.id: pushed}
    coordinator.async_set_pushed_data(replace(coordinator.data, vehicles=vehicles))
    await hass.async_block_till_done()

    assert hass.states.get("sensor.batmobile_battery").state == "12"
    assert hass.states.get(RENAULT).state != STATE_UNAVAILABLE
