"""Enode JSON → shared models: strict about identity, lenient about everything else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.connected_ev.api.enode.parse import (
    enum_value,
    parse_action,
    parse_charge_action,
    parse_charger,
    parse_intervention,
    parse_interventions,
    parse_link_session,
    parse_location,
    parse_max_current_action,
    parse_page,
    parse_smart_charging_policy,
    parse_smart_charging_status,
    parse_smart_override,
    parse_timestamp,
    parse_user,
    parse_vehicle,
    parse_webhook,
    parse_webhook_test_result,
)
from custom_components.connected_ev.api.errors import InvalidResponseError
from custom_components.connected_ev.api.models import (
    ActionFailure,
    ActionState,
    Capability,
    CapabilityInfo,
    ChargeAction,
    ChargingCommand,
    DeviceInformation,
    DeviceKind,
    GeoPosition,
    LinkedVendor,
    MaxCurrentAction,
    Odometer,
    PowerDeliveryState,
    SmartChargingPlan,
    SmartChargingPolicy,
    SmartChargingState,
    VehicleChargeState,
)

from .conftest import ACTION_ID, CHARGER_ID, LOCATION_ID, USER_ID, VEHICLE_ID, load_fixture

INTERVENTION = "4eaeb363-296d-4ccc-a973-7805e6f400bd"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_vehicle_all_fields() -> None:
    """A complete vehicle maps field by field, with units in the names."""
    vehicle = parse_vehicle(load_fixture("vehicle.json"))

    assert vehicle.id == VEHICLE_ID
    assert vehicle.user_id == USER_ID
    assert vehicle.vendor == "TESLA"
    assert vehicle.last_seen == datetime(2024, 1, 7, 17, 4, 26, tzinfo=UTC)
    assert vehicle.is_reachable is True
    assert vehicle.information == DeviceInformation(
        brand="Tesla",
        model="Model S P85",
        year=2020,
        display_name="Batmobile",
        vin="2HGFB2F5XEH542858",
    )
    assert vehicle.charge_state == VehicleChargeState(
        battery_level=66,
        range_km=228,
        is_plugged_in=True,
        is_charging=True,
        is_fully_charged=False,
        battery_capacity_kwh=48.1,
        charge_limit=90,
        charge_rate_kw=2,
        charge_time_remaining_min=285,
        max_current_a=16,
        power_delivery_state=PowerDeliveryState.PLUGGED_IN_CHARGING,
        plugged_in_charger_id=None,
        last_updated=datetime(2020, 4, 7, 17, 4, 26, tzinfo=UTC),
    )
    assert vehicle.smart_charging_policy == SmartChargingPolicy(True, "07:00", 20)
    assert vehicle.odometer == Odometer(65393, _at("2024-01-07T17:04:26+00:00"))
    assert vehicle.location == GeoPosition(
        latitude=59.9165915,
        longitude=10.7582268,
        last_updated=_at("2024-01-07T15:04:26+00:00"),
        location_id=None,
    )
    assert vehicle.capabilities[Capability.SET_MAX_CURRENT] == CapabilityInfo(
        False, (INTERVENTION,)
    )
    assert set(vehicle.capabilities) == {
        Capability.INFORMATION,
        Capability.CHARGE_STATE,
        Capability.LOCATION,
        Capability.ODOMETER,
        Capability.SET_MAX_CURRENT,
        Capability.START_CHARGING,
        Capability.STOP_CHARGING,
        Capability.SMART_CHARGING,
    }
    assert vehicle.can(Capability.START_CHARGING)
    assert not vehicle.can(Capability.SET_MAX_CURRENT)
    assert vehicle.scopes == (
        "vehicle:control:charging",
        "vehicle:read:data",
        "vehicle:read:location",
    )
    assert isinstance(vehicle.charge_state.battery_level, float)


def test_paired_vehicle_and_charger() -> None:
    """A vehicle plugged into its user's charger at home points at it, and back."""
    paired = load_fixture("paired.json")
    vehicle = parse_vehicle(paired["vehicle"])
    charger = parse_charger(paired["charger"])

    assert vehicle.charge_state.plugged_in_charger_id == charger.id == CHARGER_ID
    assert charger.charge_state.plugged_in_vehicle_id == vehicle.id
    assert vehicle.location is not None
    assert vehicle.location.location_id == charger.location_id == LOCATION_ID
    assert (vehicle.location.latitude, vehicle.location.longitude) == (None, None)
    assert vehicle.charge_state.charge_rate_kw == 2.3
    assert vehicle.charge_state.charge_limit is None
    assert vehicle.can(Capability.START_CHARGING)
    assert vehicle.can(Capability.LOCATION)
    assert not vehicle.can(Capability.ODOMETER)
    assert vehicle.smart_charging_policy == SmartChargingPolicy(False, None, 0)
    assert vehicle.odometer is not None
    assert vehicle.odometer.distance_km == 12011.5


