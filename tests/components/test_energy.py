"""Lifetime energy: read while charging and once after, never at start-up; kept, restored."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.connected_ev.api.errors import (
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    Charger,
    DeviceKind,
    Vehicle,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import (
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    DOMAIN,
)
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator
from custom_components.connected_ev.energy import (
    ENERGY_MAX_FAILURES,
    ENERGY_READ_INTERVAL,
    ENERGY_RETRY_FIRST,
    ENERGY_SETTLE_DELAY,
    EnergySchedule,
)
from custom_components.connected_ev.identifiers import entity_unique_id

from .conftest import (
    BASIC_VEHICLE_ID,
    CHARGER_ID,
    LIFETIME_ENERGY,
    VEHICLE_ID,
    load_chargers,
    load_vehicles,
)

BATMOBILE = "sensor.batmobile_lifetime_energy"
ZAPTEC = "sensor.zaptec_go_lifetime_energy"
RENAULT = "sensor.renault_zoe_lifetime_energy"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the sensor platform."""
    return [Platform.SENSOR]


class Reads:
    """The provider's lifetime energy per device, and when each read happened."""

    def __init__(self, mock_provider: AsyncMock) -> None:
        self.energy = dict(LIFETIME_ENERGY)
        self.times: dict[str, list[datetime]] = {}
        self.failures: dict[str, Exception] = {}
        mock_provider.async_get_lifetime_energy.side_effect = self.read

    async def read(self, kind: DeviceKind, device_id: str) -> float:
        self.times.setdefault(device_id, []).append(dt_util.utcnow())
        if (error := self.failures.get(device_id)) is not None:
            raise error
        return self.energy[device_id]

    def count(self, device_id: str) -> int:
        return len(self.times.get(device_id, []))


@pytest.fixture(autouse=True)
def reads(mock_provider: AsyncMock) -> Reads:
    """Record the reads; autouse, so it is in place before the first reads."""
    return Reads(mock_provider)


def _coordinator(entry: MockConfigEntry) -> ConnectedEVCoordinator:
    coordinator: ConnectedEVCoordinator = entry.runtime_data.coordinator
    return coordinator


def _charging[DeviceT: (Vehicle, Charger)](device: DeviceT, on: bool = True) -> DeviceT:
    return replace(device, charge_state=replace(device.charge_state, is_charging=on))


def _set_charging(mock_provider: AsyncMock, on: bool) -> None:
    """Make the Batmobile and the Zaptec charge (or stop) in the next poll."""
    vehicles, chargers = load_vehicles(), load_chargers()
    mock_provider.async_list_vehicles.return_value = [_charging(vehicles[0], on), vehicles[1]]
    mock_provider.async_list_chargers.return_value = [_charging(chargers[0], on)]


