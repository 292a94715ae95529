"""Translations match strings.json and follow Home Assistant's rules for translations."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import voluptuous as vol
import yaml
from homeassistant.helpers import config_validation as cv

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


# --- Home Assistant's rules -------------------------------------------------------------
# hassfest (script/hassfest/translations.py, not part of the installed package) checks
# strings.json against these rules; the frontend formats every string with ICU
# MessageFormat, where a brace that is not a {name} placeholder breaks the whole string
# ("Translation error: MALFORMED_ARGUMENT") in every language.

RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)


def translation_key(value: str) -> str:
    """Check a selector option, entity, state or service key: lowercase, no edge separators."""
    if RE_TRANSLATION_KEY.match(value) is None:
        raise vol.Invalid(f"invalid translation key {value!r}: use [a-z0-9-_]")
    return value


def message_format_errors(text: str) -> list[str]:
    """Return why the frontend's MessageFormat parser would reject ``text`` (none: fine)."""
    errors = []
    if "'{" in text or "'}" in text:
        errors.append("an apostrophe before a brace makes the placeholder literal text")
    if "{" in (rest := translations.PLACEHOLDER.sub("", text)) or "}" in rest:
        errors.append("a brace that is not part of a {name} placeholder")
    return errors


def translation_value(value: Any) -> str:
    """Check a string: no HTML, URL, reference or edge spaces; valid MessageFormat."""
    text = cv.string_with_no_html(value)
    if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
        raise vol.Invalid("placeholder inside single quotes")
    if RE_COMBINED_REFERENCE.search(text) or "[%key:" in text:
        # References are resolved for core integrations only; ours would show as written.
        raise vol.Invalid("reference to another translation")
    if RE_URL.search(text):
        raise vol.Invalid("URL: give it as a description placeholder")
    if text != text.strip():
        raise vol.Invalid("leading or trailing spaces")
    if errors := message_format_errors(text):
        raise vol.Invalid("; ".join(errors))
    return text


def _data_entry_schema() -> vol.All:
    def data_described(value: dict[str, Any]) -> dict[str, Any]:
        for step_id, step in value["step"].items():
            if extra := set(step.get("data_description", {})) - set(step.get("data", {})):
                raise vol.Invalid(f"step {step_id}: data_description without data: {extra}")
        return value

    strings = {str: translation_value}
    step = {
        vol.Optional("title"): translation_value,
        vol.Optional("description"): translation_value,
        vol.Optional("data"): strings,
        vol.Optional("data_description"): strings,
        vol.Optional("menu_options"): strings,
        vol.Optional("submit"): translation_value,
        vol.Optional("sections"): {
            str: {
                vol.Optional("data"): strings,
                vol.Optional("description"): translation_value,
                vol.Optional("name"): translation_value,
            }
        },
    }
    schema = {
        vol.Optional("flow_title"): translation_value,
        vol.Required("step"): {str: step},
        vol.Optional("error"): strings,
        vol.Optional("abort"): strings,
        vol.Optional("progress"): strings,
        vol.Optional("create_entry"): strings,
    }
    return vol.All(vol.Schema(schema), data_described)


def _states() -> Any:
    return cv.schema_with_slug_keys(translation_value, slug_validator=translation_key)


STRINGS_SCHEMA = vol.Schema(
    {
        vol.Optional("title"): translation_value,
        vol.Optional("config"): _data_entry_schema(),
        vol.Optional("options"): _data_entry_schema(),
        vol.Optional("selector"): cv.schema_with_slug_keys(
            {"options": _states()}, slug_validator=vol.Any("_", cv.slug)
        ),
        vol.Optional("application_credentials"): {vol.Optional("description"): translation_value},
        vol.Optional("issues"): {
            str: {
                vol.Required("title"): translation_value,
                # hassfest: a fixable issue explains itself in its fix flow instead.
                vol.Exclusive("description", "fixable"): translation_value,
                vol.Exclusive("fix_flow", "fixable"): _data_entry_schema(),
            }
        },
        vol.Optional("device"): cv.schema_with_slug_keys(
            {vol.Optional("name"): translation_value}, slug_validator=translation_key
        ),
        vol.Optional("entity"): cv.schema_with_slug_keys(
            cv.schema_with_slug_keys(
                {
                    vol.Optional("name"): translation_value,
                    vol.Optional("state"): _states(),
                    vol.Optional("state_attributes"): cv.schema_with_slug_keys(
                        {vol.Optional("name"): translation_value, vol.Optional("state"): _states()},
                        slug_validator=translation_key,
                    ),
                },
                slug_validator=translation_key,
            ),
            slug_validator=cv.slug,
        ),
        vol.Optional("exceptions"): cv.schema_with_slug_keys(
            {vol.Optional("message"): translation_value}, slug_validator=cv.slug
        ),
        vol.Optional("services"): cv.schema_with_slug_keys(
            {
                vol.Required("name"): translation_value,
                vol.Required("description"): translation_value,
                vol.Optional("fields"): cv.schema_with_slug_keys(
                    {
                        vol.Required("name"): str,
                        vol.Required("description"): translation_value,
                        vol.Optional("example"): translation_value,
                    },
                    slug_validator=translation_key,
                ),
            },
            slug_validator=translation_key,
        ),
    }
)
FILES = ["strings.json", *(f"translations/{language}.json" for language in ["en", *LANGUAGES])]


@pytest.mark.parametrize("name", FILES)
def test_home_assistant_rules(name: str) -> None:
    """Every key and string passes hassfest's rules and the frontend's MessageFormat."""
    STRINGS_SCHEMA(translations.load(translations.COMPONENT / name))


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("Ready by {time}; {count} days", []),
        ('e.g. {"monday": "07:00"}', ["a brace that is not part of a {name} placeholder"]),
        ("{} clears the week", ["a brace that is not part of a {name} placeholder"]),
        ("{a {b}}", ["a brace that is not part of a {name} placeholder"]),
        ("the '{name}' field", ["an apostrophe before a brace makes the placeholder literal text"]),
    ],
)
def test_message_format_check(text: str, errors: list[str]) -> None:
    """The check tells placeholders from JSON examples and other stray braces."""
    assert message_format_errors(text) == errors


@pytest.mark.parametrize("value", ["BMW", "land_rover_", "a__b", "-x"])
def test_translation_key_rule(value: str) -> None:
    """Upper case and edge or doubled separators are refused, as hassfest does."""
    with pytest.raises(vol.Invalid):
        translation_key(value)


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_link_steps_show_their_title(language: str) -> None:
    """The link dialogs open with a heading: the frontend shows no title for external steps."""
    steps = translations.load(translations.TRANSLATIONS / f"{language}.json")["config"]["step"]
    for step_id in ("link_vehicle", "link_charger"):
        step = steps[step_id]
        assert step["description"].startswith(f"### {step['title']}\n\n")


def test_action_choices_are_translated() -> None:
    """Every choice of an action's select field has a label in strings.json (so per language)."""
    actions = yaml.safe_load((translations.COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    labels = translations.load(translations.STRINGS)["selector"]
    selects = [
        (f"{action}.{name}", field["selector"]["select"])
        for action, spec in actions.items()
        for name, field in (spec.get("fields") or {}).items()
        if "select" in field.get("selector", {})
    ]
    assert selects
    for name, select in selects:
        # A label written in services.yaml would be English in every language.
        assert all(isinstance(option, str) for option in select["options"]), name
        assert select["options"] == list(labels[select["translation_key"]]["options"]), name
