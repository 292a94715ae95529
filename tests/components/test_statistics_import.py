"""Hourly charging statistics: backfill, catch-up, no double count, DST, cost and currency."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.connected_ev.api import http
from custom_components.connected_ev.api.errors import (
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    ChargingStatisticsEntry,
    DeviceKind,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.options import CONF_MANUAL_ONLY
from custom_components.connected_ev.statistics_import import (
    BACKFILL,
    CATCH_UP_TRIES,
    FIRST_IMPORT_DELAY,
    IMPORT_INTERVAL,
    SETTLE_DELAY,
    currency_issue_id,
    statistic_id,
)

from .conftest import (
    BASIC_VEHICLE_ID,
    CHARGER_ID,
    ENTRY_ID,
    VEHICLE_ID,
    load_vehicles,
)

START = datetime(2026, 11, 2, 18, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)
FIRST = FIRST_IMPORT_DELAY + timedelta(minutes=1)
"""Long enough for the first import: timers at the very minute may fire a tick later."""
ENERGY_ID = statistic_id(ENTRY_ID, VEHICLE_ID, "charged_energy")
COST_ID = statistic_id(ENTRY_ID, VEHICLE_ID, "charging_cost")
CHARGER_ENERGY_ID = statistic_id(ENTRY_ID, CHARGER_ID, "charged_energy")


class Hours:
    """The provider's hourly statistics per device, and the start each request asked for.

    A request without a device (``None``) answers every device of its kind added up, hour by
    hour, as Enode does without ``id``; it is recorded under the kind.
    """

    def __init__(self, mock_provider: AsyncMock) -> None:
        self.hours: dict[str, dict[datetime, tuple[float, float | None]]] = {}
        self.requests: list[tuple[str, datetime]] = []
        self.times: dict[str, list[datetime]] = {}
        self.failures: dict[str, Exception] = {}
        self.chargers = {CHARGER_ID}
        mock_provider.async_get_hourly_charging.side_effect = self.read

    async def read(
        self, kind: DeviceKind, device_id: str | None, start: datetime
    ) -> list[ChargingStatisticsEntry]:
        key = kind.value if device_id is None else device_id
        self.requests.append((key, start))
        self.times.setdefault(key, []).append(dt_util.utcnow())
        if (error := self.failures.get(key)) is not None:
            raise error
        if device_id is not None:
            hours = self.hours.get(device_id, {})
        else:
            hours = {}
            for device, device_hours in self.hours.items():
                if (device in self.chargers) is (kind is DeviceKind.CHARGER):
                    for hour, (kwh, _) in device_hours.items():
                        hours[hour] = (hours.get(hour, (0.0, None))[0] + kwh, None)
        return [
            ChargingStatisticsEntry(hour, kwh, cost)
            for hour, (kwh, cost) in sorted(hours.items())
            if hour >= start
        ]

    def started(self, device_id: str) -> list[datetime]:
        return [start for requested, start in self.requests if requested == device_id]

    def devices(self) -> list[str]:
        """Return the devices read one by one, in order (totals of a kind left out)."""
        kinds = {kind.value for kind in DeviceKind}
        return [device for device, _ in self.requests if device not in kinds]


@pytest.fixture
def mock_config_entry(
    request: pytest.FixtureRequest, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Return the account's entry with the options a test asks for (indirect parameter)."""
    options = getattr(request, "param", {})
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        entry_id=ENTRY_ID,
        unique_id=mock_config_entry.unique_id,
        version=mock_config_entry.version,
        minor_version=mock_config_entry.minor_version,
        data=dict(mock_config_entry.data),
        options=options,
    )


@pytest.fixture
def mock_recorder_before_hass(async_setup_recorder_instance: None) -> None:
    """Set the recorder up before Home Assistant (the harness needs it first)."""


@pytest.fixture
def hours(mock_provider: AsyncMock) -> Hours:
    """Serve hourly statistics; every answer priced in NOK (Norway)."""
    mock_provider.cost_currency.side_effect = lambda country: (
        "NOK" if country in ("NO", "DK") else None
    )
    return Hours(mock_provider)


