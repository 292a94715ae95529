"""The account's charging locations, listed only when something new names one.

Locations change rarely and almost only through this integration's own actions, which hand
the result over (``replace``). A refresh therefore lists them (all pages) on the first
refresh only, or when a device names a location not seen before; a location that stays
unknown after listing is not asked for again until another unknown one appears.
"""

from __future__ import annotations

from collections.abc import Iterable

from .api.models import Charger, ChargingLocation, Vehicle
from .api.provider import Provider, ProviderFeature, as_locations


class LocationsCache:
    """The last known locations by id, and which named ones the provider did not list."""

    def __init__(self) -> None:
        self._locations: dict[str, ChargingLocation] | None = None
        self._version = 0
        """Increases when an action changes the locations: a list read before is older."""
        self._missing_ids: frozenset[str] = frozenset()

    @property
    def known(self) -> dict[str, ChargingLocation] | None:
        """A copy of the locations by id; ``None`` until first listed."""
        return None if self._locations is None else dict(self._locations)

    async def async_read(
        self, provider: Provider, vehicles: list[Vehicle], chargers: list[Charger]
    ) -> dict[str, ChargingLocation]:
        """List locations on the first refresh, or when a device names an unseen one."""
        if ProviderFeature.LOCATIONS not in provider.features:
            return {}
        named = {v.location.location_id for v in vehicles if v.location is not None} | {
            c.location_id for c in chargers
        }
        known = self._locations
        missing = frozenset(i for i in named if i and (known is None or i not in known))
        if known is None or (missing and not missing <= self._missing_ids):
            version = self._version
            listed = await as_locations(provider).async_list_locations()
            if self._version == version:
                self._locations = {location.id: location for location in listed}
            # else an action changed the locations after this list was read: the action wins
            known = self._locations or {}
            missing = frozenset(i for i in missing if i not in known)
        self._missing_ids = missing
        return dict(known)

    def replace(self, locations: Iterable[ChargingLocation]) -> dict[str, ChargingLocation]:
        """Take a fresh list (after a location action or a list); return it by id."""
        self._locations = {location.id: location for location in locations}
        self._version += 1
        return dict(self._locations)
