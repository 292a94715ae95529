"""Static data of the sandbox: Enode enumerations, simulated device profiles, interventions.

The enumerations mirror Enode's API version 2024-10-01 so that the sandbox rejects what the real
API rejects; the device profiles are invented but plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

API_VERSION = "2024-10-01"

VEHICLE_VENDORS: tuple[str, ...] = (
    "ACURA", "AUDI", "BMW", "HONDA", "HYUNDAI", "JAGUAR", "LANDROVER", "KIA", "MERCEDES", "MINI",
    "NISSAN", "PEUGEOT", "PORSCHE", "RENAULT", "SEAT", "SKODA", "TESLA", "VOLKSWAGEN", "VOLVO",
    "FORD", "OPEL", "DS", "TOYOTA", "LEXUS", "CITROEN", "CUPRA", "VAUXHALL", "FIAT", "RIVIAN",
    "NIO", "CHEVROLET", "GMC", "CADILLAC", "XPENG", "POLESTAR", "SUBARU", "JEEP", "MAZDA", "MG",
    "CHRYSLER", "DODGE", "RAM", "ALFAROMEO", "LANCIA", "LUCID", "BYD", "DACIA", "ALPINE",
)  # fmt: skip

CHARGER_VENDORS: tuple[str, ...] = (
    "ZAPTEC", "EASEE", "WALLBOX", "EO", "CHARGEAMPS", "EVBOX", "GOE", "CHARGEPOINT", "ENELX",
    "TESLA", "OHME", "GARO", "SCHNEIDER", "PODPOINT", "KEBA", "HYPERVOLT", "MYENERGI",
    "HEIDELBERG", "ALFEN",
)  # fmt: skip

OTHER_VENDORS: tuple[str, ...] = (
    # Inverter, HVAC, battery and meter vendors: accepted in paths, never simulated.
    "AFORE", "APSYSTEMS", "CSISolar", "Deye", "ENPHASE", "FOXESS", "FRONIUS", "GIVENERGY",
    "GOODWE", "GROWATT", "Hoymiles", "HUAWEI", "INVT", "SMA", "SOFAR", "SOLAREDGE", "SOLARK",
    "SOLAX", "SOLIS", "SOLPLANET", "SUNGROW", "SUNSYNK", "TSUN", "TADO", "MILL", "ADAX", "ECOBEE",
    "SENSIBO", "HONEYWELL", "RESIDEO", "MITSUBISHI", "MICROMATIC", "NIBE", "PANASONIC", "TOSHIBA",
    "DAIKIN", "NEST", "FUJITSU", "BOSCH", "NETATMO",
)  # fmt: skip

ALL_VENDORS: frozenset[str] = frozenset(VEHICLE_VENDORS + CHARGER_VENDORS + OTHER_VENDORS)

VENDOR_TYPES: tuple[str, ...] = ("vehicle", "charger", "hvac", "inverter", "battery", "meter")
SIMULATED_VENDOR_TYPES: tuple[str, ...] = ("vehicle", "charger")
VENDORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "vehicle": VEHICLE_VENDORS,
    "charger": CHARGER_VENDORS,
}

SCOPES: tuple[str, ...] = (
    "battery:control:operation_mode", "battery:read:data", "battery:read:location",
    "charger:control:charging", "charger:read:data", "hvac:control:mode", "hvac:read:data",
    "inverter:read:data", "inverter:read:location", "meter:read:data", "meter:read:location",
    "vehicle:control:charging", "vehicle:read:data", "vehicle:read:location",
)  # fmt: skip

LANGUAGES: tuple[str, ...] = (
    "browser", "da-DK", "de-DE", "en-US", "en-GB", "es-ES", "fi-FI", "fr-FR", "it-IT", "ja-JP",
    "lv-LV", "lt-LT", "nb-NO", "nl-NL", "nl-BE", "pl-PL", "pt-PT", "ro-RO", "sv-SE",
)  # fmt: skip

INTERVENTION_LANGUAGES: tuple[str, ...] = tuple(
    language for language in LANGUAGES if language not in ("browser", "it-IT")
)

COLOR_SCHEMES: tuple[str, ...] = ("system", "light", "dark")

WEBHOOK_EVENTS: tuple[str, ...] = (
    "*", "user:vehicle:discovered", "user:vehicle:updated", "user:vehicle:deleted",
    "user:vehicle:smart-charging-status-updated", "user:charge-action:updated",
    "user:vendor-action:updated", "user:schedule:execution-updated", "user:charger:discovered",
    "user:charger:updated", "user:charger:deleted", "user:hvac:discovered", "user:hvac:updated",
    "user:hvac:deleted", "user:inverter:discovered", "user:inverter:updated",
    "user:inverter:deleted", "user:inverter:statistics-updated", "user:battery:discovered",
    "user:battery:updated", "user:battery:deleted", "user:meter:discovered",
    "user:meter:updated", "user:meter:deleted", "user:credentials:invalidated",
    "enode:webhook:test",
)  # fmt: skip

VEHICLE_BRANDS: dict[str, str] = {
    "ACURA": "Acura", "AUDI": "Audi", "BMW": "BMW", "HONDA": "Honda", "HYUNDAI": "Hyundai",
    "JAGUAR": "Jaguar", "LANDROVER": "Land Rover", "KIA": "Kia", "MERCEDES": "Mercedes-Benz",
    "MINI": "MINI", "NISSAN": "Nissan", "PEUGEOT": "Peugeot", "PORSCHE": "Porsche",
    "RENAULT": "Renault", "SEAT": "SEAT", "SKODA": "Škoda", "TESLA": "Tesla",
    "VOLKSWAGEN": "Volkswagen", "VOLVO": "Volvo", "FORD": "Ford", "OPEL": "Opel", "DS": "DS",
    "TOYOTA": "Toyota", "LEXUS": "Lexus", "CITROEN": "Citroën", "CUPRA": "CUPRA",
    "VAUXHALL": "Vauxhall", "FIAT": "Fiat", "RIVIAN": "Rivian", "NIO": "NIO",
    "CHEVROLET": "Chevrolet", "GMC": "GMC", "CADILLAC": "Cadillac", "XPENG": "XPENG",
    "POLESTAR": "Polestar", "SUBARU": "Subaru", "JEEP": "Jeep", "MAZDA": "Mazda", "MG": "MG",
    "CHRYSLER": "Chrysler", "DODGE": "Dodge", "RAM": "Ram", "ALFAROMEO": "Alfa Romeo",
    "LANCIA": "Lancia", "LUCID": "Lucid", "BYD": "BYD", "DACIA": "Dacia", "ALPINE": "Alpine",
}  # fmt: skip

CHARGER_BRANDS: dict[str, str] = {
    "ZAPTEC": "Zaptec", "EASEE": "Easee", "WALLBOX": "Wallbox", "EO": "EO Charging",
    "CHARGEAMPS": "Charge Amps", "EVBOX": "EVBox", "GOE": "go-e", "CHARGEPOINT": "ChargePoint",
    "ENELX": "Enel X", "TESLA": "Tesla", "OHME": "Ohme", "GARO": "GARO",
    "SCHNEIDER": "Schneider Electric", "PODPOINT": "Pod Point", "KEBA": "KEBA",
    "HYPERVOLT": "Hypervolt", "MYENERGI": "myenergi", "HEIDELBERG": "Heidelberg",
    "ALFEN": "Alfen",
}  # fmt: skip

# Capability names, in the order Enode lists them.
VEHICLE_CAPABILITIES: tuple[str, ...] = (
    "information", "chargeState", "location", "odometer", "setMaxCurrent", "startCharging",
    "stopCharging", "smartCharging",
)  # fmt: skip
CHARGER_CAPABILITIES: tuple[str, ...] = (
    "information",
    "chargeState",
    "startCharging",
    "stopCharging",
    "setMaxCurrent",
)
# Capabilities that pairing a vehicle with a charger of the same user unlocks.
PAIRING_CAPABILITIES: frozenset[str] = frozenset({"startCharging", "stopCharging", "location"})


@dataclass(frozen=True, slots=True)
class Intervention:
    """A user action that would make a missing capability available."""

    id: str
    vendor: str
    vendor_type: str
    brand: str
    domain: str
    title: str
    description: str
    access: str
    agent: str
    action: str | None
    capabilities: tuple[str, ...]
    """The capabilities this intervention would restore."""


INTERVENTION_INTRODUCED_AT = "2024-01-01T00:00:00.000Z"

TOYOTA_CHARGE_CONTROL = "4a6bd9c1-1b39-4c1f-9d2e-4b1f0d8a7e01"
TOYOTA_LOCATION = "4a6bd9c1-1b39-4c1f-9d2e-4b1f0d8a7e02"
NISSAN_LOCATION = "4a6bd9c1-1b39-4c1f-9d2e-4b1f0d8a7e03"
NISSAN_ODOMETER = "4a6bd9c1-1b39-4c1f-9d2e-4b1f0d8a7e04"
EASEE_REMOTE_CONTROL = "4a6bd9c1-1b39-4c1f-9d2e-4b1f0d8a7e05"

INTERVENTIONS: tuple[Intervention, ...] = (
    Intervention(
        id=TOYOTA_CHARGE_CONTROL,
        vendor="TOYOTA",
        vendor_type="vehicle",
        brand="Toyota",
        domain="Device",
        title="Link your home charger",
        description=(
            "This vehicle cannot start or stop charging remotely. Link a home charger to the "
            "same account to control charging through the charger."
        ),
        access="Remote",
        agent="User",
        action=None,
        capabilities=("startCharging", "stopCharging"),
    ),
    Intervention(
        id=TOYOTA_LOCATION,
        vendor="TOYOTA",
        vendor_type="vehicle",
        brand="Toyota",
        domain="Device",
        title="Enable location sharing",
        description="Turn on location sharing in the **MyToyota** app, then wait a few minutes.",
        access="Remote",
        agent="User",
        action=None,
        capabilities=("location",),
    ),
    Intervention(
        id=NISSAN_LOCATION,
        vendor="NISSAN",
        vendor_type="vehicle",
        brand="Nissan",
        domain="Account",
        title="Accept the location terms",
        description="Open the **NissanConnect** app and accept the updated location terms.",
        access="Remote",
        agent="User",
        action=None,
        capabilities=("location",),
    ),
    Intervention(
        id=NISSAN_ODOMETER,
        vendor="NISSAN",
        vendor_type="vehicle",
        brand="Nissan",
        domain="Account",
        title="Reconnect your account",
        description="The odometer needs a fresh authorization. Link the vehicle again.",
        access="Remote",
        agent="User",
        action="Link",
        capabilities=("odometer",),
    ),
    Intervention(
        id=EASEE_REMOTE_CONTROL,
        vendor="EASEE",
        vendor_type="charger",
        brand="Easee",
        domain="Device",
        title="Allow remote control",
        description="Disable **Authorization required** for this charger in the Easee app.",
        access="Physical",
        agent="User",
        action=None,
        capabilities=("startCharging", "stopCharging"),
    ),
)

INTERVENTIONS_BY_ID: dict[str, Intervention] = {item.id: item for item in INTERVENTIONS}


@dataclass(frozen=True, slots=True)
class VehicleProfile:
    """What a simulated vehicle model is and can do natively."""

    vendor: str
    model: str
    year: int
    capacity_kwh: float
    max_current: float
    missing: tuple[str, ...] = ()
    """Capabilities the vehicle lacks natively."""


@dataclass(frozen=True, slots=True)
class ChargerProfile:
    """What a simulated charger model is."""

    vendor: str
    model: str
    max_current: float
    serial_prefix: str


VEHICLE_PROFILES: dict[str, VehicleProfile] = {
    profile.vendor: profile
    for profile in (
        VehicleProfile("TESLA", "Model 3 Long Range", 2022, 75.0, 32.0),
        VehicleProfile(
            "TOYOTA",
            "bZ4X",
            2023,
            64.0,
            32.0,
            missing=("startCharging", "stopCharging", "location", "setMaxCurrent"),
        ),
        VehicleProfile("VOLKSWAGEN", "ID.4 Pro", 2021, 77.0, 16.0, missing=("setMaxCurrent",)),
        VehicleProfile(
            "NISSAN",
            "Leaf e+",
            2020,
            59.0,
            32.0,
            missing=("location", "odometer", "setMaxCurrent"),
        ),
        VehicleProfile("KIA", "EV6 GT-Line", 2023, 74.0, 16.0, missing=("setMaxCurrent",)),
        VehicleProfile("POLESTAR", "Polestar 2", 2022, 75.0, 16.0, missing=("setMaxCurrent",)),
        VehicleProfile("HYUNDAI", "IONIQ 5", 2022, 72.6, 16.0, missing=("setMaxCurrent",)),
        VehicleProfile("BMW", "i4 eDrive40", 2023, 80.7, 16.0, missing=("setMaxCurrent",)),
    )
}

CHARGER_PROFILES: dict[str, ChargerProfile] = {
    profile.vendor: profile
    for profile in (
        ChargerProfile("ZAPTEC", "Go", 16.0, "ZAP"),
        ChargerProfile("EASEE", "Charge", 16.0, "EH"),
        ChargerProfile("WALLBOX", "Pulsar Plus", 16.0, "WB"),
        ChargerProfile("OHME", "Home Pro", 32.0, "OH"),
    )
}

# Vendors used, in turn, when the sandbox creates devices without being told which.
SEED_VEHICLE_VENDORS: tuple[str, ...] = tuple(VEHICLE_PROFILES)
SEED_CHARGER_VENDORS: tuple[str, ...] = tuple(CHARGER_PROFILES)


def vehicle_profile(vendor: str) -> VehicleProfile:
    """Return the profile of a vehicle vendor, a generic one for vendors without a profile."""
    profile = VEHICLE_PROFILES.get(vendor)
    if profile is not None:
        return profile
    return VehicleProfile(
        vendor, f"{VEHICLE_BRANDS[vendor]} EV", 2023, 60.0, 16.0, missing=("setMaxCurrent",)
    )


def charger_profile(vendor: str) -> ChargerProfile:
    """Return the profile of a charger vendor, a generic one for vendors without a profile."""
    profile = CHARGER_PROFILES.get(vendor)
    if profile is not None:
        return profile
    return ChargerProfile(vendor, "Home", 16.0, vendor[:3])


def intervention_ids(vendor: str, vendor_type: str, capability: str) -> tuple[str, ...]:
    """Return the ids of the interventions that would restore a capability of a device."""
    return tuple(
        item.id
        for item in INTERVENTIONS
        if item.vendor == vendor
        and item.vendor_type == vendor_type
        and capability in item.capabilities
    )