@pytest.fixture
async def setup(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
    hours: Hours,
) -> AsyncGenerator[MockConfigEntry]:
    """Set up (no platforms) at ``START`` in Norway, with the recorder running."""
    freezer.move_to(START)
    hass.config.country = "NO"
    hass.config.currency = "NOK"
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", []):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        yield mock_config_entry


async def _run(hass: HomeAssistant, freezer: FrozenDateTimeFactory, total: timedelta) -> None:
    """Let ``total`` pass a minute at a time, then wait until the recorder wrote everything."""
    for _ in range(round(total / timedelta(minutes=1))):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def _rows(
    hass: HomeAssistant, sid: str, period: str = "hour"
) -> list[tuple[datetime, float, float]]:
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        {sid},
        period,
        None,
        {"state", "sum", "change"},
    )
    return [
        (
            dt_util.utc_from_timestamp(row["start"]),
            round(float(row.get("state" if period == "hour" else "change") or 0.0), 6),
            round(float(row.get("sum") or 0.0), 6),
        )
        for row in stats.get(sid, [])
    ]


def _hour(offset: int) -> datetime:
    """Return the hour ``offset`` hours from the hour of ``START``."""
    return START.replace(minute=0) + offset * HOUR


def _set_charging(mock_provider: AsyncMock, on: bool) -> None:
    """Make the Batmobile charge (or stop) in the next poll."""
    vehicles = load_vehicles()
    charge_state = replace(vehicles[0].charge_state, is_charging=on)
    mock_provider.async_list_vehicles.return_value = [
        replace(vehicles[0], charge_state=charge_state),
        vehicles[1],
    ]


def _pace(entry: MockConfigEntry) -> timedelta:
    """One backfill per this long: half the budget's share for reads on their own timers."""
    return timedelta(days=1) / (entry.runtime_data.coordinator.budget.background_share // 2)


async def test_first_import_backfills_paced_in_the_background(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, setup: MockConfigEntry, hours: Hours
) -> None:
    """Setup sends nothing; a total per kind, then one device per pace, 30 days back."""
    hours.hours[VEHICLE_ID] = {
        _hour(-2): (7.5, 15.0),
        _hour(-1): (11.0, 20.0),
        _hour(0): (2.0, 4.0),
    }
    hours.hours[BASIC_VEHICLE_ID] = {_hour(-3): (1.0, None)}
    assert setup.state is ConfigEntryState.LOADED
    assert hours.requests == []
    pace = _pace(setup)
    assert pace == timedelta(minutes=32)  # Enode's 2880 a day: 90 on timers, half of it here

    await _run(hass, freezer, FIRST)

    backfill = _hour(0) - BACKFILL
    assert sorted(hours.requests) == [("charger", backfill), ("vehicle", backfill)]
    await _run(hass, freezer, 3 * pace)

    # The chargers' total showed nothing charged: no charger is backfilled.
    assert hours.devices() == [VEHICLE_ID, BASIC_VEHICLE_ID]
    assert hours.started(VEHICLE_ID) == [backfill]
    assert hours.times[BASIC_VEHICLE_ID][0] - hours.times[VEHICLE_ID][0] >= pace
    assert await _rows(hass, ENERGY_ID) == [
        (_hour(-2), 7.5, 7.5),
        (_hour(-1), 11.0, 18.5),
        (_hour(0), 2.0, 20.5),
    ]
    assert [row[2] for row in await _rows(hass, COST_ID)] == [15.0, 35.0, 39.0]
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids={ENERGY_ID, COST_ID})
    )
    energy, cost = metadata[ENERGY_ID][1], metadata[COST_ID][1]
    assert (energy["name"], energy["unit_of_measurement"], energy["has_sum"]) == (
        "Batmobile Charged energy",
        "kWh",
        True,
    )
    assert (cost["name"], cost["unit_of_measurement"]) == ("Batmobile Charging cost", "NOK")
    # A device that never charged has no statistic: nothing to add up.
    assert await _rows(hass, CHARGER_ENERGY_ID) == []
    assert not ir.async_get(hass).async_get_issue(DOMAIN, currency_issue_id(ENTRY_ID))


def _fleet(mock_provider: AsyncMock, count: int, plugged_in: set[int]) -> list[str]:
    """List ``count`` idle vehicles (those in ``plugged_in`` plugged in); return their ids."""
    base = load_vehicles()[0]
    vehicles = [
        replace(
            base,
            id=f"vehicle-{n}",
            charge_state=replace(
                base.charge_state, is_charging=False, is_plugged_in=n in plugged_in
            ),
        )
        for n in range(count)
    ]
    mock_provider.async_list_vehicles.return_value = vehicles
    return [vehicle.id for vehicle in vehicles]


async def _imported_before(hass: HomeAssistant, hours: Hours, device_ids: list[str]) -> None:
    """Give each device a statistic with an hour imported before (as a previous run did)."""
    for device_id in device_ids:
        hours.hours[device_id] = {_hour(-5): (1.0, None)}  # the provider still lists it
        async_add_external_statistics(
            hass,
            StatisticMetaData(
                mean_type=StatisticMeanType.NONE,
                has_sum=True,
                name=None,
                source=DOMAIN,
                statistic_id=statistic_id(ENTRY_ID, device_id, "charged_energy"),
                unit_class=None,
                unit_of_measurement="kWh",
            ),
            [StatisticData(start=_hour(-5), state=1.0, sum=1.0)],
        )
    await async_wait_recording_done(hass)


@pytest.mark.parametrize("count", [1, 40])
async def test_restart_with_nothing_charged_costs_two_requests(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
    count: int,
) -> None:
    """Nothing charged while Home Assistant was down: one total per kind, whatever N."""
    await _run(hass, freezer, FIRST)
    ids = _fleet(mock_provider, count, plugged_in={0})
    await _imported_before(hass, hours, [*ids, CHARGER_ID])
    hours.requests.clear()

    await _restart(hass, setup)
    await _run(hass, freezer, FIRST + _pace(setup))

    assert sorted(hours.requests) == [("charger", _hour(-5)), ("vehicle", _hour(-5))]


@pytest.mark.parametrize(
    ("charged", "read"),
    [
        ({3: 4.0}, ["vehicle-3"]),  # the plugged-in car accounts for the total
        ({3: 4.0, 5: 2.0}, ["vehicle-3", *(f"vehicle-{n}" for n in range(10) if n != 3)]),
    ],
)
async def test_restart_after_a_charge_reads_who_can_have_charged(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
    charged: dict[int, float],
    read: list[str],
) -> None:
    """The plugged-in cars are read first; the others only if they fall short of the total."""
    await _run(hass, freezer, FIRST)
    ids = _fleet(mock_provider, 10, plugged_in={3})
    await _imported_before(hass, hours, [*ids, CHARGER_ID])
    for n, kwh in charged.items():
        hours.hours[f"vehicle-{n}"][_hour(-2)] = (kwh, None)
    hours.requests.clear()

    await _restart(hass, setup)
    await _run(hass, freezer, FIRST + _pace(setup))

    totals = [request for request in hours.requests if request[0] in ("charger", "vehicle")]
    assert sorted(totals) == [("charger", _hour(-5)), ("vehicle", _hour(-5))]
    assert hours.devices() == read
    for n, kwh in charged.items():
        sid = statistic_id(ENTRY_ID, f"vehicle-{n}", "charged_energy")
        assert await _rows(hass, sid) == [(_hour(-5), 1.0, 1.0), (_hour(-2), kwh, 1.0 + kwh)]