def test_charger_spec_example() -> None:
    """The spec's charger example."""
    charger = parse_charger(load_fixture("charger.json"))

    assert charger.id == "2211e263-0362-4235-83f4-887bdf3ee414"
    assert charger.vendor == "ZAPTEC"
    assert charger.information == DeviceInformation(
        brand="Zaptec", model="Pro", year=None, serial_number="1234567890"
    )
    assert charger.charge_state.charge_rate_kw == 6.939
    assert charger.charge_state.power_delivery_state is PowerDeliveryState.PLUGGED_IN_CHARGING
    assert charger.charge_state.last_updated == datetime(2023, 3, 21, 16, 39, 20, tzinfo=UTC)
    assert charger.location_id == "2211e263-d6d4-d6d4-d6d4-dbdd77ec82b6"
    assert charger.can(Capability.STOP_CHARGING)
    assert not charger.can(Capability.SET_MAX_CURRENT)
    assert not charger.can(Capability.SMART_CHARGING)
    assert charger.scopes == ("charger:control:charging", "charger:read:data")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("UNKNOWN", PowerDeliveryState.UNKNOWN),
        ("UNPLUGGED", PowerDeliveryState.UNPLUGGED),
        ("PLUGGED_IN:INITIALIZING", PowerDeliveryState.PLUGGED_IN_INITIALIZING),
        ("PLUGGED_IN:CHARGING", PowerDeliveryState.PLUGGED_IN_CHARGING),
        ("PLUGGED_IN:STOPPED", PowerDeliveryState.PLUGGED_IN_STOPPED),
        ("PLUGGED_IN:COMPLETE", PowerDeliveryState.PLUGGED_IN_COMPLETE),
        ("PLUGGED_IN:NO_POWER", PowerDeliveryState.PLUGGED_IN_NO_POWER),
        ("PLUGGED_IN:FAULT", PowerDeliveryState.PLUGGED_IN_FAULT),
        ("PLUGGED_IN:DISCHARGING", PowerDeliveryState.PLUGGED_IN_DISCHARGING),
        ("PLUGGED_IN:TELEPORTING", PowerDeliveryState.UNKNOWN),
        (None, PowerDeliveryState.UNKNOWN),
        (3, PowerDeliveryState.UNKNOWN),
    ],
)
def test_power_delivery_states(value: Any, expected: PowerDeliveryState) -> None:
    """Every documented state maps; new or wrong values become UNKNOWN."""
    data = load_fixture("vehicle.json")
    data["chargeState"]["powerDeliveryState"] = value

    assert parse_vehicle(data).charge_state.power_delivery_state is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DISABLED", "disabled"),
        ("CONSIDERING", "considering"),
        ("PLAN:EXECUTING:STOPPED:AWAITING_PRICES", "plan_executing_stopped_awaiting_prices"),
        ("PLAN:EXECUTING:CHARGE_INTERRUPTED", "plan_executing_charge_interrupted"),
        ("PLAN:ENDED:DEADLINE_CHANGED", "plan_ended_deadline_changed"),
        ("FULLY_CHARGED", "fully_charged"),
        ("PLAN:PAUSED:SOLAR", "unknown"),
    ],
)
def test_smart_charging_states(value: str, expected: str) -> None:
    """Colon-separated smart-charging states map to stable keys."""
    assert enum_value(SmartChargingState, value) is SmartChargingState(expected)


def test_every_documented_smart_charging_state_maps() -> None:
    """No documented state of 2024-10-01 falls through to UNKNOWN."""
    documented = [
        "DISABLED", "CONSIDERING", "PLAN:EXECUTING:STOPPING", "PLAN:EXECUTING:STOP_FAILED",
        "PLAN:EXECUTING:STOPPED", "PLAN:EXECUTING:STOPPED:AWAITING_PRICES",
        "PLAN:EXECUTING:STARTING", "PLAN:EXECUTING:START_FAILED", "PLAN:EXECUTING:STARTED",
        "PLAN:EXECUTING:CHARGE_INTERRUPTED", "PLAN:EXECUTING:OVERRIDDEN", "PLAN:ENDED:FINISHED",
        "PLAN:ENDED:UNPLUGGED", "PLAN:ENDED:FAILED", "PLAN:ENDED:DISABLED",
        "PLAN:ENDED:DEADLINE_CHANGED", "FULLY_CHARGED",
    ]  # fmt: skip
    states = {enum_value(SmartChargingState, value) for value in documented}

    assert SmartChargingState.UNKNOWN not in states
    assert len(states) == len(documented)


