"""Enode push deliveries: secret generation, signature check and event parsing.

A delivery is a JSON array of events signed with ``sha1=<hex HMAC-SHA1(secret, raw body)>``
in ``x-enode-signature``. Verify the raw bytes before parsing; parse leniently so that one
odd event never loses the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import re
import secrets
from typing import Any, Final

from ..errors import InvalidResponseError, InvalidSignatureError
from ..http import loads_json
from ..models import DeviceKind, PushDelivery, PushEvent, PushEventKind
from .parse import (
    enum_value,
    parse_charge_action,
    parse_charger,
    parse_int,
    parse_smart_charging_status,
    parse_strings,
    parse_timestamp,
    parse_vehicle,
)

_LOGGER = logging.getLogger(__name__)

SIGNATURE_HEADER: Final = "x-enode-signature"
DELIVERY_HEADER: Final = "x-enode-delivery"
MAX_EVENTS_PER_DELIVERY: Final = 100
"""Enode's documented maximum; larger deliveries are still accepted."""

_SIGNATURE = re.compile(r"sha1=([0-9a-fA-F]{40})")
_DEVICE_EVENT = re.compile(r"user:(vehicle|charger):(discovered|updated|deleted)")
_DEVICE_CHANGES: Final = {
    "discovered": PushEventKind.DISCOVERED,
    "updated": PushEventKind.UPDATED,
    "deleted": PushEventKind.DELETED,
}


def generate_webhook_secret() -> str:
    """Generate a new webhook secret with 256 bits of randomness."""
    return secrets.token_hex(32)


def verify_signature(secret: str, body: bytes, signature: str | None) -> None:
    """Raise ``InvalidSignatureError`` unless ``signature`` signs ``body`` with ``secret``."""
    if not secret:
        # Anyone can sign with an empty key: without a secret nothing is trusted.
        raise InvalidSignatureError("No webhook secret is configured")
    if signature is None:
        raise InvalidSignatureError("The push delivery has no signature")
    match = _SIGNATURE.fullmatch(signature.strip())
    if match is None:
        raise InvalidSignatureError("The push delivery's signature is malformed")
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise InvalidSignatureError("The push delivery's signature does not match")


def parse_delivery(body: bytes, delivery_id: str | None) -> PushDelivery:
    """Parse the events of a (verified) delivery; it must be a JSON array."""
    try:
        document = loads_json(body)
    except ValueError as err:
        raise InvalidResponseError("The push delivery is not JSON") from err
    if not isinstance(document, list):
        raise InvalidResponseError("The push delivery is not a JSON array")
    if len(document) > MAX_EVENTS_PER_DELIVERY:
        _LOGGER.debug("Enode push delivery has %s events, more than documented", len(document))
    return PushDelivery(delivery_id, tuple(parse_event(item) for item in document))


def parse_event(data: object) -> PushEvent:
    """Parse one event; one that cannot be parsed becomes ``UNKNOWN`` with its name."""
    if not isinstance(data, dict):
        return PushEvent(kind=PushEventKind.UNKNOWN, name="")
    name = data.get("event")
    user = data.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    base = PushEvent(
        kind=PushEventKind.UNKNOWN,
        name=name if isinstance(name, str) else "",
        created_at=parse_timestamp(data.get("createdAt")),
        user_id=user_id if isinstance(user_id, str) and user_id else None,
    )
    try:
        return _parse_known_event(data, base)
    except InvalidResponseError:
        _LOGGER.debug("Enode push event %s could not be parsed", base.name)
        return base


def _parse_known_event(data: dict[str, Any], base: PushEvent) -> PushEvent:
    """Complete ``base`` for the events the integration understands."""
    name = base.name
    replace = dataclasses.replace
    if device_event := _DEVICE_EVENT.fullmatch(name):
        kind, change = device_event.groups()
        payload = _with_user_id(data.get(kind), base.user_id)
        if kind == "vehicle":
            vehicle = parse_vehicle(payload)
            base = replace(base, vehicle=vehicle, device_id=vehicle.id)
        else:
            charger = parse_charger(payload)
            base = replace(base, charger=charger, device_id=charger.id)
        return replace(
            base,
            kind=_DEVICE_CHANGES[change],
            device_kind=DeviceKind(kind),
            updated_fields=parse_strings(data.get("updatedFields")),
        )
    if name == "user:vendor-action:updated":
        action = data.get("vendorAction")
        if not isinstance(action, dict):
            raise InvalidResponseError("Enode vendor action event has no vendorAction")
        target_id = action.get("targetId")
        return replace(
            base,
            kind=PushEventKind.ACTION_UPDATED,
            device_kind=enum_value(DeviceKind, action.get("targetType")),
            device_id=target_id if isinstance(target_id, str) and target_id else None,
            # Only start/stop actions become a ChargeAction; max-current, HVAC and battery
            # actions are reported by their target alone.
            action=parse_charge_action(action) if "kind" in action else None,
            updated_fields=parse_strings(data.get("updatedFields")),
        )
    if name == "user:vehicle:smart-charging-status-updated":
        status = parse_smart_charging_status(data.get("smartChargingStatus"))
        return replace(
            base,
            kind=PushEventKind.SMART_CHARGING_STATUS_UPDATED,
            device_kind=DeviceKind.VEHICLE,
            device_id=status.vehicle_id,
            smart_charging_status=status,
            updated_fields=parse_strings(data.get("updatedFields")),
        )
    if name == "user:credentials:invalidated":
        vendor = data.get("vendor")
        return replace(
            base,
            kind=PushEventKind.CREDENTIALS_INVALIDATED,
            vendor=vendor if isinstance(vendor, str) and vendor else None,
        )
    if name == "system:heartbeat":
        return replace(
            base,
            kind=PushEventKind.HEARTBEAT,
            pending_events=parse_int(data.get("pendingEvents")),
        )
    if name == "enode:webhook:test":
        return replace(base, kind=PushEventKind.TEST)
    return base


def _with_user_id(device: object, user_id: str | None) -> object:
    """Fill in the event's user id where the device object lacks one.

    ``discovered`` events may carry little more than ``information``.
    """
    if isinstance(device, dict) and user_id is not None and not device.get("userId"):
        return {**device, "userId": user_id}
    return device
