"""requirements_test.txt installs what a real Home Assistant loads, at its manifests' versions."""

from __future__ import annotations

import pytest
from homeassistant.auth.mfa_modules import totp

from tests.pins import manifest_requirements, not_installed, pinned

# What scripts/develop's Home Assistant loads that has requirements; the browser test checks
# this list against the integrations the running instance reports.
REAL_HOME_ASSISTANT = [
    "assist_pipeline",
    "assist_satellite",
    "camera",
    "conversation",
    "ffmpeg",
    "frontend",
    "infrared",
    "radio_frequency",
    "tts",
]


@pytest.mark.parametrize("domain", REAL_HOME_ASSISTANT)
def test_loaded_integrations_requirements_are_pinned(domain: str) -> None:
    """Otherwise a fresh instance installs them while the browser waits, and may stall."""
    requirements = manifest_requirements(domain)
    assert requirements
    assert not_installed(requirements) == []


def test_default_login_module_requirements_are_pinned() -> None:
    """The TOTP module is loaded with every instance's auth."""
    assert not_installed(totp.REQUIREMENTS) == []


def test_not_installed_names_a_version_mismatch() -> None:
    """The check can fail: another version, or no package at all, is not installed."""
    assert not_installed(["hassil==0.0.1", "not-a-package==1.0"]) == [
        "hassil==0.0.1",
        "not-a-package==1.0",
    ]


def test_every_requirement_is_pinned_exactly() -> None:
    """A fresh CI machine installs exactly what was tested."""
    assert all(pinned().values())
