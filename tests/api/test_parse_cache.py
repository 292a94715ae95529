"""A list answer is parsed by difference: unchanged devices keep their models, changed ones not.

What a user would notice: a poll of a hundred devices in which one changed shows that one's
new data, at the cost of one device; a device whose JSON changed in any way (even ``true``
to ``1``) is parsed again and shown as the provider now says.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses.compat import merge_params

from custom_components.connected_ev.api.enode import EnodeClient
from custom_components.connected_ev.api.enode import client as client_module
from custom_components.connected_ev.api.enode.parse import parse_vehicle
from custom_components.connected_ev.api.errors import InvalidResponseError
from custom_components.connected_ev.api.parse_cache import ListPages

from .conftest import FakeClock
from .enode.conftest import (
    API_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    ENDPOINTS,
    USER_ID,
    load_fixture,
    mock_token,
)

VEHICLES_URL = f"{API_URL}/users/{USER_ID}/vehicles"
PAGE_SIZE = "50"


class Parser:
    """Parse an item into a comparable model, counting the items it was given."""

    def __init__(self) -> None:
        self.parsed: list[Any] = []

    def __call__(self, item: Any) -> tuple[str, str]:
        self.parsed.append(item)
        return ("model", json.dumps(item, sort_keys=True))


def _body(document: Any, indent: int | None = None) -> bytes:
    return json.dumps(document, indent=indent).encode()


def _items(count: int) -> list[dict[str, Any]]:
    return [{"id": f"v{n}", "odometer": 1000 + n, "name": f"Car {n}"} for n in range(count)]


def _expected(document: dict[str, Any]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    outer = {key: value for key, value in document.items() if key != "data"}
    return outer, tuple(("model", json.dumps(item, sort_keys=True)) for item in document["data"])


def test_an_unchanged_answer_is_not_parsed_again() -> None:
    """The same page again: no item is parsed, every model is the same object."""
    pages, parse = ListPages(), Parser()
    document = {"data": _items(5), "pagination": {"after": None}}
    first = pages.parse("vehicles", _body(document), parse)
    again = pages.parse("vehicles", _body(document), parse)

    assert first == _expected(document)
    assert again is not None
    assert first is not None
    assert all(a is b for a, b in zip(again[1], first[1], strict=True))
    assert len(parse.parsed) == 5


@pytest.mark.parametrize(
    "change",
    [
        {"odometer": 99999999},  # longer: everything after it moves
        {"odometer": 7},  # as long
        {"name": ""},  # shorter
        {"odometer": True},  # 1 became true: Python's == calls them equal, JSON does not
        {"odometer": 1.0},  # 1 written as a float
    ],
)
def test_only_the_changed_item_is_parsed(change: dict[str, Any]) -> None:
    """One item of many changed: it alone is parsed; the others keep their models."""
    pages, parse = ListPages(), Parser()
    items = _items(20)
    items[7]["odometer"] = 1
    first = pages.parse("vehicles", _body({"data": items}), parse)
    assert first is not None
    parse.parsed.clear()

    items[7] = {**items[7], **change}
    second = pages.parse("vehicles", _body({"data": items}), parse)

    assert second == _expected({"data": items})
    assert parse.parsed == [items[7]]
    assert all(second[1][n] is first[1][n] for n in range(20) if n != 7)


def _reverse(items: list[Any]) -> None:
    """Reverse the list."""
    items.reverse()


@pytest.mark.parametrize(
    "edit",
    [
        lambda items: items.insert(3, {"id": "new"}),
        lambda items: items.pop(3),
        lambda items: items.pop(),
        lambda items: items.pop(0),
        lambda items: items.append({"id": "new"}),
        _reverse,
        lambda items: items.clear(),
    ],
    ids=["insert", "remove", "remove-last", "remove-first", "append", "reorder", "empty"],
)
def test_items_added_removed_or_moved(edit: Callable[[list[Any]], Any]) -> None:
    """Whatever happened to the list, the answer is what a full parse gives; known items kept."""
    pages, parse = ListPages(), Parser()
    items = _items(8)
    first = pages.parse("vehicles", _body({"data": items}), parse)
    assert first is not None
    parse.parsed.clear()

    edit(items)
    second = pages.parse("vehicles", _body({"data": items}), parse)

    assert second == _expected({"data": items})
    if edit is not _reverse:  # a moved item is parsed again, one left in place is not
        assert all(item == {"id": "new"} for item in parse.parsed)


def test_changed_cursors_are_read() -> None:
    """A change outside the items (the next page's cursor) is read, items kept."""
    pages, parse = ListPages(), Parser()
    items = _items(4)
    pages.parse("vehicles", _body({"data": items, "pagination": {"after": "a"}}), parse)
    parse.parsed.clear()
    for document in (
        {"data": items, "pagination": {"after": "b"}},
        {"pagination": {"after": "c"}, "data": items},
        {"pagination": {"after": "c"}, "data": items, "extra": [1, {"data": 2}]},
    ):
        assert pages.parse("vehicles", _body(document), parse) == _expected(document)
    assert parse.parsed == []


def test_items_moved_out_of_the_list() -> None:
    """The list ends earlier and its old end is now another member's: read in full."""
    pages, parse = ListPages(), Parser()
    pages.parse("vehicles", b'{"data":[1,2]}', parse)

    assert pages.parse("vehicles", b'{"data":[1],"x":[2]}', parse) == ({"x": [2]}, (parse(1),))


def test_answers_are_kept_per_request() -> None:
    """Each request compares with its own last answer; the least recently used is dropped."""
    pages, parse = ListPages(size=1), Parser()
    pages.parse("page-1", _body({"data": _items(3)}), parse)
    pages.parse("page-2", _body({"data": _items(2)}), parse)
    pages.parse("page-1", _body({"data": _items(3)}), parse)

    assert len(parse.parsed) == 3 + 2 + 3


def test_differences_anywhere_give_what_a_full_parse_gives() -> None:
    """Seeded random edits, layouts and nesting: by difference equals from scratch."""
    draw = random.Random(15)  # noqa: S311 - reproducible test data
    pages, parse = ListPages(), Parser()
    tricky: list[Any] = [1, 1.0, True, None, "x]", '"},{"', [1, {"a": "]},["}], {"": []}]
    items = [{"id": f"v{n}", "value": draw.choice(tricky)} for n in range(12)]
    pagination: dict[str, Any] = {"after": None}
    for _ in range(300):
        roll = draw.random()
        if roll < 0.5:
            items[draw.randrange(len(items))]["value"] = draw.choice(tricky)
        elif roll < 0.6:
            items.insert(draw.randrange(len(items) + 1), {"id": "n", "value": draw.random()})
        elif roll < 0.7 and len(items) > 1:
            items.pop(draw.randrange(len(items)))
        elif roll < 0.8:
            pagination = {"after": draw.choice([None, "a", "bb"])}
        else:
            draw.shuffle(items)
        document = {"data": items, "pagination": pagination}
        if draw.random() < 0.5:
            document = {"pagination": pagination, "data": items}
        body = _body(document, indent=draw.choice([None, 0, 2]))
        assert pages.parse("vehicles", body, parse) == _expected(document)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"data": [1, 2]',
        b'{"data": [1, 2]} trailing',
        b'{"data": {"id": 1}}',
        b'{"pagination": {}}',
        b'{"data": [], "data": []}',
        b'{"data": [], 5: 1}',
        b"[1, 2]",
        b" { } ",
        b'\xef\xbb\xbf{"data": []}',
        b'{"data": ["\xff"]}',
        b'{"data": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    ],
    ids=[
        "not-json",
        "cut-short",
        "trailing",
        "not-an-array",
        "no-data",
        "twice",
        "bad-name",
        "not-an-object",
        "empty-object",
        "bom",
        "not-utf8",
        "too-deep",
    ],
)
def test_anything_else_is_left_to_the_plain_decoding(body: bytes) -> None:
    """Not a list page: ``None``, and the caller's decoding refuses (or reads) it as ever."""
    assert ListPages().parse("vehicles", body, Parser()) is None


