"""Enode's error responses: problem+json bodies and statuses mapped to typed errors.

Sending and decoding are shared with every provider (``api.http``). Messages name the
operation template and the provider's problem title/detail only: never URLs with ids,
request bodies, response bodies or credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from ..http import RawResponse, loads_json, parse_retry_after


@dataclass(frozen=True, slots=True)
class Problem:
    """The parts of an RFC 7807 problem body that errors carry."""

    type: str | None = None
    title: str | None = None
    detail: str | None = None


def parse_problem(body: bytes) -> Problem:
    """Read ``type``/``title``/``detail`` from a problem body; tolerate anything else."""
    try:
        document = loads_json(body)
    except ValueError:
        return Problem()
    if not isinstance(document, dict):
        return Problem()

    def text(key: str) -> str | None:
        value = document.get(key)
        return value if isinstance(value, str) and value else None

    return Problem(type=text("type"), title=text("title"), detail=text("detail"))


def error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Build the typed error for a non-2xx API response (a 401 here is final)."""
    status = response.status
    problem = parse_problem(response.body)
    message = f"Enode {operation} failed with HTTP {status}"
    if problem.title:
        message += f": {problem.title}"
    if problem.detail:
        message += f" ({problem.detail})"
    common: dict[str, Any] = {
        "status": status,
        "problem_type": problem.type,
        "detail": problem.detail,
    }
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error: ProviderError
    if status == 401:
        error = AuthenticationError(message, **common)
    elif status == 403:
        error = ForbiddenError(message, **common)
    elif status in (404, 410):
        error = NotFoundError(message, **common)
    elif status == 409:
        error = ConflictError(message, **common)
    elif status == 429:
        error = RateLimitedError(message, retry_after=retry_after, **common)
    elif status == 408 or status >= 500:
        error = ProviderUnavailableError(message, retry_after=retry_after, **common)
    elif 400 <= status < 500:
        # 400 (failed precondition), 422 (controlled by a schedule/smart charging) and any
        # other client error: the provider will not do this now, as asked.
        error = NotCapableError(message, **common)
    else:
        error = InvalidResponseError(message, **common)
    return error
