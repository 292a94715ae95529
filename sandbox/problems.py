"""RFC 7807 problem responses in Enode's format.

Every error of the sandbox's API is ``application/problem+json; charset=utf-8`` with the
``type``/``title``/``detail`` members (plus ``issues`` for validation errors), which is what the
spec's ``Problem`` schema requires and what clients must parse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

PROBLEM_BASE = "https://developers.enode.com/api/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_STATUS_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not Found"),
    405: ("method-not-allowed", "Method Not Allowed"),
    409: ("conflict", "Conflict"),
    410: ("gone", "Gone"),
    422: ("unprocessable-entity", "Unprocessable Entity"),
    429: ("too-many-requests", "Too Many Requests"),
    500: ("internal-server-error", "Internal Server Error"),
    502: ("bad-gateway", "Bad Gateway"),
    503: ("service-unavailable", "Service Unavailable"),
    504: ("gateway-timeout", "Gateway Timeout"),
}


def problem_slug(status: int) -> tuple[str, str]:
    """Return the problem slug and title used for an HTTP status."""
    return _STATUS_PROBLEMS.get(status, ("error", "Error"))


class ApiProblem(Exception):
    """An error that the API layer turns into a problem+json response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        issues: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.issues = issues
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        """Build the HTTP response for this problem."""
        return problem_response(
            self.status, self.detail, title=self.title, issues=self.issues, headers=self.headers
        )


def problem_body(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    issues: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return the JSON body of a problem."""
    slug, default_title = problem_slug(status)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title or default_title,
        "detail": detail,
    }
    if issues is not None:
        body["issues"] = issues
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    issues: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Return a problem+json response."""
    return web.Response(
        status=status,
        text=json.dumps(problem_body(status, detail, title=title, issues=issues)),
        content_type=PROBLEM_CONTENT_TYPE,
        charset="utf-8",
        headers=headers,
    )


def bad_request(detail: str, issues: list[dict[str, Any]] | None = None) -> ApiProblem:
    """Return a 400 problem."""
    return ApiProblem(400, detail, issues=issues)


def not_found(detail: str) -> ApiProblem:
    """Return a 404 problem."""
    return ApiProblem(404, detail)
