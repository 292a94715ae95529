"""Repair issues the integration raises: one way to create a warning the user can read."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


def create_warning_issue(
    hass: HomeAssistant, issue_id: str, translation_key: str, placeholders: dict[str, str]
) -> None:
    """Raise (or update) a warning that clears itself once its cause is gone."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )
