"""A tiny JSON Schema checker for the subset Enode's OpenAPI document uses.

The schemas come from ``enode_schemas.json`` (a trimmed copy of the spec's response, webhook
and component schemas). Two readings follow the spec's intent rather than the letter:
``allOf`` branches share their property names for ``additionalProperties: false`` (the spec
composes closed objects with ``allOf``), and ``null`` is accepted by an ``allOf`` with a branch
allowing ``null`` and by an ``enum`` whose ``type`` allows ``null`` (the spec marks nullable
references and nullable enums that way).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_FIXTURE = Path(__file__).with_name("enode_schemas.json")
SPEC: dict[str, Any] = json.loads(_FIXTURE.read_text(encoding="utf-8"))
_COMPONENTS: dict[str, Any] = SPEC["components"]["schemas"]

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


class SchemaError(AssertionError):
    """The value does not match the schema."""


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _property_names(schema: dict[str, Any]) -> set[str]:
    schema = _resolve(schema)
    names = set(schema.get("properties", {}))
    for branch in schema.get("allOf", []):
        names |= _property_names(branch)
    return names


def _allows_null(schema: dict[str, Any]) -> bool:
    kind = _resolve(schema).get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind in ("number", "integer") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[kind])


def check(
    value: Any, schema: dict[str, Any], path: str = "$", extra: frozenset[str] = frozenset()
) -> None:
    """Raise :class:`SchemaError` when ``value`` does not match ``schema``."""
    schema = _resolve(schema)
    if "allOf" in schema:
        branches = schema["allOf"]
        if value is None and any(_allows_null(b) for b in branches):
            return
        names = frozenset(set().union(*(_property_names(b) for b in branches))) | extra
        for branch in branches:
            check(value, branch, path, names)
    if "anyOf" in schema or "oneOf" in schema:
        errors: list[str] = []
        for branch in schema.get("anyOf") or schema.get("oneOf") or []:
            try:
                check(value, branch, path, extra)
            except SchemaError as err:
                errors.append(str(err))
            else:
                break
        else:
            raise SchemaError(f"{path}: matches no alternative: {errors}")
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_type_ok(value, k) for k in kinds):
            raise SchemaError(f"{path}: {value!r} is not of type {kind}")
    nullable_null = value is None and _allows_null(schema)
    if "enum" in schema and value not in schema["enum"] and not nullable_null:
        raise SchemaError(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        _check_string(value, schema, path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(value, schema, path)
    if isinstance(value, dict):
        _check_object(value, schema, path, extra)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise SchemaError(f"{path}: fewer than {schema['minItems']} items")
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                check(item, items, f"{path}[{index}]")


def _check_string(value: str, schema: dict[str, Any], path: str) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        raise SchemaError(f"{path}: shorter than {schema['minLength']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise SchemaError(f"{path}: longer than {schema['maxLength']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise SchemaError(f"{path}: {value!r} does not match {schema['pattern']}")
    fmt = schema.get("format")
    if fmt == "date-time" and not _DATE_TIME.match(value):
        raise SchemaError(f"{path}: {value!r} is not a date-time")
    if fmt == "uuid" and not _UUID.match(value):
        raise SchemaError(f"{path}: {value!r} is not a uuid")


def _check_number(value: float, schema: dict[str, Any], path: str) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        raise SchemaError(f"{path}: {value} < {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        raise SchemaError(f"{path}: {value} > {schema['maximum']}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        raise SchemaError(f"{path}: {value} <= {schema['exclusiveMinimum']}")


def _check_object(
    value: dict[str, Any], schema: dict[str, Any], path: str, extra: frozenset[str]
) -> None:
    properties: dict[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            raise SchemaError(f"{path}: missing required {name!r}")
    if schema.get("additionalProperties") is False:
        unknown = set(value) - set(properties) - extra
        if unknown:
            raise SchemaError(f"{path}: unexpected members {sorted(unknown)}")
    for name, sub in properties.items():
        if name in value:
            check(value[name], sub, f"{path}.{name}")


def check_response(value: Any, key: str) -> None:
    """Check a body against a response schema, e.g. ``"GET /vehicles/{vehicleId} 200"``."""
    check(value, SPEC["responses"][key], key)


def check_webhook(event: dict[str, Any]) -> None:
    """Check one webhook event against the schema of its ``event`` name."""
    check(event, SPEC["webhooks"][event["event"]], event["event"])


def check_component(value: Any, name: str) -> None:
    """Check a value against a named component schema (e.g. ``Problem``)."""
    check(value, _COMPONENTS[name], name)
