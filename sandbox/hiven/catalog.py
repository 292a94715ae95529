"""Simulated car models per manufacturer and the capabilities list the API serves."""

from __future__ import annotations

from dataclasses import dataclass

READ_LOCATION = "READ_LOCATION"
START_STOP = "EXECUTE_START_AND_STOP"
READ_CAPACITY = "READ_BATTERY_CAPACITY"
CAPABILITIES = (READ_LOCATION, START_STOP, READ_CAPACITY)

MANUFACTURERS = (
    "BMW",
    "CITROEN",
    "CUPRA",
    "DS",
    "FORD",
    "HYUNDAI",
    "JAGUAR",
    "KIA",
    "LANDROVER",
    "MINI",
    "SKODA",
    "TESLA",
    "VOLKSWAGEN",
)
MODES = ("live", "test", "simulated")


@dataclass(frozen=True, slots=True)
class CarModel:
    """A model offered in the sandbox: what it reports and what it can do."""

    make: str
    model: str
    year_start: int
    year_end: int
    type: str
    capacity_kwh: float
    range_km: float
    capabilities: tuple[str, ...]

    @property
    def reports_capacity(self) -> bool:
        """Whether the status call returns the battery capacity (else ``null``)."""
        return READ_CAPACITY in self.capabilities

    def as_json(self) -> dict[str, object]:
        """Return the model as the capabilities list shows it."""
        return {
            "make": self.make,
            "model": self.model,
            "yearRange": {"start": self.year_start, "end": self.year_end},
            "type": self.type,
            "capabilities": list(self.capabilities),
        }


ALL = CAPABILITIES
MODELS: tuple[CarModel, ...] = (
    CarModel("BMW", "i4", 2021, 2025, "BEV", 80.7, 520, ALL),
    CarModel("BMW", "330e", 2019, 2024, "PHEV", 12.0, 55, (READ_LOCATION,)),
    CarModel("CITROEN", "ë-C4", 2020, 2025, "BEV", 50.0, 350, (READ_LOCATION, START_STOP)),
    CarModel("CUPRA", "Born", 2021, 2025, "BEV", 58.0, 420, ALL),
    CarModel("DS", "DS 3 E-Tense", 2019, 2025, "BEV", 54.0, 400, (READ_LOCATION,)),
    CarModel("FORD", "Mustang Mach-E", 2021, 2025, "BEV", 91.0, 550, ALL),
    CarModel("HYUNDAI", "IONIQ 5", 2021, 2025, "BEV", 77.4, 500, ALL),
    CarModel("JAGUAR", "I-PACE", 2018, 2024, "BEV", 90.0, 470, (READ_LOCATION, READ_CAPACITY)),
    CarModel("KIA", "EV6", 2021, 2025, "BEV", 77.4, 520, ALL),
    CarModel("LANDROVER", "Range Rover P440e", 2022, 2025, "PHEV", 38.2, 110, (READ_LOCATION,)),
    CarModel("MINI", "Cooper SE", 2020, 2024, "BEV", 32.6, 230, ALL),
    CarModel("SKODA", "Enyaq", 2021, 2025, "BEV", 77.0, 530, ALL),
    CarModel("TESLA", "Model 3", 2017, 2025, "BEV", 75.0, 510, ALL),
    CarModel("VOLKSWAGEN", "ID.4", 2020, 2025, "BEV", 77.0, 520, ALL),
)
FIRST_MODEL = {model.make: model for model in reversed(MODELS) if model.type == "BEV"}
"""The model a new simulated car of a manufacturer gets (its first BEV)."""

BRAND_NAMES = {
    "CITROEN": "Citroën",
    "CUPRA": "Cupra",
    "FORD": "Ford",
    "HYUNDAI": "Hyundai",
    "JAGUAR": "Jaguar",
    "LANDROVER": "Land Rover",
    "SKODA": "Škoda",
    "TESLA": "Tesla",
    "VOLKSWAGEN": "Volkswagen",
}

SPOT_PRICE_AREAS = {"FI": "FI", "SE": "SE3", "NO": "NO1", "DK": "DK1", "DE": "DE-LU", "EE": "EE"}
"""Spot price area a new location gets from its country (others: the country code)."""

SCOPE = (
    "required:read_battery required:read_charge required:control_charge "
    "required:read_vehicle_info required:read_vin read_location"
)