def test_a_broken_answer_after_a_good_one() -> None:
    """A cut-short answer after a good one is refused, not pieced together with the old one."""
    pages, parse = ListPages(), Parser()
    body = _body({"data": _items(6), "pagination": {"after": None}})
    pages.parse("vehicles", body, parse)

    assert pages.parse("vehicles", body[:-40] + body[-20:], parse) is None
    assert pages.parse("vehicles", body.replace(b", ", b" ", 1), parse) is None
    assert pages.parse("vehicles", body, parse) == _expected(json.loads(body))


def test_empty_lists() -> None:
    """An empty object member list and an empty array are read."""
    pages, parse = ListPages(), Parser()
    assert pages.parse("vehicles", b'{ "data" : [ ] }', parse) == ({}, ())
    assert pages.parse("vehicles", b'{"data": [{"id": "a"}]}', parse) == _expected(
        {"data": [{"id": "a"}]}
    )


# --- the Enode client's lists --------------------------------------------------------------


def _vehicle(number: int, odometer: float) -> dict[str, Any]:
    vehicle = load_fixture("vehicle.json")
    vehicle["id"] = f"vehicle-{number}"
    vehicle["odometer"]["distance"] = odometer
    return vehicle  # type: ignore[no-any-return]


def _mock_list(mocked: aioresponses, vehicles: list[dict[str, Any]]) -> None:
    page = {"data": vehicles, "pagination": {"after": None, "before": None}}
    mocked.get(merge_params(VEHICLES_URL, {"pageSize": PAGE_SIZE}), payload=page)


