"""Fault injection: latency, errors, rate limits, token expiry, malformed, empty, disconnects."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from sandbox.faults import Fault, FaultStore
from tests.sandbox.enode.helpers import Api, seed
from tests.sandbox.enode.schema import check_component


async def _fault(api: Api, **body: object) -> dict[str, object]:
    result: dict[str, object] = await api.admin("POST", "/faults", body)
    return result


async def test_error_fault(api: Api) -> None:
    await seed(api, "f", vehicles=1)
    fault = await _fault(api, path="/users/*/vehicles", kind="error", count=2)
    assert fault["remaining"] == 2
    assert fault["method"] is None
    for _ in range(2):
        reply = await api.get("/users/f/vehicles")
        assert reply.status == 503
        check_component(reply.json, "Problem")
        assert "Retry-After" not in reply.headers
    assert (await api.get("/users/f/vehicles")).status == 200
    assert await api.admin("GET", "/faults") == []


async def test_error_fault_with_status_and_retry_after(api: Api) -> None:
    await _fault(api, path="/vehicles", kind="error", status=502, retryAfter=7.2)
    reply = await api.get("/vehicles")
    assert reply.status == 502
    assert reply.headers["Retry-After"] == "8"


async def test_rate_limit_fault(api: Api) -> None:
    await _fault(api, path="/vehicles*", kind="rate_limit", retryAfter=30)
    reply = await api.get("/vehicles")
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "30"
    assert reply.json["type"].endswith("/too-many-requests")
    await _fault(api, path="/vehicles", kind="rate_limit")
    assert (await api.get("/vehicles")).headers["Retry-After"] == "1"


async def test_method_filter(api: Api) -> None:
    await _fault(api, path="/webhooks", method="post", kind="error")
    assert (await api.get("/webhooks")).status == 200
    reply = await api.post("/webhooks", {"url": "http://127.0.0.1:9/x", "secret": "secret1"})
    assert reply.status == 503


async def test_token_expiry_fault(api: Api) -> None:
    token = await api.fetch_token()
    await _fault(api, path="/vehicles", kind="token_expiry")
    headers = {"Authorization": f"Bearer {token}"}
    reply = await api.raw("GET", "/vehicles", headers=headers)
    assert reply.status == 401
    assert (await api.raw("GET", "/vehicles", headers=headers)).status == 401
    await api.fetch_token()
    assert (await api.get("/vehicles")).status == 200


async def test_token_expiry_fault_without_token(api: Api) -> None:
    await _fault(api, path="/health/ready", kind="token_expiry")
    assert (await api.raw("GET", "/health/ready")).status == 204


async def test_malformed_fault(api: Api) -> None:
    await seed(api, "m", vehicles=1)
    await _fault(api, path="/users/m/vehicles", kind="malformed")
    reply = await api.get("/users/m/vehicles")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.body)
    await _fault(api, path="/health/ready", kind="malformed")
    empty = await api.raw("GET", "/health/ready")
    assert empty.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(empty.body)


async def test_empty_fault(api: Api) -> None:
    """A list answered once as if the account had no devices, then the real list again."""
    await seed(api, "e", vehicles=2)
    await _fault(api, path="/users/e/vehicles", kind="empty")
    reply = await api.get("/users/e/vehicles")
    assert reply.status == 200
    assert reply.json == {"data": [], "pagination": {"after": None, "before": None}}
    check_component(reply.json, "PaginatedVehicleList")
    assert len((await api.get("/users/e/vehicles")).json["data"]) == 2


async def test_latency_fault(api: Api) -> None:
    await _fault(api, path="/vehicles", kind="latency", latencyMs=150)
    started = time.monotonic()
    reply = await api.get("/vehicles")
    assert reply.status == 200
    assert time.monotonic() - started >= 0.14


async def test_disconnect_fault(api: Api) -> None:
    await api.fetch_token()
    # aiohttp retries an idempotent request once on a dropped connection, so drop two.
    await _fault(api, path="/vehicles", kind="disconnect", count=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.get("/vehicles")
    assert (await api.get("/vehicles")).status == 200


async def test_fault_on_token_endpoint(api: Api) -> None:
    await _fault(api, path="/oauth2/token", kind="error", status=500)
    reply = await api.raw(
        "POST",
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={
            "Authorization": aiohttp.encode_basic_auth("sandbox-client-id", "sandbox-client-secret")
        },
    )
    assert reply.status == 500


async def test_clear_and_list_faults(api: Api) -> None:
    await _fault(api, path="/a", kind="latency")
    await _fault(api, path="/b", kind="error", method="GET", count=3)
    listed = await api.admin("GET", "/faults")
    assert [f["path"] for f in listed] == ["/a", "/b"]
    assert listed[1]["method"] == "GET"
    await api.admin("DELETE", "/faults")
    assert await api.admin("GET", "/faults") == []


@pytest.mark.parametrize(
    "body",
    [
        {"path": "/x", "kind": "explode"},
        {"kind": "error"},
        {"path": "/x", "kind": "error", "count": 0},
        {"path": "/x", "kind": "error", "status": 200},
        {"path": "/x", "kind": "latency", "latencyMs": -1},
    ],
)
async def test_fault_validation(api: Api, body: dict[str, object]) -> None:
    reply = await api.raw("POST", "/_sandbox/faults", json=body)
    assert reply.status == 400


async def test_admin_routes_are_never_faulted(api: Api) -> None:
    await api.fetch_token()
    await _fault(api, path="*", kind="error")
    assert (await api.raw("GET", "/_sandbox/faults")).status == 200
    assert (await api.get("/vehicles")).status == 503
    assert (await api.get("/vehicles")).status == 200


def test_fault_store_matching() -> None:
    store = FaultStore()
    fault = store.add(Fault(id="f", path="/vehicles/*", kind="error", method="GET"))
    assert store.take("POST", "/vehicles/1") is None
    assert store.take("GET", "/chargers/1") is None
    assert store.take("GET", "/vehicles/1") is fault
    assert store.take("GET", "/vehicles/1") is None
    assert not fault.matches("GET", "/vehicles/1")
