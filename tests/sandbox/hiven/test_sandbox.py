"""The Hiven sandbox over raw HTTP: validation, admin API, faults, pages and the CLI."""

from __future__ import annotations

import asyncio
import io
import socket
from typing import Any

import aiohttp
import pytest

from sandbox.hiven import __main__ as cli
from sandbox.hiven.api import WEEKDAYS
from sandbox.hiven.server import HivenSandboxServer
from sandbox.hiven.state import DEFAULT_API_KEY, error_response
from sandbox.hiven.world import WorldError

from .conftest import REDIRECT, USER

PREFS = "/v2/hiven/devices/{id}/smart-charging/ev-preferences"


class Raw:
    """Raw requests with the sandbox's credentials."""

    def __init__(self, session: aiohttp.ClientSession, server: HivenSandboxServer) -> None:
        self.session = session
        self.server = server

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        user: str | None = USER,
        key: str | None = DEFAULT_API_KEY,
        **kwargs: Any,
    ) -> tuple[int, Any]:
        headers = {}
        if key is not None:
            headers["X-Api-Key"] = key
        if user is not None:
            headers["X-User-Id"] = user
        async with self.session.request(
            method, self.server.url + path, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body


@pytest.fixture
def raw(session: aiohttp.ClientSession, server: HivenSandboxServer) -> Raw:
    return Raw(session, server)


async def test_api_key_and_user_header(raw: Raw) -> None:
    status, body = await raw("GET", "/v2/hiven/devices", key=None)
    assert status == 401
    assert body == {"statusCode": 401, "message": "Invalid API key", "error": "Unauthorized"}
    assert (await raw("GET", "/v2/hiven/devices", user=None))[0] == 400
    assert (await raw("GET", "/v2/hiven/devices?userId=other"))[0] == 403
    assert (await raw("GET", f"/v2/hiven/devices?userId={USER}"))[1] == []
    assert (await raw("GET", "/v2/hiven/vehicles/smartcar/capabilities", user=None))[0] == 200
    assert (await raw("GET", "/v2/hiven/nothing"))[0] == 404
    assert (await raw("POST", "/v2/hiven/devices"))[0] == 405


@pytest.mark.parametrize(
    "query",
    [
        {"manufacturer": "DACIA", "redirectUri": REDIRECT},
        {"manufacturer": "KIA", "redirectUri": "not a url"},
        {"manufacturer": "KIA", "redirectUri": REDIRECT, "countryCode": "fin"},
        {"manufacturer": "KIA", "redirectUri": REDIRECT, "mode": "prod"},
    ],
)
async def test_authorization_url_validation(raw: Raw, query: dict[str, str]) -> None:
    status, body = await raw("GET", "/v1/hiven/devices/smartcar/authorization-url", params=query)
    assert status == 400
    assert body["error"] == "Bad Request"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"authCode": "c", "redirectUrl": "x", "extra": 1}',
        b'{"authCode": "", "redirectUrl": "http://127.0.0.1/cb"}',
        b'{"authCode": "c", "redirectUrl": "nope"}',
    ],
)
async def test_connect_validation(raw: Raw, body: bytes) -> None:
    assert (await raw("POST", "/v1/hiven/devices/smartcar/connect", data=body))[0] == 400


async def test_connect_code_rules(raw: Raw, server: HivenSandboxServer) -> None:
    car = server.world.create_car("KIA")
    server.world.redirect_uris.add(REDIRECT)
    code = server.world.issue_code(car, REDIRECT)
    path = "/v1/hiven/devices/smartcar/connect"
    other = {"authCode": code, "redirectUrl": "http://127.0.0.1:9/other"}
    assert (await raw("POST", path, json=other))[1]["message"].startswith("redirectUrl")
    expired = server.world.issue_code(car, REDIRECT)
    await server.advance(601)
    status, _ = await raw("POST", path, json={"authCode": expired, "redirectUrl": REDIRECT})
    assert status == 400


async def seeded(raw: Raw, **body: Any) -> dict[str, Any]:
    status, result = await raw("POST", f"/_sandbox/users/{USER}/seed", json=body)
    assert status == 200
    return result  # type: ignore[no-any-return]