def test_capabilities_are_lenient() -> None:
    """Unknown capability keys and malformed entries are skipped, not fatal."""
    data = load_fixture("vehicle.json")
    data["capabilities"] = {
        "startCharging": {"isCapable": True, "interventionIds": ["a", 5]},
        "stopCharging": {"isCapable": "yes", "interventionIds": []},
        "smartCharging": None,
        "setMaxCurrent": {"isCapable": False},
        "teleport": {"isCapable": True, "interventionIds": []},
        "unknown": {"isCapable": True, "interventionIds": []},
    }

    capabilities = parse_vehicle(data).capabilities

    assert capabilities == {
        Capability.START_CHARGING: CapabilityInfo(True, ("a",)),
        Capability.SET_MAX_CURRENT: CapabilityInfo(False, ()),
    }


def test_vehicle_wrong_types_in_optional_fields_are_none() -> None:
    """Optional fields of the wrong type are dropped, the vehicle still parses."""
    data = load_fixture("vehicle.json")
    data["lastSeen"] = "yesterday"
    data["isReachable"] = "true"
    data["information"] = {"vin": 12, "brand": None, "model": ["S"], "year": 2020.5}
    data["chargeState"] = {
        "batteryLevel": "66",
        "range": True,
        "chargeRate": 1e400,
        "maxCurrent": 10**400,
        "chargeLimit": 80.0,
        "powerDeliveryState": "UNPLUGGED",
        "pluggedInChargerId": "",
        "lastUpdated": 1712509466,
    }
    data["smartChargingPolicy"] = {"isEnabled": "no"}
    data["odometer"] = "65393 km"
    data["location"] = [59.9, 10.7]
    data["capabilities"] = []
    data["scopes"] = "vehicle:read:data"

    vehicle = parse_vehicle(data)

    assert vehicle.last_seen is None
    assert vehicle.is_reachable is None
    assert vehicle.information == DeviceInformation()
    assert vehicle.charge_state == VehicleChargeState(
        charge_limit=80.0, power_delivery_state=PowerDeliveryState.UNPLUGGED
    )
    assert vehicle.smart_charging_policy is None
    assert vehicle.odometer is None
    assert vehicle.location is None
    assert vehicle.capabilities == {}
    assert vehicle.scopes == ()


def test_vehicle_with_only_identity() -> None:
    """Null sub-objects (as in ``discovered`` events) give empty defaults."""
    vehicle = parse_vehicle(
        {
            "id": VEHICLE_ID,
            "userId": USER_ID,
            "vendor": "KIA",
            "chargeState": None,
            "information": None,
            "smartChargingPolicy": None,
        }
    )

    assert vehicle.charge_state == VehicleChargeState()
    assert vehicle.information == DeviceInformation()
    assert vehicle.smart_charging_policy is None
    assert vehicle.last_seen is None


@pytest.mark.parametrize(
    "change",
    [
        {"id": 5},
        {"id": ""},
        {"userId": None},
        {"vendor": ["TESLA"]},
    ],
)
def test_device_identity_is_required(change: dict[str, Any]) -> None:
    """Wrong types in a device's identity make it invalid."""
    vehicle = {**load_fixture("vehicle.json"), **change}
    charger = {**load_fixture("charger.json"), **change}

    with pytest.raises(InvalidResponseError):
        parse_vehicle(vehicle)
    with pytest.raises(InvalidResponseError):
        parse_charger(charger)


@pytest.mark.parametrize("data", [None, [], "vehicle", 5])
def test_device_must_be_an_object(data: Any) -> None:
    """A device that is not a JSON object is invalid."""
    with pytest.raises(InvalidResponseError, match="not a JSON object"):
        parse_vehicle(data)


