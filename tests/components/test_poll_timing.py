"""The pure parts of "only what changed": refresh cadence, changed devices, status schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from custom_components.connected_ev.api.models import (
    SmartChargingPlan,
    SmartChargingPolicy,
    SmartChargingState,
    SmartChargingStatus,
    Vehicle,
)
from custom_components.connected_ev.changes import changed_devices
from custom_components.connected_ev.data import ConnectedEVData
from custom_components.connected_ev.poll_timing import (
    CHARGER_PLUGGED_POLL,
    CHARGER_POLL,
    ChargerListSchedule,
    RefreshCadence,
    charger_list_stretch,
    margin_for,
)
from custom_components.connected_ev.smart_status import STATUS_MAX_AGE, StatusSchedule

from .conftest import home_location, load_chargers, load_vehicles

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)
IDLE, CHARGING = timedelta(minutes=7), timedelta(minutes=2)
MINUTE = timedelta(minutes=1)


def _seen(vehicle: Vehicle, at: datetime | None, *, charging: bool = False) -> Vehicle:
    state = replace(vehicle.charge_state, is_charging=charging)
    return replace(vehicle, last_seen=at, charge_state=state)


def _next(cadence: RefreshCadence, now: datetime, interval: timedelta = IDLE) -> timedelta:
    return cadence.next_poll(now, interval, charging_interval=CHARGING, idle_interval=IDLE)


def test_cadence_is_learnt_from_last_seen() -> None:
    """Gaps between refreshes teach the cadence; the poll lands a margin after the next."""
    vehicle = load_vehicles()[0]
    cadence = RefreshCadence()
    cadence.observe([_seen(vehicle, NOW)])
    cadence.observe([_seen(vehicle, NOW + 6 * MINUTE)])
    now = NOW + 6 * MINUTE + 10 * timedelta(seconds=1)
    assert _next(cadence, now) == NOW + 12 * MINUTE + margin_for(6 * MINUTE) - now

    # A poll that missed a refresh sees a double gap: one cadence each, not one long one.
    cadence.observe([_seen(vehicle, NOW + 18 * MINUTE)])
    now = NOW + 18 * MINUTE
    assert _next(cadence, now) == 6 * MINUTE + margin_for(6 * MINUTE)


def test_a_late_refresh_is_looked_for_again_shortly() -> None:
    """The provider's jitter made the refresh later than the poll: one more poll, soon."""
    vehicle = load_vehicles()[0]
    cadence = RefreshCadence()
    cadence.observe([_seen(vehicle, NOW)])
    wait = _next(cadence, NOW + 10 * timedelta(seconds=1))
    polled = NOW + 10 * timedelta(seconds=1) + wait
    cadence.observe([_seen(vehicle, NOW)])  # not refreshed yet
    assert _next(cadence, polled) == margin_for(IDLE)
    cadence.observe([_seen(vehicle, NOW)])  # still not: back to the interval, not a loop
    assert _next(cadence, polled + margin_for(IDLE)) == IDLE


def test_gaps_that_teach_nothing_are_ignored() -> None:
    """No ``last_seen``, a gap across a change of state, or an absurd gap: nothing learnt."""
    vehicle = load_vehicles()[0]
    cadence = RefreshCadence()
    cadence.observe([_seen(vehicle, None)])
    assert _next(cadence, NOW) == IDLE  # nothing known: the interval
    cadence.observe([_seen(vehicle, NOW)])
    cadence.observe([_seen(vehicle, NOW + 3 * MINUTE, charging=True)])  # state changed
    cadence.observe([_seen(vehicle, NOW + 3 * MINUTE + timedelta(seconds=5), charging=True)])
    now = NOW + 3 * MINUTE + timedelta(seconds=5)
    # Still the default charging cadence: a 5 s gap is below the believable minimum.
    expected = now + CHARGING + margin_for(CHARGING) - timedelta(seconds=0)
    assert _next(cadence, now, CHARGING) == expected - now


def test_many_devices_poll_no_faster_than_half_the_interval() -> None:
    """With refreshes everywhere, the poll takes the latest one within the interval."""
    vehicles = [replace(load_vehicles()[0], id=f"v{n}") for n in range(20)]
    cadence = RefreshCadence()
    cadence.observe([_seen(v, NOW - n * 20 * timedelta(seconds=1)) for n, v in enumerate(vehicles)])
    wait = _next(cadence, NOW)
    assert IDLE / 2 <= wait <= IDLE + margin_for(IDLE)
    cadence.forget([])
    assert _next(cadence, NOW) == IDLE


