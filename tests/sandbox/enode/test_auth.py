"""Token endpoint, bearer authentication and the problem+json error format."""

from __future__ import annotations

import aiohttp

from sandbox.enode.server import SandboxServer
from tests.sandbox.enode.helpers import Api
from tests.sandbox.enode.schema import check_component

PROBLEM_TYPE = "application/problem+json; charset=utf-8"


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


async def test_token_success(api: Api) -> None:
    reply = await api.raw(
        "POST",
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers=_basic("sandbox-client-id", "sandbox-client-secret"),
    )
    assert reply.status == 200
    body = reply.json
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert body["expires_in"] == 3599
    assert body["scope"] == ""
    assert body["token_type"] == "bearer"
    assert reply.headers["Cache-Control"] == "no-store"


async def test_tokens_are_random(api: Api) -> None:
    assert await api.fetch_token() != await api.fetch_token()


async def test_token_with_credentials_in_form(api: Api) -> None:
    reply = await api.raw(
        "POST",
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
        },
    )
    assert reply.status == 200


async def test_token_wrong_secret(api: Api) -> None:
    reply = await api.raw(
        "POST",
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers=_basic("sandbox-client-id", "nope"),
    )
    assert reply.status == 401
    assert reply.json["error"] == "invalid_client"
    assert reply.json["error_description"]
    assert reply.headers["WWW-Authenticate"].startswith("Basic")


async def test_token_without_credentials(api: Api) -> None:
    reply = await api.raw("POST", "/oauth2/token", data={"grant_type": "client_credentials"})
    assert reply.status == 401
    assert reply.json["error"] == "invalid_client"


async def test_token_bad_basic_header(api: Api) -> None:
    for header in ("Basic !!!notbase64", "Bearer abc", "Basic " + "bm9jb2xvbg=="):
        reply = await api.raw(
            "POST",
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": header},
        )
        assert reply.status == 401, header


async def test_token_wrong_grant_type(api: Api) -> None:
    reply = await api.raw(
        "POST",
        "/oauth2/token",
        data={"grant_type": "password"},
        headers=_basic("sandbox-client-id", "sandbox-client-secret"),
    )
    assert reply.status == 400
    assert reply.json["error"] == "unsupported_grant_type"


async def test_token_missing_grant_type(api: Api) -> None:
    reply = await api.raw(
        "POST", "/oauth2/token", headers=_basic("sandbox-client-id", "sandbox-client-secret")
    )
    assert reply.status == 400
    assert reply.json["error"] == "invalid_request"


async def test_api_requires_bearer(api: Api) -> None:
    reply = await api.raw("GET", "/vehicles")
    assert reply.status == 401
    assert reply.headers["Content-Type"] == PROBLEM_TYPE
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    check_component(reply.json, "Problem")
    assert reply.json["type"] == "https://developers.enode.com/api/problems/unauthorized"


async def test_api_rejects_unknown_token(api: Api) -> None:
    reply = await api.raw("GET", "/vehicles", headers={"Authorization": "Bearer made-up"})
    assert reply.status == 401
    assert "invalid" in reply.json["detail"]


async def test_token_expires_in_simulated_time(api: Api, server: SandboxServer) -> None:
    token = await api.fetch_token()
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.raw("GET", "/vehicles", headers=headers)).status == 200
    await server.advance(3598)
    assert (await api.raw("GET", "/vehicles", headers=headers)).status == 200
    await server.advance(2)
    expired = await api.raw("GET", "/vehicles", headers=headers)
    assert expired.status == 401
    assert "expired" in expired.json["detail"]
    assert (await api.get("/vehicles")).status == 200  # the helper fetched a new token


async def test_health_ready_needs_no_token(api: Api) -> None:
    reply = await api.raw("GET", "/health/ready")
    assert reply.status == 204


async def test_unknown_route_is_problem(api: Api) -> None:
    reply = await api.get("/nothing/here")
    assert reply.status == 404
    assert reply.headers["Content-Type"] == PROBLEM_TYPE
    check_component(reply.json, "Problem")


async def test_unknown_route_without_token_is_401(api: Api) -> None:
    assert (await api.raw("GET", "/nothing/here")).status == 401


async def test_wrong_method_is_problem(api: Api) -> None:
    reply = await api.call("PATCH", "/vehicles")
    assert reply.status == 405
    assert "GET" in reply.headers["Allow"]
    check_component(reply.json, "Problem")


async def test_invalid_json_body(api: Api) -> None:
    reply = await api.call(
        "POST",
        "/users/u/link",
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400
    await api.fetch_token()
    async with api.session.post(
        api.server.url + "/users/u/link",
        data=b"{not json",
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
        body = await response.json(content_type=None)
        assert "not valid JSON" in body["detail"]


async def test_body_must_be_object(api: Api) -> None:
    reply = await api.post("/users/u/link", [1, 2])
    assert reply.status == 400
    assert reply.json["issues"][0]["code"] == "invalid_type"
