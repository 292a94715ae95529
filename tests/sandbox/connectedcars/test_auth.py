"""The sandbox's Auth API: logins, namespaces, throttling, token expiry and device tokens."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.world import DEMO_EMAIL, DEMO_PASSWORD

from .conftest import Api

LOGIN = "/auth/login/email/password"


async def test_login_returns_an_hour_long_jwt(api: Api) -> None:
    status, body, _ = await api(
        "POST", LOGIN, json={"email": DEMO_EMAIL.upper(), "password": DEMO_PASSWORD}
    )
    assert status == 200
    assert body["level"] == "AM1"
    assert body["expires"] == 3600
    assert body["token"].count(".") == 2
    status, info, _ = await api("GET", "/user/info", token=body["token"])
    assert status == 200
    assert info["email"] == DEMO_EMAIL
    assert isinstance(info["id"], int)
    assert "password" not in info


@pytest.mark.parametrize(
    ("email", "password", "namespace", "status", "message", "kind"),
    [
        (
            "nobody@example.com",
            DEMO_PASSWORD,
            "semler:minskoda",
            404,
            "Email is incorrect",
            "user_not_found",
        ),
        (DEMO_EMAIL, "wrong", "semler:minseat", 401, "Incorrect password", "incorrect_password"),
        (
            DEMO_EMAIL,
            DEMO_PASSWORD,
            "semler:unknown",
            404,
            "Namespace could not be found",
            "namespace_not_found",
        ),
        (
            DEMO_EMAIL,
            DEMO_PASSWORD,
            None,
            404,
            "Namespace could not be found",
            "namespace_not_found",
        ),
        # A namespace of another region's organization is not served here.
        (
            DEMO_EMAIL,
            DEMO_PASSWORD,
            "vwaustralia:app",
            404,
            "Namespace could not be found",
            "namespace_not_found",
        ),
    ],
)
async def test_login_errors(
    api: Api,
    email: str,
    password: str,
    namespace: str | None,
    status: int,
    message: str,
    kind: str,
) -> None:
    got, body, _ = await api(
        "POST", LOGIN, namespace=namespace, json={"email": email, "password": password}
    )
    assert (got, body) == (status, {"message": message, "type": kind})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"email": DEMO_EMAIL}},
        {"json": {"email": 5, "password": "x"}},
        {"json": ["not", "an", "object"]},
        {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
        {},
    ],
)
async def test_login_body_is_validated(api: Api, kwargs: dict[str, Any]) -> None:
    status, body, _ = await api("POST", LOGIN, **kwargs)
    assert status == 400
    assert body["type"] == "validation_error"


async def test_australia_is_its_own_region(api: Api) -> None:
    token = await api.login(namespace="vwaustralia:app", prefix="/au1")
    status, info, _ = await api("GET", "/au1/user/info", namespace="vwaustralia:app", token=token)
    assert status == 200
    danish = await api.login()
    assert info["id"] != (await api("GET", "/user/info", token=danish))[1]["id"]
    # A token of one organization is refused by the other.
    status, body, _ = await api("GET", "/au1/user/info", namespace="vwaustralia:app", token=danish)
    assert (status, body["type"]) == (401, "jwt_verify_error")


async def test_password_logins_are_throttled_per_account(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    status, _ = await api.admin("PUT", "/login-limit", json={"limit": 2, "windowSeconds": 60})
    assert status == 200
    await api.login()
    await server.advance(10)
    await api.login()
    status, body, headers = await api(
        "POST", LOGIN, json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    assert (status, body) == (429, {"message": "Too many requests", "type": "too_many_requests"})
    assert headers["Retry-After"] == "50"
    # Wrong passwords count too, and another account is not affected.
    await api.login("empty@example.com")
    await server.advance(50)
    await api.login()


async def test_refresh_within_an_hour_after_expiry(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    token = await api.login()
    await server.advance(3599)
    assert (await api("GET", "/user/info", token=token))[0] == 200
    await server.advance(1)
    status, body, _ = await api("GET", "/user/info", token=token)
    assert (status, body["type"]) == (401, "jwt_verify_error")
    assert (await api.graphql("{ viewer { id } }", token=token))[0] == 401
    await server.advance(3599)
    status, fresh, _ = await api("GET", "/auth/tokenRefresh", token=token)
    assert status == 200
    assert fresh["expires"] == 3600
    assert (await api("GET", "/user/info", token=fresh["token"]))[0] == 200
    # An hour after expiry the token cannot be exchanged any more.
    await server.advance(7200)
    status, _, _ = await api("GET", "/auth/tokenRefresh", token=fresh["token"])
    assert status == 401


@pytest.mark.parametrize(
    "token", ["", "garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "x.!!.y"]
)
async def test_bad_tokens_are_401(api: Api, token: str) -> None:
    status, body, _ = await api(
        "GET", "/user/info", token=None, headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, body["type"]) == (401, "jwt_verify_error")


async def test_tampered_token_is_401(api: Api) -> None:
    header, payload, signature = (await api.login()).split(".")
    other = await api.login("empty@example.com")
    forged = f"{header}.{other.split('.')[1]}.{signature}"
    assert (await api("GET", "/user/info", token=forged))[0] == 401
    assert (await api("GET", "/user/info", token=f"{header}.{payload}.{signature}"))[0] == 200


async def test_device_token_lifecycle(api: Api) -> None:
    token = await api.login()
    status, device, _ = await api(
        "POST",
        "/user/registerDevice",
        token=token,
        json={"deviceName": "Home Assistant 1a2b3c4d", "deviceModel": "Home Assistant"},
    )
    assert status == 200
    assert device["deviceName"] == "Home Assistant 1a2b3c4d"
    assert device["deviceModel"] == "Home Assistant"
    device_token = device["deviceToken"]

    status, jwt, _ = await api(
        "POST", "/auth/login/deviceToken?expiresIn=3600", json={"deviceToken": device_token}
    )
    assert (status, jwt["expires"]) == (200, 3600)
    status, short, _ = await api(
        "POST", "/auth/login/deviceToken?expiresIn=600", json={"deviceToken": device_token}
    )
    assert (status, short["expires"]) == (200, 600)
    for bad in ("0", "7200", "soon"):
        status, body, _ = await api(
            "POST", f"/auth/login/deviceToken?expiresIn={bad}", json={"deviceToken": device_token}
        )
        assert (status, body["type"]) == (400, "validation_error")

    await api("POST", "/user/registerDevice", token=jwt["token"], json={"deviceName": "Phone"})
    status, devices, _ = await api("GET", "/user/devices", token=jwt["token"])
    assert status == 200
    assert [d["deviceName"] for d in devices] == ["Home Assistant 1a2b3c4d", "Phone"]
    assert "deviceToken" not in devices[0]
    assert device_token not in str(devices)

    status, body, _ = await api(
        "POST",
        "/user/deleteDevice",
        token=jwt["token"],
        json={"deviceExternalId": devices[0]["deviceExternalId"]},
    )
    assert (status, body) == (200, {})
    status, body, _ = await api(
        "POST", "/auth/login/deviceToken", json={"deviceToken": device_token}
    )
    assert (status, body["type"]) == (401, "device_token_invalid")
    status, devices, _ = await api("GET", "/user/devices", token=jwt["token"])
    assert [d["deviceName"] for d in devices] == ["Phone"]
    status, body, _ = await api(
        "POST", "/user/deleteDevice", token=jwt["token"], json={"deviceExternalId": "nope"}
    )
    assert (status, body["type"]) == (404, "device_not_found")


async def test_device_names_default_and_other_namespaces(api: Api) -> None:
    token = await api.login()
    status, device, _ = await api("POST", "/user/registerDevice", token=token)
    assert (status, device["deviceName"], device["deviceModel"]) == (
        200,
        "Unnamed device",
        "Unknown",
    )
    # Another app of the same organization logs in with the same device token.
    status, _, _ = await api(
        "POST",
        "/auth/login/deviceToken",
        namespace="semler:minskoda",
        json={"deviceToken": device["deviceToken"]},
    )
    assert status == 200
    # Not in another organization.
    status, _, _ = await api(
        "POST",
        "/au1/auth/login/deviceToken",
        namespace="vwaustralia:app",
        json={"deviceToken": device["deviceToken"]},
    )
    assert status == 401


async def test_logout_and_admin_expire_and_revoke(api: Api) -> None:
    token = await api.login()
    status, body, _ = await api("GET", "/auth/logoutToken", token=token)
    assert (status, body) == (200, {"status": "ok"})
    assert (await api("GET", "/user/info", token=token))[0] == 401
    assert (await api("GET", "/auth/tokenRefresh", token=token))[0] == 401

    token = await api.login()
    status, device, _ = await api("POST", "/user/registerDevice", token=token)
    other = await api.login("empty@example.com")
    _, other_device, _ = await api("POST", "/user/registerDevice", token=other)
    status, body = await api.admin("POST", "/tokens/expire", json={})
    assert status == 200
    assert body["tokens"] >= 1
    assert (await api("GET", "/user/info", token=token))[0] == 401
    status, fresh, _ = await api("GET", "/auth/tokenRefresh", token=token)
    assert status == 200

    status, body = await api.admin("POST", "/tokens/revoke", json={"userId": 1001})
    assert status == 200
    assert (await api("GET", "/user/info", token=fresh["token"]))[0] == 401
    assert (await api("GET", "/auth/tokenRefresh", token=fresh["token"]))[0] == 401
    status, _, _ = await api(
        "POST", "/auth/login/deviceToken", json={"deviceToken": device["deviceToken"]}
    )
    assert status == 401
    # Another user's device token still works.
    status, _, _ = await api(
        "POST", "/auth/login/deviceToken", json={"deviceToken": other_device["deviceToken"]}
    )
    assert status == 200
    assert (await api.admin("POST", "/tokens/expire", json={"userId": "me"}))[0] == 400


async def test_missing_bearer_is_401(api: Api) -> None:
    for method, path in (
        ("GET", "/user/info"),
        ("GET", "/user/devices"),
        ("GET", "/auth/tokenRefresh"),
    ):
        status, body, _ = await api(method, path)
        assert (status, body["type"]) == (401, "jwt_verify_error")
