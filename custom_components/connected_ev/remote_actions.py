"""Actions on a customer's remotes (each a connector): claim by name and PIN, release, list.

Every input is checked before the provider is asked. Claiming finds the connector among the
unassigned ones and compares the PIN in constant time inside the provider; a refusal (wrong
PIN, already assigned, unknown) is a translated error and nothing is changed. A claimed
connector appears and a released one disappears at once, without a reload. Listing returns
every match across pages, without PINs.
"""

from __future__ import annotations

import re
from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, ATTR_NAME
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_config_entry

from .api.models import Connector, ConnectorFilter, ConnectorType
from .api.provider import ClaimRefusedError, ProviderFeature, Remotes, as_remotes
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry
from .helpers import provider_errors
from .identifiers import provider_device_id
from .service_schemas import invalid

SERVICE_CLAIM: Final = "claim_remote"
SERVICE_RELEASE: Final = "release_remote"
SERVICE_LIST: Final = "list_remotes"

ATTR_PIN: Final = "pin"
ATTR_ASSIGNED: Final = "assigned"
ATTR_CUSTOMER_ID: Final = "customer_id"
ATTR_TYPE: Final = "type"

_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_PIN: Final = re.compile(r"[0-9]{5}")
TYPES: Final = [kind.value for kind in ConnectorType if kind is not ConnectorType.UNKNOWN]


def _pin(value: Any) -> str:
    """Five digits, as the provider's PINs are; never echoed in the error."""
    if not isinstance(value, str) or _PIN.fullmatch(value) is None:
        raise invalid("remote_pin_format")
    return value


def _uuid(value: Any) -> str:
    if not isinstance(value, str) or _UUID.fullmatch(value.strip()) is None:
        raise invalid("remote_invalid_customer_id")
    return value.strip().lower()


CLAIM_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_NAME): vol.All(cv.string, vol.Strip, vol.Length(min=1, max=200)),
        vol.Required(ATTR_PIN): _pin,
    }
)
RELEASE_SCHEMA: Final = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
LIST_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_ASSIGNED): cv.boolean,
        vol.Optional(ATTR_CUSTOMER_ID): _uuid,
        vol.Optional(ATTR_NAME): vol.All(cv.string, vol.Strip, vol.Length(min=1, max=200)),
        vol.Optional(ATTR_TYPE): vol.All(
            cv.ensure_list, vol.Length(min=1), vol.Unique(), [vol.In(TYPES)]
        ),
    }
)


def _entry_with_remotes(entry: ConnectedEVConfigEntry) -> Remotes:
    if ProviderFeature.REMOTES not in entry.runtime_data.provider.features:
        raise invalid("remotes_not_supported", title=entry.title)
    return as_remotes(entry.runtime_data.provider)


def _refused(err: ClaimRefusedError, name: str) -> ServiceValidationError:
    return invalid(f"remote_{err.reason.value}", name=name)


def describe(remote: Connector) -> dict[str, Any]:
    """Return the response data of one connector (it has no PIN to leave out)."""
    return {
        "id": remote.id,
        "name": remote.name,
        "type": remote.type.value,
        "assignment": remote.assignment.value,
        "hardware_version": remote.hardware_version,
        "software_version": remote.software_version,
    }


async def _claim(call: ServiceCall) -> ServiceResponse:
    entry: ConnectedEVConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    remotes = _entry_with_remotes(entry)
    name = call.data[ATTR_NAME]
    async with provider_errors(entry):
        try:
            remote = await remotes.async_claim_remote(name, call.data[ATTR_PIN])
        except ClaimRefusedError as err:
            raise _refused(err, name) from err
    coordinator = entry.runtime_data.coordinator
    coordinator.async_apply_remotes({**coordinator.data.remotes, remote.id: remote})
    return describe(remote)


def _remote_target(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, Connector]:
    """Return the loaded entry and the connector a targeted device stands for."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise invalid("device_not_found")
    label = device.name_by_user or device.name or device_id
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid("not_our_device", device=label)
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", title=entry.title)
    remote_id = provider_device_id(entry, device)
    remote = entry.runtime_data.coordinator.data.remotes.get(remote_id or "")
    if remote is None:
        raise invalid("not_a_remote", device=label)
    return entry, remote


async def _release(call: ServiceCall) -> None:
    entry, remote = _remote_target(call.hass, call.data[ATTR_DEVICE_ID])
    remotes = _entry_with_remotes(entry)
    async with provider_errors(entry):
        try:
            await remotes.async_release_remote(remote.id)
        except ClaimRefusedError as err:
            raise _refused(err, remote.name) from err
    coordinator = entry.runtime_data.coordinator
    coordinator.devices.remove({remote.id})
    kept = {key: value for key, value in coordinator.data.remotes.items() if key != remote.id}
    coordinator.async_apply_remotes(kept)


async def _list(call: ServiceCall) -> ServiceResponse:
    entry: ConnectedEVConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    remotes = _entry_with_remotes(entry)
    filters = ConnectorFilter(
        assigned=call.data.get(ATTR_ASSIGNED),
        customer_id=call.data.get(ATTR_CUSTOMER_ID),
        name=call.data.get(ATTR_NAME),
        types=tuple(ConnectorType(kind) for kind in call.data.get(ATTR_TYPE, [])),
    )
    async with provider_errors(entry):
        found = await remotes.async_search_remotes(filters)
    return {"count": len(found), "items": [describe(remote) for remote in found]}


def async_setup_remote_actions(hass: HomeAssistant) -> None:
    """Register the connector actions once for the integration."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_CLAIM,
        _claim,
        schema=CLAIM_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(DOMAIN, SERVICE_RELEASE, _release, schema=RELEASE_SCHEMA)
    hass.services.async_register(
        DOMAIN, SERVICE_LIST, _list, schema=LIST_SCHEMA, supports_response=SupportsResponse.ONLY
    )
