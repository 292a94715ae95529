"""Problem Details → typed errors, whatever the body."""

from __future__ import annotations

import json

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from custom_components.connected_ev.api.connectors.errors import error_for_status, parse_problem
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.http import RawResponse


def response(status: int, body: object, **headers: str) -> RawResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawResponse(status, CIMultiDictProxy(CIMultiDict(headers)), raw)


PROBLEM = {
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "limit must be between 0 and 1000",
    "invalid-params": [{"name": "limit", "reason": "too big"}, {"name": "limit"}, "junk"],
}


def test_problem_names_the_field() -> None:
    problem = parse_problem(json.dumps(PROBLEM).encode())
    assert problem.fields == ("limit",)
    assert problem.summary == "limit: limit must be between 0 and 1000"
    error = error_for_status(response(400, PROBLEM), "GET /v2/customers/connectors")
    assert isinstance(error, NotCapableError)
    assert error.detail == "limit: limit must be between 0 and 1000"
    assert error.problem_type == "about:blank"
    assert "HTTP 400" in str(error)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1]", b"[" * 100_000, json.dumps({"detail": 5}).encode()],
)
def test_unreadable_problems_are_tolerated(body: bytes) -> None:
    problem = parse_problem(body)
    assert problem.summary is None
    assert isinstance(error_for_status(response(422, body), "op"), NotCapableError)


def test_long_and_fieldless_problems() -> None:
    problem = parse_problem(json.dumps({"title": "x" * 500, "invalid_params": []}).encode())
    assert problem.summary is not None
    assert len(problem.summary) == 200
    only_field = parse_problem(json.dumps({"invalid-params": [{"name": "type"}]}).encode())
    assert only_field.summary == "type"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (400, NotCapableError),
        (422, NotCapableError),
        (429, RateLimitedError),
        (408, ProviderUnavailableError),
        (500, ProviderUnavailableError),
        (503, ProviderUnavailableError),
        (302, InvalidResponseError),
    ],
)
def test_status_decides_the_class(status: int, error: type[ProviderError]) -> None:
    raised = error_for_status(response(status, {}, **{"Retry-After": "12"}), "op")
    assert type(raised) is error
    if isinstance(raised, RateLimitedError | ProviderUnavailableError):
        assert raised.retry_after == 12
