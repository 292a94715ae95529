"""The sandbox's vehicle catalogue: a few dozen models, most connectable through Enode.

Ids are 24 hexadecimal characters like Chargetrip's and stable across runs (derived from the
name). Ranges are kilometres; ``vehicleList``'s ``unit`` arguments convert them. Models whose
make Enode does not support (or that predate connected services) list no provider, as the
real catalogue does for them, so clients learn to filter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ENODE = "Enode"
UNIT_FACTORS: dict[str, float] = {
    "meter": 1000.0,
    "foot": 1000.0 / 0.3048,
    "kilometer": 1.0,
    "mile": 1.0 / 1.609344,
}


@dataclass(frozen=True, slots=True)
class Model:
    """One catalogue entry; ``vendor`` is the Enode sandbox vendor that simulates it."""

    make: str
    model: str
    version: str | None
    edition: str | None
    full_kwh: float
    usable_kwh: float
    best_km: float
    worst_km: float
    vendor: str | None

    @property
    def id(self) -> str:
        """Stable Chargetrip-style id of the model."""
        name = "|".join((self.make, self.model, self.version or "", self.edition or ""))
        return hashlib.sha256(name.encode()).hexdigest()[:24]

    @property
    def connectable(self) -> bool:
        """True when the model can be connected through Enode."""
        return self.vendor is not None

    @property
    def chargetrip_version(self) -> str:
        """Chargetrip's own version name: version and edition, or the model."""
        parts = [part for part in (self.version, self.edition) if part]
        return " ".join(parts) or self.model


_M = Model
MODELS: tuple[Model, ...] = (
    _M("Tesla", "Model 3", "Long Range", "Dual Motor", 82.0, 75.0, 560, 390, "TESLA"),
    _M("Tesla", "Model 3", "Standard Range Plus", None, 55.0, 50.0, 410, 285, "TESLA"),
    _M("Tesla", "Model Y", "Long Range", "AWD", 82.0, 75.0, 505, 355, "TESLA"),
    _M("Tesla", "Model S", "Plaid", None, 100.0, 95.0, 600, 420, "TESLA"),
    _M("Volkswagen", "ID.3", "Pro S", "4 seats", 82.0, 77.0, 520, 360, "VOLKSWAGEN"),
    _M("Volkswagen", "ID.4", "Pro", "Performance", 82.0, 77.0, 480, 335, "VOLKSWAGEN"),
    _M("Volkswagen", "e-Golf", None, None, 35.8, 32.0, 230, 160, None),
    _M("Hyundai", "IONIQ 5", "Long Range", "RWD", 77.4, 74.0, 480, 335, "HYUNDAI"),
    _M("Hyundai", "Kona Electric", "64 kWh", None, 67.5, 64.0, 420, 290, "HYUNDAI"),
    _M("Hyundai", "IONIQ 6", "Long Range", "AWD", 77.4, 74.0, 520, 365, "HYUNDAI"),
    _M("Kia", "EV6", "GT-Line", "AWD", 77.4, 74.0, 470, 330, "KIA"),
    _M("Kia", "Niro EV", None, None, 67.5, 64.8, 400, 280, "KIA"),
    _M("Kia", "EV9", "Long Range", "AWD", 99.8, 96.0, 500, 350, "KIA"),
    _M("Polestar", "2", "Long Range", "Single Motor", 82.0, 78.0, 520, 365, "POLESTAR"),
    _M("BMW", "i4", "eDrive40", None, 83.9, 80.7, 520, 365, "BMW"),
    _M("BMW", "iX3", None, None, 80.0, 74.0, 420, 295, "BMW"),
    _M("BMW", "i3", "120 Ah", None, 42.2, 37.9, 260, 180, None),
    _M("Nissan", "Leaf", "e+", None, 62.0, 59.0, 350, 245, "NISSAN"),
    _M("Nissan", "Ariya", "87 kWh", None, 91.0, 87.0, 480, 335, "NISSAN"),
    _M("Toyota", "bZ4X", "FWD", None, 71.4, 64.0, 420, 295, "TOYOTA"),
    _M("Audi", "Q4 e-tron", "40", None, 82.0, 76.6, 470, 330, "AUDI"),
    _M("Audi", "e-tron GT", "quattro", None, 93.4, 85.0, 450, 315, "AUDI"),
    _M("Mercedes-Benz", "EQA", "250", None, 70.5, 66.5, 400, 280, "MERCEDES"),
    _M("Mercedes-Benz", "EQS", "450+", None, 120.0, 107.8, 700, 490, "MERCEDES"),
    _M("Renault", "Megane E-Tech", "EV60", None, 64.0, 60.0, 420, 295, "RENAULT"),
    _M("Renault", "Zoe", "R135", "ZE50", 54.7, 52.0, 330, 230, "RENAULT"),
    _M("Peugeot", "e-208", None, None, 50.0, 46.3, 300, 210, "PEUGEOT"),
    _M("Skoda", "Enyaq iV", "80", None, 82.0, 77.0, 500, 350, "SKODA"),
    _M("Volvo", "EX30", "Extended Range", None, 69.0, 64.0, 420, 295, "VOLVO"),
    _M("Ford", "Mustang Mach-E", "Extended Range", "RWD", 98.7, 91.0, 540, 380, "FORD"),
    _M("MG", "MG4", "Long Range", None, 64.0, 61.7, 400, 280, "MG"),
    _M("Porsche", "Taycan", "4S", "Performance Battery Plus", 93.4, 83.7, 460, 320, "PORSCHE"),
    _M("Cupra", "Born", "e-Boost", "58 kWh", 62.0, 58.0, 390, 275, "CUPRA"),
    _M("Fiat", "500e", "42 kWh", None, 42.0, 37.3, 260, 180, "FIAT"),
    _M("BYD", "Atto 3", None, None, 60.5, 60.5, 380, 265, "BYD"),
    _M("Aiways", "U5", None, None, 63.0, 63.0, 360, 250, None),
    _M("Microlino", "Microlino", "Competizione", None, 14.0, 12.5, 170, 120, None),
    _M("Sono Motors", "Sion", None, None, 54.0, 54.0, 280, 195, None),
)  # fmt: skip

BY_ID: dict[str, Model] = {model.id: model for model in MODELS}


def search(
    text: str | None, *, make: str | None, model: str | None, providers: list[str] | None
) -> list[Model]:
    """Return the models matching ``vehicleList``'s search and filter, in catalogue order.

    ``search`` matches any word of the name case-insensitively; ``make``/``model`` match
    exactly (case-insensitively); ``providers`` keeps models connectable through any of them.
    """
    words = (text or "").lower().split()
    found = []
    for entry in MODELS:
        name = " ".join(
            part for part in (entry.make, entry.model, entry.version, entry.edition) if part
        ).lower()
        if not all(word in name for word in words):
            continue
        if make is not None and entry.make.lower() != make.lower():
            continue
        if model is not None and entry.model.lower() != model.lower():
            continue
        if providers is not None and not (entry.connectable and ENODE in providers):
            continue
        found.append(entry)
    return found


def distance(km: float, unit: str) -> float:
    """Convert a distance in km to ``unit`` (a ``DistanceUnit`` value), rounded to 0.1."""
    return round(km * UNIT_FACTORS[unit], 1)
