"""scripts/develop's example dashboard: copied and updated, never over the user's edits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "develop_dashboard.py"

develop_dashboard = load_script("develop_dashboard")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    path = tmp_path / "example.yaml"
    path.write_text("title: Connected EV\n", encoding="utf-8")
    return path


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "config" / "dashboards" / "connected_ev.yaml"


def test_first_start_copies_the_example(example: Path, target: Path) -> None:
    assert develop_dashboard.copy_dashboard(example, target)
    assert target.read_text(encoding="utf-8") == "title: Connected EV\n"


def test_an_unedited_copy_follows_the_example(example: Path, target: Path) -> None:
    """A newer example replaces the copy nobody touched."""
    develop_dashboard.copy_dashboard(example, target)
    example.write_text("title: Connected EV, new cards\n", encoding="utf-8")
    assert develop_dashboard.copy_dashboard(example, target)
    assert target.read_text(encoding="utf-8") == "title: Connected EV, new cards\n"


def test_an_edited_dashboard_is_kept(example: Path, target: Path) -> None:
    """The user's edits survive the next start, even when the example changed meanwhile."""
    develop_dashboard.copy_dashboard(example, target)
    target.write_text("title: My own\n", encoding="utf-8")
    example.write_text("title: Connected EV, new cards\n", encoding="utf-8")
    assert not develop_dashboard.copy_dashboard(example, target)
    assert target.read_text(encoding="utf-8") == "title: My own\n"


@pytest.mark.parametrize(
    ("content", "copied"), [("title: Connected EV\n", True), ("title: Mine\n", False)]
)
def test_a_copy_without_a_hash_is_kept_unless_it_is_the_example(
    example: Path, target: Path, content: str, copied: bool
) -> None:
    """A folder from before the hash was kept: only an exact copy counts as unedited."""
    target.parent.mkdir(parents=True)
    target.write_text(content, encoding="utf-8")
    assert develop_dashboard.copy_dashboard(example, target) is copied
    assert target.read_text(encoding="utf-8") == content


def test_the_command_says_what_it_keeps(example: Path, target: Path) -> None:
    """scripts/develop prints why the dashboard did not change."""
    target.parent.mkdir(parents=True)
    target.write_text("title: Mine\n", encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, SCRIPT, example, target], capture_output=True, text=True, check=True
    )
    assert f"Keeping your edited {target}" in done.stdout
    assert target.read_text(encoding="utf-8") == "title: Mine\n"