async def test_no_requests_while_nothing_charges(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """After the catch-up, idle hours cost nothing; charging: hourly, and once after the stop."""
    await _run(hass, freezer, FIRST)
    polls = mock_provider.async_list_vehicles.await_count
    hours.requests.clear()

    await _run(hass, freezer, 5 * HOUR)

    assert mock_provider.async_list_vehicles.await_count > polls
    assert hours.requests == []

    _set_charging(mock_provider, True)
    await setup.runtime_data.coordinator.async_refresh()
    await _run(hass, freezer, 2 * IMPORT_INTERVAL)
    assert len(hours.started(VEHICLE_ID)) == 2
    assert hours.started(CHARGER_ID) == []

    _set_charging(mock_provider, False)
    await setup.runtime_data.coordinator.async_refresh()
    await _run(hass, freezer, SETTLE_DELAY + timedelta(minutes=1))
    await _run(hass, freezer, 3 * HOUR)
    assert len(hours.started(VEHICLE_ID)) == 3
    assert hours.started(BASIC_VEHICLE_ID) == []


async def test_a_poll_where_only_other_devices_changed_keeps_the_imports(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """The charging car is imported hourly while polls show only another car changing."""
    await _run(hass, freezer, FIRST)
    _set_charging(mock_provider, True)
    await setup.runtime_data.coordinator.async_refresh()
    await _run(hass, freezer, timedelta(minutes=1))
    hours.requests.clear()
    charging = mock_provider.async_list_vehicles.return_value[0]
    basic = load_vehicles()[1]
    for minutes in range(10, 70, 10):  # the car without statistics drives on
        odometer = replace(basic.odometer, distance_km=basic.odometer.distance_km + minutes)
        mock_provider.async_list_vehicles.return_value = [
            charging,
            replace(basic, odometer=odometer),
        ]
        await setup.runtime_data.coordinator.async_refresh()
        await _run(hass, freezer, timedelta(minutes=10))
    assert hours.devices() == [VEHICLE_ID]  # its hourly import, nothing for the other


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload and set the entry up again, as a restart of Home Assistant would."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_catch_up_after_a_gap_never_counts_twice(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, setup: MockConfigEntry, hours: Hours
) -> None:
    """Down for hours: the catch-up starts at the last (partial) hour and replaces it."""
    vehicle = hours.hours[VEHICLE_ID] = {_hour(-1): (4.0, 8.0), _hour(0): (2.0, 4.0)}
    await _run(hass, freezer, FIRST + _pace(setup))
    assert [row[2] for row in await _rows(hass, ENERGY_ID)] == [4.0, 6.0]

    await hass.config_entries.async_unload(setup.entry_id)
    freezer.tick(5 * HOUR)  # Home Assistant is down; the car charged on
    vehicle.update({_hour(0): (5.0, 10.0), _hour(1): (3.0, 6.0), _hour(3): (1.0, None)})
    assert await hass.config_entries.async_setup(setup.entry_id)
    await _run(hass, freezer, FIRST)

    assert hours.started(VEHICLE_ID)[-1] == _hour(0)
    assert await _rows(hass, ENERGY_ID) == [
        (_hour(-1), 4.0, 4.0),
        (_hour(0), 5.0, 9.0),
        (_hour(1), 3.0, 12.0),
        (_hour(3), 1.0, 13.0),
    ]
    # The hour without a cost has no cost row; the sums go on from the last hour's.
    assert [row[2] for row in await _rows(hass, COST_ID)] == [8.0, 18.0, 24.0]

    await _restart(hass, setup)
    await _run(hass, freezer, FIRST)

    # From the earlier of the two statistics' last hours (the cost's): hours re-read again
    # replace what they were, the energy's hour 3 included.
    assert hours.started(VEHICLE_ID)[-1] == _hour(1)
    assert [row[2] for row in await _rows(hass, ENERGY_ID)] == [4.0, 9.0, 12.0, 13.0]
    assert [row[2] for row in await _rows(hass, COST_ID)] == [8.0, 18.0, 24.0]


async def test_provider_answering_fewer_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, setup: MockConfigEntry, hours: Hours
) -> None:
    """Hours the provider no longer lists keep what was imported; nothing is subtracted."""
    hours.hours[VEHICLE_ID] = {_hour(-2): (4.0, None), _hour(-1): (6.0, None)}
    await _run(hass, freezer, FIRST + _pace(setup))
    hours.hours[VEHICLE_ID] = {}

    await _restart(hass, setup)
    await _run(hass, freezer, FIRST)

    # The vehicles' total lists less than the statistic holds: nothing new, no device read.
    assert len(hours.started(VEHICLE_ID)) == 1
    assert hours.started("vehicle")[-1] == _hour(0) - BACKFILL  # the Renault has none yet
    assert await _rows(hass, ENERGY_ID) == [(_hour(-2), 4.0, 4.0), (_hour(-1), 6.0, 10.0)]
    # Cost was never reported: no cost statistic at all.
    assert await _rows(hass, COST_ID) == []


