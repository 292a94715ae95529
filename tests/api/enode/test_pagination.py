"""Cursor pagination: every page is followed, a misbehaving cursor cannot loop forever.

Lists ask for pages large enough that 100 devices are one request.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses.compat import merge_params

from custom_components.connected_ev.api.enode import (
    LIST_PAGE_SIZE,
    EnodeClient,
    EnodeEndpoints,
    EnodeProvider,
)
from custom_components.connected_ev.api.enode import client as client_module
from custom_components.connected_ev.api.errors import InvalidResponseError
from sandbox.enode.pagination import MAX_PAGE_SIZE
from sandbox.enode.server import SandboxServer

from .conftest import API_URL, USER_ID, load_fixture, mock_token, requests_to

VEHICLES_URL = f"{API_URL}/users/{USER_ID}/vehicles"


def _vehicle(number: int) -> dict[str, Any]:
    vehicle = load_fixture("vehicle.json")
    vehicle["id"] = f"vehicle-{number}"
    return vehicle  # type: ignore[no-any-return]


def _page(numbers: list[int], after: str | None, before: str | None = None) -> dict[str, Any]:
    return {
        "data": [_vehicle(number) for number in numbers],
        "pagination": {"after": after, "before": before},
    }


def _mock_page(mocked: aioresponses, page: dict[str, Any], **params: str) -> None:
    mocked.get(merge_params(VEHICLES_URL, {"pageSize": "2", **params}), payload=page)


async def test_follows_three_pages(client: EnodeClient, mock_api: aioresponses) -> None:
    """Items of all pages are returned in order; each page asks for the next cursor."""
    mock_token(mock_api)
    _mock_page(mock_api, _page([1, 2], after="cursor-a"))
    _mock_page(mock_api, _page([3, 4], after="cursor-b", before="cursor-a"), after="cursor-a")
    _mock_page(mock_api, _page([5], after=None, before="cursor-b"), after="cursor-b")

    vehicles = await client.async_list_vehicles(USER_ID, page_size=2)

    assert [vehicle.id for vehicle in vehicles] == [f"vehicle-{n}" for n in range(1, 6)]
    for params in ({"pageSize": "2"}, {"pageSize": "2", "after": "cursor-a"}):
        assert len(requests_to(mock_api, "GET", VEHICLES_URL, params)) == 1
    assert len(requests_to(mock_api, "GET", VEHICLES_URL, {"pageSize": "2", "after": "cursor-b"}))


async def test_page_cursors(client: EnodeClient, mock_api: aioresponses) -> None:
    """One page exposes its cursors; an empty cursor is the end."""
    mock_token(mock_api)
    _mock_page(mock_api, _page([3, 4], after="cursor-b", before="cursor-a"), after="cursor-a")
    _mock_page(mock_api, _page([], after="", before=None))

    page = await client.async_list_vehicles_page(USER_ID, page_size=2, after="cursor-a")
    last = await client.async_list_vehicles_page(USER_ID, page_size=2)

    assert [vehicle.id for vehicle in page.items] == ["vehicle-3", "vehicle-4"]
    assert (page.next_cursor, page.previous_cursor) == ("cursor-b", "cursor-a")
    assert (last.items, last.next_cursor, last.previous_cursor) == ((), None, None)


async def test_repeated_cursor_stops(client: EnodeClient, mock_api: aioresponses) -> None:
    """A cursor that comes back would loop: the list is rejected instead."""
    mock_token(mock_api)
    _mock_page(mock_api, _page([1, 2], after="cursor-a"))
    _mock_page(mock_api, _page([3, 4], after="cursor-b"), after="cursor-a")
    _mock_page(mock_api, _page([5], after="cursor-a"), after="cursor-b")

    with pytest.raises(InvalidResponseError, match="repeated a pagination cursor"):
        await client.async_list_vehicles(USER_ID, page_size=2)


async def test_page_limit(
    client: EnodeClient, mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list longer than the page bound is rejected, not followed forever."""
    monkeypatch.setattr(client_module, "MAX_PAGES", 3)
    mock_token(mock_api)
    _mock_page(mock_api, _page([1], after="c1"))
    _mock_page(mock_api, _page([2], after="c2"), after="c1")
    _mock_page(mock_api, _page([3], after="c3"), after="c2")

    with pytest.raises(InvalidResponseError, match="more than 3 pages"):
        await client.async_list_vehicles(USER_ID, page_size=2)

    assert len(requests_to(mock_api, "GET", VEHICLES_URL, {"pageSize": "2", "after": "c2"})) == 1


def test_default_page_bound() -> None:
    """The documented bound: 1000 pages."""
    assert client_module.MAX_PAGES == 1000


@pytest.mark.parametrize(
    "payload",
    [
        {"pagination": {"after": None, "before": None}},
        {"data": {"id": "x"}, "pagination": {"after": None, "before": None}},
        [],
    ],
)
async def test_malformed_page(client: EnodeClient, mock_api: aioresponses, payload: Any) -> None:
    """A page without a ``data`` array is an invalid response."""
    mock_token(mock_api)
    _mock_page(mock_api, payload)

    with pytest.raises(InvalidResponseError):
        await client.async_list_vehicles(USER_ID, page_size=2)


async def test_missing_pagination_ends_the_list(
    client: EnodeClient, mock_api: aioresponses
) -> None:
    """A page without (valid) cursors is the last one."""
    mock_token(mock_api)
    _mock_page(mock_api, {"data": [_vehicle(1)], "pagination": {"after": 42}})

    vehicles = await client.async_list_vehicles(USER_ID, page_size=2)

    assert [vehicle.id for vehicle in vehicles] == ["vehicle-1"]


async def test_one_bad_item_fails_the_page(client: EnodeClient, mock_api: aioresponses) -> None:
    """An item without its identity makes the whole page invalid (nothing is half-parsed)."""
    mock_token(mock_api)
    broken = _vehicle(2)
    del broken["id"]
    _mock_page(mock_api, {"data": [_vehicle(1), broken], "pagination": {}})

    with pytest.raises(InvalidResponseError, match="'id'"):
        await client.async_list_vehicles(USER_ID, page_size=2)


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(("devices", "pages"), [(100, 1), (MAX_PAGE_SIZE + 50, 2)])
async def test_a_poll_lists_a_hundred_devices_in_one_request(devices: int, pages: int) -> None:
    """The provider's lists ask for large pages: 100 vehicles or chargers, one request each.

    Past the page the sandbox serves (as large as the one asked for), ``after`` is followed.
    """
    async with (
        aiohttp.ClientSession() as session,
        SandboxServer(session=session, background=False) as server,
    ):
        vehicles, chargers = server.world.seed_user(USER_ID, vehicles=devices, chargers=devices)
        client = EnodeClient(
            session,
            server.client_id,
            server.client_secret,
            EnodeEndpoints.for_base_url(server.url),
            request_timeout=5,
        )
        provider = EnodeProvider(client, USER_ID)
        server.sandbox.counters.reset()

        listed = await provider.async_list_vehicles()
        listed_chargers = await provider.async_list_chargers()

        assert {v.id for v in listed} == {v.id for v in vehicles}
        assert {c.id for c in listed_chargers} == {c.id for c in chargers}
        assert server.sandbox.counters.as_json()["byRoute"] == {
            "POST /oauth2/token": 1,
            "GET /users/{userId}/vehicles": pages,
            "GET /users/{userId}/chargers": pages,
        }
        assert LIST_PAGE_SIZE == MAX_PAGE_SIZE
