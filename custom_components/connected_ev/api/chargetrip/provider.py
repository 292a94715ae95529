"""Chargetrip as a provider: read-only connected vehicles, linked from the catalogue.

Parts: ``CodeLinking`` (a catalogue model is created as a connected vehicle whose
``authorization_url`` is Enode's Link UI; the redirect back is authorized), ``LiveUpdates``
(the ``connectedVehicle`` subscription) and ``DeviceRemoval`` (``removeConnectedVehicle``).
No charging control, preferences, chargers or push: the API has none.

A link the user abandons leaves its vehicle ``pending_authorization`` at Chargetrip, which
then refuses the same model as already connected: linking that model again removes the
pending one first.

One refresh is one request: the list of connected vehicles plus, under aliases, the data
and catalogue naming of every vehicle the previous refresh found authorized. Only when a
newly authorized vehicle shows up does that refresh send a second request for its data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import ClassVar

from yarl import URL

from ..errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotCapableError,
    RateLimitedError,
)
from ..models import (
    DeviceKind,
    DeviceStatusChange,
    LinkOptions,
    LinkResult,
    LinkSession,
    LinkStatus,
    UserInfo,
    Vehicle,
)
from ..provider import CodeLinking, DeviceRemoval, LiveUpdates, Provider, ProviderFeature
from .client import ChargetripClient
from .const import ALREADY_CONNECTED, NOT_AUTHORIZED, PROVIDER_NAME
from .documents import data_alias, model_alias
from .parse import (
    CatalogueModel,
    ConnectedVehicle,
    Envelope,
    parse_connected_vehicles,
    parse_vehicle,
)


class ChargetripProvider(Provider, CodeLinking, LiveUpdates, DeviceRemoval):
    """One Chargetrip user's connected vehicles."""

    DATA_FEATURES: ClassVar[frozenset[ProviderFeature]] = frozenset(
        {ProviderFeature.CHARGE_LIMIT, ProviderFeature.GROUP_TIMESTAMPS}
    )

    def __init__(self, client: ChargetripClient, account_id: str) -> None:
        """Act for the user ``account_id`` (a hash of the credentials, never the token)."""
        self._client = client
        self._account_id = account_id
        self._known: dict[str, str] = {}
        """Authorized connected vehicle id → catalogue id, as the last refresh saw them."""
        self._last: dict[str, Vehicle] = {}
        self._linking: str | None = None

    @property
    def account_id(self) -> str:
        """The entry's account (Chargetrip names no user: derived from the credentials)."""
        return self._account_id

    async def async_validate(self) -> UserInfo:
        """One cheap query that needs the token; ``AuthenticationError`` if refused."""
        await self._client.async_validate()
        return UserInfo(id=self._account_id)

    async def async_search(self, search: str | None, page: int) -> list[CatalogueModel]:
        """One page of models Chargetrip can connect."""
        return await self._client.async_search(search, page)

    # --- reading ------------------------------------------------------------------------

    async def async_list_vehicles(self) -> list[Vehicle]:
        """Every authorized vehicle with its data: one request (two when one is new)."""
        known = list(self._known.items())
        envelope = await self._client.async_refresh(known)
        listed = self._listed(envelope)
        authorized = {v.id: v for v in listed if v.status is LinkStatus.LINKED and v.vehicle_id}
        vehicles: dict[str, Vehicle] = {}
        self._read(envelope, known, authorized, vehicles)
        if new := [
            (cid, vehicle.vehicle_id or "")
            for cid, vehicle in authorized.items()
            if cid not in self._known
        ]:
            self._read(await self._client.async_refresh(new), new, authorized, vehicles)
        self._known = {cid: v.vehicle_id or "" for cid, v in authorized.items()}
        self._last = vehicles
        return list(vehicles.values())

    @staticmethod
    def _listed(envelope: Envelope) -> list[ConnectedVehicle]:
        """Return the vehicle list, or raise the error that kept it from resolving."""
        if (failure := envelope.failure_at("vehicles")) is not None:
            raise failure.error("Refresh")
        if "vehicles" not in envelope.data:
            raise (
                envelope.worst("Refresh")
                if envelope.failures
                else InvalidResponseError(f"{PROVIDER_NAME} Refresh returned no vehicle list")
            )
        return parse_connected_vehicles(envelope.data["vehicles"])

    def _read(
        self,
        envelope: Envelope,
        queried: Sequence[tuple[str, str]],
        authorized: dict[str, ConnectedVehicle],
        into: dict[str, Vehicle],
    ) -> None:
        """Build the queried vehicles that are still authorized; a failed alias keeps its last.

        Authentication and rate limits fail the whole refresh (nothing else is trusted).
        """
        for failure in envelope.failures:
            error = failure.error("Refresh")
            if isinstance(error, (AuthenticationError, RateLimitedError)):
                raise error
        for index, (connected_id, _model_id) in enumerate(queried):
            if (connected := authorized.get(connected_id)) is None:
                continue
            if envelope.failure_at(data_alias(index)) is not None:
                if (last := self._last.get(connected_id)) is not None:
                    into[connected_id] = last
                continue
            into[connected_id] = parse_vehicle(
                connected,
                envelope.data.get(data_alias(index)),
                envelope.data.get(model_alias(index)),
            )

    # --- linking ------------------------------------------------------------------------

    async def async_create_link_session(
        self,
        kind: DeviceKind,
        redirect_uri: str,
        language: str,
        options: LinkOptions | None = None,
    ) -> LinkSession:
        """Create the connected vehicle; the user authorizes it on ``authorization_url``.

        Enode's Link UI echoes no ``state``, so it rides in the redirect URI's query.
        """
        options = options or LinkOptions()
        if kind is not DeviceKind.VEHICLE or not options.model_id:
            raise NotCapableError(f"{PROVIDER_NAME} links vehicles picked from its catalogue")
        redirect = URL(redirect_uri)
        if options.state:
            redirect = redirect.update_query(state=options.state)
        try:
            created = await self._client.async_create(
                options.model_id, str(redirect), options.label
            )
        except ConflictError as err:
            # A link the user abandoned left the model pending: drop it, then try once more.
            if err.problem_type != ALREADY_CONNECTED or not await self._async_drop_pending(
                options.model_id
            ):
                raise
            created = await self._client.async_create(
                options.model_id, str(redirect), options.label
            )
        if not created.authorization_url:
            raise NotCapableError(f"{PROVIDER_NAME} gave no authorization page")
        self._linking = created.id
        return LinkSession(link_url=created.authorization_url)

    async def _async_drop_pending(self, model_id: str) -> bool:
        """Remove this user's unauthorized vehicles of the model; whether there were any."""
        envelope = await self._client.async_refresh(())
        pending = [
            vehicle.id
            for vehicle in self._listed(envelope)
            if vehicle.vehicle_id == model_id and vehicle.status is LinkStatus.LINKING
        ]
        for connected_id in pending:
            await self._client.async_remove(connected_id)
        return bool(pending)

    async def async_complete_link(self, code: str, redirect_uri: str) -> LinkResult:
        """Authorize the vehicle created last; linked only when Chargetrip says authorized."""
        if self._linking is None:
            raise NotCapableError(f"{PROVIDER_NAME} has no vehicle being linked")
        vehicle = await self._client.async_authorize(self._linking, code or None)
        if vehicle.status is not LinkStatus.LINKED:
            raise NotCapableError(
                f"{PROVIDER_NAME} did not authorize the vehicle", problem_type=NOT_AUTHORIZED
            )
        self._linking = None
        return LinkResult(device_id=vehicle.id)

    # --- live updates and removal -------------------------------------------------------

    def async_watch(self, device_ids: Sequence[str]) -> AsyncIterator[DeviceStatusChange]:
        """Status changes of the vehicles over the ``connectedVehicle`` subscription."""
        return self._client.async_watch(device_ids)

    async def async_remove_device(self, kind: DeviceKind, device_id: str) -> None:
        """Revoke and remove the vehicle (the caller closed the subscription first)."""
        await self._client.async_remove(device_id)
        self._known.pop(device_id, None)
        self._last.pop(device_id, None)
