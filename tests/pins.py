"""What Home Assistant's own code asks to have installed, and whether it is.

Standard library only: ``python -m tests.pins`` also runs in the second environment that
scripts/bootstrap builds with the newest Home Assistant, to list what it must install there.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What scripts/develop's Home Assistant loads that has requirements; the browser test checks
# this list against the integrations the running instance reports.
DEVELOP_INTEGRATIONS = [
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
        return []  # not a built-in integration (ours: ``own_requirements``)
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


def own_requirements() -> list[str]:
    """Return Connected EV's own requirements (gql; the sandboxes run on its graphql-core)."""
    manifest = ROOT / "custom_components" / "connected_ev" / "manifest.json"
    requirements: list[str] = json.loads(manifest.read_text(encoding="utf-8"))["requirements"]
    return requirements


def develop_requirements() -> list[str]:
    """Return what scripts/develop's Home Assistant loads, as the installed release pins it.

    The integrations' manifests, the default login module (TOTP), which every instance's
    auth loads, and Connected EV's own requirements, which the sandboxes need before Home
    Assistant could install them.
    """
    from homeassistant.auth.mfa_modules import totp  # noqa: PLC0415

    requirements = [r for domain in DEVELOP_INTEGRATIONS for r in manifest_requirements(domain)]
    return sorted({*requirements, *totp.REQUIREMENTS, *own_requirements()})


if __name__ == "__main__":
    sys.stdout.write("".join(f"{requirement}\n" for requirement in develop_requirements()))