def test_charger_wrong_types_are_lenient() -> None:
    """A charger with odd optional fields still parses."""
    data = load_fixture("charger.json")
    data["location"] = None
    data["chargeState"] = {"isCharging": 1, "powerDeliveryState": "PLUGGED_IN:COMPLETE"}
    data["information"] = {"serialNumber": None, "year": "2021"}

    charger = parse_charger(data)

    assert charger.location_id is None
    assert charger.charge_state.is_charging is None
    assert charger.charge_state.power_delivery_state is PowerDeliveryState.PLUGGED_IN_COMPLETE
    assert charger.information == DeviceInformation()


@pytest.mark.parametrize(
    ("state", "expected_state", "command", "failure", "completed"),
    [
        ("PENDING", ActionState.PENDING, ChargingCommand.START, None, None),
        ("CONFIRMED", ActionState.CONFIRMED, ChargingCommand.START, None, "2020-04-07T17:06:26Z"),
        (
            "FAILED",
            ActionState.FAILED,
            ChargingCommand.START,
            ActionFailure.NO_RESPONSE,
            "2020-04-07T17:20:26Z",
        ),
        (
            "CANCELLED",
            ActionState.CANCELLED,
            ChargingCommand.STOP,
            ActionFailure.CONFLICT,
            "2020-04-07T17:07:26Z",
        ),
    ],
)
def test_charge_action_states(
    state: str,
    expected_state: ActionState,
    command: ChargingCommand,
    failure: ActionFailure | None,
    completed: str | None,
) -> None:
    """Each action state, with its failure reason when it has one."""
    action = parse_charge_action(load_fixture("charge_actions.json")[state])

    assert action.id == ACTION_ID
    assert action.user_id == USER_ID
    assert action.state is expected_state
    assert action.is_final is (state != "PENDING")
    assert action.target_id == VEHICLE_ID
    assert action.target_kind is DeviceKind.VEHICLE
    assert action.command is command
    assert action.created_at == datetime(2020, 4, 7, 17, 4, 26, tzinfo=UTC)
    assert action.updated_at == datetime(2020, 4, 7, 17, 5, 26, tzinfo=UTC)
    assert action.completed_at == (parse_timestamp(completed) if completed else None)
    assert action.failure is failure
    assert (action.failure_detail is None) is (failure is None)


def test_charge_action_unknown_values() -> None:
    """New states, kinds, target types and failure types become UNKNOWN."""
    data = load_fixture("charge_actions.json")["FAILED"]
    data.update(
        state="RETRYING",
        kind="PAUSE",
        targetType="hvac",
        failureReason={"type": "VENDOR_MAINTENANCE", "detail": 5},
    )
    del data["userId"]

    action = parse_charge_action(data)

    assert action.state is ActionState.UNKNOWN
    assert action.command is ChargingCommand.UNKNOWN
    assert action.target_kind is DeviceKind.UNKNOWN
    assert action.failure is ActionFailure.UNKNOWN
    assert action.failure_detail is None
    assert action.user_id == ""
    assert action.is_final


def test_charger_action_of_the_spec_lacks_user_id() -> None:
    """The spec's charger action example omits ``userId``; it still parses."""
    action = parse_action(load_fixture("charger_action.json"))

    assert isinstance(action, ChargeAction)
    assert action.target_kind is DeviceKind.CHARGER
    assert action.user_id == ""


def test_max_current_action() -> None:
    """A max-current action carries the requested current."""
    action = parse_action(load_fixture("max_current_action.json"))

    assert isinstance(action, MaxCurrentAction)
    assert action.max_current_a == 10
    assert action.target_kind is DeviceKind.CHARGER
    assert action.state is ActionState.PENDING
    assert action.failure is None
    assert parse_max_current_action(load_fixture("max_current_action.json")) == action


@pytest.mark.parametrize(
    "data",
    [
        {"id": ACTION_ID, "targetId": VEHICLE_ID, "state": "PENDING"},
        {"id": ACTION_ID, "kind": "START"},
        {"id": 1, "targetId": VEHICLE_ID, "targetState": {"maxCurrent": 10}},
        "action",
    ],
)
def test_invalid_actions(data: Any) -> None:
    """An action that is neither kind, or lacks its identity, is invalid."""
    with pytest.raises(InvalidResponseError):
        parse_action(data)