async def test_enode_polls_parse_only_changed_vehicles(
    session: aiohttp.ClientSession, mock_api: aioresponses, clock: FakeClock
) -> None:
    """Of 30 listed vehicles one changed: it alone is parsed again and shows its new data."""
    client = EnodeClient(session, CLIENT_ID, CLIENT_SECRET, ENDPOINTS, clock=clock)
    mock_token(mock_api)
    vehicles = [_vehicle(n, 1000.0 + n) for n in range(30)]
    _mock_list(mock_api, vehicles)
    vehicles_after = [*vehicles[:12], _vehicle(12, 5000.0), *vehicles[13:]]
    _mock_list(mock_api, vehicles_after)
    parsed: list[str] = []

    def counting(data: Any) -> Any:
        parsed.append(data["id"])
        return parse_vehicle(data)

    with patch.object(client_module, "parse_vehicle", counting):
        before = await client.async_list_vehicles(USER_ID, page_size=int(PAGE_SIZE))
        parsed.clear()
        after = await client.async_list_vehicles(USER_ID, page_size=int(PAGE_SIZE))

    assert parsed == ["vehicle-12"]
    assert after[12].odometer is not None
    assert after[12].odometer.distance_km == 5000.0
    assert before[12].odometer is not None
    assert before[12].odometer.distance_km == 1012.0
    assert [vehicle.id for vehicle in after] == [f"vehicle-{n}" for n in range(30)]
    assert all(after[n] is before[n] for n in range(30) if n != 12)


async def test_enode_refuses_a_broken_list_as_before(
    session: aiohttp.ClientSession, mock_api: aioresponses, clock: FakeClock
) -> None:
    """A list answer that is not JSON, or has no ``data`` array, is an invalid response."""
    client = EnodeClient(session, CLIENT_ID, CLIENT_SECRET, ENDPOINTS, clock=clock)
    mock_token(mock_api)
    _mock_list(mock_api, [_vehicle(1, 1.0)])
    url = merge_params(VEHICLES_URL, {"pageSize": PAGE_SIZE})
    mock_api.get(url, body="{not json", content_type="application/json")
    mock_api.get(url, payload={"data": {"id": "x"}})

    await client.async_list_vehicles(USER_ID, page_size=int(PAGE_SIZE))
    with pytest.raises(InvalidResponseError, match="not JSON"):
        await client.async_list_vehicles(USER_ID, page_size=int(PAGE_SIZE))
    with pytest.raises(InvalidResponseError, match="'data'"):
        await client.async_list_vehicles(USER_ID, page_size=int(PAGE_SIZE))
