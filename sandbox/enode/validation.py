"""Small request-body validator producing Enode-style 400 problems with ``issues``.

The sandbox checks what the spec declares (required members, types, enums, lengths, patterns,
ranges, no unknown members) so that a client which sends a malformed body fails here as it
would against Enode, and learns which member was wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from aiohttp import web

from sandbox.problems import ApiProblem, bad_request

DEADLINE_PATTERN = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
_MISSING = object()


async def read_json(request: web.Request) -> object:
    """Return the parsed JSON body, or raise a 400 problem when it is not JSON."""
    raw = await request.read()
    if not raw.strip():
        raise bad_request("The request body must be a JSON document.")
    try:
        return json.loads(raw)
    except ValueError as err:
        raise bad_request(f"The request body is not valid JSON: {err}") from err


async def read_optional_json(request: web.Request) -> object:
    """Return the parsed JSON body, or an empty object when there is no body."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as err:
        raise bad_request(f"The request body is not valid JSON: {err}") from err


class Body:
    """Collect validation issues for one JSON object and raise them all at once."""

    def __init__(
        self,
        body: object,
        *,
        allowed: Collection[str],
        path: tuple[str, ...] = (),
        issues: list[dict[str, Any]] | None = None,
    ) -> None:
        self.issues: list[dict[str, Any]] = [] if issues is None else issues
        self.path = path
        if not isinstance(body, dict):
            raise bad_request(
                "The request body must be a JSON object.",
                [_issue("invalid_type", list(path), "Expected object")],
            )
        self.data: dict[str, Any] = body
        extra = sorted(set(body) - set(allowed))
        if extra:
            self.issues.append(
                _issue("unrecognized_keys", list(path), f"Unrecognized key(s): {', '.join(extra)}")
            )

    def _at(self, name: str | int, *more: str | int) -> list[str | int]:
        return [*self.path, name, *more]

    def has(self, name: str) -> bool:
        """Return True when the member is present (even if null)."""
        return name in self.data

    def _get(self, name: str, required: bool) -> object:
        value = self.data.get(name, _MISSING)
        if value is _MISSING and required:
            self.issues.append(_issue("invalid_type", self._at(name), "Required"))
        return value

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        nullable: bool = False,
        enum: Collection[str] | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        """Return a string member, or None when absent/null/invalid (issues recorded)."""
        value = self._get(name, required)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, str):
            self.issues.append(_issue("invalid_type", self._at(name), "Expected string"))
            return None
        if enum is not None and value not in enum:
            self.issues.append(
                _issue("invalid_enum_value", self._at(name), f"Invalid enum value '{value}'")
            )
            return None
        if min_length is not None and len(value) < min_length:
            self.issues.append(
                _issue(
                    "too_small", self._at(name), f"Must contain at least {min_length} character(s)"
                )
            )
            return None
        if max_length is not None and len(value) > max_length:
            self.issues.append(
                _issue("too_big", self._at(name), f"Must contain at most {max_length} character(s)")
            )
            return None
        if pattern is not None and not pattern.match(value):
            self.issues.append(_issue("invalid_string", self._at(name), "Invalid format"))
            return None
        return value

    def number(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: float | None = None,
        integer: bool = False,
    ) -> float | None:
        """Return a numeric member, or None when absent/invalid (issues recorded)."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.issues.append(_issue("invalid_type", self._at(name), "Expected number"))
            return None
        if integer and not float(value).is_integer():
            self.issues.append(_issue("invalid_type", self._at(name), "Expected integer"))
            return None
        number = float(value)
        too_small = (minimum is not None and number < minimum) or (
            exclusive_minimum is not None and number <= exclusive_minimum
        )
        if too_small:
            self.issues.append(_issue("too_small", self._at(name), "Number is too small"))
            return None
        if maximum is not None and number > maximum:
            self.issues.append(_issue("too_big", self._at(name), "Number is too big"))
            return None
        return number

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        """Return a boolean member, or None when absent/invalid (issues recorded)."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.issues.append(_issue("invalid_type", self._at(name), "Expected boolean"))
            return None
        return value

    def string_list(
        self,
        name: str,
        *,
        enum: Collection[str],
        required: bool = False,
        min_items: int = 0,
    ) -> list[str] | None:
        """Return a list of strings, or None when absent/invalid (issues recorded)."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.issues.append(_issue("invalid_type", self._at(name), "Expected array of strings"))
            return None
        if len(value) < min_items:
            self.issues.append(
                _issue(
                    "too_small",
                    self._at(name),
                    f"Array must contain at least {min_items} element(s)",
                )
            )
            return None
        for index, item in enumerate(value):
            if item not in enum:
                self.issues.append(
                    _issue(
                        "invalid_enum_value",
                        self._at(name, index),
                        f"Invalid enum value '{item}'",
                    )
                )
                return None
        return list(value)

    def obj(self, name: str, *, allowed: Collection[str], nullable: bool = False) -> Body | None:
        """Return a validator for a nested object, or None when absent/null/invalid."""
        value = self._get(name, False)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, dict):
            self.issues.append(_issue("invalid_type", self._at(name), "Expected object"))
            return None
        return Body(value, allowed=allowed, path=(*self.path, name), issues=self.issues)

    def fail(self, name: str, message: str) -> None:
        """Record a custom issue about one member."""
        self.issues.append(_issue("custom", self._at(name), message))

    def check(self) -> None:
        """Raise a 400 problem listing every issue, if there is any."""
        if self.issues:
            first = self.issues[0]
            where = ".".join(str(part) for part in first["path"]) or "body"
            raise bad_request(f"Invalid request body: {where}: {first['message']}", self.issues)


def _issue(code: str, path: list[str | int], message: str) -> dict[str, Any]:
    return {"code": code, "path": path, "message": message}


def query_problem(name: str, message: str) -> ApiProblem:
    """Return a 400 problem for an invalid query parameter."""
    return bad_request(
        f"Invalid query parameter {name}: {message}", [_issue("custom", [name], message)]
    )


def present[T](value: T | None) -> T:
    """Narrow a member that :meth:`Body.check` guaranteed to be present."""
    if value is None:
        raise bad_request("A required member is missing.")
    return value