async def test_devices_chargers_and_status(raw: Raw) -> None:
    ids = await seeded(raw, vehicles=2, chargers=1, manufacturer="CITROEN")
    _, devices = await raw("GET", "/v2/hiven/devices")
    assert [d["type"] for d in devices] == ["EV", "EV", "CHARGER"]
    charger_id = ids["chargerIds"][0]
    assert (await raw("GET", f"/v2/hiven/devices/{charger_id}"))[1]["type"] == "CHARGER"
    assert (await raw("GET", f"/v1/hiven/devices/{charger_id}/status"))[0] == 404
    _, telemetry = await raw("GET", f"/v1/hiven/devices/{ids['deviceIds'][0]}/status")
    assert telemetry["batteryCapacity"] is None  # CITROEN cannot read its capacity
    assert (await raw("DELETE", "/v2/hiven/devices/missing"))[0] == 404


async def test_charging_completes(raw: Raw, server: HivenSandboxServer) -> None:
    device = (await seeded(raw))["deviceIds"][0]
    status, car = await raw(
        "PATCH", f"/_sandbox/vehicles/{device}", json={"soc": 95, "chargingStatus": "CHARGING"}
    )
    assert car["status"]["soc"] == 95
    status, _ = await raw("POST", "/_sandbox/clock/advance", json={"seconds": 3600})
    assert status == 200
    _, telemetry = await raw("GET", f"/v1/hiven/devices/{device}/status")
    assert telemetry["soc"] == 100
    assert telemetry["chargingStatus"] == "CHARGING_COMPLETED"


@pytest.mark.parametrize(
    "body",
    [
        {"chargingBehavior": "SOMETIMES"},
        {"chargingBehavior": None},
        {"chargingLocationIds": "x"},
        {"chargingLocationIds": ["unknown"]},
        {"minimalSoC": {"value": 10}},
        {"minimalSoC": {"value": 10, "unit": "MILES"}},
        {"targetSoC": {"value": 101, "unit": "PERCENT"}},
        {"targetSoC": {"value": True, "unit": "PERCENT"}},
        {"readyTime": "24:00"},
        {"weekDaySpecificReadyTimes": {"FUNDAY": "08:00"}},
        {"weekDaySpecificReadyTimes": {"MONDAY": "8"}},
        {"batteryCapacity": 0},
        {"defaultSpotPriceAreaId": ""},
        {"chargingBehavior": "SMART_CHARGE_ANYWHERE"},
        {"unknown": 1},
    ],
)
async def test_preference_validation(raw: Raw, body: dict[str, Any]) -> None:
    device = (await seeded(raw))["deviceIds"][0]
    status, answer = await raw("PUT", PREFS.format(id=device), json=body)
    assert status == 400, answer


async def test_preferences_patch_and_clear(raw: Raw) -> None:
    device = (await seeded(raw))["deviceIds"][0]
    path = PREFS.format(id=device)
    status, answer = await raw(
        "PUT",
        path,
        json={
            "chargingBehavior": "SMART_CHARGE_ANYWHERE",
            "targetSoC": {"value": 300, "unit": "KM"},
            "weekDaySpecificReadyTimes": {"MONDAY": "07:00"},
            "batteryCapacity": 60,
        },
    )
    # A week that leaves days to the readyTime fallback needs a readyTime (A10).
    assert (status, answer["message"]) == (
        400,
        "targetSoC and readyTime (or weekDaySpecificReadyTimes for every day) are required "
        "unless chargingBehavior is SMART_CHARGE_OFF",
    )
    week = dict.fromkeys(WEEKDAYS, "07:00")
    status, answer = await raw(
        "PUT",
        path,
        json={
            "chargingBehavior": "SMART_CHARGE_ANYWHERE",
            "targetSoC": {"value": 300, "unit": "KM"},
            "weekDaySpecificReadyTimes": week,
            "batteryCapacity": 60,
        },
    )
    assert (status, answer) == (200, "")
    # chargingBehavior is the one member the document does not mark optional.
    status, answer = await raw("PUT", path, json={"batteryCapacity": None})
    assert (status, answer["message"]) == (400, "chargingBehavior is required")
    await raw(
        "PUT",
        path,
        json={
            "chargingBehavior": "SMART_CHARGE_ANYWHERE",
            "batteryCapacity": None,
            "defaultSpotPriceAreaId": "FI",
        },
    )
    _, prefs = await raw("GET", path)
    assert prefs == {
        "chargingBehavior": "SMART_CHARGE_ANYWHERE",
        "targetSoC": {"value": 300, "unit": "KM"},
        "weekDaySpecificReadyTimes": week,
        "defaultSpotPriceAreaId": "FI",
    }


