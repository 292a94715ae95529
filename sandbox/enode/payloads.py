"""Rendering of world objects as Enode API JSON (API version 2024-10-01).

Every field of the spec's schemas is present, with null where the simulation does not know a
value, so that clients are tested against the full shape. Renderers never advance the world:
they read ``world.sim_time`` so they can run inside the world's own event callbacks.
"""

from __future__ import annotations

from typing import Any

from sandbox.clock import isoformat
from sandbox.enode import catalog
from sandbox.enode.energy import EnergyBucket
from sandbox.enode.smart import CURRENCY, SmartPlan, current_plan
from sandbox.enode.world import (
    Action,
    Charger,
    Location,
    SmartOverride,
    SmartPolicy,
    User,
    Vehicle,
    Webhook,
    World,
    WorldEvent,
)

type JSON = dict[str, Any]

SIMULATED_PRICE_PER_KWH = 2.0
"""The sandbox keeps no tariffs: every kWh costs this (in NOK, Enode's currency in Norway)."""


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else isoformat(timestamp)


def _capability(capable: bool, interventions: tuple[str, ...]) -> JSON:
    return {"isCapable": capable, "interventionIds": [] if capable else list(interventions)}


def vehicle_json(world: World, vehicle: Vehicle) -> JSON:
    """Render a vehicle as returned by ``GET /vehicles/{vehicleId}``."""
    charging = vehicle.plugged_in and vehicle.charging
    remaining = world.charge_time_remaining_min(vehicle)
    position = world.vehicle_position(vehicle)
    odometer_capable, _ = world.vehicle_capability(vehicle, "odometer")
    location: JSON = {"longitude": None, "latitude": None, "lastUpdated": None, "id": None}
    if position is not None:
        latitude, longitude, updated = position
        location = {
            "longitude": longitude,
            "latitude": latitude,
            "lastUpdated": _iso(updated),
            "id": world.location_id_at(vehicle.user_id, latitude, longitude),
        }
    reachable = world.device_reachable(vehicle)
    return {
        "id": vehicle.id,
        "userId": vehicle.user_id,
        "vendor": vehicle.vendor,
        "lastSeen": isoformat(world.seen(vehicle)),
        "isReachable": reachable,
        "information": {
            "vin": vehicle.vin,
            "brand": vehicle.brand,
            "model": vehicle.model,
            "year": vehicle.year,
            "displayName": vehicle.display_name,
        },
        "chargeState": {
            "batteryLevel": round(vehicle.soc),
            "range": round(world.range_km(vehicle)),
            "isPluggedIn": vehicle.plugged_in,
            "isCharging": charging,
            "isFullyCharged": world.is_full(vehicle),
            "batteryCapacity": vehicle.capacity_kwh,
            "chargeLimit": vehicle.charge_limit,
            "chargeRate": round(world.charge_rate_kw(vehicle), 2) if charging else None,
            "chargeTimeRemaining": None if remaining is None else round(remaining),
            "lastUpdated": isoformat(vehicle.charge_updated),
            "maxCurrent": vehicle.max_current,
            "powerDeliveryState": world.power_delivery_state(vehicle),
            "pluggedInChargerId": world.paired_charger_id(vehicle),
        },
        "smartChargingPolicy": smart_policy_json(vehicle.smart_policy),
        "odometer": {
            "distance": round(vehicle.odometer_km) if odometer_capable else None,
            "lastUpdated": _iso(vehicle.odometer_updated) if odometer_capable else None,
        },
        "capabilities": {
            name: _capability(*world.vehicle_capability(vehicle, name))
            for name in catalog.VEHICLE_CAPABILITIES
        },
        "scopes": list(vehicle.scopes),
        "location": location,
    }


def vehicle_discovered_json(world: World, vehicle: Vehicle) -> JSON:
    """Render the sparse vehicle of ``user:vehicle:discovered``: only information is known."""
    full = vehicle_json(world, vehicle)
    return {
        "id": full["id"],
        "userId": full["userId"],
        "vendor": full["vendor"],
        "lastSeen": full["lastSeen"],
        "isReachable": None,
        "information": full["information"],
        "chargeState": {
            **dict.fromkeys(full["chargeState"], None),
            "powerDeliveryState": "UNKNOWN",
        },
        "smartChargingPolicy": smart_policy_json(SmartPolicy()),
        "odometer": {"distance": None, "lastUpdated": None},
        "capabilities": {name: _capability(False, ()) for name in full["capabilities"]},
        "scopes": full["scopes"],
        "location": dict.fromkeys(full["location"], None),
    }


