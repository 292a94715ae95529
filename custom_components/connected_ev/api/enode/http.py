"""Enode's error responses: problem+json bodies and statuses mapped to typed errors.

Sending and decoding are shared with every provider (``api.http``). Messages name the
operation template and the provider's problem title/detail only: never URLs with ids,
request bodies, response bodies or credentials.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ForbiddenError, ProviderError
from ..http import RawResponse, error_for_response, loads_json


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
    if status == 403:
        # Enode's 403 is a refusal of an understood request (for example the connections
        # limit of a link session), not a rejected credential: the credentials still work.
        return ForbiddenError(
            message, status=status, problem_type=problem.type, detail=problem.detail
        )
    # 400 (failed precondition), 422 (controlled by a schedule or smart charging) and any
    # other client error fall to "not capable": Enode will not do this now, as asked.
    return error_for_response(response, message, problem_type=problem.type, detail=problem.detail)
