"""Regenerate ``enode_schemas.json`` from Enode's OpenAPI document (a developer tool).

Usage: ``python -m tests.sandbox.make_schema_fixture path/to/enode-openapi.json``

Keeps only the schemas the sandbox tests check (responses, webhook events and the components
they reference) and drops descriptions and examples, so the fixture is data, not prose.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).with_name("enode_schemas.json")
_DROPPED = frozenset({"description", "example", "examples", "title", "deprecated"})

RESPONSES: tuple[tuple[str, str, str], ...] = (
    ("post", "/users/{userId}/link", "200"),
    ("post", "/users/{userId}/link", "403"),
    ("post", "/assets/{assetId}/relink", "200"),
    ("post", "/assets/{assetId}/relink", "400"),
    ("get", "/users", "200"),
    ("get", "/users/{userId}", "200"),
    ("get", "/vehicles", "200"),
    ("get", "/users/{userId}/vehicles", "200"),
    ("get", "/vehicles/{vehicleId}", "200"),
    ("post", "/vehicles/{vehicleId}/charging", "200"),
    ("post", "/vehicles/{vehicleId}/charging", "400"),
    ("post", "/vehicles/{vehicleId}/charging", "422"),
    ("post", "/vehicles/{vehicleId}/max-current", "200"),
    ("get", "/vehicles/actions/{actionId}", "200"),
    ("post", "/vehicles/actions/{actionId}/cancel", "200"),
    ("post", "/vehicles/actions/{actionId}/cancel", "409"),
    ("get", "/vehicles/{vehicleId}/smart-charging-policy", "200"),
    ("put", "/vehicles/{vehicleId}/smart-charging-policy", "200"),
    ("put", "/vehicles/{vehicleId}/smart-charging-policy", "400"),
    ("get", "/vehicles/{vehicleId}/smart-charging-status", "200"),
    ("get", "/vehicles/{vehicleId}/smart-charging-plans/{smartChargingPlanId}", "200"),
    ("post", "/vehicles/{vehicleId}/smart-override", "200"),
    ("delete", "/vehicles/{vehicleId}/smart-override", "200"),
    ("delete", "/vehicles/{vehicleId}/smart-override", "404"),
    ("get", "/chargers", "200"),
    ("get", "/users/{userId}/chargers", "200"),
    ("get", "/chargers/{chargerId}", "200"),
    ("put", "/chargers/{chargerId}", "200"),
    ("post", "/chargers/{chargerId}/charging", "200"),
    ("post", "/chargers/{chargerId}/charging", "400"),
    ("post", "/chargers/{chargerId}/charging", "422"),
    ("post", "/chargers/{chargerId}/max-current", "200"),
    ("get", "/chargers/actions/{actionId}", "200"),
    ("post", "/chargers/actions/{actionId}/cancel", "200"),
    ("post", "/chargers/actions/{actionId}/cancel", "409"),
    ("post", "/users/{userId}/locations", "200"),
    ("get", "/users/{userId}/locations", "200"),
    ("get", "/locations", "200"),
    ("get", "/locations/{locationId}", "200"),
    ("put", "/locations/{locationId}", "200"),
    ("delete", "/locations/{locationId}", "200"),
    ("get", "/interventions", "200"),
    ("get", "/interventions/{interventionId}", "200"),
    ("post", "/webhooks", "200"),
    ("post", "/webhooks", "400"),
    ("get", "/webhooks", "200"),
    ("get", "/webhooks/{webhookId}", "200"),
    ("get", "/webhooks/{webhookId}", "404"),
    ("patch", "/webhooks/{webhookId}", "200"),
    ("post", "/webhooks/{webhookId}/test", "200"),
    ("get", "/users/{userId}/statistics/charging", "200"),
    ("get", "/users/{userId}/statistics/charging", "404"),
)
WEBHOOKS: tuple[str, ...] = (
    "user:vehicle:discovered",
    "user:vehicle:updated",
    "user:vehicle:deleted",
    "user:vehicle:smart-charging-status-updated",
    "user:charger:discovered",
    "user:charger:updated",
    "user:charger:deleted",
    "user:vendor-action:updated",
    "user:credentials:invalidated",
    "system:heartbeat",
    "enode:webhook:test",
)


def _strip(node: Any, *, names: bool = False) -> Any:
    """Drop prose and vendor extensions; ``names`` marks a ``properties`` mapping."""
    if isinstance(node, dict):
        return {
            key: _strip(value, names=key == "properties" and not names)
            for key, value in node.items()
            if names or (key not in _DROPPED and not key.startswith("x-"))
        }
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def _collect_refs(node: Any, schemas: dict[str, Any], found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _collect_refs(schemas[name], schemas, found)
        for value in node.values():
            _collect_refs(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            _collect_refs(value, schemas, found)


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the trimmed fixture for an OpenAPI document."""
    schemas: dict[str, Any] = spec["components"]["schemas"]
    found = {"Problem"}
    _collect_refs(schemas["Problem"], schemas, found)
    responses: dict[str, Any] = {}
    for method, path, status in RESPONSES:
        content = spec["paths"][path][method]["responses"][status]["content"]
        schema = next(iter(content.values()))["schema"]
        responses[f"{method.upper()} {path} {status}"] = _strip(schema)
        _collect_refs(schema, schemas, found)
    webhooks: dict[str, Any] = {}
    for name in WEBHOOKS:
        schema = spec["webhooks"][name]["post"]["requestBody"]["content"]["application/json"]
        webhooks[name] = _strip(schema["schema"])
        _collect_refs(schema, schemas, found)
    return {
        "source": f"Enode OpenAPI {spec['info']['version']} (trimmed: schemas only)",
        "responses": responses,
        "webhooks": webhooks,
        "components": {"schemas": {name: _strip(schemas[name]) for name in sorted(found)}},
    }


def main() -> None:
    """Write the fixture next to this file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", type=Path, help="Enode's OpenAPI JSON document")
    spec = json.loads(parser.parse_args().spec.read_text(encoding="utf-8"))
    FIXTURE.write_text(
        json.dumps(build(spec), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