async def test_hours_after_the_current_one_are_not_imported(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, setup: MockConfigEntry, hours: Hours
) -> None:
    """A provider clock ahead of Home Assistant's: its future hours wait until they come.

    A bucket that does not start on a whole hour is left out (the recorder refuses it).
    """
    hours.hours[VEHICLE_ID] = {
        _hour(-1) + timedelta(minutes=15): (4.0, None),
        _hour(0): (1.0, None),
        _hour(2): (1.0, None),
    }

    await _run(hass, freezer, FIRST + _pace(setup))

    assert await _rows(hass, ENERGY_ID) == [(_hour(0), 1.0, 1.0)]


async def test_daylight_saving_change(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
) -> None:
    """The night clocks go back in Copenhagen: both 02:00 hours kept, the day has 25 hours."""
    await hass.config.async_set_time_zone("Europe/Copenhagen")
    await hass.config_entries.async_unload(setup.entry_id)
    # Last Sunday of October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
    night = datetime(2026, 10, 24, 22, tzinfo=UTC)  # local midnight
    hours.hours[VEHICLE_ID] = {night + n * HOUR: (1.0, None) for n in range(25)}
    freezer.move_to(datetime(2026, 10, 25, 23, 30, tzinfo=UTC))
    assert await hass.config_entries.async_setup(setup.entry_id)
    await _run(hass, freezer, FIRST + _pace(setup))

    rows = await _rows(hass, ENERGY_ID)
    assert len(rows) == 25
    assert len({start for start, _, _ in rows}) == 25
    assert rows[-1][2] == 25.0
    (day,) = await _rows(hass, ENERGY_ID, "day")
    assert dt_util.as_local(day[0]).isoformat() == "2026-10-25T00:00:00+02:00"
    assert day[1] == 25.0


@pytest.mark.parametrize(
    ("country", "currency", "cost_unit", "issue"),
    [("DK", "DKK", "NOK", True), ("NO", "NOK", "NOK", False), ("US", "USD", None, False)],
)
async def test_cost_currency(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    country: str,
    currency: str,
    cost_unit: str | None,
    issue: bool,
) -> None:
    """Cost in the provider's currency; another than Home Assistant's is said, not converted."""
    hass.config.country = country
    hass.config.currency = currency
    hours.hours[VEHICLE_ID] = {_hour(-1): (10.0, 25.0)}

    await _run(hass, freezer, FIRST + _pace(setup))

    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids={COST_ID})
    )
    unit = metadata[COST_ID][1]["unit_of_measurement"] if COST_ID in metadata else None
    assert unit == cost_unit
    if cost_unit is not None:
        assert await _rows(hass, COST_ID) == [(_hour(-1), 25.0, 25.0)]
    found = ir.async_get(hass).async_get_issue(DOMAIN, currency_issue_id(ENTRY_ID))
    assert (found is not None) is issue
    if found is not None:
        assert found.translation_key == "cost_currency_mismatch"
        assert found.translation_placeholders == {
            "title": "Enode sandbox",
            "currency": "NOK",
            "home_currency": "DKK",
        }
        # Removing the entry removes what it said.
        await hass.config_entries.async_remove(setup.entry_id)
        assert not ir.async_get(hass).async_get_issue(DOMAIN, currency_issue_id(ENTRY_ID))