def test_user() -> None:
    """Linked vendors, with the invalid ones flagged; malformed entries dropped."""
    data = load_fixture("user.json")
    data["linkedVendors"] += [
        {"vendor": "EASEE", "vendorType": "charger"},
        {"vendor": "", "vendorType": "vehicle", "isValid": True},
        {"vendor": "TADO", "vendorType": "hvac", "isValid": True},
        "BMW",
    ]

    user = parse_user(data)

    assert user.id == USER_ID
    assert user.linked_vendors == (
        LinkedVendor("TESLA", DeviceKind.VEHICLE, True),
        LinkedVendor("ZAPTEC", DeviceKind.CHARGER, False),
        LinkedVendor("TADO", DeviceKind.UNKNOWN, True),
    )
    assert parse_user({"id": USER_ID, "linkedVendors": None}).linked_vendors == ()


def test_link_session() -> None:
    """The link URL is required, the SDK token optional."""
    session = parse_link_session(load_fixture("link_session.json"))

    assert session.link_url.startswith("https://link.enode.com/")
    assert session.link_token is not None
    assert parse_link_session({"linkUrl": "https://link.enode.com/x"}).link_token is None
    with pytest.raises(InvalidResponseError):
        parse_link_session({"linkToken": "abc"})


def test_location() -> None:
    """A location with its IANA timezone; UTC when the timezone is absent."""
    location = parse_location(load_fixture("location.json"))

    assert location.id == LOCATION_ID
    assert location.name == "Home"
    assert (location.latitude, location.longitude) == (59.9165915, 10.7582268)
    assert location.timezone == "Europe/Oslo"
    assert location.user_id == USER_ID
    assert location.created_at == datetime(2024, 1, 6, 9, 58, tzinfo=UTC)

    data = load_fixture("location.json")
    del data["timezoneName"]
    assert parse_location(data).timezone == "UTC"


@pytest.mark.parametrize("change", [{"latitude": "59.9"}, {"name": None}, {"id": None}])
def test_location_required_fields(change: dict[str, Any]) -> None:
    """A location without usable name, id or coordinates is invalid."""
    with pytest.raises(InvalidResponseError):
        parse_location({**load_fixture("location.json"), **change})


def test_smart_charging_policy() -> None:
    """The policy; a missing minimum is the documented default 0."""
    assert parse_smart_charging_policy(load_fixture("smart_charging_policy.json")) == (
        SmartChargingPolicy(is_enabled=True, deadline="07:00", minimum_charge_limit=20)
    )
    assert parse_smart_charging_policy({"isEnabled": False, "deadline": None}) == (
        SmartChargingPolicy(is_enabled=False, deadline=None, minimum_charge_limit=0)
    )
    with pytest.raises(InvalidResponseError):
        parse_smart_charging_policy({"deadline": "07:00"})


def test_smart_charging_status_with_plan() -> None:
    """Status, plan and consideration (``atChargingLocation``)."""
    status = parse_smart_charging_status(load_fixture("smart_charging_status.json"))

    assert status.vehicle_id == VEHICLE_ID
    assert status.state is SmartChargingState.PLAN_EXECUTING_STOPPED_AWAITING_PRICES
    assert status.state_changed_at == datetime(2020, 4, 7, 17, 4, 26, tzinfo=UTC)
    assert status.at_charging_location is True
    assert status.smart_override is None
    assert status.plan == SmartChargingPlan(
        id="53559d39-019a-443b-a2a7-a2ca29f54d4b",
        location_id=LOCATION_ID,
        currency="NOK",
        smart_cost=12.8,
        non_smart_cost=17.2,
        start_at=datetime(2020, 4, 8, 1, 0, tzinfo=UTC),
        stop_at=datetime(2020, 4, 7, 17, 4, 26, tzinfo=UTC),
        estimated_finish_at=datetime(2020, 4, 8, 5, 30, tzinfo=UTC),
        ended_at=None,
    )


def test_smart_charging_status_lenient_parts() -> None:
    """No consideration, an odd plan and an override are handled."""
    data = load_fixture("smart_charging_status.json")
    data.update(
        consideration=None,
        plan="soon",
        state="DISABLED",
        smartOverride=load_fixture("smart_override.json"),
    )

    status = parse_smart_charging_status(data)

    assert status.at_charging_location is None
    assert status.plan is None
    assert status.state is SmartChargingState.DISABLED
    assert status.smart_override is not None
    assert status.smart_override.vendor_action_id == "213ae0a8-fb65-40be-981a-6a86df3e1c7f"

    data["smartOverride"] = {"targetType": "vehicle"}
    assert parse_smart_charging_status(data).smart_override is None
    with pytest.raises(InvalidResponseError):
        parse_smart_charging_status({**data, "vehicleId": None})


