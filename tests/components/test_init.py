"""The integration loads in Home Assistant and describes itself correctly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

from custom_components.connected_ev.const import DOMAIN

ROOT = Path(__file__).parents[2]


async def test_component_sets_up(hass: HomeAssistant) -> None:
    """Home Assistant finds the custom integration and sets it up without YAML."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components


async def test_yaml_configuration_is_refused(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Accounts come from config entries only; YAML under the domain is reported."""
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"client_id": "x"}})
    assert "The connected_ev integration does not support YAML setup" in caplog.text


async def test_manifest_is_complete_for_hacs(hass: HomeAssistant) -> None:
    """The loader reads the manifest with every key HACS and hassfest look for."""
    integration = await async_get_integration(hass, DOMAIN)
    manifest = integration.manifest
    for key in (
        "domain",
        "name",
        "version",
        "codeowners",
        "documentation",
        "issue_tracker",
        "iot_class",
        "integration_type",
        "requirements",
        "dependencies",
    ):
        assert key in manifest, key
    assert manifest["integration_type"] == "hub"
    assert str(integration.version) == manifest["version"]
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == manifest["name"]
    assert hacs["homeassistant"] <= "2026.10.4"


def test_translations_match_strings() -> None:
    """The English translation is generated from strings.json and must not drift."""
    component = ROOT / "custom_components" / DOMAIN
    strings = json.loads((component / "strings.json").read_text())
    english = json.loads((component / "translations" / "en.json").read_text())
    assert english == strings
