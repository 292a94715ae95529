"""Hourly charging energy (and cost) per device, imported as long-term statistics.

Each vehicle and charger whose provider keeps charging statistics gets an external statistic
``connected_ev:<entry>_<device>_charged_energy`` (kWh, a sum), and where the provider reports
cost in a known currency ``…_charging_cost`` (in that currency, never converted). The Energy
dashboard takes them as a device's consumption or an individual device, hour by hour: energy
charged while Home Assistant was down lands in the hour it was charged, not at the next read.

- Never counted twice: the recorder is the memory. Each import starts at the statistic's last
  imported hour, which may have been partial, and imports it again with the same start (the
  recorder overwrites it); sums continue from that hour's own starting sum. A provider that
  answers fewer hours than before leaves the hours it no longer lists as they were.
- While running: one request per device, only after charging happened (the energy schedule
  of ``energy``: hourly while it charges — from an hour in when its last import is current —
  once more when it stopped and the provider's statistics settled). Idle devices cost
  nothing; in manual mode nothing is sent.
- Catch-up after a start (``FIRST_IMPORT_DELAY`` after setup, on a timer): first one request
  per device kind for every device of the kind added up, from the earliest last imported
  hour. No more energy in it than the statistics hold already (the recorder tells, no
  request): nothing more, 2 requests whatever the number of devices. Otherwise the devices
  that can have charged (charging or plugged in now, or a vehicle whose last session ended in
  the gap) are read, and the others only if what those add falls short of the total. A
  failed catch-up is retried with backoff, ``CATCH_UP_TRIES`` times at most: nothing is lost
  then, as each device's next import (when it charges) starts at its last imported hour.
- Backfill: a device without a statistic gets the last ``BACKFILL`` (30 days) once, one
  request each, paced in the background: at most half the budget's share for reads on their
  own timers (``budget.background_share``), so a charging device's reads keep their room. It
  is skipped for a kind whose total shows no energy in those days. A device that charges
  first is backfilled by its own import.
- Counted as background in the request budget (``RequestBudget.background``), refused there
  beyond its share. Unloading the entry cancels the timers and any import under way. Without
  the recorder (not loaded) nothing is imported.
"""

from __future__ import annotations

import math
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    statistic_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util import slugify
from homeassistant.util.unit_conversion import EnergyConverter

from .api.errors import ProviderError, RateLimitedError
from .api.models import Charger, ChargingStatisticsEntry, DeviceKind, Vehicle
from .api.provider import as_statistics
from .const import DOMAIN, LOGGER
from .devices import device_name
from .energy import ENERGY_RETRY_FIRST, EnergySchedule, async_read_due, has_lifetime_energy
from .issues import create_warning_issue

if TYPE_CHECKING:
    from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator

BACKFILL: Final = timedelta(days=30)
IMPORT_INTERVAL: Final = timedelta(hours=1)
"""Hourly while a device charges: the statistics are hourly."""
SETTLE_DELAY: Final = timedelta(minutes=15)
"""After charging stopped: the provider's statistics lag behind the charge state."""
FIRST_IMPORT_DELAY: Final = timedelta(minutes=1)
"""After setup: never part of it, and after the first poll's requests."""
CATCH_UP_TRIES: Final = 5
"""Failed catch-ups after which it is left to each device's next import (at its charge)."""
BACKFILL_TRIES: Final = 3
"""Failed backfills of a device after which it waits for its next charge (its own import)."""
MATCH_KWH: Final = 0.01
"""How close the devices read must come to their kind's total to account for it."""
ENERGY: Final = "charged_energy"
COST: Final = "charging_cost"
RECORDER: Final = "recorder"


def statistic_id(entry_id: str, device_id: str, what: str) -> str:
    """Return the external statistic id of a device's ``what`` (ids scoped by the entry)."""
    return f"{DOMAIN}:{slugify(f'{entry_id}_{device_id}_{what}')}"


def currency_issue_id(entry_id: str) -> str:
    """Return the id of the repair issue that says the cost is in another currency."""
    return f"cost_currency_{entry_id}"


@dataclass(frozen=True, slots=True)
class Imported:
    """Where a statistic stands: its last hour, and the sum before that hour."""

    start: datetime
    sum_before: float


