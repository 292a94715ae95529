"""Check the translations of Connected EV against strings.json, or resync en.json.

Usage: python scripts/translations.py --check | --sync-en
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "connected_ev"
STRINGS = COMPONENT / "strings.json"
TRANSLATIONS = COMPONENT / "translations"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Report:
    """Differences between one translation and strings.json."""

    language: str
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        """Return whether the translation has stale keys or placeholder mismatches."""
        return bool(self.stale or self.placeholders)


def load(path: Path) -> dict[str, object]:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def flatten(data: object, prefix: str = "") -> dict[str, str]:
    """Map every string in nested dicts to its dotted key."""
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: str(data)}


def placeholders(text: str) -> set[str]:
    """Return the {name} placeholders of a string ([%key:...%] references excluded)."""
    return set(PLACEHOLDER.findall(text))


def compare(source: dict[str, object], translation: dict[str, object], language: str) -> Report:
    """Compare a translation with the English source."""
    src, dst = flatten(source), flatten(translation)
    report = Report(language)
    report.missing = sorted(set(src) - set(dst))
    report.stale = sorted(set(dst) - set(src))
    for key in sorted(set(src) & set(dst)):
        want, got = placeholders(src[key]), placeholders(dst[key])
        if want != got:
            report.placeholders.append(f"{key}: expected {sorted(want)}, found {sorted(got)}")
    return report


def check_all() -> list[Report]:
    """Compare every translations/*.json except en.json with strings.json."""
    source = load(STRINGS)
    return [
        compare(source, load(path), path.stem)
        for path in sorted(TRANSLATIONS.glob("*.json"))
        if path.stem != "en"
    ]


def sync_en() -> None:
    """Rewrite translations/en.json as a copy of strings.json."""
    (TRANSLATIONS / "en.json").write_text(STRINGS.read_text(encoding="utf-8"), encoding="utf-8")


def main() -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="report missing/stale/placeholders")
    mode.add_argument("--sync-en", action="store_true", help="rewrite en.json from strings.json")
    args = parser.parse_args()
    if args.sync_en:
        sync_en()
        print("translations/en.json rewritten from strings.json")
        return 0
    failed = False
    for report in check_all():
        print(
            f"{report.language}: {len(report.missing)} missing, {len(report.stale)} stale, "
            f"{len(report.placeholders)} placeholder mismatches"
        )
        for title, items in (
            ("missing (English fallback)", report.missing),
            ("stale", report.stale),
            ("placeholder mismatch", report.placeholders),
        ):
            for item in items:
                print(f"  {title}: {item}")
        failed = failed or report.fatal
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
