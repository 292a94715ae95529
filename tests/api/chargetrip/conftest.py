"""Fixtures for the Chargetrip client tests (the mocked HTTP layer comes from tests/api)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.connected_ev.api.chargetrip import ChargetripClient, ChargetripProvider

BASE_URL = "https://api.chargetrip.example"
GRAPHQL_URL = f"{BASE_URL}/graphql"
CLIENT_ID = "ct-client-id"
APP_ID = "ct-app-id"
TOKEN = "ct-user-token-secret"
VIN = "5YJ3E7EB2KF000001"
CONNECTED_ID = "cv-0001"
MODEL_ID = "5f043da2bc262f1627fc0333"
DATE = "2026-12-04T08:00:00.000Z"


def data_payload(
    *,
    percentage: float = 64.0,
    lon: float = 10.7522,
    lat: float = 59.9139,
    plugged: bool = True,
    charging: bool = True,
) -> dict[str, Any]:
    """Return a ``VehicleData`` shaped as Chargetrip's schema has it (every group present)."""
    return {
        "battery": {"range": 301.5, "percentage": percentage, "capacity": 75.0, "date": DATE},
        "charge": {
            "is_plugged_in": plugged,
            "is_charging": charging,
            "is_fully_charged": False,
            "limit": 80,
            "charge_speed": 11.0,
            "fully_charged_at": "2026-12-04T10:00:00.000Z",
            "minutes_till_charged": 95,
            "date": "2026-12-04T08:01:00.000Z",
        },
        "location": {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"date": "2026-12-04T07:59:00.000Z"},
        },
        "odometer": {"distance": 12345.6, "date": "2026-12-04T07:58:00.000Z"},
    }


def listed(
    connected_id: str = CONNECTED_ID,
    *,
    status: str = "authorized",
    scope: list[str] | None = None,
    model_id: str = MODEL_ID,
) -> dict[str, Any]:
    """Return a ``ConnectedVehicle`` as the refresh lists it."""
    return {
        "id": connected_id,
        "vehicle_id": model_id,
        "status": status,
        "scope": ["location", "charge_state", "odometer"] if scope is None else scope,
        "label": "My EV",
        "vin": VIN,
    }


NAMING = {
    "naming": {"make": "Tesla", "model": "Model 3", "version": "Long Range", "edition": None},
    "battery": {"usable_kwh": 75.0},
}


def error(code: str, path: list[str | int] | None = None) -> dict[str, Any]:
    """One ``errors`` entry with the code where Chargetrip puts it."""
    return {
        "message": "An error occurred",
        "path": path or [],
        "extensions": {"exception": {"code": code, "status": 500, "response": code}},
    }


@pytest.fixture
def client(session: aiohttp.ClientSession) -> ChargetripClient:
    """Provide a client of a mocked Chargetrip."""
    return ChargetripClient(session, CLIENT_ID, APP_ID, TOKEN, base_url=BASE_URL)


@pytest.fixture
def provider(client: ChargetripClient) -> ChargetripProvider:
    """Provide the provider on the mocked client."""
    return ChargetripProvider(client, "account-hash")