def charger_json(world: World, charger: Charger) -> JSON:
    """Render a charger as returned by ``GET /chargers/{chargerId}``."""
    vehicle = world.plugged_vehicle(charger)
    charging = vehicle is not None and vehicle.charging
    if vehicle is None:
        power_state = "UNPLUGGED"
    elif charging:
        power_state = "PLUGGED_IN:CHARGING"
    else:
        power_state = "PLUGGED_IN:STOPPED"
    updated = charger.state_updated
    if vehicle is not None:
        updated = max(updated, vehicle.charge_updated)
    return {
        "id": charger.id,
        "userId": charger.user_id,
        "vendor": charger.vendor,
        "lastSeen": isoformat(world.seen(charger)),
        "isReachable": world.device_reachable(charger),
        "chargeState": {
            "isPluggedIn": vehicle is not None,
            "isCharging": charging,
            "chargeRate": (
                round(world.charge_rate_kw(vehicle), 2)
                if vehicle is not None and charging
                else None
            ),
            "lastUpdated": isoformat(updated),
            "maxCurrent": charger.max_current,
            "powerDeliveryState": power_state,
            "pluggedInVehicleId": world.paired_vehicle_id(charger),
        },
        "capabilities": {
            name: _capability(*world.charger_capability(charger, name))
            for name in catalog.CHARGER_CAPABILITIES
        },
        "scopes": list(charger.scopes),
        "information": {
            "brand": charger.brand,
            "model": charger.model,
            "year": charger.year,
            "serialNumber": charger.serial_number,
        },
        "location": {"id": charger.location_id, "lastUpdated": _iso(charger.location_updated)},
    }


def action_json(action: Action) -> JSON:
    """Render a ChargeAction or a MaxCurrentAction."""
    body: JSON = {
        "id": action.id,
        "userId": action.user_id,
        "createdAt": isoformat(action.created_at),
        "updatedAt": isoformat(action.updated_at),
        "completedAt": _iso(action.completed_at),
        "state": action.state,
        "targetId": action.target_id,
        "targetType": action.target_type,
    }
    if action.kind is not None:
        body["kind"] = action.kind
    else:
        body["targetState"] = {"maxCurrent": action.target_max_current}
    body["failureReason"] = (
        None
        if action.failure_type is None
        else {"type": action.failure_type, "detail": action.failure_detail or ""}
    )
    return body


def location_json(location: Location) -> JSON:
    """Render a LocationResponse."""
    return {
        "id": location.id,
        "userId": location.user_id,
        "name": location.name,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "timezoneName": location.timezone_name,
        "createdAt": isoformat(location.created_at),
    }


def user_json(user: User) -> JSON:
    """Render a UserResponse with its linked vendors."""
    return {
        "id": user.id,
        "linkedVendors": [
            {
                "vendor": linked.vendor,
                "vendorType": linked.vendor_type,
                "isValid": linked.is_valid and not user.deauthorized,
            }
            for linked in user.vendors.values()
        ],
    }


def user_list_entry_json(world: World, user: User) -> JSON:
    """Render an entry of ``GET /users``; scopes are those granted on its devices."""
    scopes: set[str] = set()
    for vehicle in world.vehicles_of(user.id):
        scopes.update(vehicle.scopes)
    for charger in world.chargers_of(user.id):
        scopes.update(charger.scopes)
    return {"id": user.id, "createdAt": isoformat(user.created_at), "scopes": sorted(scopes)}


def smart_policy_json(policy: SmartPolicy) -> JSON:
    """Render a VehicleSmartChargingPolicy."""
    return {
        "isEnabled": policy.is_enabled,
        "deadline": policy.deadline,
        "minimumChargeLimit": policy.minimum_charge_limit,
    }


def smart_override_json(vehicle: Vehicle, override: SmartOverride, *, owner: bool) -> JSON:
    """Render a SmartOverrideStatus, with ``userId`` and ``vendor`` when ``owner``."""
    body: JSON = {
        "createdAt": isoformat(override.created_at),
        "endedAt": _iso(override.ended_at),
        "targetType": "vehicle",
        "targetId": vehicle.id,
        "vendorActionId": override.vendor_action_id,
    }
    if owner:
        body["userId"] = vehicle.user_id
        body["vendor"] = vehicle.vendor
    return body


