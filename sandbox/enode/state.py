"""The sandbox's state on disk, so that a restarted demo finds the same account and devices.

Without it every restart is a new, empty Enode: the integration then finds none of its devices
and removes them. With ``python -m sandbox.enode --state PATH`` the world (users, devices with their
simulated state, locations, actions, link sessions, webhooks with their secrets, energy) and
the issued access tokens are written to one JSON file and read back at the next start.

Writes are atomic (a temporary file renamed over the old one), happen in a worker thread, at
most every :data:`SAVE_INTERVAL` real seconds while something changed, and once more on
shutdown. A file that cannot be read or understood is moved aside and the sandbox starts
fresh: a demo must never fail to start because of its saved state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from sandbox.enode.energy import EnergyLedger
from sandbox.enode.oauth import TokenStore
from sandbox.enode.smart import SmartPlan
from sandbox.enode.world import (
    Action,
    Charger,
    LinkedVendor,
    LinkSession,
    Location,
    SmartOverride,
    SmartPolicy,
    User,
    Vehicle,
    Webhook,
    World,
)
from sandbox.refresh import RefreshSchedule

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 1
SAVE_INTERVAL = 2.0
"""Real seconds between two saves while the state keeps changing."""

type JSON = dict[str, Any]


class StateError(ValueError):
    """The state file cannot be used."""


def _build[T](cls: type[T], data: Any, **nested: Any) -> T:
    """Create a dataclass from its saved fields; ``nested`` replaces decoded sub-objects."""
    if not isinstance(data, dict):
        raise StateError(f"{cls.__name__} is not an object")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names
    if unknown:
        raise StateError(f"{cls.__name__} has unknown fields {sorted(unknown)}")
    return cls(**{**data, **nested})


def _vehicle(data: Any) -> Vehicle:
    if not isinstance(data, dict):
        raise StateError("vehicle is not an object")
    override = data.get("smart_override")
    location = data.get("inferred_location")
    return _build(
        Vehicle,
        data,
        smart_policy=_build(SmartPolicy, data.get("smart_policy", {})),
        smart_override=None if override is None else _build(SmartOverride, override),
        smart_plans=[_build(SmartPlan, plan) for plan in data.get("smart_plans", [])],
        inferred_location=None if location is None else tuple(location),
    )


def _user(data: Any) -> User:
    if not isinstance(data, dict):
        raise StateError("user is not an object")
    vendors = [_build(LinkedVendor, item) for item in data.get("vendors", [])]
    return _build(User, data, vendors={(item.vendor, item.vendor_type): item for item in vendors})


def _ledger(rows: Any) -> EnergyLedger:
    ledger = EnergyLedger()
    for location_id, quarter, kwh in rows:
        ledger.kwh[(location_id, int(quarter))] = float(kwh)
    return ledger


def snapshot(world: World, tokens: TokenStore) -> JSON:
    """Return everything a restarted sandbox needs, as JSON-compatible data."""
    version, internal, gauss = world.rng.getstate()
    return {
        "version": STATE_VERSION,
        "simTime": world.sim_time,
        "seq": world.seq,
        "rng": [version, list(internal), gauss],
        "vendorTurns": [[list(key), turn] for key, turn in world.vendor_turns.items()],
        "users": [
            {**asdict(user), "vendors": [asdict(v) for v in user.vendors.values()]}
            for user in world.users.values()
        ],
        "vehicles": [asdict(vehicle) for vehicle in world.vehicles.values()],
        "chargers": [asdict(charger) for charger in world.chargers.values()],
        "locations": [asdict(location) for location in world.locations.values()],
        "actions": [asdict(action) for action in world.actions.values()],
        "linkSessions": [asdict(session) for session in world.link_sessions.values()],
        "webhooks": [asdict(webhook) for webhook in world.webhooks.values()],
        "energy": {
            device_id: [[loc, quarter, kwh] for (loc, quarter), kwh in ledger.kwh.items()]
            for device_id, ledger in world.energy.items()
        },
        "tokens": tokens.export(),
        "carChanges": world.refreshes.waiting(),
    }


def restore(world: World, tokens: TokenStore, data: Any) -> None:
    """Replace the world's and the token store's contents with a snapshot.

    Everything is decoded before anything is replaced, so a bad snapshot changes nothing.
    Simulated time never goes back: the clock is moved forward to the saved time if needed.
    """
    try:
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise StateError("unsupported state version")
        users = {user.id: user for user in map(_user, data["users"])}
        vehicles = {vehicle.id: vehicle for vehicle in map(_vehicle, data["vehicles"])}
        chargers = {c.id: c for c in (_build(Charger, item) for item in data["chargers"])}
        locations = {loc.id: loc for loc in (_build(Location, item) for item in data["locations"])}
        actions = {a.id: a for a in (_build(Action, item) for item in data["actions"])}
        sessions = {
            s.token: s for s in (_build(LinkSession, item) for item in data["linkSessions"])
        }
        webhooks = {w.id: w for w in (_build(Webhook, item) for item in data["webhooks"])}
        energy = {str(device): _ledger(rows) for device, rows in data["energy"].items()}
        issued = {str(token): float(expiry) for token, expiry in data["tokens"].items()}
        version, internal, gauss = data["rng"]
        rng_state = (int(version), tuple(int(n) for n in internal), gauss)
        turns = {tuple(str(v) for v in key): int(turn) for key, turn in data["vendorTurns"]}
        sim_time = float(data["simTime"])
        car_changes = _car_changes(data.get("carChanges", {}))
        seq = int(data["seq"])
        world.rng.setstate(rng_state)
    except StateError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise StateError(f"malformed state ({type(err).__name__})") from err
    behind = sim_time - world.clock.now()
    if behind > 0:
        world.clock.advance(behind)
    world.sim_time = max(world.sim_time, sim_time)
    world.seq = seq
    world.vendor_turns = turns
    world.users, world.vehicles, world.chargers = users, vehicles, chargers
    world.locations, world.actions, world.link_sessions = locations, actions, sessions
    world.webhooks, world.energy = webhooks, energy
    world.refreshes = RefreshSchedule(world.refreshes.cadence, world.seed)
    for device_id, changes in car_changes.items():
        world.refreshes.defer(device_id, changes)
    world.schedule_refreshes()
    tokens.load(issued)


def _car_changes(data: Any) -> dict[str, dict[str, float]]:
    """Decode the car-side changes still waiting for a refresh (absent in older files)."""
    if not isinstance(data, dict):
        raise StateError("carChanges is not an object")
    return {
        str(device_id): {str(name): float(value) for name, value in changes.items()}
        for device_id, changes in data.items()
    }


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path`` and rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise


class StateFile:
    """Loads the sandbox state at start and saves it after changes and at shutdown."""

    def __init__(self, path: Path, world: World, tokens: TokenStore) -> None:
        self.path = path
        self._world = world
        self._tokens = tokens
        self._saved_text: str | None = None
        self._saved_at = 0.0
        self._generation = 0
        self._written_generation = 0
        self._write_lock = threading.Lock()

    def load(self) -> bool:
        """Restore the saved state; False (fresh start, logged) when absent or unusable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False
        except (OSError, UnicodeDecodeError) as err:
            self._start_fresh(f"it cannot be read ({type(err).__name__})")
            return False
        try:
            restore(self._world, self._tokens, json.loads(text))
        except ValueError as err:  # JSONDecodeError and StateError alike
            self._start_fresh(f"it is not a valid sandbox state ({err})")
            return False
        self._saved_text = text
        return True

    def _start_fresh(self, reason: str) -> None:
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            self.path.replace(aside)
        except OSError:
            _LOGGER.warning(
                "Ignoring the sandbox state file %s: %s; starting with a fresh state",
                self.path,
                reason,
            )
            return
        _LOGGER.warning(
            "Ignoring the sandbox state file %s: %s; moved it to %s and starting with a "
            "fresh state",
            self.path,
            reason,
            aside,
        )

    def due(self) -> bool:
        """Return True when the periodic save may run again."""
        return time.monotonic() - self._saved_at >= SAVE_INTERVAL

    async def save(self) -> None:
        """Write the state in a worker thread if it changed since the last write.

        A newer snapshot always wins: an older write that finishes late is skipped.
        """
        self._world.now()
        text = json.dumps(snapshot(self._world, self._tokens), separators=(",", ":"))
        self._saved_at = time.monotonic()
        if text == self._saved_text:
            return
        self._generation += 1
        try:
            await asyncio.to_thread(self._write, self._generation, text)
        except OSError as err:
            _LOGGER.warning("Could not save the sandbox state to %s: %s", self.path, err)
            return
        self._saved_text = text

    def _write(self, generation: int, text: str) -> None:
        with self._write_lock:
            if generation <= self._written_generation:
                return
            write_atomically(self.path, text)
            self._written_generation = generation
