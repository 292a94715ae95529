"""Smart-charging plans: when a vehicle would charge under Enode's smart charging, and for how much.

A plan is made when smart charging is enabled (with a deadline), the vehicle is plugged in at
one of its user's locations, is not full and no smart override is active. The plan charges the
energy up to the charge limit in the cheapest contiguous window that ends by the next deadline
(local time of the location), and walks through Enode's ``PLAN:*`` states as the simulated clock
advances: stopping the charge that began at plug-in, waiting, starting, then finishing.

Prices follow a fixed daily curve in the location's local time (see :func:`price_at`): Enode
uses day-ahead market prices, which the sandbox does not have; a fixed curve keeps plans
deterministic and still makes "charge at night" the obvious choice.

Pure logic like the world: no HTTP, no asyncio. The world calls :func:`review` whenever it
reads the time and :func:`step` when a plan's next step falls due.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from sandbox.enode.world import Vehicle, World

CURRENCY = "NOK"
"""Enode's currency in Norway, where the simulated home is."""
MAX_PLANS_KEPT = 20
"""Plans kept per vehicle for ``GET /vehicles/{id}/smart-charging-plans/{planId}``."""
_QUARTER = 900.0
_NIGHT_PRICE = 1.0
_DAY_PRICE = 2.0
_PEAK_PRICE = 3.0
_NIGHT_END_HOUR = 6
_PEAK_START_HOUR = 16
_PEAK_END_HOUR = 21

STOPPING = "PLAN:EXECUTING:STOPPING"
STOPPED = "PLAN:EXECUTING:STOPPED"
STARTING = "PLAN:EXECUTING:STARTING"
STARTED = "PLAN:EXECUTING:STARTED"
OVERRIDDEN = "PLAN:EXECUTING:OVERRIDDEN"
ENDED_FINISHED = "PLAN:ENDED:FINISHED"
ENDED_UNPLUGGED = "PLAN:ENDED:UNPLUGGED"
ENDED_DISABLED = "PLAN:ENDED:DISABLED"
ENDED_DEADLINE_CHANGED = "PLAN:ENDED:DEADLINE_CHANGED"


@dataclass(slots=True)
class SmartPlan:
    """One smart-charging plan of a vehicle (Enode's ``SmartChargingPlan``)."""

    id: str
    vehicle_id: str
    user_id: str
    location_id: str | None
    vendor: str
    deadline: str
    """The policy deadline the plan was made for; a different one ends the plan."""
    created_at: float
    stop_at: float
    start_at: float
    estimated_finish_at: float
    smart_cost: float
    non_smart_cost: float
    state: str
    next_at: float | None
    """When the plan's next step (stop or start confirmed, start due) happens."""
    state_changed_at: float
    """When ``state`` took its value (the status's ``stateChangedAt`` while shown)."""
    stop_confirmed_at: float | None = None
    start_confirmed_at: float | None = None
    ended_at: float | None = None
    final_state: str | None = None

    def move(self, state: str, moment: float, next_at: float | None) -> None:
        """Enter ``state`` at ``moment``; the next step is due at ``next_at``."""
        if state != self.state:
            self.state = state
            self.state_changed_at = moment
        self.next_at = next_at

    @property
    def active(self) -> bool:
        """Return True until the plan has ended."""
        return self.final_state is None


def price_at(moment: float, zone: ZoneInfo) -> float:
    """Return the simulated price per kWh at a moment: cheap at night, dear 16-21 h."""
    hour = datetime.fromtimestamp(moment, zone).hour
    if hour < _NIGHT_END_HOUR:
        return _NIGHT_PRICE
    if _PEAK_START_HOUR <= hour < _PEAK_END_HOUR:
        return _PEAK_PRICE
    return _DAY_PRICE


def charging_cost(start: float, seconds: float, kw: float, zone: ZoneInfo) -> float:
    """Return what charging at ``kw`` for ``seconds`` from ``start`` costs, per quarter hour."""
    cost = 0.0
    moment, end = start, start + seconds
    while moment < end:
        until = min(end, (math.floor(moment / _QUARTER) + 1) * _QUARTER)
        cost += price_at(moment, zone) * kw * (until - moment) / 3600.0
        moment = until
    return cost


def next_deadline(moment: float, deadline: str, zone: ZoneInfo) -> float:
    """Return the first time after ``moment`` at the local ``HH:MM`` (``24:00`` = midnight)."""
    hour, _, minute = deadline.partition(":")
    local = datetime.fromtimestamp(moment, zone)
    candidate = datetime.combine(local.date(), datetime.min.time(), zone) + timedelta(
        hours=int(hour), minutes=int(minute)
    )
    while candidate.timestamp() <= moment:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC).timestamp()


def cheapest_start(now: float, seconds: float, deadline: float, kw: float, zone: ZoneInfo) -> float:
    """Return the start (now or a quarter-hour boundary) of the cheapest window by the deadline.

    Ties go to the earliest start; with no room before the deadline the charge starts now.
    """
    best, best_cost = now, charging_cost(now, seconds, kw, zone)
    start = (math.floor(now / _QUARTER) + 1) * _QUARTER
    while start + seconds <= deadline:
        cost = charging_cost(start, seconds, kw, zone)
        if cost < best_cost - 1e-9:
            best, best_cost = start, cost
        start += _QUARTER
    return best


def zone_of(name: str) -> ZoneInfo:
    """Return a time zone by IANA name; UTC for a name that is not one (never raises)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def current_plan(vehicle: Vehicle) -> SmartPlan | None:
    """Return the plan the smart-charging status shows (active, or ended until replugged)."""
    if vehicle.smart_plan_id is None:
        return None
    return next((p for p in vehicle.smart_plans if p.id == vehicle.smart_plan_id), None)


def active_plan(vehicle: Vehicle) -> SmartPlan | None:
    """Return the vehicle's plan while it executes."""
    plan = current_plan(vehicle)
    return plan if plan is not None and plan.active else None