def test_the_device_that_last_changed_is_read_right_after_its_refresh() -> None:
    """Ten cars: the poll follows the one in use, not the latest refresh of a parked one."""
    second = timedelta(seconds=1)
    vehicles = [replace(load_vehicles()[1], id=f"v{n}") for n in range(10)]
    cadence = RefreshCadence()
    # Each car refreshes every 7 minutes, car n 30 s after car n - 1; car 0 first.
    for cycle in range(2):
        cadence.observe(
            [_seen(v, NOW + cycle * IDLE + n * 30 * second) for n, v in enumerate(vehicles)]
        )
    now = NOW + IDLE + 5 * MINUTE
    latest = NOW + 2 * IDLE + 9 * 30 * second + margin_for(IDLE)
    assert _next(cadence, now) == latest - now  # nothing changed yet: the latest refresh

    # Car 0 is driven: its odometer moved at its last refresh.
    driven = vehicles[0]
    odometer = replace(driven.odometer, distance_km=(driven.odometer.distance_km or 0) + 3)
    polled = [_seen(v, NOW + 2 * IDLE + n * 30 * second) for n, v in enumerate(vehicles)]
    cadence.observe([replace(polled[0], odometer=odometer), *polled[1:]])
    now = NOW + 2 * IDLE + 9 * 30 * second + margin_for(IDLE)
    # Just after its next refresh, not car 9's (a whole interval from now).
    assert _next(cadence, now) == NOW + 3 * IDLE + margin_for(IDLE) - now
    # It stays followed while nothing changes.
    polled = [_seen(v, NOW + 3 * IDLE + n * 30 * second) for n, v in enumerate(vehicles)]
    cadence.observe([replace(polled[0], odometer=odometer), *polled[1:]])
    assert _next(cadence, NOW + 3 * IDLE + margin_for(IDLE)) == IDLE


def test_an_interval_longer_than_the_cadence_skips_refreshes() -> None:
    """Refreshes every 30 minutes, an hour's interval: every other one, not each of them."""
    vehicle = load_vehicles()[1]
    cadence = RefreshCadence()
    half_hour, hour = 30 * MINUTE, 60 * MINUTE
    cadence.observe([_seen(vehicle, NOW)])
    cadence.observe([_seen(vehicle, NOW + half_hour)])
    now = NOW + half_hour + margin_for(half_hour)
    wait = cadence.next_poll(now, hour, charging_interval=hour, idle_interval=hour)
    assert wait == NOW + 3 * half_hour + margin_for(hour) - now


def test_a_low_budget_lists_chargers_less_often() -> None:
    """The default budgets leave the periods alone; 96 a day lists them every 8 hours."""
    assert charger_list_stretch(2880) == 1.0
    assert charger_list_stretch(256) == 1.0
    assert CHARGER_POLL * charger_list_stretch(96) == timedelta(hours=8)
    assert CHARGER_POLL * charger_list_stretch(48) == timedelta(hours=16)
    assert CHARGER_POLL * charger_list_stretch(1) == timedelta(hours=24)  # at least daily
    batmobile, renault = load_vehicles()
    unplugged = [
        replace(v, charge_state=replace(v.charge_state, is_plugged_in=False))
        for v in (batmobile, renault)
    ]
    free = [
        replace(c, charge_state=replace(c.charge_state, is_plugged_in=False))
        for c in load_chargers()
    ]
    schedule = ChargerListSchedule()
    schedule.listed(NOW, unplugged)
    stretch = charger_list_stretch(96)
    later = NOW + CHARGER_POLL * stretch
    assert not schedule.due(
        later - MINUTE, unplugged, free, timed=True, linked=True, stretch=stretch
    )
    assert schedule.due(later, unplugged, free, timed=True, linked=True, stretch=stretch)
    # A plug-in still lists them at once, and so does a refresh asked for.
    assert schedule.due(
        NOW + MINUTE, [batmobile, renault], free, timed=True, linked=True, stretch=stretch
    )
    assert schedule.due(NOW + MINUTE, unplugged, free, timed=False, linked=True, stretch=stretch)
    # Looking for chargers linked elsewhere stretches alike.
    assert not schedule.due(
        later - MINUTE, unplugged, [], timed=True, linked=False, stretch=stretch
    )
    assert schedule.due(later, unplugged, [], timed=True, linked=False, stretch=stretch)


