"""Tests for the migration of version 1 entries to identifiers scoped by the entry."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.config_flow import ConnectedEVConfigFlow
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import (
    account_entity_unique_id,
    account_identifier,
    device_identifier,
    entity_unique_id,
)
from custom_components.connected_ev.migration import async_migrate_identifiers
from custom_components.connected_ev.providers import get_description

from .conftest import (
    BASIC_VEHICLE_ID,
    CHARGER_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    USER_ID,
    VEHICLE_ID,
)

ENODE_DATA = {
    "provider": "enode",
    "environment": "sandbox",
    "base_url": None,
    "user_id": USER_ID,
    "auth_implementation": DOMAIN,
}
HIVEN_DATA = {
    "provider": "hiven",
    "environment": "custom",
    "base_url": "http://127.0.0.1:9",
    "api_key": "key",
    "user_id": USER_ID,
    "country": "FI",
}

# (device id, device name, entity key, entity id) as the previous release registered them.
OLD_ENTITIES = [
    (VEHICLE_ID, "Batmobile", "battery_level", "sensor.batmobile_battery"),
    (VEHICLE_ID, "Batmobile", "battery_capacity", "sensor.batmobile_battery_capacity"),
    (BASIC_VEHICLE_ID, "Renault Zoe", "battery_level", "sensor.renault_zoe_battery"),
    (CHARGER_ID, "Zaptec Go", "charge_rate", "sensor.zaptec_go_charge_rate"),
]


def _old_entry(hass: HomeAssistant, data: dict[str, Any], unique_id: str) -> MockConfigEntry:
    """Register an entry with devices and entities exactly as version 1.2 left them."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Account",
        data=data,
        unique_id=unique_id,
        version=1,
        minor_version=2,
    )
    entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    account = devices.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"account_{unique_id}")},
        name="Account",
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    entities.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{unique_id}_push_health",
        config_entry=entry,
        device_id=account.id,
        suggested_object_id="account_push_health",
        has_entity_name=True,
    )
    for device_id, name, key, entity_id in OLD_ENTITIES:
        device = devices.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(DOMAIN, device_id)}, name=name
        )
        registered = entities.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{device_id}_{key}",
            config_entry=entry,
            device_id=device.id,
            suggested_object_id=entity_id.removeprefix("sensor."),
            has_entity_name=True,
        )
        assert registered.entity_id == entity_id
    return entry


def _customise(hass: HomeAssistant) -> str:
    """Rename one entity and its device, disable another, as a user would; return its id."""
    entities = er.async_get(hass)
    entities.async_update_entity(
        "sensor.batmobile_battery",
        name="Family car charge",
        new_entity_id="sensor.family_car_charge",
    )
    entities.async_update_entity(
        "sensor.renault_zoe_battery", disabled_by=er.RegistryEntryDisabler.USER
    )
    devices = dr.async_get(hass)
    device = devices.async_get_device_by_identifier(
        (DOMAIN, CHARGER_ID), hass.config_entries.async_entries(DOMAIN)[0].entry_id
    )
    assert device is not None
    devices.async_update_device(device.id, name_by_user="Garage charger")
    return device.id


