"""Hiven's error responses: its error body (assumption A5) and statuses mapped to errors.

Sending and decoding are shared with every provider (``api.http``). Messages name the
operation template and the server's message only: never ids, URLs, request bodies, the
API key, VINs or coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ProviderError
from ..http import RawResponse, error_for_response, loads_json

__all__ = ["ErrorBody", "error_for_status", "parse_error_body"]

MAX_MESSAGE_LENGTH = 300


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The readable parts of an error body (``{"statusCode", "message", "error"}``)."""

    message: str | None = None
    error: str | None = None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - 1] + "…"


def parse_error_body(body: bytes) -> ErrorBody:
    """Read ``message`` (a string or a list of strings) and ``error``; tolerate anything."""
    try:
        document = loads_json(body)
    except ValueError:
        return ErrorBody()
    if not isinstance(document, dict):
        return ErrorBody()
    raw_message = document.get("message")
    if isinstance(raw_message, list):
        parts = [part for part in raw_message if isinstance(part, str) and part]
        raw_message = "; ".join(parts)
    message = _clip(raw_message) if isinstance(raw_message, str) and raw_message else None
    raw_error = document.get("error")
    error = _clip(raw_error) if isinstance(raw_error, str) and raw_error else None
    return ErrorBody(message=message, error=error)


def error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Build the typed error of a non-2xx response."""
    status = response.status
    body = parse_error_body(response.body)
    message = f"Hiven {operation} failed with HTTP {status}"
    if body.message:
        message += f": {body.message}"
    return error_for_response(response, message, problem_type=body.error, detail=body.message)
