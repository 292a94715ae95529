"""User management: link sessions, users, deauthorization, vendor disconnection, relinking."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.enode.server import SandboxServer
from tests.sandbox.enode.helpers import Api, seed
from tests.sandbox.enode.schema import check_component, check_response

VEHICLE_LINK: dict[str, Any] = {
    "vendorType": "vehicle",
    "scopes": ["vehicle:read:data", "vehicle:read:location", "vehicle:control:charging"],
    "language": "en-US",
    "redirectUri": "https://example.test/callback?flow_id=abc",
}


async def test_link_creates_user_and_session(api: Api, server: SandboxServer) -> None:
    reply = await api.post("/users/new-user/link", VEHICLE_LINK)
    assert reply.status == 200
    check_response(reply.json, "POST /users/{userId}/link 200")
    assert reply.json["linkUrl"] == f"{server.url}/link/{reply.json['linkToken']}"
    user = await api.get("/users/new-user")
    assert user.status == 200
    check_response(user.json, "GET /users/{userId} 200")
    assert user.json == {"id": "new-user", "linkedVendors": []}


async def test_link_infers_vendor_type_from_scopes(api: Api) -> None:
    body = {k: v for k, v in VEHICLE_LINK.items() if k != "vendorType"}
    assert (await api.post("/users/u/link", body)).status == 200
    body["scopes"] = ["vehicle:read:data", "charger:read:data"]
    reply = await api.post("/users/u/link", body)
    assert reply.status == 400
    assert "vendorType" in reply.json["detail"]


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["vehicle:read:everything"]}, "scopes"),
        ({"language": "xx-XX"}, "language"),
        ({"redirectUri": None}, "redirectUri"),
        ({"redirectUri": "about:blank"}, "redirectUri"),
        ({"redirectUri": "x" * 501}, "redirectUri"),
        ({"vendorType": "boat"}, "vendorType"),
        ({"vendor": "DELOREAN"}, "vendor"),
        ({"colorScheme": "pink"}, "colorScheme"),
        ({"unexpected": 1}, None),
    ],
)
async def test_link_validation(api: Api, change: dict[str, Any], member: str | None) -> None:
    body = {**VEHICLE_LINK, **change}
    reply = await api.post("/users/u/link", body)
    assert reply.status == 400
    check_component(reply.json, "Problem")
    issue = reply.json["issues"][0]
    assert issue["path"][:1] == ([member] if member else [])


async def test_link_missing_required(api: Api) -> None:
    reply = await api.post("/users/u/link", {"vendorType": "vehicle"})
    assert reply.status == 400
    paths = {issue["path"][0] for issue in reply.json["issues"]}
    assert paths == {"scopes", "language", "redirectUri"}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"vendorType": "hvac", "scopes": ["hvac:read:data"]}, "does not simulate"),
        ({"scopes": ["vehicle:read:location"]}, "vehicle:read:data"),
        ({"vendor": "ZAPTEC"}, "not a vehicle vendor"),
    ],
)
async def test_link_preconditions(api: Api, change: dict[str, Any], fragment: str) -> None:
    reply = await api.post("/users/u/link", {**VEHICLE_LINK, **change})
    assert reply.status == 400
    assert fragment in reply.json["detail"]


async def test_get_unknown_user(api: Api) -> None:
    reply = await api.get("/users/nobody")
    assert reply.status == 404
    check_component(reply.json, "Problem")


async def test_list_users_paginated(api: Api) -> None:
    for name in ("a", "b", "c"):
        await seed(api, name, vehicles=1, chargers=1)
    first = await api.get("/users?pageSize=2")
    check_response(first.json, "GET /users 200")
    assert [u["id"] for u in first.json["data"]] == ["c", "b"]
    assert "charger:read:data" in first.json["data"][0]["scopes"]
    after = first.json["pagination"]["after"]
    second = await api.get(f"/users?pageSize=2&after={after}")
    assert [u["id"] for u in second.json["data"]] == ["a"]


async def test_unlink_user_removes_everything(api: Api) -> None:
    ids = await seed(api, "gone", vehicles=1, chargers=1)
    await api.post("/users/gone/locations", {"name": "Home", "latitude": 1, "longitude": 2})
    assert (await api.delete("/users/gone")).status == 204
    assert (await api.get("/users/gone")).status == 404
    assert (await api.get(f"/vehicles/{ids['vehicleIds'][0]}")).status == 404
    assert (await api.get("/users/gone/locations")).json["data"] == []
    assert (await api.delete("/users/gone")).status == 204  # idempotent


async def test_deauthorize_keeps_data_but_invalidates(api: Api) -> None:
    ids = await seed(api, "deauth", vehicles=1, chargers=1)
    assert (await api.delete("/users/deauth/authorization")).status == 204
    user = (await api.get("/users/deauth")).json
    assert user["linkedVendors"]
    assert all(not item["isValid"] for item in user["linkedVendors"])
    vehicle = (await api.get(f"/vehicles/{ids['vehicleIds'][0]}")).json
    assert vehicle["isReachable"] is False
    assert (await api.delete("/users/unknown/authorization")).status == 204


async def test_disconnect_vendor(api: Api) -> None:
    await seed(api, "v", vehicles=2, chargers=1)  # TESLA, TOYOTA, ZAPTEC
    assert (await api.delete("/users/v/vendors/TESLA")).status == 204
    vendors = {v["vendor"] for v in (await api.get("/users/v/vehicles")).json["data"]}
    assert vendors == {"TOYOTA"}
    linked = {item["vendor"] for item in (await api.get("/users/v")).json["linkedVendors"]}
    assert linked == {"TOYOTA", "ZAPTEC"}


async def test_disconnect_vendor_type(api: Api) -> None:
    await seed(api, "v", vehicles=1, chargers=0, vehicleVendor="TESLA")
    await seed(api, "v", vehicles=0, chargers=1, chargerVendor="TESLA")
    assert (await api.delete("/users/v/vendors/TESLA/charger")).status == 204
    assert (await api.get("/users/v/chargers")).json["data"] == []
    assert len((await api.get("/users/v/vehicles")).json["data"]) == 1
    linked = (await api.get("/users/v")).json["linkedVendors"]
    assert linked == [{"vendor": "TESLA", "vendorType": "vehicle", "isValid": True}]


async def test_disconnect_vendor_validation(api: Api) -> None:
    assert (await api.delete("/users/v/vendors/NOPE")).status == 400
    assert (await api.delete("/users/v/vendors/TESLA/boat")).status == 400
    assert (await api.delete("/users/unknown/vendors/TESLA")).status == 204
    assert (await api.delete("/users/unknown/vendors/TESLA/vehicle")).status == 204


async def test_relink(api: Api) -> None:
    ids = await seed(api, "r", vehicles=1)
    vehicle_id = ids["vehicleIds"][0]
    reply = await api.post(
        f"/assets/{vehicle_id}/relink",
        {"language": "en-GB", "redirectUri": "https://example.test/back"},
    )
    assert reply.status == 200
    check_response(reply.json, "POST /assets/{assetId}/relink 200")
    missing = await api.post(
        "/assets/unknown/relink", {"language": "en-GB", "redirectUri": "https://example.test/"}
    )
    assert missing.status == 400
    check_response(missing.json, "POST /assets/{assetId}/relink 400")
    invalid = await api.post(f"/assets/{vehicle_id}/relink", {"language": "en-GB"})
    assert invalid.status == 400
