"""Every GraphQL document the client sends is valid against the schema file it reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import DocumentNode, build_schema, validate

from custom_components.connected_ev.api.connectedcars import documents
from custom_components.connected_ev.api.graphql import operation_name

SCHEMA = build_schema(
    (Path(documents.__file__).parent / "schema.graphql").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    "document", documents.ALL_DOCUMENTS, ids=lambda document: operation_name(document)
)
def test_document_is_valid(document: DocumentNode) -> None:
    """The document validates against the schema (field names, arguments, fragments)."""
    assert validate(SCHEMA, document) == []


def test_every_document_is_listed() -> None:
    """ALL_DOCUMENTS holds every document the module defines."""
    defined = {id(value) for value in vars(documents).values() if isinstance(value, DocumentNode)}
    assert defined == {id(document) for document in documents.ALL_DOCUMENTS}