async def test_failed_catch_up_and_backfill_are_retried_a_few_times(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """A rate limit puts the catch-up off; a failing backfill is tried 3 times.

    Then it waits for the device's next charge, whose own import reads the 30 days.
    """
    hours.hours[VEHICLE_ID] = {_hour(-1): (3.0, None)}
    hours.hours[CHARGER_ID] = {_hour(-1): (5.0, None)}
    hours.failures["vehicle"] = RateLimitedError("slow down", retry_after=600)
    pace = _pace(setup)

    await _run(hass, freezer, FIRST)
    assert hours.requests == [("vehicle", _hour(0) - BACKFILL)]  # the rate limit ends it
    del hours.failures["vehicle"]
    hours.failures[VEHICLE_ID] = ProviderUnavailableError("down")

    await _run(hass, freezer, timedelta(minutes=10) + 6 * pace)

    assert [device for device, _ in hours.requests[:3]] == ["vehicle", "vehicle", "charger"]
    assert hours.devices() == [VEHICLE_ID, BASIC_VEHICLE_ID, CHARGER_ID, VEHICLE_ID, VEHICLE_ID]
    assert await _rows(hass, ENERGY_ID) == []
    assert await _rows(hass, CHARGER_ENERGY_ID) == [(_hour(-1), 5.0, 5.0)]

    hours.failures.clear()
    _set_charging(mock_provider, True)
    await setup.runtime_data.coordinator.async_refresh()
    await _run(hass, freezer, timedelta(minutes=1))
    assert hours.started(VEHICLE_ID)[-1] < _hour(-1)  # its 30 days
    assert await _rows(hass, ENERGY_ID) == [(_hour(-1), 3.0, 3.0)]


def _link(
    mock_provider: AsyncMock, hours: Hours, device_id: str, *, charging: bool = False
) -> None:
    """Link one more vehicle (idle unless ``charging``) that charged 2 kWh 3 hours ago."""
    vehicles = load_vehicles()
    state = replace(vehicles[1].charge_state, is_charging=charging)
    hours.hours[device_id] = {_hour(-3): (2.0, None)}
    mock_provider.async_list_vehicles.return_value = [
        *vehicles,
        replace(vehicles[1], id=device_id, charge_state=state),
    ]


async def _linked_rows(hass: HomeAssistant, device_id: str) -> list[tuple[datetime, float, float]]:
    """Return the hours imported for a vehicle ``_link`` added."""
    return await _rows(hass, statistic_id(ENTRY_ID, device_id, "charged_energy"))


async def test_device_linked_later_is_backfilled(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """A device linked after start-up gets its 30 days, paced; a rate limit puts it off."""
    coordinator = setup.runtime_data.coordinator
    await _run(hass, freezer, FIRST)  # nothing charged anywhere: no backfill owed
    assert sorted(hours.requests) == [
        ("charger", _hour(0) - BACKFILL),
        ("vehicle", _hour(0) - BACKFILL),
    ]
    vehicles = load_vehicles()
    new, gone = (
        replace(vehicles[1], id=device_id) for device_id in ("vehicle-new", "vehicle-gone")
    )
    hours.hours["vehicle-new"] = {_hour(-3): (2.0, None)}
    hours.failures["vehicle-new"] = RateLimitedError("slow down", retry_after=3600)
    mock_provider.async_list_vehicles.return_value = [*vehicles, new, gone]
    await coordinator.async_refresh()
    mock_provider.async_list_vehicles.return_value = [*vehicles, new]  # unlinked again
    await coordinator.async_refresh()
    pace = _pace(setup)

    await _run(hass, freezer, 2 * pace)
    assert hours.devices() == ["vehicle-new"]  # the unlinked one is skipped
    del hours.failures["vehicle-new"]
    await _run(hass, freezer, timedelta(minutes=50))
    assert hours.devices() == ["vehicle-new"]  # the rate limit's hour
    await _run(hass, freezer, timedelta(minutes=15) + 2 * pace)

    assert hours.devices() == ["vehicle-new", "vehicle-new"]
    assert await _linked_rows(hass, "vehicle-new") == [(_hour(-3), 2.0, 2.0)]


async def test_device_charging_first_is_backfilled_by_its_own_import(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """A new device that charges is read in the catch-up, its 30 days with it: no backfill."""
    await _imported_before(hass, hours, [VEHICLE_ID, BASIC_VEHICLE_ID, CHARGER_ID])
    _link(mock_provider, hours, "vehicle-charging", charging=True)
    await setup.runtime_data.coordinator.async_refresh()  # linked before the catch-up

    await _run(hass, freezer, FIRST + _pace(setup) + timedelta(minutes=1))

    # The catch-up reads who can have charged (the plugged-in car and the new one): they
    # account for the total, so the Renault is not read, and the new one needs no backfill.
    assert hours.devices() == [VEHICLE_ID, "vehicle-charging"]
    assert hours.started("vehicle-charging") == [_hour(0) - BACKFILL]
    assert await _linked_rows(hass, "vehicle-charging") == [(_hour(-3), 2.0, 2.0)]


async def test_device_charging_before_its_backfill_is_imported_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """Waiting for its backfill, a device starts charging: imported at once, and only then."""
    coordinator = setup.runtime_data.coordinator
    await _run(hass, freezer, FIRST)
    _link(mock_provider, hours, "vehicle-new")
    await coordinator.async_refresh()  # owed a backfill, a pace from now
    _link(mock_provider, hours, "vehicle-new", charging=True)
    await coordinator.async_refresh()

    await _run(hass, freezer, _pace(setup) + timedelta(minutes=1))

    assert hours.devices() == ["vehicle-new"]
    assert hours.started("vehicle-new") == [_hour(0) - BACKFILL]


async def test_requests_count_as_background_reads_in_the_budget(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """Counted as reads on their own timers: within their share, never the next poll's room."""
    budget = setup.runtime_data.coordinator.budget

    async def sent(
        kind: DeviceKind, device_id: str | None, start: datetime
    ) -> list[ChargingStatisticsEntry]:
        if (observer := http._observer.get()) is not None:  # as the client does when it sends
            observer()
        return []

    mock_provider.async_get_hourly_charging.side_effect = sent
    await _run(hass, freezer, FIRST)

    assert sum(budget.ledger.background.values()) == 2  # the two totals of the catch-up


async def test_catch_up_given_up_after_a_few_failures(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    hours: Hours,
    mock_provider: AsyncMock,
) -> None:
    """A total that keeps failing is tried 5 times; a charging device is still imported."""
    hours.hours[VEHICLE_ID] = {_hour(-1): (3.0, None)}
    hours.failures["vehicle"] = ProviderUnavailableError("down")

    await _run(hass, freezer, FIRST + 3 * HOUR)

    assert len(hours.started("vehicle")) == CATCH_UP_TRIES
    assert hours.devices() == []
    _set_charging(mock_provider, True)
    await setup.runtime_data.coordinator.async_refresh()
    await _run(hass, freezer, timedelta(minutes=1))
    assert hours.devices() == [VEHICLE_ID]
    assert await _rows(hass, ENERGY_ID) == [(_hour(-1), 3.0, 3.0)]


@pytest.mark.parametrize("mock_config_entry", [{CONF_MANUAL_ONLY: True}], indirect=True)
async def test_manual_mode_imports_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, setup: MockConfigEntry, hours: Hours
) -> None:
    """Only explicit refreshes (the options): no timed statistics requests either."""
    assert setup.runtime_data.coordinator.manual_only

    await _run(hass, freezer, 2 * HOUR)

    assert hours.requests == []


async def test_without_the_recorder_nothing_is_imported(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    hours: Hours,
) -> None:
    """No recorder loaded: no statistics, so no requests for them."""
    for _ in range(10):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    assert init_integration.state is ConfigEntryState.LOADED
    assert hours.requests == []


async def test_providers_without_statistics_have_none(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: MockConfigEntry,
    mock_provider: AsyncMock,
    hours: Hours,
) -> None:
    """A provider that keeps no charging statistics (Hiven's kind) is never asked."""
    mock_provider.features = mock_provider.features - {ProviderFeature.CHARGING_STATISTICS}
    await _restart(hass, setup)

    await _run(hass, freezer, 3 * HOUR)

    assert hours.requests == []
    assert await _rows(hass, ENERGY_ID) == []
