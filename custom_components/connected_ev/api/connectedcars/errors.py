"""Connected Cars' error responses mapped to the integration's typed errors.

The Auth API answers ``{"message", "type"}`` (the docs) and the login messages public clients
match on ("Email is incorrect", "Incorrect password", "Namespace could not be found"); a client
keys on the HTTP status and the message, as the docs' and the clients' shapes differ. Each
rejected login part is its own ``AuthenticationError`` so the form names what was wrong.
Messages carry the operation and the server's short message only, never bodies or tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import AuthenticationError, NotCapableError, ProviderError
from ..http import RawResponse, error_for_response, loads_json
from .const import (
    MESSAGE_EMAIL_INCORRECT,
    MESSAGE_INCORRECT_PASSWORD,
    MESSAGE_NAMESPACE_NOT_FOUND,
    PROVIDER_NAME,
)

MAX_MESSAGE_LENGTH = 200


class InvalidEmailError(AuthenticationError):
    """No user with this e-mail address in the namespace."""


class InvalidPasswordError(AuthenticationError):
    """The password does not match the e-mail address."""


class UnknownNamespaceError(AuthenticationError):
    """The app namespace does not exist in this region."""


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The readable parts of an Auth API error body."""

    message: str | None = None
    type: str | None = None


def parse_error_body(body: bytes) -> ErrorBody:
    """Read ``message`` and ``type`` (``error`` as some servers name it); tolerate anything."""
    try:
        document = loads_json(body)
    except ValueError:
        return ErrorBody()
    if not isinstance(document, dict):
        return ErrorBody()
    message = document.get("message")
    kind = document.get("type", document.get("error"))
    return ErrorBody(
        message=" ".join(message.split())[:MAX_MESSAGE_LENGTH]
        if isinstance(message, str)
        else None,
        type=kind[:MAX_MESSAGE_LENGTH] if isinstance(kind, str) else None,
    )


def _login_error(body: ErrorBody) -> type[AuthenticationError] | None:
    """Return the login part a message (or the documented type) rejects, if it names one."""
    message = (body.message or "").casefold()
    if MESSAGE_NAMESPACE_NOT_FOUND.casefold() in message:
        return UnknownNamespaceError
    if MESSAGE_EMAIL_INCORRECT.casefold() in message or body.type == "user_not_found":
        return InvalidEmailError
    if MESSAGE_INCORRECT_PASSWORD.casefold() in message:
        return InvalidPasswordError
    return None


def error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Build the typed error of a non-2xx response (Auth API or GraphQL)."""
    status = response.status
    body = parse_error_body(response.body)
    message = f"{PROVIDER_NAME} {operation} failed with HTTP {status}"
    if body.message:
        message += f": {body.message}"
    common: dict[str, Any] = {"problem_type": body.type, "detail": body.message}
    if 400 <= status < 500 and status not in (408, 429):
        if (login_error := _login_error(body)) is not None:
            return login_error(message, status=status, **common)
        if status == 409:
            # The Auth API's one documented 409 (``email_exists``, on sign-up) is about the
            # account, not about an action's state: it stays "cannot do this", not a conflict.
            return NotCapableError(message, status=status, **common)
    return error_for_response(response, message, **common)
