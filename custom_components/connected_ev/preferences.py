"""Charging preferences of one account: validation, and weekday ready times for any provider.

Actions and entities change preferences only through ``PreferencesManager``, so both check
input the same way before anything is sent. A provider that honours one daily deadline but
not a weekly schedule (``PreferenceField.WEEKDAY_READY_TIMES`` not native) gets
the schedule from here: it is stored per entry and vehicle, and each day's deadline is sent
at local midnight of the vehicle's charging location, on set, and on startup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from functools import partial
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.event import async_call_later, async_track_point_in_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api.errors import ProviderError
from .api.models import (
    Capability,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    PreferenceField,
    SocUnit,
    Vehicle,
    Weekday,
)
from .api.provider import (
    Provider,
    ProviderFeature,
    SmartChargingPreferences,
    as_preferences,
    as_status_reader,
)
from .const import DOMAIN, LOGGER
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator

STORAGE_VERSION: Final = 1
RETRY_DELAY: Final = timedelta(minutes=15)
"""After a failed scheduled deadline change, try again this much later."""


def storage_key(entry_id: str) -> str:
    """Where an entry's weekday schedules are stored (``.storage/``)."""
    return f"{DOMAIN}.{entry_id}.weekday_ready_times"


def format_time(value: time) -> str:
    """HH:MM, the one time format of actions and providers."""
    return value.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class WeekdaySchedule:
    """A vehicle's weekly ready times; a missing day falls back to ``ready_time``."""

    ready_time: time | None
    weekday_ready_times: dict[Weekday, time]

    def ready_time_on(self, day: Weekday) -> time | None:
        """Return the deadline of one day."""
        return self.weekday_ready_times.get(day, self.ready_time)

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return {
            "ready_time": format_time(self.ready_time) if self.ready_time else None,
            "weekday_ready_times": {
                day.value: format_time(value) for day, value in self.weekday_ready_times.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeekdaySchedule:
        """Read the stored form."""
        ready = data.get("ready_time")
        return cls(
            ready_time=time.fromisoformat(ready) if ready else None,
            weekday_ready_times={
                Weekday(day): time.fromisoformat(value)
                for day, value in data.get("weekday_ready_times", {}).items()
            },
        )


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class PreferencesManager:
    """Reads, validates and changes the charging preferences of an entry's vehicles."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConnectedEVConfigEntry,
        coordinator: ConnectedEVCoordinator,
        provider: Provider,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.provider = provider
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )
        self._schedules: dict[str, WeekdaySchedule] = {}
        self._timers: dict[str, CALLBACK_TYPE] = {}

    # --- what is supported -------------------------------------------------------------

    @property
    def native_fields(self) -> frozenset[PreferenceField]:
        """Fields the provider honours itself (none without the preferences part)."""
        provider = self.provider
        if isinstance(provider, SmartChargingPreferences):
            return provider.supported_preference_fields
        return frozenset()

    @property
    def schedules_weekdays(self) -> bool:
        """Whether weekday ready times are kept here (the provider has one deadline only)."""
        native = self.native_fields
        return PreferenceField.WEEKDAY_READY_TIMES not in native and (
            PreferenceField.READY_TIME in native
        )

    @property
    def supported_fields(self) -> frozenset[PreferenceField]:
        """Fields the actions and entities can change: native ones plus the schedule."""
        fields = self.native_fields
        if self.schedules_weekdays:
            fields |= {PreferenceField.WEEKDAY_READY_TIMES}
        return fields

    def supports(self, vehicle: Vehicle, field: PreferenceField) -> bool:
        """Whether a vehicle offers a preference (gates entities)."""
        return vehicle.can(Capability.SMART_CHARGING) and field in self.supported_fields

    # --- reading ---------------------------------------------------------------------

    def preferences_of(self, vehicle: Vehicle) -> ChargingPreferences | None:
        """Return the last known preferences, with the weekly schedule kept here."""
        if vehicle.charging_preferences is None:
            return None
        return self._with_schedule(vehicle.id, vehicle.charging_preferences)

    def _with_schedule(
        self, vehicle_id: str, preferences: ChargingPreferences
    ) -> ChargingPreferences:
        """Show the default ready time and the week, not the deadline of today."""
        if (schedule := self._schedules.get(vehicle_id)) is None:
            return preferences
        return replace(
            preferences,
            ready_time=schedule.ready_time,
            weekday_ready_times=dict(schedule.weekday_ready_times),
        )

    def schedule_of(self, vehicle_id: str) -> WeekdaySchedule | None:
        """Return the weekly schedule kept here for a vehicle (diagnostics show it)."""
        return self._schedules.get(vehicle_id)

    def target_soc_of(self, vehicle: Vehicle) -> float | None:
        """Return the known target: the preference, else the car's own charge limit."""
        preferences = vehicle.charging_preferences
        if preferences is not None and preferences.target_soc is not None:
            return preferences.target_soc
        return vehicle.charge_state.charge_limit

    async def async_get(self, vehicle: Vehicle) -> ChargingPreferences:
        """Read the preferences from the provider (one request) and show them."""
        preferences = await as_preferences(self.provider).async_get_charging_preferences(vehicle.id)
        self.coordinator.async_apply_preferences(vehicle.id, preferences)
        return self._with_schedule(vehicle.id, preferences)

    # --- changing --------------------------------------------------------------------

    def validate(self, vehicle: Vehicle, update: ChargingPreferencesUpdate) -> None:
        """Refuse, with a translated error, what the vehicle's provider cannot honour."""
        if not update.fields:
            raise _invalid("no_preferences_given")
        if not vehicle.can(Capability.SMART_CHARGING):
            raise _invalid("smart_charging_not_capable")
        for field in PreferenceField:
            if field in update.fields and field not in self.supported_fields:
                raise _invalid("preference_not_supported", field=field.value)
        locations = self.coordinator.data.locations
        for location_id in update.charging_location_ids or ():
            if location_id not in locations:
                raise _invalid("location_not_found", location_id=location_id)
        behavior = update.behavior
        if (
            behavior is not None
            and behavior not in as_preferences(self.provider).supported_charging_behaviors
        ):
            raise _invalid("charging_behavior_not_supported", behavior=behavior.value)
        if (minimal := update.minimal_soc) is not None:
            if minimal.unit not in as_preferences(self.provider).supported_minimal_soc_units:
                # Two units exist: the provider takes only the other one.
                raise _invalid(
                    "minimal_soc_only_km"
                    if minimal.unit is SocUnit.PERCENT
                    else "minimal_soc_only_percent"
                )
            if minimal.unit is SocUnit.PERCENT and minimal.value > 100:
                raise _invalid("minimal_soc_out_of_range", value=f"{minimal.value:g}")
        current = vehicle.charging_preferences or ChargingPreferences()
        minimal = update.minimal_soc or current.minimal_soc
        target = update.target_soc
        if target is None:
            target = self.target_soc_of(vehicle)
        if (
            minimal is not None
            and minimal.unit is SocUnit.PERCENT
            and target is not None
            and minimal.value > target
        ):
            raise _invalid(
                "minimal_soc_above_target", minimal=f"{minimal.value:g}", target=f"{target:g}"
            )

    async def async_set(
        self, vehicle: Vehicle, update: ChargingPreferencesUpdate
    ) -> ChargingPreferences:
        """Validate, then send the update; a weekly schedule becomes today's deadline."""
        self.validate(vehicle, update)
        if not self.schedules_weekdays or (
            update.weekday_ready_times is None and vehicle.id not in self._schedules
        ):
            preferences = await as_preferences(self.provider).async_set_charging_preferences(
                vehicle.id, update
            )
            self.coordinator.async_apply_preferences(vehicle.id, preferences)
            await self._async_refresh_status(vehicle)
            return self._with_schedule(vehicle.id, preferences)

        current = vehicle.charging_preferences or ChargingPreferences()
        previous = self._schedules.get(vehicle.id)
        fallback = update.ready_time or (previous.ready_time if previous else current.ready_time)
        weekdays = (
            update.weekday_ready_times
            if update.weekday_ready_times is not None
            else (previous.weekday_ready_times if previous else {})
        )
        schedule = WeekdaySchedule(fallback, dict(weekdays))
        today = schedule.ready_time_on(Weekday.of(dt_util.now(self._time_zone(vehicle))))
        provider_update = replace(update, weekday_ready_times=None, ready_time=None)
        if today is not None and (today != current.ready_time or update.ready_time is not None):
            provider_update = replace(provider_update, ready_time=today)
        if provider_update.fields:
            preferences = await as_preferences(self.provider).async_set_charging_preferences(
                vehicle.id, provider_update
            )
        else:
            preferences = current
        if schedule.weekday_ready_times:
            self._schedules[vehicle.id] = schedule
        else:
            self._schedules.pop(vehicle.id, None)
        await self._async_save()
        self._async_arm(vehicle.id)
        self.coordinator.async_apply_preferences(vehicle.id, preferences)
        await self._async_refresh_status(vehicle)
        return self._with_schedule(vehicle.id, preferences)

    async def _async_refresh_status(self, vehicle: Vehicle) -> None:
        """Read the smart-charging status again: new preferences change the plan at once.

        Only where the coordinator would read it (plugged in, provider has a status). The
        change itself succeeded, so a failed read keeps the last status until the next poll.
        """
        if (
            ProviderFeature.SMART_CHARGING not in self.provider.features
            or not vehicle.charge_state.is_plugged_in
        ):
            return
        try:
            status = await as_status_reader(self.provider).async_get_smart_charging_status(
                vehicle.id
            )
        except ProviderError as err:
            LOGGER.debug("Could not read the smart-charging status after a change: %s", err)
            return
        data = self.coordinator.data
        self.coordinator.async_set_updated_data(
            replace(data, smart_charging={**data.smart_charging, vehicle.id: status})
        )

    # --- the weekday scheduler ---------------------------------------------------------

    async def async_load(self) -> None:
        """Read the stored schedules and send today's deadline where it differs."""
        stored = await self._store.async_load() or {}
        self._schedules = {
            vehicle_id: WeekdaySchedule.from_dict(data)
            for vehicle_id, data in stored.get("vehicles", {}).items()
        }
        for vehicle_id in list(self._schedules):
            ok = await self._async_apply_today(vehicle_id)
            self._async_arm(vehicle_id, retry=not ok)

    @callback
    def async_stop(self) -> None:
        """Cancel every timer (entry unload)."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    def _time_zone(self, vehicle: Vehicle) -> tzinfo:
        """Return the charging location's time zone (deadlines are read there), else HA's."""
        location = self.coordinator.data.location_of(vehicle)
        if location is not None and (zone := dt_util.get_time_zone(location.timezone)):
            return zone
        return dt_util.get_default_time_zone()

    @callback
    def _async_arm(self, vehicle_id: str, retry: bool = False) -> None:
        """Wake up at the next local midnight (or after a failure, a bit later)."""
        if (cancel := self._timers.pop(vehicle_id, None)) is not None:
            cancel()
        if vehicle_id not in self._schedules:
            return
        action = partial(self._async_wake_up, vehicle_id)
        if retry:
            self._timers[vehicle_id] = async_call_later(self.hass, RETRY_DELAY, action)
            return
        vehicle = self.coordinator.data.vehicles.get(vehicle_id)
        zone = self._time_zone(vehicle) if vehicle else dt_util.get_default_time_zone()
        tomorrow = dt_util.now(zone).date() + timedelta(days=1)
        midnight = datetime.combine(tomorrow, time(), tzinfo=zone)
        self._timers[vehicle_id] = async_track_point_in_time(self.hass, action, midnight)

    @callback
    def _async_wake_up(self, vehicle_id: str, _now: datetime) -> None:
        self._timers.pop(vehicle_id, None)
        self.entry.async_create_background_task(
            self.hass, self._async_new_day(vehicle_id), name=f"{DOMAIN} ready time {vehicle_id}"
        )

    async def _async_new_day(self, vehicle_id: str) -> None:
        ok = await self._async_apply_today(vehicle_id)
        self._async_arm(vehicle_id, retry=not ok)

    async def _async_apply_today(self, vehicle_id: str) -> bool:
        """Send today's deadline if the provider has another; False if that failed."""
        schedule = self._schedules[vehicle_id]
        vehicle = self.coordinator.data.vehicles.get(vehicle_id)
        if vehicle is None or vehicle.charging_preferences is None:
            return True  # not listed now: nothing to move
        today = schedule.ready_time_on(Weekday.of(dt_util.now(self._time_zone(vehicle))))
        if today is None or today == vehicle.charging_preferences.ready_time:
            return True
        try:
            preferences = await as_preferences(self.provider).async_set_charging_preferences(
                vehicle_id, ChargingPreferencesUpdate(ready_time=today)
            )
        except ProviderError as err:
            LOGGER.warning(
                "Could not set today's ready time %s; trying again in %s: %s",
                format_time(today),
                RETRY_DELAY,
                err,
            )
            return False
        self.coordinator.async_apply_preferences(vehicle_id, preferences)
        return True

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                "vehicles": {
                    vehicle_id: schedule.as_dict()
                    for vehicle_id, schedule in self._schedules.items()
                }
            }
        )


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's schedules with the entry."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
