"""Helpers for the sandbox tests: an API client, a webhook receiver record, seeding."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from sandbox.enode.server import SandboxServer


@dataclass
class Reply:
    """An HTTP answer with its raw body."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Api:
    """A minimal Enode API client for the tests (it fetches its own token)."""

    def __init__(self, session: aiohttp.ClientSession, server: SandboxServer) -> None:
        self.session = session
        self.server = server
        self.token: str | None = None

    async def fetch_token(self) -> str:
        reply = await self.raw(
            "POST",
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={
                "Authorization": aiohttp.encode_basic_auth(
                    self.server.client_id, self.server.client_secret
                )
            },
        )
        assert reply.status == 200, reply.text
        token: str = reply.json["access_token"]
        self.token = token
        return token

    async def raw(self, method: str, path: str, **kwargs: Any) -> Reply:
        async with self.session.request(
            method, self.server.url + path, allow_redirects=False, **kwargs
        ) as response:
            return Reply(response.status, response.headers, await response.read())

    async def call(
        self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None
    ) -> Reply:
        """Call the API with a bearer token, fetching a new one once if it expired."""
        if self.token is None:
            await self.fetch_token()
        reply = await self._call(method, path, body, headers)
        if reply.status == 401 and b"expired" in reply.body:
            await self.fetch_token()
            reply = await self._call(method, path, body, headers)
        return reply

    async def _call(
        self, method: str, path: str, body: Any, headers: dict[str, str] | None
    ) -> Reply:
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        kwargs: dict[str, Any] = {"headers": all_headers}
        if body is not None:
            kwargs["json"] = body
        return await self.raw(method, path, **kwargs)

    async def get(self, path: str) -> Reply:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> Reply:
        return await self.call("POST", path, body)

    async def put(self, path: str, body: Any = None) -> Reply:
        return await self.call("PUT", path, body)

    async def patch(self, path: str, body: Any = None) -> Reply:
        return await self.call("PATCH", path, body)

    async def delete(self, path: str) -> Reply:
        return await self.call("DELETE", path)

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        reply = await self.raw(method, "/_sandbox" + path, **kwargs)
        assert reply.status < 300, reply.text
        return reply.json if reply.body else None


@dataclass
class Receiver:
    """A loopback webhook endpoint that records deliveries."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    deliveries: list[tuple[CIMultiDictProxy[str], bytes]] = field(default_factory=list)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for _, body in self.deliveries for event in json.loads(body)]

    def names(self) -> list[str]:
        return [event["event"] for event in self.events]


async def seed(
    api: Api, user: str = "user-1", vehicles: int = 1, chargers: int = 0, **extra: Any
) -> dict[str, Any]:
    """Link simulated devices to a user through the admin API."""
    result: dict[str, Any] = await api.admin(
        "POST", f"/users/{user}/seed", {"vehicles": vehicles, "chargers": chargers, **extra}
    )
    return result