def smart_plan_json(plan: SmartPlan) -> JSON:
    """Render a SmartChargingPlan."""
    return {
        "id": plan.id,
        "vehicleId": plan.vehicle_id,
        "userId": plan.user_id,
        "locationId": plan.location_id,
        "vendor": plan.vendor,
        "currency": CURRENCY,
        "nonSmartCost": plan.non_smart_cost,
        "smartCost": plan.smart_cost,
        "stopAt": isoformat(plan.stop_at),
        "startAt": isoformat(plan.start_at),
        "estimatedFinishAt": isoformat(plan.estimated_finish_at),
        "stopConfirmedAt": _iso(plan.stop_confirmed_at),
        "startConfirmedAt": _iso(plan.start_confirmed_at),
        "endedAt": _iso(plan.ended_at),
        "finalState": plan.final_state,
        "failureCondition": None,
    }


def smart_status_json(world: World, vehicle: Vehicle) -> JSON:
    """Render a vehicle's SmartChargingStatus (also the body of its webhook event)."""
    override = vehicle.smart_override
    active = override is not None and override.ended_at is None
    at_location = world.charging_location_id(vehicle) is not None
    plan = current_plan(vehicle)
    return {
        "updatedAt": isoformat(world.sim_time),
        "vehicleId": vehicle.id,
        "userId": vehicle.user_id,
        "vendor": vehicle.vendor,
        "state": world.smart_state(vehicle),
        "stateChangedAt": isoformat(vehicle.smart_state_changed_at),
        "consideration": {
            "isPluggedIn": vehicle.plugged_in,
            "isCharging": vehicle.plugged_in and vehicle.charging,
            "atChargingLocation": at_location,
            "hasTimeEstimate": True,
        },
        "plan": None if plan is None else smart_plan_json(plan),
        "smartOverride": (
            smart_override_json(vehicle, override, owner=False)
            if override is not None and active
            else None
        ),
    }


def intervention_json(item: catalog.Intervention) -> JSON:
    """Render an Intervention."""
    return {
        "id": item.id,
        "vendor": item.vendor,
        "vendorType": item.vendor_type,
        "brand": item.brand,
        "introducedAt": catalog.INTERVENTION_INTRODUCED_AT,
        "domain": item.domain,
        "resolution": {
            "title": item.title,
            "description": item.description,
            "access": item.access,
            "agent": item.agent,
            "action": item.action,
        },
    }


def webhook_json(webhook: Webhook) -> JSON:
    """Render a WebhookResponse (the secret and header value are never returned)."""
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": list(webhook.events),
        "lastSuccess": isoformat(webhook.last_success),
        "isActive": webhook.is_active,
        "createdAt": isoformat(webhook.created_at),
        "apiVersion": webhook.api_version,
        "authentication": (
            None if webhook.auth_header_name is None else {"headerName": webhook.auth_header_name}
        ),
    }


def event_json(world: World, event: WorldEvent) -> JSON:
    """Render a world event as a webhook event body."""
    body: JSON = {
        "event": event.name,
        "createdAt": isoformat(event.at),
        "version": catalog.API_VERSION,
        "user": {"id": event.user_id},
    }
    if event.vehicle is not None:
        body["vehicle"] = (
            vehicle_discovered_json(world, event.vehicle)
            if event.name == "user:vehicle:discovered"
            else vehicle_json(world, event.vehicle)
        )
    if event.charger is not None:
        body["charger"] = charger_json(world, event.charger)
    if event.action is not None:
        body["vendorAction"] = action_json(event.action)
    if event.vendor is not None:
        body["vendor"] = event.vendor
    if event.name.endswith(":updated"):
        body["updatedFields"] = list(event.updated_fields)
    return body


def charging_statistics_json(bucket: EnergyBucket) -> JSON:
    """Render one entry of ``chargingStatisticsTimeseries``.

    Smart charging never shifts simulated charging, so nothing is saved: the non-smart
    price is unknown (nulls) and ``estimatedSavings`` is null, as the spec defines them.
    """
    price = SIMULATED_PRICE_PER_KWH
    return {
        "kw": {
            "min": round(bucket.kw_min, 3),
            "max": round(bucket.kw_max, 3),
            "mean": round(bucket.kw_mean, 3),
        },
        "kwhSum": round(bucket.kwh, 4),
        "price": {"min": price, "max": price, "mean": price},
        "costSum": round(bucket.kwh * price, 4),
        "nonSmartPrice": {"min": None, "max": None, "mean": None},
        "estimatedSavings": None,
        "date": isoformat(bucket.start),
    }
