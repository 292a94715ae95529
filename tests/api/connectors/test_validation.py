"""Inputs are checked before anything is sent, and errors name the field."""

from __future__ import annotations

import pytest

from custom_components.connected_ev.api.connectors import validation as check
from custom_components.connected_ev.api.errors import InvalidRequestError
from custom_components.connected_ev.api.models import ConnectorType

UUID = "160C0C4B-9966-4DC1-A916-8407EB10D74E"


def test_valid_values() -> None:
    assert check.uuid(UUID, "customer_id") == UUID.lower()
    assert (check.limit(0), check.limit(1000), check.offset(0), check.offset(2**63 - 1)) == (
        0,
        1000,
        0,
        2**63 - 1,
    )
    assert check.name(" 1005123 ") == "1005123"
    assert check.types(["virtual", ConnectorType.PHYSICAL]) == (
        ConnectorType.VIRTUAL,
        ConnectorType.PHYSICAL,
    )
    assert check.pin("01234") == "01234"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: check.uuid("160c0c4b", "customer_id"), "customer_id"),
        (lambda: check.uuid(None, "connector_id"), "connector_id"),
        (lambda: check.limit(1001), "limit"),
        (lambda: check.limit(-1), "limit"),
        (lambda: check.limit(True), "limit"),
        (lambda: check.offset(-1), "offset"),
        (lambda: check.offset(2**63), "offset"),
        (lambda: check.name("   "), "name"),
        (lambda: check.name("a\nb"), "name"),
        (lambda: check.name("x" * 201), "name"),
        (lambda: check.types([]), "type"),
        (lambda: check.types(["virtual", "virtual"]), "type"),
        (lambda: check.types(["unknown"]), "type"),
        (lambda: check.pin("1234"), "pin"),
        (lambda: check.pin("\uff11\uff12\uff13\uff14\uff15"), "pin"),
    ],
)
def test_invalid_values_name_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        call()  # type: ignore[operator]
    assert raised.value.detail == field