def rows_to_import(
    entries: Sequence[ChargingStatisticsEntry],
    imported: Imported | None,
    *,
    cost: bool,
    now: datetime,
) -> list[StatisticData]:
    """Return the rows from the statistic's last hour on, summed from the sum before it.

    Hours after the one under way are never imported, nor buckets that do not start on a
    whole hour (the recorder refuses them); a bucket without a cost has no cost row.
    """
    hour = now.replace(minute=0, second=0, microsecond=0)
    total = 0.0 if imported is None else imported.sum_before
    rows: list[StatisticData] = []
    for entry in sorted(entries, key=lambda item: item.start):
        if (
            entry.start > hour
            or entry.start != entry.start.replace(minute=0, second=0, microsecond=0)
            or (imported is not None and entry.start < imported.start)
        ):
            continue
        value = entry.cost if cost else entry.energy_kwh
        if value is None:
            continue
        total += value
        rows.append(StatisticData(start=entry.start, state=value, sum=total))
    return rows


def could_have_charged(device: Vehicle | Charger, since: datetime) -> bool:
    """Whether the device can have charged since ``since``, as far as its data tells."""
    state = device.charge_state
    if state.is_charging or state.is_plugged_in:
        return True
    session = device.charging_session if isinstance(device, Vehicle) else None
    return session is not None and session.ended_at is not None and session.ended_at >= since


def _energy(entries: Sequence[ChargingStatisticsEntry], since: datetime | None = None) -> float:
    return math.fsum(entry.energy_kwh for entry in entries if since is None or entry.start >= since)