def controls_charging(vehicle: Vehicle) -> bool:
    """Return True while a plan decides when the vehicle charges (Enode then answers 422)."""
    plan = active_plan(vehicle)
    return plan is not None and plan.state != OVERRIDDEN


def end_plan(plan: SmartPlan, final_state: str, moment: float) -> None:
    """End a plan in one of the ``PLAN:ENDED:*`` states."""
    plan.move(final_state, moment, None)
    plan.final_state = final_state
    plan.ended_at = moment


def step(world: World, vehicle: Vehicle, plan: SmartPlan) -> None:
    """Carry out the plan's step that fell due at ``plan.next_at`` (now the world's time)."""
    moment = world.sim_time
    if plan.state == STOPPING:
        world.stop_charging(vehicle, moment)
        plan.stop_confirmed_at = moment
        plan.move(STOPPED, moment, plan.start_at)
    elif plan.state == STOPPED:
        plan.move(STARTING, moment, moment + world.action_delay)
    else:  # STARTING: the vehicle confirms it charges
        vehicle.charging = True
        vehicle.charge_updated = moment
        plan.start_confirmed_at = moment
        plan.move(STARTED, moment, None)


def review(world: World) -> None:
    """End plans whose conditions broke, follow overrides, make plans, note state changes."""
    moment = world.sim_time
    for vehicle in world.vehicles_of(None):
        plan = active_plan(vehicle)
        while plan is not None and plan.next_at is not None and plan.next_at <= moment:
            step(world, vehicle, plan)
        if plan is not None:
            _check(world, vehicle, plan)
        if active_plan(vehicle) is None and _wants_plan(world, vehicle):
            _make_plan(world, vehicle)
        state = world.smart_state(vehicle)
        if state != vehicle.smart_state_seen:
            shown = current_plan(vehicle)
            vehicle.smart_state_seen = state
            vehicle.smart_state_changed_at = shown.state_changed_at if shown is not None else moment


def _check(world: World, vehicle: Vehicle, plan: SmartPlan) -> None:
    moment = world.sim_time
    policy = vehicle.smart_policy
    override = vehicle.smart_override
    overridden = override is not None and override.ended_at is None
    # Unplugging ends a plan at once (``World.unplug``); these end it when next reviewed.
    if not policy.is_enabled:
        end_plan(plan, ENDED_DISABLED, moment)
    elif policy.deadline != plan.deadline:
        end_plan(plan, ENDED_DEADLINE_CHANGED, moment)
    elif world.is_full(vehicle):
        end_plan(plan, ENDED_FINISHED, moment)
    elif overridden:
        plan.move(OVERRIDDEN, moment, None)
    elif plan.state == OVERRIDDEN:
        # The override ended: back to the plan, stopping again if its window is still ahead.
        delay = moment + world.action_delay
        if moment < plan.start_at and vehicle.charging:
            plan.move(STOPPING, moment, delay)
        elif moment < plan.start_at:
            plan.move(STOPPED, moment, plan.start_at)
        elif vehicle.charging:
            plan.move(STARTED, moment, None)
        else:
            plan.move(STARTING, moment, delay)


def _wants_plan(world: World, vehicle: Vehicle) -> bool:
    """Return True when smart charging would plan this vehicle's charging now."""
    policy = vehicle.smart_policy
    override = vehicle.smart_override
    capable, _ = world.vehicle_capability(vehicle, "smartCharging")
    return (
        policy.is_enabled
        and policy.deadline is not None
        and vehicle.plugged_in
        and capable
        and not world.is_full(vehicle)
        and (override is None or override.ended_at is not None)
        and world.charging_location_id(vehicle) is not None
    )


def _make_plan(world: World, vehicle: Vehicle) -> None:
    moment = world.sim_time
    location_id = world.charging_location_id(vehicle)
    location = world.locations[location_id] if location_id is not None else None
    zone = zone_of(location.timezone_name if location is not None else "UTC")
    deadline_setting = vehicle.smart_policy.deadline or "00:00"
    kw = world.charge_rate_kw(vehicle)
    energy = max(0.0, (vehicle.charge_limit - vehicle.soc) / 100.0 * vehicle.capacity_kwh)
    seconds = energy / kw * 3600.0
    deadline = next_deadline(moment, deadline_setting, zone)
    start = cheapest_start(moment, seconds, deadline, kw, zone)
    plan = SmartPlan(
        id=world.new_id(),
        vehicle_id=vehicle.id,
        user_id=vehicle.user_id or "",
        location_id=location_id,
        vendor=vehicle.vendor,
        deadline=deadline_setting,
        created_at=moment,
        stop_at=moment,
        start_at=start,
        estimated_finish_at=start + seconds,
        smart_cost=round(charging_cost(start, seconds, kw, zone), 2),
        non_smart_cost=round(charging_cost(moment, seconds, kw, zone), 2),
        state=STARTED,
        next_at=None,
        state_changed_at=moment,
    )
    if start > moment:
        if vehicle.charging:
            plan.move(STOPPING, moment, moment + world.action_delay)
        else:
            plan.move(STOPPED, moment, start)
            plan.stop_confirmed_at = moment
    elif vehicle.charging:
        plan.start_confirmed_at = moment
    else:
        plan.move(STARTING, moment, moment + world.action_delay)
    vehicle.smart_plans.append(plan)
    del vehicle.smart_plans[:-MAX_PLANS_KEPT]
    vehicle.smart_plan_id = plan.id