def _registry_view(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Return what the registries hold for the entry (a second setup must keep it)."""
    return {
        "devices": sorted(
            (device.id, sorted(device.identifiers), device.name_by_user)
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        ),
        "entities": sorted(
            (entity.entity_id, entity.unique_id, entity.name, entity.disabled_by)
            for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        ),
    }


@pytest.mark.usefixtures("mock_provider", "setup_credentials")
@pytest.mark.parametrize(
    ("data", "unique_id"),
    [(ENODE_DATA, "enode:0123456789abcdef0123456789abcdef"), (HIVEN_DATA, "hiven:abc")],
    ids=["enode", "hiven"],
)
async def test_migration_keeps_entities_and_customisations(
    hass: HomeAssistant,
    data: dict[str, Any],
    unique_id: str,
) -> None:
    """An entry of the previous release loads with the same entities, names and settings."""
    entry = _old_entry(hass, data, unique_id)
    charger_device_id = _customise(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (2, 2)
    assert entry.version == ConnectedEVConfigFlow.VERSION  # older releases refuse to load it
    entities = er.async_get(hass)
    devices = dr.async_get(hass)

    # Same entity ids (so history stays), the user's name and disabling kept.
    renamed = entities.async_get("sensor.family_car_charge")
    assert renamed is not None
    assert renamed.unique_id == entity_unique_id(entry, VEHICLE_ID, "battery_level")
    assert renamed.name == "Family car charge"
    assert hass.states.get("sensor.family_car_charge") is not None
    disabled = entities.async_get("sensor.renault_zoe_battery")
    assert disabled is not None
    assert disabled.disabled_by is er.RegistryEntryDisabler.USER
    assert disabled.unique_id == entity_unique_id(entry, BASIC_VEHICLE_ID, "battery_level")
    assert hass.states.get("sensor.renault_zoe_battery") is None
    for device_id, _, key, entity_id in OLD_ENTITIES[1::2]:
        migrated = entities.async_get(entity_id)
        assert migrated is not None
        assert migrated.unique_id == entity_unique_id(entry, device_id, key)
        assert hass.states.get(entity_id) is not None

    # The account's push sensor is named after the entry id now, on the same device.
    push_health = entities.async_get("sensor.account_push_health")
    assert push_health is not None
    assert push_health.unique_id == account_entity_unique_id(entry, "push_health")
    account = devices.async_get_device_by_identifier(account_identifier(entry), entry.entry_id)
    assert account is not None
    assert push_health.device_id == account.id

    # The devices got their new identifiers in place; none was created a second time.
    charger = devices.async_get_device_by_identifier(
        device_identifier(entry, CHARGER_ID), entry.entry_id
    )
    assert charger is not None
    assert charger.id == charger_device_id
    assert charger.name_by_user == "Garage charger"
    registered = dr.async_entries_for_config_entry(devices, entry.entry_id)
    assert sorted(identifier for device in registered for _, identifier in device.identifiers) == (
        sorted(
            [account_identifier(entry)[1]]
            + [device_identifier(entry, i)[1] for i in (VEHICLE_ID, BASIC_VEHICLE_ID, CHARGER_ID)]
        )
    )
    # No orphans: every entity of the entry is on a device of the entry, and none doubled.
    entry_entities = er.async_entries_for_config_entry(entities, entry.entry_id)
    assert {entity.device_id for entity in entry_entities} <= {d.id for d in registered}
    assert not [entity for entity in entry_entities if entity.entity_id.endswith("_2")]
    assert not [
        entity
        for entity in entry_entities
        if not entity.unique_id.startswith(f"{entry.entry_id}:")
        and entity.unique_id
        not in {account_entity_unique_id(entry, key) for key in ("push_health", "last_push_event")}
    ]

    # A second start changes nothing more.
    before = _registry_view(hass, entry)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _registry_view(hass, entry) == before


async def test_interrupted_migration_finishes_without_renaming_twice(
    hass: HomeAssistant,
) -> None:
    """A device already moved (the version not yet saved) keeps its entities reachable."""
    entry = _old_entry(hass, ENODE_DATA, "enode:abc")
    devices = dr.async_get(hass)
    vehicle = devices.async_get_device_by_identifier((DOMAIN, VEHICLE_ID), entry.entry_id)
    assert vehicle is not None
    devices.async_update_device(vehicle.id, new_identifiers={device_identifier(entry, VEHICLE_ID)})
    entities = er.async_get(hass)
    entities.async_update_entity(
        "sensor.batmobile_battery",
        new_unique_id=entity_unique_id(entry, VEHICLE_ID, "battery_level"),
    )

    # An account device registered without its service type is still the account's.
    account = devices.async_get_device_by_identifier((DOMAIN, "account_enode:abc"), entry.entry_id)
    assert account is not None
    devices.async_update_device(account.id, entry_type=None)
    # Its push sensor was renamed already; the device was not.
    entities.async_update_entity(
        "sensor.account_push_health",
        new_unique_id=account_entity_unique_id(entry, "push_health"),
    )

    assert await async_migrate_identifiers(hass, entry)

    assert entry.version == 2
    assert devices.async_get(account.id).identifiers == {account_identifier(entry)}
    push_health = entities.async_get("sensor.account_push_health")
    assert push_health is not None
    assert push_health.unique_id == account_entity_unique_id(entry, "push_health")

    # A second run over the moved account device leaves it where it is.
    hass.config_entries.async_update_entry(entry, version=1)
    assert await async_migrate_identifiers(hass, entry)
    assert devices.async_get(account.id).identifiers == {account_identifier(entry)}
    for device_id, _, key, entity_id in OLD_ENTITIES:
        migrated = entities.async_get(entity_id)
        assert migrated is not None
        assert migrated.unique_id == entity_unique_id(entry, device_id, key)
    assert devices.async_get(vehicle.id).identifiers == {device_identifier(entry, VEHICLE_ID)}


async def test_current_entries_are_left_alone(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """An entry of the current version is not touched, even with odd registry entries."""
    mock_config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=mock_config_entry.entry_id, identifiers={(DOMAIN, "unscoped")}
    )
    assert await async_migrate_identifiers(hass, mock_config_entry)
    assert dr.async_get(hass).async_get(device.id).identifiers == {(DOMAIN, "unscoped")}


@pytest.mark.usefixtures("mock_provider", "setup_credentials")
async def test_same_device_ids_in_two_accounts_stay_apart(hass: HomeAssistant) -> None:
    """Two accounts listing the same device ids each get their own devices and entities."""
    entries = [
        MockConfigEntry(
            domain=DOMAIN,
            title=title,
            data=ENODE_DATA,
            unique_id=f"enode:{title}",
            version=2,
            minor_version=2,
        )
        for title in ("first", "second")
    ]
    for entry in entries:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entries[0].entry_id)  # sets up both
    await hass.async_block_till_done()

    batteries: set[str] = set()
    for entry in entries:
        assert entry.state is ConfigEntryState.LOADED
        battery = er.async_get(hass).async_get_entity_id(
            "sensor", DOMAIN, entity_unique_id(entry, VEHICLE_ID, "battery_level")
        )
        assert battery is not None
        assert hass.states.get(battery) is not None
        assert dr.async_get(hass).async_get_device_by_identifier(
            device_identifier(entry, VEHICLE_ID), entry.entry_id
        )
        batteries.add(battery)
    assert batteries == {"sensor.batmobile_battery", "sensor.batmobile_battery_2"}


@pytest.mark.usefixtures("mock_provider")
async def test_late_unique_id_migration_keeps_the_new_identifiers(
    hass: HomeAssistant,
) -> None:
    """An entry whose credential comes back later gets its unique id; devices stay put."""
    entry = _old_entry(hass, ENODE_DATA, "enode:url-based")
    hass.config_entries.async_update_entry(entry, minor_version=1)
    assert await async_setup_component(hass, "application_credentials", {})

    await hass.config_entries.async_setup(entry.entry_id)  # no credential yet: not loaded
    assert entry.state is not ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version, entry.unique_id) == (2, 1, "enode:url-based")
    before = _registry_view(hass, entry)

    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == 2
    assert entry.unique_id == get_description(ENODE_DATA).unique_id(ENODE_DATA, CLIENT_ID)
    after = _registry_view(hass, entry)
    assert set(before["entities"]) <= set(after["entities"])  # now with every platform
    assert not [entity for entity in after["entities"] if entity[0].endswith("_2")]
    assert _provider_devices(after) == _provider_devices(before)


def _provider_devices(view: dict[str, Any]) -> list[Any]:
    """Return the devices of a view but the account's (renamed with the unique id)."""
    return [device for device in view["devices"] if ":" in device[1][0][1]]
