"""requirements_test.txt installs what a real Home Assistant loads, at its manifests' versions."""

from __future__ import annotations

import pytest
from homeassistant.auth.mfa_modules import totp

from tests.pins import (
    DEVELOP_INTEGRATIONS,
    develop_requirements,
    manifest_requirements,
    not_installed,
    pinned,
)


@pytest.mark.parametrize("domain", DEVELOP_INTEGRATIONS)
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


def test_develop_requirements_are_what_requirements_test_pins() -> None:
    """The newest release's environment is built from this list: it must cover the pins."""
    listed = {requirement.partition("==")[0].lower() for requirement in develop_requirements()}
    assert "home-assistant-frontend" in listed
    assert "pyotp" in listed
    assert not_installed(develop_requirements()) == []


def test_every_requirement_is_pinned_exactly() -> None:
    """A fresh CI machine installs exactly what was tested."""
    assert all(pinned().values())
