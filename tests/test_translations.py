"""Translations match strings.json: no stale keys, same placeholders, en.json in sync."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "translations.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("connected_ev_translations", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


translations = _load_script()
LANGUAGES = ["de", "nl", "da", "sv", "fi"]


def test_en_equals_strings() -> None:
    assert translations.load(translations.TRANSLATIONS / "en.json") == translations.load(
        translations.STRINGS
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_matches_strings(language: str) -> None:
    report = translations.compare(
        translations.load(translations.STRINGS),
        translations.load(translations.TRANSLATIONS / f"{language}.json"),
        language,
    )
    assert report.stale == []
    assert report.placeholders == []


def test_check_all_not_fatal() -> None:
    reports = translations.check_all()
    assert {report.language for report in reports} >= set(LANGUAGES)
    assert not [report.language for report in reports if report.fatal]


def test_placeholders_ignore_json_examples() -> None:
    assert translations.placeholders('e.g. {"monday": "07:00"}; {} clears {name}') == {"name"}