async def _run(hass: HomeAssistant, freezer: FrozenDateTimeFactory, total: timedelta) -> None:
    """Let ``total`` pass a minute at a time, running every timer and task on the way."""
    for _ in range(int(total / timedelta(minutes=1))):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_setup_reads_nothing_until_a_device_charges(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    reads: Reads,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A first setup with many devices and no restored values reads no lifetime energy.

    Idle devices cost nothing and their sensors stay unknown; a device that starts charging
    is read, and only it.
    """
    vehicle, charger = load_vehicles()[0], load_chargers()[0]
    idle = {"is_charging": False, "is_plugged_in": False}
    vehicles = [
        replace(vehicle, id=f"vehicle-{n}", charge_state=replace(vehicle.charge_state, **idle))
        for n in range(40)
    ]
    chargers = [
        replace(charger, id=f"charger-{n}", charge_state=replace(charger.charge_state, **idle))
        for n in range(40)
    ]
    reads.energy |= dict.fromkeys([item.id for item in [*vehicles, *chargers]], 100.0)
    mock_provider.async_list_vehicles.return_value = vehicles
    mock_provider.async_list_chargers.return_value = chargers
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await _run(hass, freezer, timedelta(hours=2))

    assert mock_provider.async_get_lifetime_energy.await_count == 0
    assert _state(hass, BATMOBILE) == STATE_UNKNOWN
    mock_provider.async_list_vehicles.return_value = [_charging(vehicles[7]), *vehicles[8:]]
    await _run(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert set(reads.times) == {"vehicle-7"}


@pytest.mark.usefixtures("init_integration")
async def test_charging_read_hourly_then_once_after_stop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, reads: Reads, mock_provider: AsyncMock
) -> None:
    """While charging at most hourly, then one read 15 minutes after the stop."""
    await _run(hass, freezer, timedelta(minutes=30))
    _set_charging(mock_provider, True)
    await _run(hass, freezer, DEFAULT_IDLE_INTERVAL)  # the poll that sees it charge
    for minute in range(60):
        reads.energy[VEHICLE_ID] = 1520.5 + minute
        await _run(hass, freezer, timedelta(minutes=1))

    times = reads.times[VEHICLE_ID]
    assert 2 <= len(times) <= 3  # an hour of charging
    assert all(later - earlier >= ENERGY_READ_INTERVAL for earlier, later in pairwise(times))
    assert reads.count(CHARGER_ID) == len(times)
    assert reads.count(BASIC_VEHICLE_ID) == 0  # idle all along: never read
    assert float(_state(hass, BATMOBILE)) > 1520.5 + 30

    _set_charging(mock_provider, False)
    await _run(hass, freezer, DEFAULT_CHARGING_INTERVAL)  # the poll that sees it stop
    stopped = dt_util.utcnow()
    reads.energy[VEHICLE_ID] = 1700.0
    await _run(hass, freezer, timedelta(hours=2))

    final = [moment for moment in reads.times[VEHICLE_ID] if moment > stopped]
    assert len(final) == 1
    # Due 15 minutes after the poll that saw the stop (up to one interval before ``stopped``).
    assert (
        ENERGY_SETTLE_DELAY - DEFAULT_CHARGING_INTERVAL
        <= final[0] - stopped
        <= (ENERGY_SETTLE_DELAY)
    )
    assert _state(hass, BATMOBILE) == "1700.0"


@pytest.mark.usefixtures("init_integration")
async def test_failed_read_keeps_value_and_retries(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    reads: Reads,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed read fails nothing else: the value stays, retried sooner, backing off."""
    caplog.set_level(logging.DEBUG, logger="custom_components.connected_ev")
    _set_charging(mock_provider, True)
    await _coordinator(init_integration).async_refresh()  # sees it charge: read at once
    assert (reads.count(VEHICLE_ID), _state(hass, BATMOBILE)) == (1, "1520.5")
    reads.failures[VEHICLE_ID] = ProviderUnavailableError("Enode GET /users/{userId}/… 503")
    await _run(hass, freezer, ENERGY_READ_INTERVAL + 2 * ENERGY_RETRY_FIRST)

    # Due again after 30 minutes, then retried 5 minutes after (the next, 10 minutes on).
    assert reads.count(VEHICLE_ID) == 3
    assert _state(hass, BATMOBILE) == "1520.5"
    assert _coordinator(init_integration).last_update_success
    messages = [record.getMessage() for record in caplog.records]
    assert "Could not read a vehicle's lifetime energy: ProviderUnavailableError" in messages
    assert not any(VEHICLE_ID in message for message in messages)

    del reads.failures[VEHICLE_ID]
    reads.energy[VEHICLE_ID] = 1530.0
    await _run(hass, freezer, 4 * ENERGY_RETRY_FIRST)
    assert reads.count(VEHICLE_ID) == 4
    assert _state(hass, BATMOBILE) == "1530.0"


@pytest.mark.usefixtures("init_integration")
async def test_rate_limit_ends_the_round(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    reads: Reads,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """After a 429 no other device is read in that round; all wait as long as it says."""
    reads.failures[VEHICLE_ID] = RateLimitedError("Enode rate limited", retry_after=1200)
    _set_charging(mock_provider, True)
    await _coordinator(init_integration).async_refresh()
    await _run(hass, freezer, timedelta(minutes=1))

    assert (reads.count(VEHICLE_ID), reads.count(CHARGER_ID)) == (1, 0)
    del reads.failures[VEHICLE_ID]
    await _run(hass, freezer, timedelta(minutes=18))
    assert (reads.count(VEHICLE_ID), reads.count(CHARGER_ID)) == (1, 0)
    await _run(hass, freezer, timedelta(minutes=2))
    assert (reads.count(VEHICLE_ID), reads.count(CHARGER_ID)) == (2, 1)


@pytest.mark.usefixtures("init_integration")
async def test_a_smaller_read_never_lowers_the_total(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, reads: Reads, mock_provider: AsyncMock
) -> None:
    """Home Assistant would take a decrease for a meter reset: the larger value stays."""
    _set_charging(mock_provider, True)
    await _run(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert _state(hass, BATMOBILE) == "1520.5"
    reads.energy[VEHICLE_ID] = 1500.0
    await _run(hass, freezer, ENERGY_READ_INTERVAL)
    assert reads.count(VEHICLE_ID) == 2
    assert _state(hass, BATMOBILE) == "1520.5"

    reads.energy[VEHICLE_ID] = 1525.0
    await _run(hass, freezer, ENERGY_READ_INTERVAL)
    assert _state(hass, BATMOBILE) == "1525.0"


async def test_restored_after_restart_without_a_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    reads: Reads,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """The last value comes back with Home Assistant, and no statistics are read.

    Devices without a restored kWh value are not read either until they charge: setup costs
    the same requests whatever the number of devices.
    """
    _restore(hass, 1600.0)
    mock_config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    for entity_id, device_id in ((BATMOBILE, VEHICLE_ID), (ZAPTEC, CHARGER_ID)):
        registry.async_get_or_create(  # known from before the restart
            "sensor",
            DOMAIN,
            entity_unique_id(mock_config_entry, device_id, "lifetime_energy"),
            suggested_object_id=entity_id.removeprefix("sensor."),
            config_entry=mock_config_entry,
        )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert _state(hass, BATMOBILE) == "1600.0"
    assert _state(hass, ZAPTEC) == STATE_UNKNOWN  # restored in Wh: not taken
    assert mock_provider.async_get_lifetime_energy.await_count == 0

    await _run(hass, freezer, ENERGY_READ_INTERVAL)
    assert mock_provider.async_get_lifetime_energy.await_count == 0
    assert _state(hass, BATMOBILE) == "1600.0"
    assert _state(hass, ZAPTEC) == STATE_UNKNOWN


async def test_restored_when_the_start_up_read_fails(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """No value read yet: the restored one is shown (only kWh values are taken back)."""
    _restore(hass, 1600.0)
    mock_provider.async_get_lifetime_energy.side_effect = ProviderUnavailableError("down")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert _state(hass, BATMOBILE) == "1600.0"
    assert _state(hass, ZAPTEC) == STATE_UNKNOWN  # restored in Wh: not taken
    assert _state(hass, RENAULT) == STATE_UNKNOWN  # restored without a value


def _restore(hass: HomeAssistant, kwh: float) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(BATMOBILE, str(kwh)),
                {"native_value": kwh, "native_unit_of_measurement": "kWh"},
            ),
            (
                State(ZAPTEC, "5000000"),
                {"native_value": 5_000_000, "native_unit_of_measurement": "Wh"},
            ),
            (
                State(RENAULT, STATE_UNKNOWN),
                {"native_value": None, "native_unit_of_measurement": "kWh"},
            ),
        ],
    )


async def test_push_health_does_not_slow_energy_reads(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    reads: Reads,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """With a safety poll every 6 hours, pushed charging is still read every 30 minutes."""
    coordinator = _coordinator(init_integration)
    coordinator.async_set_push_interval(timedelta(hours=6))
    polls = mock_provider.async_list_vehicles.await_count
    await _run(hass, freezer, ENERGY_READ_INTERVAL + timedelta(minutes=5))
    vehicles = dict(coordinator.data.vehicles)
    vehicles[VEHICLE_ID] = _charging(vehicles[VEHICLE_ID])
    coordinator.async_set_pushed_data(replace(coordinator.data, vehicles=vehicles))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert reads.count(VEHICLE_ID) == 1  # at once, between polls

    await _run(hass, freezer, 2 * ENERGY_READ_INTERVAL)
    assert reads.count(VEHICLE_ID) == 3
    vehicles[VEHICLE_ID] = _charging(vehicles[VEHICLE_ID], on=False)
    coordinator.async_set_pushed_data(replace(coordinator.data, vehicles=vehicles))
    await _run(hass, freezer, ENERGY_READ_INTERVAL)  # the settle read, a full interval on
    assert reads.count(VEHICLE_ID) == 4
    assert mock_provider.async_list_vehicles.await_count == polls  # all without a poll
    await _run(hass, freezer, timedelta(minutes=30))
    assert reads.count(VEHICLE_ID) == 4


async def test_manual_only_reads_on_refresh_only(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    reads: Reads,
    init_integration: MockConfigEntry,
) -> None:
    """The "manual only" option means no scheduled request, statistics included."""
    coordinator = _coordinator(init_integration)
    coordinator.manual_only = True
    vehicles = dict(coordinator.data.vehicles)
    vehicles[VEHICLE_ID] = _charging(vehicles[VEHICLE_ID])
    coordinator.async_set_pushed_data(replace(coordinator.data, vehicles=vehicles))
    await _run(hass, freezer, timedelta(minutes=30))
    assert reads.count(VEHICLE_ID) == 0
    await coordinator.async_refresh()
    assert reads.count(VEHICLE_ID) == 1


@pytest.mark.parametrize(
    "features",
    [
        frozenset(ProviderFeature) - {ProviderFeature.CHARGING_STATISTICS},
        frozenset({ProviderFeature.LINK_CODE, ProviderFeature.LOCATIONS}),  # Hiven's
    ],
)
async def test_no_sensor_without_statistics(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
    features: frozenset[ProviderFeature],
) -> None:
    """A provider without statistics gets no energy sensor at all (not an unavailable one)."""
    mock_provider.features = features
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(BATMOBILE) is None
    assert not [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
        if entry.unique_id.endswith("_lifetime_energy")
    ]
    mock_provider.async_get_lifetime_energy.assert_not_called()


def test_schedule_forgets_unlisted_devices() -> None:
    """A device no longer listed owes nothing; listed again, it is read when it charges."""
    now = dt_util.utcnow()
    schedule = EnergySchedule()
    schedule.observe({"a": False, "b": True}, now)
    assert schedule.start_reads(now) == {"b"}  # an idle device is never read for itself
    schedule.read_succeeded("b", now)
    schedule.read_succeeded("gone", now)
    schedule.note_read("gone", now)
    assert schedule.next_due() == now + ENERGY_READ_INTERVAL  # b charges
    schedule.observe({"a": False}, now)
    assert schedule.next_due() is None
    later = now + timedelta(minutes=1)
    schedule.observe({"a": False, "b": False}, later)
    assert schedule.next_due() is None
    schedule.observe({"a": False, "b": True}, later)
    assert schedule.start_reads(later) == {"b"}


def test_schedule_backs_off_and_gives_an_idle_device_up() -> None:
    """Retries double up to the read interval; an idle device's read is dropped after a few."""
    now = dt_util.utcnow()
    schedule = EnergySchedule()
    schedule.observe({"a": True}, now)
    schedule.observe({"a": False}, now)  # stopped: the settle read is owed
    when = now + ENERGY_SETTLE_DELAY
    waits = []
    for _ in range(ENERGY_MAX_FAILURES):
        assert schedule.start_reads(when) == {"a"}
        schedule.read_failed("a", when)
        schedule.read_failed("gone", when)
        if (due := schedule.next_due()) is None:
            break
        waits.append(due - when)
        when = due
    assert waits == [ENERGY_RETRY_FIRST, 2 * ENERGY_RETRY_FIRST, 4 * ENERGY_RETRY_FIRST]
    assert schedule.next_due() is None  # given up until it charges again

    when += ENERGY_READ_INTERVAL  # reads stay 30 minutes apart across a stop and a start
    schedule.observe({"a": True}, when)
    for _ in range(2 * ENERGY_MAX_FAILURES):  # a charging device is never given up
        assert schedule.start_reads(when) == {"a"}
        schedule.read_failed("a", when)
        due = schedule.next_due()
        assert due is not None
        assert due - when <= ENERGY_READ_INTERVAL
        when = due
    schedule.read_failed("a", when, timedelta(hours=2), limited=True)  # a rate limit's wait
    assert schedule.next_due() == when + timedelta(hours=2)


def test_a_charge_after_a_settled_read_is_first_read_an_interval_in() -> None:
    """What came before a charge was read when the last one settled: no read at its start.

    A charge shorter than the interval costs one read, the settle read after it; a device
    whose last read is not current (never read, or the settle read failed) is read at once.
    """
    now = dt_util.utcnow()
    schedule = EnergySchedule()
    schedule.observe({"a": True, "b": True}, now)
    assert schedule.start_reads(now) == {"a", "b"}  # never read: read at once
    schedule.read_succeeded("a", now)
    schedule.read_succeeded("b", now)
    stopped = now + timedelta(minutes=20)
    schedule.observe({"a": False, "b": False}, stopped)
    settled = stopped + ENERGY_SETTLE_DELAY
    assert schedule.start_reads(settled) == {"a", "b"}
    schedule.read_succeeded("a", settled)
    schedule.read_failed("b", settled)

    again = settled + timedelta(hours=2)
    schedule.observe({"a": True, "b": True}, again)
    assert schedule.start_reads(again) == {"b"}  # its settle read failed: not current
    assert schedule.start_reads(again + ENERGY_READ_INTERVAL - timedelta(seconds=1)) == set()
    short = again + timedelta(minutes=40)
    schedule.observe({"a": False, "b": False}, short)
    assert schedule.start_reads(short + ENERGY_SETTLE_DELAY) == {"a", "b"}


def test_schedule_takes_an_update_of_some_devices() -> None:
    """An update naming some devices (those that changed) leaves the others as they were."""
    now = dt_util.utcnow()
    schedule = EnergySchedule()
    schedule.observe({"a": True, "b": False}, now)
    assert schedule.start_reads(now) == {"a"}
    later = now + timedelta(minutes=5)
    schedule.observe({"b": True}, later, complete=False)  # b started; a is not forgotten
    assert schedule.start_reads(later) == {"b"}
    assert schedule.next_due() == now + ENERGY_READ_INTERVAL  # a charges on
    schedule.observe({"b": True}, later)  # a full list without a: a is gone
    assert schedule.next_due() == later + ENERGY_READ_INTERVAL
