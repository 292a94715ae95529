"""The ``add_vehicle_link`` action: a provider's add-vehicle page, prefilled, as a URL.

For providers with an add-vehicle page (``ProviderFeature.ADD_VEHICLE_LINK``), such as a
workshop's page that adds a car to a customer's account. The action only builds the link and
returns it (``SupportsResponse.ONLY``): it sends nothing. Every field is checked first and all
invalid ones are named in one translated error; a token that signs the page in is added to
the URL's fragment only when ``include_token`` asks for it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Final

import probatio as vol
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry

from .api.errors import InvalidRequestError
from .api.models import AddVehicleLink
from .api.provider import ProviderFeature, as_add_vehicle_links
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry
from .helpers import provider_errors
from .service_schemas import invalid

SERVICE_ADD_VEHICLE_LINK: Final = "add_vehicle_link"
ATTR_QUERY_TYPE: Final = "query_type"
ATTR_SOURCE: Final = "source"
ATTR_INCLUDE_TOKEN: Final = "include_token"  # noqa: S105 - a field name
DEFAULT_SOURCE: Final = "home_assistant"
"""Where the vehicle details came from (the page takes it like a User-Agent)."""

LINK_FIELDS: Final = tuple(
    field.name for field in fields(AddVehicleLink) if field.name not in (ATTR_QUERY_TYPE,)
)

ADD_VEHICLE_LINK_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_QUERY_TYPE): vol.In(("vin", "license_plate")),
        vol.Optional(ATTR_SOURCE, default=DEFAULT_SOURCE): cv.string,
        **{vol.Optional(name): cv.string for name in LINK_FIELDS if name != ATTR_SOURCE},
        vol.Optional(ATTR_INCLUDE_TOKEN, default=False): cv.boolean,
    }
)
"""Types only: the provider checks the values (formats are its own) and names the bad ones."""


async def _add_vehicle_link(call: ServiceCall) -> ServiceResponse:
    entry: ConnectedEVConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    provider = entry.runtime_data.provider
    if ProviderFeature.ADD_VEHICLE_LINK not in provider.features:
        raise invalid("add_vehicle_link_not_supported", name=entry.title)
    link = AddVehicleLink(
        query_type=call.data[ATTR_QUERY_TYPE],
        source=call.data[ATTR_SOURCE],
        **{name: call.data.get(name) for name in LINK_FIELDS if name != ATTR_SOURCE},
    )
    async with provider_errors(entry):
        try:
            url = await as_add_vehicle_links(provider).async_add_vehicle_url(
                link, with_token=call.data[ATTR_INCLUDE_TOKEN]
            )
        except InvalidRequestError as err:
            # ``detail`` names the invalid fields (the part's contract).
            raise invalid("add_vehicle_link_invalid", fields=err.detail or "") from err
    return {"url": url}


def async_setup_add_vehicle_link(hass: HomeAssistant) -> None:
    """Register the action (once for the integration)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_ADD_VEHICLE_LINK,
        _add_vehicle_link,
        schema=ADD_VEHICLE_LINK_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
