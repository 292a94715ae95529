"""The admin fault body every sandbox but Enode's reads the same way."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from sandbox.faults import FAULT_KINDS, FaultBodyError, fault_from_body


def test_an_empty_body_asks_for_one_503_on_every_path() -> None:
    fault = fault_from_body({}, kinds=FAULT_KINDS, ids=itertools.count(7))
    assert fault.as_json() == {
        "id": "fault-7",
        "path": "*",
        "method": None,
        "kind": "error",
        "remaining": 1,
        "status": 503,
        "retryAfter": None,
        "latencyMs": 1000.0,
    }


def test_every_member_is_kept() -> None:
    body = {
        "path": "/v1/*",
        "method": "POST",
        "kind": "rate_limit",
        "count": 3,
        "status": 429,
        "retryAfter": 2.5,
        "latencyMs": 0,
    }
    fault = fault_from_body(body, kinds=FAULT_KINDS, ids=itertools.count(1))
    assert (fault.path, fault.method, fault.kind, fault.remaining) == (
        "/v1/*",
        "POST",
        "rate_limit",
        3,
    )
    assert (fault.status, fault.retry_after, fault.latency_ms) == (429, 2.5, 0.0)


def test_a_fixed_path_ignores_the_body_s_path_and_method() -> None:
    body = {"path": 5, "method": 5, "kind": "latency"}
    fault = fault_from_body(body, kinds=FAULT_KINDS, ids=itertools.count(1), path="/graphql")
    assert (fault.path, fault.method, fault.kind) == ("/graphql", None, "latency")


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        ({"path": ""}, "path must be a glob", "path"),
        ({"path": ["/x"]}, "path must be a glob", "path"),
        ({"method": 1}, "method must be a string", "method"),
        ({"kind": "empty"}, "kind must be one of error, latency", "kind"),
        ({"count": 0}, "count must be a number from 1 to 1e+06", "count"),
        ({"count": True}, "count must be a number from 1 to 1e+06", "count"),
        ({"status": 302}, "status must be a number from 400 to 599", "status"),
        ({"status": "503"}, "status must be a number from 400 to 599", "status"),
        ({"retryAfter": -1}, "retryAfter must be a number from 0 to 86400", "retryAfter"),
        ({"latencyMs": 30_001}, "latencyMs must be a number from 0 to 30000", "latencyMs"),
        ({"latencyMs": float("nan")}, "latencyMs must be a number from 0 to 30000", "latencyMs"),
    ],
)
def test_an_invalid_member_is_named(body: dict[str, Any], message: str, field: str) -> None:
    ids = itertools.count(1)
    with pytest.raises(FaultBodyError) as raised:
        fault_from_body(body, kinds=("error", "latency"), ids=ids)
    assert (raised.value.message, raised.value.field, str(raised.value)) == (
        message,
        field,
        message,
    )
    assert next(ids) == 1  # a refused body uses no id


def test_the_first_invalid_member_is_reported() -> None:
    with pytest.raises(FaultBodyError) as raised:
        fault_from_body({"kind": "nope", "count": 0}, kinds=FAULT_KINDS, ids=itertools.count(1))
    assert raised.value.field == "kind"