def test_charger_list_schedule() -> None:
    """Asked for or first: listed; timed: on a plug change, else 30 min plugged / 3 h not."""
    batmobile, renault = load_vehicles()  # the Batmobile is plugged in at the charger
    unplugged = replace(
        batmobile, charge_state=replace(batmobile.charge_state, is_plugged_in=False)
    )
    chargers = load_chargers()
    schedule = ChargerListSchedule()
    assert schedule.due(
        NOW, [batmobile, renault], chargers, timed=True, linked=True
    )  # never listed
    schedule.listed(NOW, [batmobile, renault])
    later = NOW + CHARGER_PLUGGED_POLL - MINUTE
    assert not schedule.due(later, [batmobile, renault], chargers, timed=True, linked=True)
    assert schedule.due(
        later, [batmobile, renault], chargers, timed=False, linked=True
    )  # asked for
    assert schedule.due(later, [unplugged, renault], chargers, timed=True, linked=True)  # unplugged
    assert schedule.due(
        NOW + CHARGER_PLUGGED_POLL, [batmobile, renault], chargers, timed=True, linked=True
    )

    # Nothing plugged in anywhere: every 3 hours.
    free = [replace(c, charge_state=replace(c.charge_state, is_plugged_in=False)) for c in chargers]
    schedule.listed(NOW, [unplugged, renault])
    assert not schedule.due(
        NOW + CHARGER_POLL - MINUTE, [unplugged, renault], free, timed=True, linked=True
    )
    assert schedule.due(NOW + CHARGER_POLL, [unplugged, renault], free, timed=True, linked=True)
    # A charger that showed a car plugged in (one not linked here) is read as often as a car.
    assert schedule.due(
        NOW + CHARGER_PLUGGED_POLL, [unplugged, renault], chargers, timed=True, linked=True
    )
    # A vehicle that does not say whether it is plugged in may be.
    unknown = replace(renault, charge_state=replace(renault.charge_state, is_plugged_in=None))
    schedule.listed(NOW, [unplugged, unknown])
    assert schedule.due(
        NOW + CHARGER_PLUGGED_POLL, [unplugged, unknown], free, timed=True, linked=True
    )

    # No chargers: only the slow discovery, plug-ins or not.
    schedule.listed(NOW, [unplugged, renault])
    later = NOW + CHARGER_POLL - MINUTE
    assert not schedule.due(later, [batmobile, renault], [], timed=True, linked=False)
    assert schedule.due(NOW + CHARGER_POLL, [batmobile, renault], [], timed=True, linked=False)
    # Chargers held back (not listed by a glitch): still read as linked ones are.
    schedule.listed(NOW, [batmobile, renault])
    later = NOW + CHARGER_PLUGGED_POLL
    assert not schedule.due(later, [batmobile, renault], [], timed=True, linked=False)
    assert schedule.due(later, [batmobile, renault], [], timed=True, linked=True)

    # A charger charging a car that is not the account's: only the charger reports it.
    guest = [
        replace(
            c, charge_state=replace(c.charge_state, is_charging=True, plugged_in_vehicle_id=None)
        )
        for c in chargers
    ]
    schedule.listed(NOW, [unplugged, renault])
    assert schedule.due(NOW + MINUTE, [unplugged, renault], guest, timed=True, linked=True)
    # A charger-only account: the charger list is all there is to read.
    schedule.listed(NOW, [])
    assert schedule.due(NOW + MINUTE, [], free, timed=True, linked=True)

    # A pushed new device: listed at the next refresh, timed or not.
    schedule.request()
    assert schedule.due(NOW + MINUTE, [unplugged, renault], free, timed=True, linked=True)


def test_changed_devices() -> None:
    """One changed device (and its plug partner); anything shared by all: every device."""
    vehicles = {v.id: v for v in load_vehicles()}
    chargers = {c.id: c for c in load_chargers()}
    old = ConnectedEVData(vehicles=vehicles, chargers=chargers)
    batmobile, renault = load_vehicles()
    charger = load_chargers()[0]

    renault_moved = replace(renault, charge_state=replace(renault.charge_state, range_km=1))
    new = replace(old, vehicles={**vehicles, renault.id: renault_moved})
    assert changed_devices(old, new) == {renault.id}
    batmobile_moved = replace(batmobile, charge_state=replace(batmobile.charge_state, range_km=1))
    new = replace(old, vehicles={**vehicles, batmobile.id: batmobile_moved})
    assert changed_devices(old, new) == {batmobile.id, charger.id}
    new = replace(old, lifetime_energy={charger.id: 1.0})
    assert changed_devices(old, new) == {charger.id, batmobile.id}

    renamed = replace(renault, information=replace(renault.information, display_name="Zoé"))
    assert changed_devices(old, replace(old, vehicles={**vehicles, renault.id: renamed})) is None
    assert changed_devices(old, replace(old, chargers={})) is None
    assert changed_devices(old, replace(old, locations={"home": home_location()})) is None
    assert changed_devices(None, old) is None


def _status(plan: SmartChargingPlan | None = None) -> SmartChargingStatus:
    return SmartChargingStatus(
        vehicle_id="v", state=SmartChargingState.PLAN_EXECUTING_STOPPED, plan=plan
    )


def test_status_due_when_it_can_have_changed() -> None:
    """A read is due on a new basis, a plan time reached, or its age (not while pushed)."""
    vehicle = load_vehicles()[0]
    schedule = StatusSchedule()
    plan = SmartChargingPlan(id="p", start_at=NOW + 10 * MINUTE, stop_at=None)
    status = _status(plan)
    assert schedule.due(vehicle, None, NOW)
    assert schedule.due(vehicle, status, NOW)  # never read
    schedule.read(vehicle, NOW)
    assert not schedule.due(vehicle, status, NOW + 5 * MINUTE)
    assert schedule.due(vehicle, status, NOW + 10 * MINUTE)  # the plan starts
    assert not schedule.due(vehicle, _status(), NOW + 10 * MINUTE)

    policy = SmartChargingPolicy(is_enabled=True, deadline="05:30", minimum_charge_limit=42)
    assert schedule.due(replace(vehicle, smart_charging_policy=policy), _status(), NOW)
    assert schedule.due(vehicle, _status(), NOW + STATUS_MAX_AGE)
    assert not schedule.due(vehicle, _status(), NOW + STATUS_MAX_AGE, pushed=True)
    schedule.forget(vehicle.id)
    assert schedule.due(vehicle, _status(), NOW)
