"""Fixtures for the Connected Cars sandbox tests: a running sandbox and raw HTTP helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.world import DEMO_EMAIL, DEMO_PASSWORD

NAMESPACE = "semler:minvolkswagen"
VIEWER = """query Viewer { viewer { id email vehicles { primary vehicle {
  id vin licensePlate name brand fuelType
  chargePercentage { pct time } rangeTotalKm { km time } isCharging
  chargingStatus { startChargePercentage startTime endedAt chargedPercentage averageChargeSpeed
    chargeInKwhIncrease rangeIncrease timeUntil80PercentCharge showSummaryForChargeEnded }
  highVoltageBatteryUsableCapacityKwh { kwh } highVoltageBatteryTemperature { celsius }
  carBatteryCharge { kwh time } position { latitude longitude speed direction time }
  odometer { odometer time } ignition { on time } fuelLevel { liter } fuelPercentage { percent }
  latestBatteryVoltage { voltage time } health { ok }
  lampStates { type enabled time lampDetails { title } }
} } } }"""


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Allow the real loopback sockets these tests open."""


@pytest.fixture
async def server() -> AsyncIterator[ConnectedCarsSandboxServer]:
    """Run a sandbox with the demo fleet whose clock only moves when a test advances it."""
    async with ConnectedCarsSandboxServer(time_scale=0) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


class Api:
    """Raw requests to the sandbox: JSON in, ``(status, body, headers)`` out."""

    def __init__(self, session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer) -> None:
        self.session = session
        self.server = server

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        namespace: str | None = NAMESPACE,
        token: str | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        headers: dict[str, str] = dict(kwargs.pop("headers", {}))
        if namespace is not None:
            headers["X-Organization-Namespace"] = namespace
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method,
            URL(self.server.url + path, encoded=True),
            headers=headers,
            allow_redirects=False,
            **kwargs,
        ) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None) if text else None
            except ValueError:
                body = text
            return response.status, body, dict(response.headers)

    async def login(
        self,
        email: str = DEMO_EMAIL,
        password: str = DEMO_PASSWORD,
        *,
        namespace: str = NAMESPACE,
        prefix: str = "",
    ) -> str:
        """Log in with e-mail and password; return the JWT."""
        status, body, _ = await self(
            "POST",
            prefix + "/auth/login/email/password",
            namespace=namespace,
            json={"email": email, "password": password},
        )
        assert status == 200, body
        return str(body["token"])

    async def graphql(
        self, query: str, *, token: str | None = None, prefix: str = "", **kwargs: Any
    ) -> tuple[int, Any]:
        """POST a GraphQL query; return status and body."""
        status, body, _ = await self(
            "POST", prefix + "/graphql", token=token, json={"query": query, **kwargs}
        )
        return status, body

    async def vehicles(self, token: str | None = None) -> dict[str, dict[str, Any]]:
        """Return the viewer's vehicles by id (with a fresh login unless given a token)."""
        status, body = await self.graphql(VIEWER, token=token or await self.login())
        assert status == 200, body
        assert "errors" not in body, body
        return {v["vehicle"]["id"]: v["vehicle"] for v in body["data"]["viewer"]["vehicles"]}

    async def admin(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, body, _ = await self(method, "/_sandbox" + path, namespace=None, **kwargs)
        return status, body


@pytest.fixture
def api(session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer) -> Api:
    return Api(session, server)