async def test_location_validation_and_cleanup(raw: Raw) -> None:
    path = "/v2/hiven/users/locations"
    for bad in (
        {"countryCode": "FI"},
        {"coordinates": {"latitude": 91, "longitude": 0}, "countryCode": "FI"},
        {"coordinates": {"latitude": 1, "longitude": 0}, "countryCode": "fi"},
        {"coordinates": {"latitude": 1, "longitude": 0}, "countryCode": "FI", "name": ""},
    ):
        assert (await raw("POST", path, json=bad))[0] == 400
    _, home = await raw(
        "POST", path, json={"coordinates": {"latitude": 1, "longitude": 2}, "countryCode": "DE"}
    )
    assert home["spotPriceAreaId"] == "DE-LU"
    # The document's chargingLocations shape: locationId is the location, id another id.
    home_id = home["locationId"]
    assert home["id"] != home_id
    assert (await raw("PUT", f"{path}/{home['id']}", json={"name": "x"}))[0] == 404
    assert (await raw("PUT", f"{path}/{home_id}", json={}))[0] == 400
    _, moved = await raw("PUT", f"{path}/{home_id}", json={"countryCode": "US"})
    assert moved["spotPriceAreaId"] == "US"
    device = (await seeded(raw))["deviceIds"][0]
    body = {"chargingBehavior": "SMART_CHARGE_OFF", "chargingLocationIds": [home_id]}
    await raw("PUT", PREFS.format(id=device), json=body)
    _, listed = await raw("GET", f"/v2/hiven/devices/{device}")
    [item] = listed["settings"]["chargingPreferences"]["chargingLocations"]
    assert (item["locationId"], item["id"]) == (home_id, home["id"])
    assert (await raw("DELETE", f"{path}/{home_id}"))[0] == 204
    _, prefs = await raw("GET", PREFS.format(id=device))
    assert prefs["chargingLocationIds"] == []
    assert (await raw("DELETE", f"{path}/{home_id}"))[0] == 404


async def test_vehicle_capabilities(raw: Raw) -> None:
    """One car's capabilities (A14): its model's; ``forceRefresh`` is a boolean."""
    device = (await seeded(raw))["deviceIds"][0]
    path = f"/v2/hiven/devices/{device}/capabilities"
    status, answer = await raw("GET", path, params={"forceRefresh": "true"})
    assert status == 200
    assert set(answer["capabilities"]) <= {
        "READ_LOCATION",
        "EXECUTE_START_AND_STOP",
        "READ_BATTERY_CAPACITY",
    }
    assert (await raw("GET", path))[0] == 200
    assert (await raw("GET", path, params={"forceRefresh": "yes"}))[0] == 400
    assert (await raw("GET", "/v2/hiven/devices/missing/capabilities"))[0] == 404


async def test_capability_filters(raw: Raw) -> None:
    path = "/v2/hiven/vehicles/smartcar/capabilities"
    _, models = await raw("GET", path, params={"supporting": "READ_LOCATION,READ_BATTERY_CAPACITY"})
    assert all("READ_BATTERY_CAPACITY" in m["capabilities"] for m in models)
    assert (await raw("GET", path, params={"not_supporting": "FLY"}))[0] == 400
    _, brands = await raw("GET", "/v2/hiven/vehicles/smartcar/brands", user=None)
    assert "LANDROVER" in brands


