"""Problem Details (RFC 9457) responses of the API mapped to the typed errors of ``api.errors``.

The document only says every error is "see status code and problem response", so the body is
read as ``application/problem+json`` (``type``, ``title``, ``status``, ``detail``) with the
RFC's ``invalid-params`` extension (``[{"name", "reason"}]``) naming the offending field.
Any other body is tolerated: the status alone decides the error's class. Messages carry the
operation template and the server's words, never ids, URLs, bodies or credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from ..http import RawResponse, loads_json, parse_retry_after
from .const import PROVIDER_NAME

MAX_TEXT_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """The readable parts of a problem body."""

    type: str | None = None
    title: str | None = None
    detail: str | None = None
    fields: tuple[str, ...] = ()
    """Names of the parameters ``invalid-params`` blames."""

    @property
    def summary(self) -> str | None:
        """The field(s) and the detail, e.g. ``limit: must be at most 1000``."""
        text = self.detail or self.title
        if self.fields:
            named = ", ".join(self.fields)
            return f"{named}: {text}" if text else named
        return text


def _text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    return text if len(text) <= MAX_TEXT_LENGTH else text[: MAX_TEXT_LENGTH - 1] + "…"


def parse_problem(body: bytes) -> Problem:
    """Read a problem body; anything unreadable gives an empty ``Problem``."""
    try:
        document = loads_json(body)
    except ValueError:
        return Problem()
    if not isinstance(document, dict):
        return Problem()
    params = document.get("invalid-params", document.get("invalid_params"))
    fields: list[str] = []
    if isinstance(params, list):
        for param in params[:10]:
            name = _text(param.get("name")) if isinstance(param, dict) else None
            if name is not None and name not in fields:
                fields.append(name)
    return Problem(
        type=_text(document.get("type")),
        title=_text(document.get("title")),
        detail=_text(document.get("detail")),
        fields=tuple(fields),
    )


def error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Build the typed error of a non-2xx response (``detail`` names the field or object)."""
    status = response.status
    problem = parse_problem(response.body)
    message = f"{PROVIDER_NAME} {operation} failed with HTTP {status}"
    if problem.summary:
        message += f": {problem.summary}"
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    kwargs: dict[str, Any] = {
        "status": status,
        "problem_type": problem.type,
        "detail": problem.summary,
    }
    if status in (401, 403):
        return AuthenticationError(message, **kwargs)
    if status in (404, 410):
        return NotFoundError(message, **kwargs)
    if status == 409:
        return ConflictError(message, **kwargs)
    if status == 429:
        return RateLimitedError(message, retry_after=retry_after, **kwargs)
    if status == 408 or status >= 500:
        return ProviderUnavailableError(message, retry_after=retry_after, **kwargs)
    if 400 <= status < 500:
        return NotCapableError(message, **kwargs)
    return InvalidResponseError(message, **kwargs)
