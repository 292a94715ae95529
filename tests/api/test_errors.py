"""The status → typed error mapping every provider's error reader ends in."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
    error_for_status,
)
from custom_components.connected_ev.api.http import RawResponse, error_for_response


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (408, ProviderUnavailableError),
        (500, ProviderUnavailableError),
        (503, ProviderUnavailableError),
        (599, ProviderUnavailableError),
        (400, NotCapableError),
        (405, NotCapableError),
        (422, NotCapableError),
        (499, NotCapableError),
        (302, InvalidResponseError),
        (204, InvalidResponseError),
        (100, InvalidResponseError),
    ],
)
def test_each_status_gets_the_error_of_its_reaction(
    status: int, expected: type[ProviderError]
) -> None:
    error = error_for_status(
        status, "Acme GET /things failed", problem_type="kind", detail="what went wrong"
    )
    assert type(error) is expected
    assert str(error) == "Acme GET /things failed"
    assert (error.status, error.problem_type, error.detail) == (status, "kind", "what went wrong")


@pytest.mark.parametrize("status", [408, 429, 502])
def test_errors_to_retry_keep_the_wait(status: int) -> None:
    error = error_for_status(status, "failed", retry_after=42.0)
    assert isinstance(error, RateLimitedError | ProviderUnavailableError)
    assert error.retry_after == 42.0
    without = error_for_status(status, "failed")
    assert isinstance(without, RateLimitedError | ProviderUnavailableError)
    assert without.retry_after is None


@pytest.mark.parametrize("status", [400, 401, 404, 409, 302])
def test_errors_not_to_retry_ignore_a_wait(status: int) -> None:
    error = error_for_status(status, "failed", retry_after=42.0)
    assert not hasattr(error, "retry_after")


def test_details_default_to_none() -> None:
    error = error_for_status(404, "gone")
    assert (error.problem_type, error.detail) == (None, None)


def _response(status: int, **headers: str) -> RawResponse:
    return RawResponse(status, CIMultiDictProxy(CIMultiDict(headers)), b"")


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("12", 12.0), (" 7 ", 7.0), ("0", 0.0), ("soon", None), ("-5", None)],
)
def test_a_response_s_retry_after_is_read_as_seconds(
    retry_after: str, expected: float | None
) -> None:
    error = error_for_response(_response(429, **{"Retry-After": retry_after}), "rate limited")
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == expected


def test_a_response_s_retry_after_as_a_date_is_the_time_until_then() -> None:
    later = format_datetime(datetime(2999, 1, 1, tzinfo=UTC), usegmt=True)
    error = error_for_response(_response(503, **{"Retry-After": later}), "down")
    assert isinstance(error, ProviderUnavailableError)
    assert error.retry_after is not None
    assert error.retry_after > 365 * 24 * 3600


def test_a_response_without_retry_after_has_no_wait() -> None:
    error = error_for_response(_response(503), "down", problem_type="t", detail="d")
    assert isinstance(error, ProviderUnavailableError)
    assert (error.retry_after, error.status, error.problem_type, error.detail) == (
        None,
        503,
        "t",
        "d",
    )


def test_a_response_s_status_decides_the_class() -> None:
    error = error_for_response(_response(401, **{"Retry-After": "5"}), "rejected")
    assert type(error) is AuthenticationError
    assert error.status == 401
