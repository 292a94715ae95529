"""Enode as a ``Provider``: one Enode user of one Enode client is one account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..errors import InvalidRequestError, InvalidResponseError, NotFoundError
from ..models import (
    ChargeAction,
    Charger,
    ChargingCommand,
    DeviceKind,
    LinkSession,
    MaxCurrentAction,
    UserInfo,
    Vehicle,
)
from ..provider import Provider, ProviderFeature
from .client import EnodeClient

ENODE_FEATURES: Final = frozenset(ProviderFeature)
"""Enode links, controls, smart-charges, knows locations and pushes: everything."""


class EnodeProvider:
    """The ``Provider`` protocol on top of an ``EnodeClient`` and one Enode user id."""

    def __init__(self, client: EnodeClient, user_id: str) -> None:
        self._client = client
        self._user_id = user_id

    @property
    def client(self) -> EnodeClient:
        """The underlying client, for Enode-only calls (smart charging, locations, push)."""
        return self._client

    @property
    def account_id(self) -> str:
        """The Enode user id: chosen by the integration and stable for the account."""
        return self._user_id

    @property
    def features(self) -> frozenset[ProviderFeature]:
        """Every feature: Enode can do all that the protocol knows."""
        return ENODE_FEATURES

    async def async_validate(self) -> UserInfo:
        """Fetch the user: proves the credentials and shows which vendors still work.

        Enode creates a user on its first link session, so an unknown user id is a valid
        account without devices, not an error.
        """
        try:
            return await self._client.async_get_user(self._user_id)
        except NotFoundError:
            return UserInfo(id=self._user_id)

    async def async_list_vehicles(self) -> list[Vehicle]:
        """List every vehicle of the user."""
        return await self._client.async_list_vehicles(self._user_id)

    async def async_list_chargers(self) -> list[Charger]:
        """List every charger of the user."""
        return await self._client.async_list_chargers(self._user_id)

    async def async_create_link_session(
        self, kind: DeviceKind, redirect_uri: str, language: str
    ) -> LinkSession:
        """Start a Link UI session with the scopes of ``kind``."""
        return await self._client.async_create_link_session(
            self._user_id, vendor_type=kind, language=language, redirect_uri=redirect_uri
        )

    async def async_set_charging(
        self, kind: DeviceKind, device_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Start or stop charging through the vehicle or the charger endpoint."""
        if kind is DeviceKind.VEHICLE:
            return await self._client.async_set_vehicle_charging(device_id, command)
        if kind is DeviceKind.CHARGER:
            return await self._client.async_set_charger_charging(device_id, command)
        raise InvalidRequestError("kind must be vehicle or charger")

    async def async_get_charge_action(self, kind: DeviceKind, action_id: str) -> ChargeAction:
        """Get a charging action of a vehicle or a charger."""
        action: ChargeAction | MaxCurrentAction
        if kind is DeviceKind.VEHICLE:
            action = await self._client.async_get_vehicle_action(action_id)
        elif kind is DeviceKind.CHARGER:
            action = await self._client.async_get_charger_action(action_id)
        else:
            raise InvalidRequestError("kind must be vehicle or charger")
        if not isinstance(action, ChargeAction):
            raise InvalidResponseError("The Enode action is not a charging action")
        return action

    async def async_refresh_hint(self, kind: DeviceKind, device_id: str) -> None:
        """Send a refresh hint to the vehicle or the charger endpoint."""
        if kind is DeviceKind.VEHICLE:
            await self._client.async_vehicle_refresh_hint(device_id)
        elif kind is DeviceKind.CHARGER:
            await self._client.async_charger_refresh_hint(device_id)
        else:
            raise InvalidRequestError("kind must be vehicle or charger")

    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> MaxCurrentAction:
        """Change the maximum current through the vehicle or the charger endpoint."""
        if kind is DeviceKind.VEHICLE:
            return await self._client.async_set_vehicle_max_current(device_id, max_current_a)
        if kind is DeviceKind.CHARGER:
            return await self._client.async_set_charger_max_current(device_id, max_current_a)
        raise InvalidRequestError("kind must be vehicle or charger")


if TYPE_CHECKING:
    _: type[Provider] = EnodeProvider