async def test_admin_api(raw: Raw, server: HivenSandboxServer) -> None:
    status, car = await raw("POST", "/_sandbox/vehicles", json={"manufacturer": "BMW", "soc": 42})
    assert (status, car["attributes"]["model"]) == (201, "i4")
    assert (await raw("POST", "/_sandbox/vehicles", json={}))[0] == 201
    assert (await raw("POST", "/_sandbox/vehicles", json={"manufacturer": "X"}))[0] == 400
    assert (await raw("PATCH", "/_sandbox/vehicles/missing", json={}))[0] == 404
    path = f"/_sandbox/vehicles/{car['id']}"
    assert (await raw("PATCH", path, json={"chargingStatus": "FLYING"}))[0] == 400
    assert (await raw("PATCH", path, json={"owner": 5}))[0] == 400
    _, owned = await raw("PATCH", path, json={"owner": USER})
    assert owned["attributes"]["userId"] == USER
    await raw("PATCH", path, json={"owner": None})
    assert (await raw("POST", f"/_sandbox/users/{USER}/seed", json={"vehicles": 101}))[0] == 400
    for bad in ({"kind": "nope"}, {"path": ""}, {"method": 3}, {"status": 200}):
        assert (await raw("POST", "/_sandbox/faults", json=bad))[0] == 400
    status, _ = await raw(
        "POST", "/_sandbox/faults", json={"path": "/v2/*", "kind": "latency", "latencyMs": 1}
    )
    assert status == 201
    assert len((await raw("GET", "/_sandbox/faults"))[1]) == 1
    assert (await raw("GET", "/v2/hiven/devices"))[0] == 200
    await raw("POST", "/_sandbox/faults", json={"kind": "error", "retryAfter": 3})
    assert (await raw("DELETE", "/_sandbox/faults"))[0] == 204
    assert (await raw("GET", "/_sandbox/faults"))[1] == []
    await raw("POST", "/_sandbox/faults", json={"path": "/v2/*", "kind": "error", "retryAfter": 3})
    assert (await raw("GET", "/v2/hiven/devices"))[0] == 503
    _, log = await raw("GET", "/_sandbox/requests")
    assert log[-1] == {"method": "GET", "path": "/v2/hiven/devices", "query": None, "userId": USER}
    assert all(DEFAULT_API_KEY not in str(entry) for entry in log)
    assert (await raw("DELETE", "/_sandbox/requests"))[0] == 204
    assert (await raw("GET", "/_sandbox/requests"))[1] == []
    await raw("POST", "/_sandbox/faults", json={"path": "/v2/*", "kind": "malformed"})
    await raw("POST", f"/_sandbox/users/{USER}/seed", json={"vehicles": 0})
    assert (await raw("GET", "/v2/hiven/devices"))[1] == "["  # half of "[]"
    _, state = await raw("GET", "/_sandbox/state")
    assert len(state["cars"]) == 2
    assert state["pendingCodes"] == 0


async def test_authorize_page_errors(raw: Raw, session: aiohttp.ClientSession) -> None:
    page = "/smartcar/authorize"
    assert (await raw("GET", page, params={"make": "X", "redirect_uri": REDIRECT}))[0] == 400
    assert (await raw("GET", page, params={"make": "KIA", "redirect_uri": REDIRECT}))[0] == 400
    await raw(
        "GET",
        "/v1/hiven/devices/smartcar/authorization-url",
        params={"manufacturer": "KIA", "redirectUri": REDIRECT + "?x=1"},
    )
    form = {"make": "KIA", "redirect_uri": REDIRECT + "?x=1", "vehicle": "bogus"}
    assert (await raw("POST", page, data=form))[0] == 400
    assert (await raw("POST", page, data={"make": "KIA", "redirect_uri": "x"}))[0] == 400
    status, _ = await raw("POST", page, data={**form, "vehicle": "new"})
    assert status == 302


def test_helpers() -> None:
    assert error_response(599, "odd").status == 599
    assert WorldError(418, "tea").message == "tea"
    with pytest.raises(ValueError, match="loopback"):
        HivenSandboxServer(host="10.0.0.1")


def test_cli_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    args = cli.build_parser().parse_args([])
    assert (args.port, args.api_key, args.user_id, args.vehicles) == (
        8766,
        DEFAULT_API_KEY,
        "sandbox-user",
        0,
    )
    for argv in (
        ["--host", "example.com"],
        ["--vehicles", "-1"],
        ["--vehicles", "x"],
        ["--time-scale", "-1"],
        ["--time-scale", "x"],
    ):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(argv)
    assert "error" in capsys.readouterr().err


async def test_cli_serves(session: aiohttp.ClientSession) -> None:
    args = cli.build_parser().parse_args(
        ["--port", "0", "--user-id", "demo", "--vehicles", "2", "--manufacturer", "TESLA"]
    )
    stop = asyncio.Event()
    out = io.StringIO()
    task = asyncio.create_task(cli.serve(args, stop=stop, out=out))
    for _ in range(200):
        if out.getvalue():
            break
        await asyncio.sleep(0.01)
    banner = out.getvalue()
    assert "API key:    sandbox-hiven-api-key" in banner
    assert "User id:    demo" in banner
    assert banner.count("Tesla Model 3") == 2
    url = banner.split("listening on ")[1].split()[0]
    async with session.get(
        url + "/v2/hiven/devices", headers={"X-Api-Key": DEFAULT_API_KEY, "X-User-Id": "demo"}
    ) as response:
        assert len(await response.json()) == 2
    stop.set()
    await task


def test_cli_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["--port", str(port)]) == 1