def test_smart_override() -> None:
    """A "charge now" override."""
    override = parse_smart_override(load_fixture("smart_override.json"))

    assert override.target_id == VEHICLE_ID
    assert override.target_kind is DeviceKind.VEHICLE
    assert override.created_at == datetime(2020, 4, 7, 17, 4, 26, tzinfo=UTC)
    assert override.ended_at is None


def test_interventions() -> None:
    """Interventions; ``action: Link`` asks for a relink."""
    first, second = parse_interventions(load_fixture("interventions.json"))

    assert first.id == "9d90a9ad-9b24-4ce0-94e9-e888b1b877f4"
    assert first.title == "Accept the Audi terms and conditions"
    assert "myAudi" in first.description
    assert (first.vendor, first.domain, first.access, first.agent) == (
        "AUDI",
        "Account",
        "Remote",
        "User",
    )
    assert first.needs_relink is False
    assert second.vendor is None
    assert second.needs_relink is True


@pytest.mark.parametrize(
    "data",
    [
        {"id": "x", "resolution": None},
        {"id": "x", "resolution": {"title": "t"}},
        {"resolution": {"title": "t", "description": "d"}},
    ],
)
def test_invalid_intervention(data: Any) -> None:
    """An intervention without id, title or description is invalid."""
    with pytest.raises(InvalidResponseError):
        parse_intervention(data)


def test_intervention_list_must_be_an_array() -> None:
    """The intervention list is a plain array."""
    with pytest.raises(InvalidResponseError):
        parse_interventions({"data": []})


def test_webhook() -> None:
    """A webhook; timestamps without offset are UTC."""
    webhook = parse_webhook(load_fixture("webhook.json"))

    assert webhook.id == "0ec3d927-0100-44ff-bb53-edfe3ce64a57"
    assert webhook.url == "https://example.com/api/webhook/connected-ev"
    assert webhook.events == ("*",)
    assert webhook.is_active is True
    assert webhook.last_success == datetime(2023, 8, 14, 13, 1, tzinfo=UTC)
    assert webhook.created_at == datetime(2023, 8, 14, 13, 1, tzinfo=UTC)
    assert webhook.api_version == "2024-10-01"

    data = load_fixture("webhook.json")
    del data["events"]
    data["apiVersion"] = None
    assert parse_webhook(data).events == ("*",)
    assert parse_webhook(data).api_version is None
    with pytest.raises(InvalidResponseError):
        parse_webhook({**data, "isActive": None})


def test_webhook_test_results() -> None:
    """Success and failure of a test delivery."""
    success = parse_webhook_test_result(load_fixture("webhook_test_success.json"))
    failure = parse_webhook_test_result(load_fixture("webhook_test_failure.json"))

    assert (success.success, success.response_status) == (True, 200)
    assert success.description == "Webhook event was delivered."
    assert (failure.success, failure.response_status) == (False, None)
    assert parse_webhook_test_result({"status": "FAILURE"}).description == ""
    with pytest.raises(InvalidResponseError):
        parse_webhook_test_result({"description": "?"})


def test_page() -> None:
    """A page keeps its cursors."""
    page = parse_page(
        {"data": [load_fixture("location.json")], "pagination": {"after": "a", "before": "b"}},
        parse_location,
        "location",
    )

    assert [location.id for location in page.items] == [LOCATION_ID]
    assert (page.next_cursor, page.previous_cursor) == ("a", "b")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-07T17:04:26.000Z", datetime(2024, 1, 7, 17, 4, 26, tzinfo=UTC)),
        ("2020-04-07T17:04:26Z", datetime(2020, 4, 7, 17, 4, 26, tzinfo=UTC)),
        ("2023-08-14T13:01:00.000", datetime(2023, 8, 14, 13, 1, tzinfo=UTC)),
        ("2024-01-07T18:04:26+01:00", datetime(2024, 1, 7, 17, 4, 26, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
        (1712509466, None),
    ],
)
def test_timestamps(value: Any, expected: datetime | None) -> None:
    """ISO 8601 with ``Z``, an offset or none (UTC) become aware datetimes."""
    parsed = parse_timestamp(value)

    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


def test_lenient_enum_accepts_unknown_values() -> None:
    """The shared enums turn unknown raw values into UNKNOWN."""
    assert DeviceKind("battery") is DeviceKind.UNKNOWN
    assert enum_value(DeviceKind, "vehicle") is DeviceKind.VEHICLE
    assert enum_value(Capability, None) is Capability.UNKNOWN
