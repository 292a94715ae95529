"""Diagnostics: the cached data, redacted, without calling the provider."""

from __future__ import annotations

import json
from unittest.mock import AsyncMock

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .conftest import charge_action


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    snapshot: SnapshotAssertion,
) -> None:
    """Ids stay for debugging; VINs, serials, positions, user ids and secrets do not."""
    init_integration.runtime_data.coordinator.async_apply_action(charge_action())
    calls = len(mock_provider.mock_calls)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert diagnostics == snapshot
    assert len(mock_provider.mock_calls) == calls
    text = json.dumps(diagnostics)
    for secret in ("5YJSA1E26HF000001", "ZAP000123", "59.9139", "10.7522", "ha-user"):
        assert secret not in text
