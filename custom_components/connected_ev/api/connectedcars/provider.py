"""Connected Cars as a ``Provider``: one app account (region + namespace + user) is one entry.

Read-only: Connected Cars' units read the car's CAN bus; the API has no charging commands,
no plug or charge-limit fields, no chargers, push for consumer accounts or statistics
endpoints, so the provider has none of those parts. Vehicles come with the account (added in
the brand app or through the workshop page, ``workshop``), so there is no linking part
either. Its optional parts: ``CredentialRevocation`` (removing the entry deletes this
integration's registered device, and with it the device token, at Connected Cars) and
``AddVehicleLinks`` (the workshop's add-vehicle page, signed in with a fresh JWT on request).
"""

from __future__ import annotations

from hashlib import sha256

from ..models import AddVehicleLink, UserInfo, Vehicle
from ..provider import AddVehicleLinks, CredentialRevocation, Provider
from .client import ConnectedCarsClient
from .const import WORKSHOP_ORIGIN
from .workshop import add_vehicle_url


def account_key(organization: str, user_id: str) -> str:
    """Return the account's stable id, hashed: user ids are unique per organization only."""
    return f"connectedcars:{sha256(f'{organization}:{user_id}'.encode()).hexdigest()[:32]}"


class ConnectedCarsProvider(Provider, CredentialRevocation, AddVehicleLinks):
    """Vehicles of one Connected Cars account, read in one GraphQL request."""

    def __init__(
        self,
        client: ConnectedCarsClient,
        organization: str,
        device_name: str | None,
        *,
        workshop_origin: str = WORKSHOP_ORIGIN,
    ) -> None:
        self.client = client
        self._workshop_origin = workshop_origin
        self._organization = organization
        self._device_name = device_name
        self._user_id: str | None = None

    @property
    def account_id(self) -> str:
        """The hashed organization and user (known once validated or listed)."""
        return account_key(self._organization, self._user_id or "")

    async def async_validate(self) -> UserInfo:
        """Mint a JWT from the device token and read the user (one GraphQL request)."""
        self._user_id, _count = await self.client.async_viewer()
        return UserInfo(id=self._user_id)

    async def async_list_vehicles(self) -> list[Vehicle]:
        """Every vehicle with all its data: one request whatever the number of vehicles."""
        vehicles = await self.client.async_vehicles()
        if vehicles:
            self._user_id = vehicles[0].user_id
        return vehicles

    async def async_revoke_credential(self) -> None:
        """Delete the device this integration registered (its token stops working)."""
        if self._device_name:
            await self.client.auth.async_delete_devices_named(self._device_name)

    async def async_add_vehicle_url(self, link: AddVehicleLink, *, with_token: bool) -> str:
        """Build the workshop page's link; the fields are checked before any token is made."""
        add_vehicle_url(link, origin=self._workshop_origin)  # WorkshopLinkError, nothing sent
        token = await self.client.auth.async_token() if with_token else None
        return add_vehicle_url(link, origin=self._workshop_origin, token=token)
