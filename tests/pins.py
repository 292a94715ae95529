"""What Home Assistant's own code asks to have installed, and whether it is."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pinned() -> dict[str, str]:
    """Return requirements_test.txt as {name: version}."""
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements_test.txt").read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, _, wanted = requirement.partition("==")
            pins[name] = wanted
    return pins


def manifest_requirements(domain: str) -> list[str]:
    """Return the requirements in a built-in integration's manifest."""
    # Located, not imported: an integration imports what it requires.
    spec = find_spec(f"homeassistant.components.{domain}")
    if spec is None or spec.submodule_search_locations is None:
        return []  # not a built-in integration (ours has no requirements)
    folder = Path(next(iter(spec.submodule_search_locations)))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    requirements: list[str] = manifest.get("requirements", [])
    return requirements


def not_installed(requirements: list[str]) -> list[str]:
    """Return the requirements whose exact version is not installed.

    Home Assistant installs those itself when it loads the integration: on a fresh machine,
    while the browser is already waiting for it.
    """
    missing = []
    for requirement in requirements:
        name, _, wanted = requirement.partition("==")
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != wanted:
            missing.append(requirement)
    return missing
