"""Connector JSON as the document shows it; anything else is ``InvalidResponseError``."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from custom_components.connected_ev.api.connectors.parse import parse_connector, parse_page
from custom_components.connected_ev.api.errors import InvalidResponseError
from custom_components.connected_ev.api.models import ConnectorType

CONNECTOR: dict[str, Any] = {
    "id": "497f6eca-6276-4993-bfeb-53cbbbba6f08",
    "customer_id": "160c0c4b-9966-4dc1-a916-8407eb10d74e",
    "hardware_version": "11",
    "name": "1005123",
    "pin": "01234",
    "software_version": "8756",
    "type": "virtual",
}
PAGE: dict[str, Any] = {"query": {"limit": 25, "offset": 0}, "result": [CONNECTOR], "total": 3255}


def test_the_documented_example() -> None:
    page = parse_page(PAGE)
    assert (page.total, page.limit, page.offset) == (3255, 25, 0)
    (connector,) = page.items
    assert connector.type is ConnectorType.VIRTUAL
    assert (connector.name, connector.hardware_version, connector.software_version) == (
        "1005123",
        "11",
        "8756",
    )
    assert connector.pin == "01234"
    assert "01234" not in repr(connector)


def test_lenient_where_the_api_may_grow() -> None:
    connector = parse_connector(
        {**CONNECTOR, "type": "satellite", "pin": "12ab5", "customer_id": None, "extra": 1}
    )
    assert connector.type is ConnectorType.UNKNOWN
    assert connector.pin is None
    assert connector.customer_id is None
    blank = parse_connector({**CONNECTOR, "hardware_version": "", "software_version": None})
    assert (blank.hardware_version, blank.software_version) == (None, None)


@pytest.mark.parametrize(
    "change",
    [
        {"id": "x"},
        {"id": None},
        {"customer_id": "nope"},
        {"name": ""},
        {"name": 5},
        {"type": None},
        {"hardware_version": 11},
    ],
)
def test_off_shape_connectors(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidResponseError):
        parse_connector({**CONNECTOR, **change})


@pytest.mark.parametrize(
    "page",
    [
        [],
        {**PAGE, "result": None},
        {**PAGE, "query": None},
        {**PAGE, "total": -1},
        {**PAGE, "total": True},
        {**PAGE, "query": {"limit": "25", "offset": 0}},
        {**PAGE, "result": [None]},
    ],
)
def test_off_shape_pages(page: object) -> None:
    with pytest.raises(InvalidResponseError):
        parse_page(page)


_VALUES: list[Any] = [None, True, 0, -1, 2**70, 1.5, "", "x", "01234", [], {}, [None], {"a": 1}]


def _mutate(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        if rng.random() < 0.2:
            del value[key]
        else:
            value[key] = _mutate(value[key], rng)
        return value
    if isinstance(value, list) and value and rng.random() < 0.7:
        index = rng.randrange(len(value))
        value[index] = _mutate(value[index], rng)
        return value
    return rng.choice(_VALUES)


def test_fuzz_never_raises_anything_else() -> None:
    """Thousands of mutated pages: parsed, or ``InvalidResponseError``; nothing else."""
    rng = random.Random(18)  # noqa: S311 - repeatable fuzzing
    parsed = 0
    for _ in range(3000):
        document = _mutate(copy.deepcopy(PAGE), rng)
        try:
            parse_page(json.loads(json.dumps(document)))
        except InvalidResponseError:
            continue
        parsed += 1
    assert 0 < parsed < 3000
