"""Push deliveries: signature verification and parsing of every event type."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.connected_ev.api.enode import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    generate_webhook_secret,
    parse_delivery,
    verify_signature,
)
from custom_components.connected_ev.api.errors import InvalidResponseError, InvalidSignatureError
from custom_components.connected_ev.api.models import (
    ActionState,
    ChargingCommand,
    DeviceKind,
    PushEvent,
    PushEventKind,
    SmartChargingState,
)

from .conftest import ACTION_ID, CHARGER_ID, FIXTURES, USER_ID, VEHICLE_ID

SECRET = "0f4d7c2a9e8b6d5c4b3a29180706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e"
DELIVERY_ID = "c9a1f6a2-3b7e-4d2f-9a61-5d0e8f7b6a41"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@pytest.fixture
def delivery_body() -> bytes:
    """Return the raw bytes of the recorded delivery."""
    return (FIXTURES / "delivery.json").read_bytes()


def test_headers() -> None:
    """The header names Enode sends."""
    assert SIGNATURE_HEADER == "x-enode-signature"
    assert DELIVERY_HEADER == "x-enode-delivery"


def test_generated_secret() -> None:
    """Secrets are 256-bit, hex and new each time."""
    secret = generate_webhook_secret()

    assert len(secret) == 64
    assert int(secret, 16) >= 0
    assert secret != generate_webhook_secret()


def test_valid_signature(delivery_body: bytes) -> None:
    """The HMAC-SHA1 of the raw body with the shared secret verifies."""
    verify_signature(SECRET, delivery_body, _sign(delivery_body))
    verify_signature(SECRET, delivery_body, _sign(delivery_body).upper().replace("SHA1", "sha1"))


@pytest.mark.parametrize(
    ("secret", "signature_of", "match"),
    [
        ("another-secret", None, "does not match"),
        (SECRET, b'[{"event": "system:heartbeat", "pendingEvents": 0}]', "does not match"),
    ],
)
def test_wrong_signature(
    delivery_body: bytes, secret: str, signature_of: bytes | None, match: str
) -> None:
    """A wrong secret or a tampered body is rejected."""
    signature = _sign(signature_of or delivery_body, secret)

    with pytest.raises(InvalidSignatureError, match=match):
        verify_signature(SECRET, delivery_body, signature)


def test_tampered_body(delivery_body: bytes) -> None:
    """One changed byte in the body breaks the signature."""
    signature = _sign(delivery_body)
    tampered = delivery_body.replace(b'"pendingEvents": 3', b'"pendingEvents": 4')
    assert tampered != delivery_body

    with pytest.raises(InvalidSignatureError):
        verify_signature(SECRET, tampered, signature)


def test_empty_secret_trusts_nothing(delivery_body: bytes) -> None:
    """Without a configured secret even a "valid" signature is refused."""
    with pytest.raises(InvalidSignatureError, match="No webhook secret"):
        verify_signature("", delivery_body, _sign(delivery_body, ""))


def test_missing_signature(delivery_body: bytes) -> None:
    """A delivery without the header is rejected."""
    with pytest.raises(InvalidSignatureError, match="no signature"):
        verify_signature(SECRET, delivery_body, None)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha1=",
        "sha1=xyz",
        "sha256=" + "a" * 64,
        "a" * 40,
        "sha1=" + "a" * 39,
        "sha1=" + "a" * 41,
        "sha1:" + "a" * 40,
    ],
)
def test_malformed_signature(delivery_body: bytes, signature: str) -> None:
    """Headers that are not ``sha1=<40 hex>`` are rejected as malformed."""
    with pytest.raises(InvalidSignatureError, match="malformed"):
        verify_signature(SECRET, delivery_body, signature)


def _events(body: bytes) -> dict[str, list[PushEvent]]:
    events: dict[str, list[PushEvent]] = {}
    for event in parse_delivery(body, DELIVERY_ID).events:
        events.setdefault(event.name, []).append(event)
    return events


def test_delivery_keeps_id_and_order(delivery_body: bytes) -> None:
    """Every event is parsed, in order, under the delivery id."""
    delivery = parse_delivery(delivery_body, DELIVERY_ID)

    assert delivery.delivery_id == DELIVERY_ID
    assert [event.name for event in delivery.events] == [
        item["event"] for item in json.loads(delivery_body)
    ]
    assert parse_delivery(b"[]", None).events == ()


def test_vehicle_events(delivery_body: bytes) -> None:
    """Vehicle discovered/updated/deleted carry the vehicle."""
    events = _events(delivery_body)
    (discovered,) = events["user:vehicle:discovered"]
    (updated,) = events["user:vehicle:updated"]
    (deleted,) = events["user:vehicle:deleted"]

    assert discovered.kind is PushEventKind.DISCOVERED
    assert discovered.device_kind is DeviceKind.VEHICLE
    assert discovered.vehicle is not None
    # Only ``information`` is populated; the user id comes from the event.
    assert discovered.vehicle.user_id == USER_ID
    assert discovered.vehicle.information.model == "Model 3"
    assert discovered.vehicle.charge_state.battery_level is None
    assert discovered.device_id == "a1b2c3d4-0000-4000-8000-000000000001"

    assert updated.kind is PushEventKind.UPDATED
    assert updated.user_id == USER_ID
    assert updated.created_at == datetime(2024, 1, 7, 17, 4, 27, tzinfo=UTC)
    assert updated.device_id == VEHICLE_ID
    assert updated.vehicle is not None
    assert updated.vehicle.charge_state.battery_level == 66
    assert updated.updated_fields == ("chargeState.batteryLevel", "chargeState.chargeRate")
    assert updated.charger is None

    assert deleted.kind is PushEventKind.DELETED
    assert deleted.device_id == VEHICLE_ID


def test_charger_events(delivery_body: bytes) -> None:
    """Charger discovered/updated/deleted carry the charger."""
    events = _events(delivery_body)
    kinds = {
        name: events[name][0]
        for name in ("user:charger:discovered", "user:charger:updated", "user:charger:deleted")
    }

    assert {name: event.kind for name, event in kinds.items()} == {
        "user:charger:discovered": PushEventKind.DISCOVERED,
        "user:charger:updated": PushEventKind.UPDATED,
        "user:charger:deleted": PushEventKind.DELETED,
    }
    updated = kinds["user:charger:updated"]
    assert updated.device_kind is DeviceKind.CHARGER
    assert updated.device_id == CHARGER_ID
    assert updated.charger is not None
    assert updated.charger.charge_state.plugged_in_vehicle_id == VEHICLE_ID
    assert updated.updated_fields == ("chargeState.isCharging",)
    assert updated.vehicle is None


def test_vendor_action_events(delivery_body: bytes) -> None:
    """A charge action is parsed; a max-current action is reported by its target only."""
    charge, max_current = _events(delivery_body)["user:vendor-action:updated"]

    assert charge.kind is PushEventKind.ACTION_UPDATED
    assert charge.action is not None
    assert charge.action.id == ACTION_ID
    assert charge.action.state is ActionState.CONFIRMED
    assert charge.action.command is ChargingCommand.START
    assert (charge.device_kind, charge.device_id) == (DeviceKind.VEHICLE, VEHICLE_ID)
    assert charge.updated_fields == ("state",)

    assert max_current.kind is PushEventKind.ACTION_UPDATED
    assert max_current.action is None
    assert (max_current.device_kind, max_current.device_id) == (DeviceKind.CHARGER, CHARGER_ID)


def test_smart_charging_status_event(delivery_body: bytes) -> None:
    """The smart-charging status of the vehicle is carried."""
    (event,) = _events(delivery_body)["user:vehicle:smart-charging-status-updated"]

    assert event.kind is PushEventKind.SMART_CHARGING_STATUS_UPDATED
    assert (event.device_kind, event.device_id) == (DeviceKind.VEHICLE, VEHICLE_ID)
    assert event.smart_charging_status is not None
    assert event.smart_charging_status.state is (
        SmartChargingState.PLAN_EXECUTING_STOPPED_AWAITING_PRICES
    )


def test_account_and_system_events(delivery_body: bytes) -> None:
    """Credentials invalidated, heartbeat, test, and an event of another asset type."""
    events = _events(delivery_body)
    (invalidated,) = events["user:credentials:invalidated"]
    (heartbeat,) = events["system:heartbeat"]
    (test,) = events["enode:webhook:test"]
    (hvac,) = events["user:hvac:updated"]

    assert (invalidated.kind, invalidated.vendor) == (
        PushEventKind.CREDENTIALS_INVALIDATED,
        "TESLA",
    )
    assert (heartbeat.kind, heartbeat.pending_events, heartbeat.user_id) == (
        PushEventKind.HEARTBEAT,
        3,
        None,
    )
    assert test.kind is PushEventKind.TEST
    assert hvac == PushEvent(
        kind=PushEventKind.UNKNOWN,
        name="user:hvac:updated",
        created_at=datetime(2024, 1, 7, 18, 3, tzinfo=UTC),
        user_id=USER_ID,
    )


ODD_EVENTS: list[Any] = [
    pytest.param(
        {"event": "user:vehicle:updated", "user": {"id": USER_ID}, "vehicle": {"vendor": "KIA"}},
        "user:vehicle:updated",
        id="vehicle-without-id",
    ),
    pytest.param(
        {"event": "user:charger:updated", "charger": None}, "user:charger:updated", id="no-charger"
    ),
    pytest.param(
        {"event": "user:vendor-action:updated", "vendorAction": "x"},
        "user:vendor-action:updated",
        id="vendor-action-not-object",
    ),
    pytest.param(
        {"event": "user:vendor-action:updated", "vendorAction": {"kind": "START"}},
        "user:vendor-action:updated",
        id="charge-action-without-id",
    ),
    pytest.param(
        {"event": "user:vehicle:smart-charging-status-updated", "smartChargingStatus": {}},
        "user:vehicle:smart-charging-status-updated",
        id="status-without-vehicle",
    ),
    pytest.param({"event": 42}, "", id="event-name-not-string"),
    pytest.param("user:vehicle:updated", "", id="not-an-object"),
    pytest.param(None, "", id="null"),
]


@pytest.mark.parametrize(("event", "name"), ODD_EVENTS)
def test_odd_event_does_not_fail_the_delivery(event: Any, name: str) -> None:
    """An unparseable event becomes UNKNOWN with its name; the others still arrive."""
    heartbeat = {"event": "system:heartbeat", "createdAt": "2024-01-07T18:01:00Z"}
    body = json.dumps([event, heartbeat]).encode()

    odd, other = parse_delivery(body, DELIVERY_ID).events

    assert odd.kind is PushEventKind.UNKNOWN
    assert odd.name == name
    assert (odd.vehicle, odd.charger, odd.action) == (None, None, None)
    assert other.kind is PushEventKind.HEARTBEAT
    assert other.pending_events is None


def test_lenient_event_fields() -> None:
    """Odd optional fields of known events are dropped, not fatal."""
    body = json.dumps(
        [
            {"event": "user:credentials:invalidated", "user": {"id": ""}, "vendor": 5},
            {"event": "system:heartbeat", "user": "me", "pendingEvents": True},
            {
                "event": "user:vendor-action:updated",
                "vendorAction": {"id": "x", "targetId": 7, "targetType": "battery"},
                "updatedFields": "state",
            },
        ]
    ).encode()

    invalidated, heartbeat, action = parse_delivery(body, None).events

    assert (invalidated.vendor, invalidated.user_id) == (None, None)
    assert (heartbeat.kind, heartbeat.pending_events) == (PushEventKind.HEARTBEAT, None)
    assert (action.device_kind, action.device_id, action.action) == (
        DeviceKind.UNKNOWN,
        None,
        None,
    )
    assert action.updated_fields == ()


def test_large_delivery_is_accepted() -> None:
    """More than the documented 100 events are still all parsed."""
    body = json.dumps([{"event": "system:heartbeat", "pendingEvents": 0}] * 150).encode()

    assert len(parse_delivery(body, DELIVERY_ID).events) == 150


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe[]",
        b'{"event": "system:heartbeat"}',
        b'"[]"',
        b"null",
        b"[" * 100_000 + b"]" * 100_000,  # nested past the decoder's recursion limit
    ],
    ids=["empty", "text", "bytes", "object", "string", "null", "deep"],
)
def test_bad_delivery_bodies(body: bytes) -> None:
    """A body that is not a JSON array is an invalid delivery."""
    with pytest.raises(InvalidResponseError):
        parse_delivery(body, DELIVERY_ID)
