"""Every document the client can send is valid against Chargetrip's schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from gql import gql
from graphql import GraphQLSchema, build_schema, print_ast, validate

from custom_components.connected_ev.api.chargetrip import documents
from custom_components.connected_ev.api.chargetrip.const import MAX_CONNECTED_VEHICLES
from custom_components.connected_ev.api.graphql import operation_name

SCHEMA_FILE = (
    Path(__file__).parents[3]
    / "custom_components"
    / "connected_ev"
    / "api"
    / "chargetrip"
    / "schema.graphql"
)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """Build the schema subset taken from Chargetrip's introspection."""
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "document",
    [
        *documents.SENT_DOCUMENTS,
        *(documents.refresh_document(n) for n in (0, 1, 2, 7, MAX_CONNECTED_VEHICLES)),
    ],
    ids=lambda document: operation_name(document),
)
def test_every_document_is_valid(schema: GraphQLSchema, document: object) -> None:
    """A misspelt field or a wrong argument fails here, not at Chargetrip."""
    assert validate(schema, document) == []  # type: ignore[arg-type]


def test_the_check_catches_a_misspelt_field(schema: GraphQLSchema) -> None:
    """The validation above is not vacuous."""
    wrong = gql("query Wrong { connectedVehicleList(size: 1) { idd } }")
    assert validate(schema, wrong)


def test_refresh_reads_every_vehicle_under_aliases() -> None:
    """One document for any number of vehicles: data and naming per alias."""
    printed = print_ast(documents.refresh_document(3))
    for index in range(3):
        assert f"d{index}: connectedVehicleData(id: $c{index})" in printed
        assert f"m{index}: vehicle(id: $v{index})" in printed
    assert "vehicles: connectedVehicleList" in printed


@pytest.mark.parametrize("count", [-1, MAX_CONNECTED_VEHICLES + 1])
def test_refresh_size_is_bounded(count: int) -> None:
    """More vehicles than one list page would never be read: refused."""
    with pytest.raises(ValueError, match="out of range"):
        documents.refresh_document(count)
