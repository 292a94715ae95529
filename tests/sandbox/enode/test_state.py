"""The state file: a restarted sandbox shows the same account; a bad file means a fresh start."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.enode import __main__ as cli
from sandbox.enode.server import SandboxServer
from sandbox.enode.state import StateFile, write_atomically
from sandbox.enode.webhooks import sign
from tests.sandbox.enode.helpers import Api, Receiver, seed

SECRET = "0123456789abcdef-secret"


class _Banner(io.StringIO):
    """Standard output of the CLI that tells when the banner was printed."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = asyncio.Event()

    def write(self, text: str) -> int:
        self.printed.set()
        return super().write(text)


def _server(path: Path) -> SandboxServer:
    return SandboxServer(
        time_scale=0, action_delay=5, background=False, heartbeat_interval=0, state_path=path
    )


async def test_restart_keeps_devices_state_webhooks_and_tokens(
    session: aiohttp.ClientSession, receiver: Receiver, tmp_path: Path
) -> None:
    path = tmp_path / "demo" / "sandbox-state.json"
    async with _server(path) as first:
        assert first.restored is False
        api = Api(session, first)
        ids = await seed(api, "u", vehicles=1, chargers=1, vehicleVendor="TESLA")
        vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
        await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 42})
        await api.admin(
            "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
        )
        home = await api.post(
            "/users/u/locations", {"name": "Home", "latitude": 59.9, "longitude": 10.7}
        )
        hook = await api.post("/webhooks", {"url": receiver.url, "secret": SECRET})
        assert hook.status == 200
        await first.advance(600)
        before = (await api.get(f"/vehicles/{vehicle_id}")).json
        token = api.token
        energy = dict(first.world.energy[vehicle_id].kwh)
    assert energy
    assert path.exists()

    async with _server(path) as second:
        assert second.restored is True
        api = Api(session, second)
        api.token = token  # issued before the restart: still accepted
        after = (await api.get(f"/vehicles/{vehicle_id}")).json
        assert after["id"] == vehicle_id
        assert after["chargeState"]["batteryLevel"] == before["chargeState"]["batteryLevel"]
        assert after["chargeState"]["isCharging"] is True
        assert dict(second.world.energy[vehicle_id].kwh) == energy
        assert after["chargeState"]["pluggedInChargerId"] == charger_id
        assert after["information"] == before["information"]
        assert after["lastSeen"] >= before["lastSeen"]
        users = await api.get("/users/u/vehicles")
        assert [v["id"] for v in users.json["data"]] == [vehicle_id]
        location = await api.get(f"/locations/{home.json['id']}")
        assert location.json["name"] == "Home"
        hooks = await api.get("/webhooks")
        assert [h["id"] for h in hooks.json["data"]] == [hook.json["id"]]
        # New objects do not reuse the ids drawn before the restart.
        more = await seed(api, "u", vehicles=1)
        assert more["vehicleIds"][0] != vehicle_id
        tested = await api.post(f"/webhooks/{hook.json['id']}/test")
        assert tested.json["status"] == "SUCCESS"
        headers, body = receiver.deliveries[-1]
        assert headers["x-enode-signature"] == sign(SECRET, body)  # the secret survived


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b'{"version": 99}',
        b'{"version": 1, "users": [{"id": "u", "extra": 1}]}',
        b'{"version": 1, "users": [7]}',
        b'{"version": 1, "users": [], "vehicles": [{"smart_policy": 3}]}',
        b'{"version": 1, "users": "nope"}',
        b'{"version": 1, "users": []}',
        b'{"version": 1, "users": [{"id": "u"}]}',
        b'{"version": 1, "users": [], "vehicles": [7]}',
    ],
)
async def test_corrupt_file_starts_fresh(
    session: aiohttp.ClientSession,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
) -> None:
    path = tmp_path / "sandbox-state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="sandbox.enode.state"):
        server = _server(path)
    assert server.restored is False
    assert "starting with a fresh state" in caplog.text
    assert path.with_name("sandbox-state.json.corrupt").read_bytes() == content
    async with server:
        api = Api(session, server)
        assert (await api.get("/vehicles")).json["data"] == []
        await seed(api, "u", vehicles=1)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert len(saved["vehicles"]) == 1


async def test_unreadable_file_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state"
    path.mkdir()  # a directory cannot be read as a file
    with caplog.at_level(logging.WARNING, logger="sandbox.enode.state"):
        server = _server(path)
    assert server.restored is False
    assert "cannot be read" in caplog.text
    assert path.with_name("state.corrupt").is_dir()


async def test_unusable_place_is_logged_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    path = blocker / "sandbox-state.json"
    with caplog.at_level(logging.WARNING, logger="sandbox.enode.state"):
        server = _server(path)
        assert server.restored is False
        assert "Ignoring the sandbox state file" in caplog.text
        assert "moved it" not in caplog.text
        async with server:
            pass  # the save at shutdown fails: logged, not raised
    assert "Could not save the sandbox state" in caplog.text
    assert blocker.read_text() == "x"


async def test_saves_only_changes_and_newest_wins(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.json"
    server = _server(path)
    state = server.sandbox.state_file
    assert state is not None
    assert state.due()
    await state.save()
    path.write_text("changed by hand")
    await state.save()  # nothing changed in the sandbox: no write
    assert path.read_text() == "changed by hand"
    assert not state.due()
    server.world.seed_user("u", vehicles=1)
    await server.sandbox.autosave()  # too soon after the last save
    assert path.read_text() == "changed by hand"
    await state.save()
    newest = path.read_text()
    assert len(json.loads(newest)["vehicles"]) == 1
    await asyncio.to_thread(state._write, 1, "an older snapshot that finished late")
    assert path.read_text() == newest
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


async def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(IsADirectoryError):
        write_atomically(target, "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


async def test_autosave_when_due(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sandbox-state.json"
    server = _server(path)
    monkeypatch.setattr("sandbox.enode.state.SAVE_INTERVAL", 0.0)
    await server.sandbox.autosave()
    assert json.loads(path.read_text())["version"] == 1
    await SandboxServer(background=False).sandbox.autosave()  # no state file: nothing to do


async def test_cli_state_option_restores_instead_of_seeding(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    path = tmp_path / "sandbox-state.json"
    argv = ["--port", "0", "--user-id", "demo", "--vehicles", "2", "--state", str(path)]

    async def run_once() -> tuple[str, list[Any]]:
        stop = asyncio.Event()
        out = _Banner()
        args = cli.build_parser().parse_args(argv)
        task = asyncio.create_task(cli.serve(args, stop=stop, out=out))
        await asyncio.wait_for(out.printed.wait(), 10)  # printed once the server listens
        url = out.getvalue().split("listening on ")[1].split()[0]
        async with session.get(f"{url}/_sandbox/state") as reply:
            body = await reply.json()
        stop.set()
        await task
        return out.getvalue(), body["vehicles"]

    banner, vehicles = await run_once()
    assert f"saved to {path}" in banner
    again, restored = await run_once()
    assert f"restored from {path}" in again
    assert [v["id"] for v in restored] == [v["id"] for v in vehicles]
    assert len(restored) == 2


def test_cli_options() -> None:
    args = cli.build_parser().parse_args(["--state", "s.json", "--connections-limit", "5"])
    assert args.state == Path("s.json")
    assert args.connections_limit == 5
    assert cli.build_parser().parse_args([]).state is None


def test_state_file_path(tmp_path: Path) -> None:
    server = _server(tmp_path / "x.json")
    assert isinstance(server.sandbox.state_file, StateFile)
    assert server.sandbox.state_file.path == tmp_path / "x.json"