class StatisticsImporter:
    """Imports the entry's devices' hourly charging statistics when the schedule says so."""

    def __init__(self, hass: HomeAssistant, coordinator: ConnectedEVCoordinator) -> None:
        self._hass = hass
        self._coordinator = coordinator
        self._entry: ConnectedEVConfigEntry = coordinator.config_entry
        self._schedule = EnergySchedule(read_interval=IMPORT_INTERVAL, settle_delay=SETTLE_DELAY)
        self._timer: CALLBACK_TYPE | None = None
        self._step: CALLBACK_TYPE | None = None
        """The catch-up's timer, then the backfill's."""
        self._caught_up = False
        self._catch_up_failures = 0
        self._seen: set[str] = set()
        self._backfill: dict[str, int] = {}
        """Devices owed a backfill, with their failed tries."""

    @callback
    def async_start(self) -> None:
        """Follow the devices' charge states from now on, until the entry unloads."""
        self._entry.async_on_unload(self._coordinator.async_add_listener(self._observe))
        self._entry.async_on_unload(self.cancel)
        self._seen = {device.id for device in self._devices()}
        self._set_step(dt_util.utcnow() + FIRST_IMPORT_DELAY)
        self._observe()

    def cancel(self) -> None:
        """Stop the timers (unload; an import under way is cancelled with the entry)."""
        for timer in (self._timer, self._step):
            if timer is not None:
                timer()
        self._timer = self._step = None

    def _devices(self, only: Iterable[str] | None = None) -> list[Vehicle | Charger]:
        """Return the devices with charging statistics (of ``only``, when given)."""
        data, provider = self._coordinator.data, self._coordinator.provider
        devices: list[Vehicle | Charger] = (
            [*data.vehicles.values(), *data.chargers.values()]
            if only is None
            else [d for i in only if (d := data.vehicles.get(i) or data.chargers.get(i))]
        )
        return [device for device in devices if has_lifetime_energy(provider, device)]

    @callback
    def _observe(self) -> None:
        """Note who charges; a device linked since start-up owes a backfill.

        An update for some devices (the same ones as before: ``updated_devices``) is looked
        at for those alone: work follows change.
        """
        updated = self._coordinator.updated_devices
        devices = self._devices(updated)
        charging = {device.id: bool(device.charge_state.is_charging) for device in devices}
        self._schedule.observe(charging, dt_util.utcnow(), complete=updated is None)
        if updated is None and (new := {device.id for device in devices} - self._seen):
            self._seen |= new
            self._backfill |= dict.fromkeys(sorted(new), 0)
            if self._caught_up and self._step is None:
                self._set_step(dt_util.utcnow() + self._backfill_pace())
        self._schedule_timer()

    @callback
    def _schedule_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        if (
            not self._caught_up  # the catch-up reads the devices that charge now
            or self._coordinator.manual_only
            or (when := self._schedule.next_due()) is None
        ):
            return
        self._timer = async_track_point_in_utc_time(self._hass, self._import_due, when)

    @callback
    def _import_due(self, _now: datetime) -> None:
        self._timer = None
        self._in_background(self.async_import_due(), "statistics")

    @callback
    def _in_background(self, job: Coroutine[Any, Any, None], what: str) -> None:
        """Run ``job`` as the entry's background task (cancelled when it unloads)."""
        self._entry.async_create_background_task(
            self._hass, job, name=f"{self._coordinator.name} {what}"
        )

    async def async_import_due(self) -> None:
        """Import the due devices (one request each); a rate limit ends the round."""
        currency = self._cost_currency()
        names = await self._names()

        async def import_one(device: Vehicle | Charger) -> None:
            await self._async_import(device, currency, names, dt_util.utcnow())
            self._backfill.pop(device.id, None)  # it read its whole gap, backfill included

        try:
            with self._coordinator.budget.background():
                await async_read_due(
                    self._schedule, self._devices(), "hourly statistics", import_one
                )
        finally:
            self._schedule_timer()

    def _backfill_pace(self) -> timedelta:
        """One backfill per this long: half the share of reads on their own timers."""
        return timedelta(days=1) / max(1, self._coordinator.budget.background_share // 2)

    @callback
    def _set_step(self, when: datetime) -> None:
        """Run the next catch-up or backfill step at ``when`` (none is pending now)."""
        if not self._coordinator.manual_only:
            self._step = async_track_point_in_utc_time(self._hass, self._run_step, when)

    @callback
    def _run_step(self, _now: datetime) -> None:
        self._step = None
        self._in_background(self._async_step(), "statistics catch-up")

    async def _async_step(self) -> None:
        """Catch up once after start-up, then backfill one device per pace."""
        now = dt_util.utcnow()
        wait = self._backfill_pace()
        try:
            with self._coordinator.budget.background():
                if not self._caught_up:
                    await self._async_catch_up(now)
                    self._caught_up = True
                    self._schedule_timer()
                elif self._backfill:  # a device's own import (it charged) may have emptied it
                    await self._async_backfill_one(now)
        except ProviderError as err:
            LOGGER.debug("Could not catch up hourly statistics: %s", type(err).__name__)
            if not self._caught_up:
                self._catch_up_failures += 1
                wait = min(ENERGY_RETRY_FIRST * 2 ** (self._catch_up_failures - 1), IMPORT_INTERVAL)
                if self._catch_up_failures >= CATCH_UP_TRIES:
                    # Nothing is lost: each device's next import starts at its last hour.
                    self._caught_up = True
                    self._schedule_timer()
            if isinstance(err, RateLimitedError):
                wait = max(wait, timedelta(seconds=err.retry_after or 0))
        if not self._caught_up or self._backfill:
            self._set_step(now + wait)

    async def _async_catch_up(self, now: datetime) -> None:
        """Read what was charged since the last imported hours, kind by kind (module doc)."""
        currency, names = self._cost_currency(), await self._names()
        statistics = as_statistics(self._coordinator.provider)
        backfill_from = now.replace(minute=0, second=0, microsecond=0) - BACKFILL
        devices = self._devices()
        last = {
            device.id: await self._async_last(statistic_id(self._entry.entry_id, device.id, ENERGY))
            for device in devices
        }
        for kind in DeviceKind:
            of_kind = [device for device in devices if device.kind is kind]
            known = [device for device in of_kind if last[device.id] is not None]
            fresh = {device.id for device in of_kind} - {device.id for device in known}
            if not of_kind:
                continue
            gap = min((item.start for d in known if (item := last[d.id])), default=now)
            start = min(gap, backfill_from) if fresh else gap
            total = await statistics.async_get_hourly_charging(kind, None, start)
            # What the statistics hold already (the last hours are read again, may be partial).
            imported = {device.id: await self._async_change(device, gap) for device in known}
            if fresh and _energy(total) > MATCH_KWH + math.fsum(
                [await self._async_change(device, start) for device in known]
            ):
                self._backfill |= dict.fromkeys(sorted(fresh - self._backfill.keys()), 0)
            new = _energy(total, gap) - math.fsum(imported.values())
            if new <= MATCH_KWH:
                continue  # nothing charged in the gap: no device is read
            # A new device among them: its import is its backfill too.
            likely = [device for device in of_kind if could_have_charged(device, gap)]
            found = 0.0
            for device in likely:
                entries = await self._async_import(device, currency, names, now, gap)
                self._schedule.note_read(device.id, now)
                self._backfill.pop(device.id, None)
                found += _energy(entries, gap) - imported.get(device.id, 0.0)
            if found + MATCH_KWH < new:
                for device in known:
                    if device not in likely:
                        await self._async_import(device, currency, names, now, gap)

    async def _async_change(self, device: Vehicle | Charger, since: datetime) -> float:
        """Return the energy the device's statistic holds from ``since`` on (the recorder)."""
        sid = statistic_id(self._entry.entry_id, device.id, ENERGY)
        result = await get_instance(self._hass).async_add_executor_job(
            statistic_during_period, self._hass, since, None, sid, {"change"}, None
        )
        return float(result.get("change") or 0.0)

    async def _async_backfill_one(self, now: datetime) -> None:
        """Backfill the next device owed one (it waits for its charge after a few failures)."""
        device_id = next(iter(self._backfill))
        tries = self._backfill.pop(device_id)
        device = next((item for item in self._devices() if item.id == device_id), None)
        if device is None:
            return
        try:
            await self._async_import(device, self._cost_currency(), await self._names(), now)
        except RateLimitedError:
            self._backfill = {device_id: tries} | self._backfill
            raise
        except ProviderError:
            if tries + 1 < BACKFILL_TRIES:
                self._backfill[device_id] = tries + 1
            raise

    async def _async_import(
        self,
        device: Vehicle | Charger,
        currency: str | None,
        names: dict[str, str],
        now: datetime,
        since: datetime | None = None,
    ) -> list[ChargingStatisticsEntry]:
        """Import the device's hours from its last imported one (or ``since``, if earlier)."""
        entry_id = self._entry.entry_id
        wanted = {ENERGY: statistic_id(entry_id, device.id, ENERGY)}
        if currency is not None:
            wanted[COST] = statistic_id(entry_id, device.id, COST)
        imported = {what: await self._async_last(sid) for what, sid in wanted.items()}
        backfill = now.replace(minute=0, second=0, microsecond=0) - BACKFILL
        start = min(item.start if item else backfill for item in imported.values())
        if since is not None:
            start = min(start, since)
        entries = await as_statistics(self._coordinator.provider).async_get_hourly_charging(
            device.kind, device.id, start
        )
        for what, sid in wanted.items():
            rows = rows_to_import(entries, imported[what], cost=what == COST, now=now)
            if not rows:
                continue
            async_add_external_statistics(
                self._hass,
                StatisticMetaData(
                    mean_type=StatisticMeanType.NONE,
                    has_sum=True,
                    name=f"{device_name(device)} {names[what]}",
                    source=DOMAIN,
                    statistic_id=sid,
                    unit_class=None if what == COST else EnergyConverter.UNIT_CLASS,
                    unit_of_measurement=currency if what == COST else UnitOfEnergy.KILO_WATT_HOUR,
                ),
                rows,
            )
        return entries

    async def _async_last(self, sid: str) -> Imported | None:
        """Read the statistic's last imported hour from the recorder (None: none yet)."""
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, sid, False, {"state", "sum"}
        )
        if not (rows := last.get(sid)):
            return None
        row = rows[0]
        return Imported(
            start=dt_util.utc_from_timestamp(row["start"]),
            sum_before=(row.get("sum") or 0.0) - (row.get("state") or 0.0),
        )

    async def _names(self) -> dict[str, str]:
        """Name the statistics in Home Assistant's language (after the device's name)."""
        language = self._hass.config.language
        strings = await async_get_translations(self._hass, language, "entity", {DOMAIN})
        prefix = f"component.{DOMAIN}.entity.sensor"
        return {what: strings.get(f"{prefix}.{what}.name", what) for what in (ENERGY, COST)}

    def _cost_currency(self) -> str | None:
        """Return the provider's cost currency here; say it when it is not Home Assistant's."""
        hass = self._hass
        currency = as_statistics(self._coordinator.provider).cost_currency(hass.config.country)
        issue_id = currency_issue_id(self._entry.entry_id)
        if currency is None or currency == hass.config.currency:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
        else:
            create_warning_issue(
                hass,
                issue_id,
                "cost_currency_mismatch",
                {
                    "title": self._entry.title,
                    "currency": currency,
                    "home_currency": hass.config.currency,
                },
            )
        return currency


@callback
def async_start_statistics_import(hass: HomeAssistant, coordinator: ConnectedEVCoordinator) -> None:
    """Import hourly charging statistics in the background, if the recorder runs."""
    if RECORDER not in hass.config.components:
        return
    StatisticsImporter(hass, coordinator).async_start()
