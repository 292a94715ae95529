"""The parser: lenient on every shape (fuzzed), exact on the documented one."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.connected_ev.api.chargetrip.parse import (
    ConnectedVehicle,
    Scope,
    parse_catalogue,
    parse_connected_vehicles,
    parse_envelope,
    parse_scopes,
    parse_status,
    parse_vehicle,
)
from custom_components.connected_ev.api.errors import InvalidResponseError, ProviderError
from custom_components.connected_ev.api.models import LinkStatus, Vehicle
from tests.api.chargetrip.conftest import NAMING, data_payload

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["authorized", "charge_state", "location", "odometer", "2026-01-01T00:00Z"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            [
                "battery",
                "charge",
                "location",
                "odometer",
                "geometry",
                "coordinates",
                "properties",
                "date",
                "percentage",
                "range",
                "is_plugged_in",
                "naming",
                "make",
                "id",
                "status",
                "scope",
                "connect",
                "providers",
                "data",
                "errors",
                "extensions",
                "exception",
                "code",
                "path",
            ]
        ),
        children,
        max_size=5,
    ),
    max_leaves=25,
)
EVERY_SCOPE = ConnectedVehicle(
    "cv", "m", LinkStatus.LINKED, (Scope.CHARGE_STATE, Scope.LOCATION, Scope.ODOMETER)
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=JSON, model=JSON, listing=JSON, body=JSON)
def test_no_shape_crashes_the_parser(data: Any, model: Any, listing: Any, body: Any) -> None:
    """Whatever arrives: a vehicle, a list, or a typed error; never another exception."""
    assert isinstance(parse_vehicle(EVERY_SCOPE, data, model), Vehicle)
    parse_connected_vehicles(listing)
    parse_catalogue(listing)
    parse_scopes(listing)
    parse_status(listing)
    try:
        envelope = parse_envelope(body, "Op")
    except InvalidResponseError:
        return
    if envelope.failures:
        assert isinstance(envelope.worst("Op"), ProviderError)


def test_wrong_types_read_as_unknown() -> None:
    """A string where a number belongs, NaN, out-of-range coordinates: unknown, not wrong."""
    data = data_payload()
    data["battery"]["percentage"] = "64"
    data["battery"]["range"] = float("nan")
    data["charge"]["is_charging"] = "yes"
    data["charge"]["date"] = "yesterday"
    data["location"]["geometry"]["coordinates"] = [200.0, 10.0]
    vehicle = parse_vehicle(EVERY_SCOPE, data, NAMING)
    assert vehicle.charge_state.battery_level is None
    assert vehicle.charge_state.range_km is None
    assert vehicle.charge_state.is_charging is None
    assert vehicle.location is None


def test_no_data_at_all() -> None:
    """A vehicle whose data is null still is a device, with nothing known."""
    vehicle = parse_vehicle(EVERY_SCOPE, None, None)
    assert vehicle.vendor == "Chargetrip"
    assert vehicle.charge_state.battery_level is None
    assert vehicle.last_seen is None


def test_catalogue_capacity_stands_in() -> None:
    """Without a reported capacity, the model's usable kWh is shown."""
    data: dict[str, Any] = data_payload()
    data["battery"]["capacity"] = None
    assert parse_vehicle(EVERY_SCOPE, data, NAMING).charge_state.battery_capacity_kwh == 75


def test_power_delivery_follows_the_flags() -> None:
    """Unplugged, charging, complete, stopped."""
    states = []
    for plugged, charging, full in [
        (False, False, False),
        (True, True, False),
        (True, False, True),
        (True, False, False),
    ]:
        data = data_payload(plugged=plugged, charging=charging)
        data["charge"]["is_fully_charged"] = full
        states.append(parse_vehicle(EVERY_SCOPE, data, NAMING).charge_state.power_delivery_state)
    assert [state.value for state in states] == [
        "unplugged",
        "plugged_in_charging",
        "plugged_in_complete",
        "plugged_in_stopped",
    ]


def test_unknown_scopes_and_statuses() -> None:
    """New enum values from Chargetrip are ignored, not fatal."""
    assert parse_scopes(["location", "telepathy", 3]) == (Scope.LOCATION,)
    assert parse_status("deauthorized") is LinkStatus.UNKNOWN
    assert parse_status(None) is LinkStatus.UNKNOWN
