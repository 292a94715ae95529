"""Chargetrip's error envelope: HTTP 200, ``errors[].extensions.exception.code``.

Every code of providers-more.md A.5 is listed here with its documented message, so the admin
API can inject any of them. Codes go out upper case (as the seed prints them) unless the
sandbox is told to use lower case, the spelling of the newer docs, so that clients prove they
compare case-insensitively. ``UNAUTHORIZED`` (bad ``x-client-id``/``x-app-id``) and the
``GRAPHQL_*`` codes are not documented by Chargetrip: they are this sandbox's choice.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

CODES: dict[str, str] = {
    "AUTH_TOKEN_EXPIRED": "The token you provided is expired",
    "AUTH_TOKEN_INVALID": "The token you provided is invalid",
    "CONNECT_PROVIDER_NOT_ALLOWED": (
        "The Connect provider Enode is not configured for your client id. "
        "Please contact customer support to enable it!"
    ),
    "CONNECTED_VEHICLE_PER_MAKE_LIMIT_REACHED": (
        "The maximum number of vehicles per make was reached"
    ),
    "CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED": "You cannot remove this vehicle now",
    "ENODE_PROXY_EXCEPTION": "Enode remote did throw an exception that could not be handled",
    "NEW_CONNECTED_VEHICLE_INVALID_OPTIONS_ENODE": (
        "Provided options are invalid. Enode requires the following options: redirect_uri, scope"
    ),
    "VEHICLE_ALREADY_CONNECTED": (
        "This vehicle has already been connected to a provider for this user."
    ),
    "CONNECT_MULTIPLE_VEHICLES_NOT_ALLOWED": (
        "Multiple vehicles on the same OEM account are not allowed with Enode"
    ),
    "AUTH_CODE_INVALID": "The provided authorization code is invalid",
    "CONNECTED_VEHICLE_FORBIDDEN": "The vehicle does not seem to be authorized yet",
    "CONNECTED_VEHICLE_NOT_FOUND": "The connected vehicle was not found",
    "OPERATION_NOT_ALLOWED": "Enable it for the current application in the dashboard",
    "RATE_LIMIT_EXCEEDED": "Rate limit exceeded",
    "VEHICLE_NOT_FOUND": "The vehicle was not found",
    "UNAUTHORIZED": "A valid x-client-id and x-app-id are required",
}
STATUS: dict[str, int] = {
    "AUTH_TOKEN_EXPIRED": 401,
    "AUTH_TOKEN_INVALID": 401,
    "UNAUTHORIZED": 401,
    "RATE_LIMIT_EXCEEDED": 429,
    "CONNECTED_VEHICLE_FORBIDDEN": 403,
    "CONNECTED_VEHICLE_NOT_FOUND": 404,
    "VEHICLE_NOT_FOUND": 404,
    "ENODE_PROXY_EXCEPTION": 502,
}
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL = "INTERNAL_SERVER_ERROR"


class ChargetripError(Exception):
    """A refusal a resolver raises; it becomes one entry of ``errors``."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or CODES.get(code, code)
        super().__init__(self.message)


def exception_extensions(code: str, message: str, *, lower: bool) -> dict[str, Any]:
    """Return ``extensions`` as Chargetrip shapes it."""
    wire = code.lower() if lower else code
    return {
        "exception": {
            "code": wire,
            "status": STATUS.get(code, 400 if code.startswith("GRAPHQL_") else 500),
            "message": message,
            "response": wire,
        }
    }


def format_error(error: GraphQLError, *, lower: bool) -> dict[str, Any]:
    """Format an execution error; an unexpected exception becomes ``INTERNAL_SERVER_ERROR``."""
    original = error.original_error
    if isinstance(original, ChargetripError):
        code, message = original.code, original.message
    elif original is None or isinstance(original, GraphQLError):  # invalid input
        code, message = VALIDATION_FAILED, error.message
    else:
        code, message = INTERNAL, "Internal server error"
    body: dict[str, Any] = {"message": message}
    if error.locations:
        body["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        body["path"] = list(error.path)
    body["extensions"] = exception_extensions(code, message, lower=lower)
    return body


def envelope(code: str, message: str | None = None, *, lower: bool) -> dict[str, Any]:
    """Return a whole response that failed before execution (``data`` null)."""
    text = message or CODES.get(code, code)
    error = {"message": text, "extensions": exception_extensions(code, text, lower=lower)}
    return {"errors": [error], "data": None}
