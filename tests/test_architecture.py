"""The shape of the code and its docs: checked, so they stay true."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from veille.cli import cli
from veille.settings import describe

REPO = Path(__file__).resolve().parents[1]


def test_imports_go_one_way():
    """store knows nothing of the others; stages never import each other or the top layer."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint, "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_is_documented():
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [name for name, _ in describe() if f"`{name}`" not in doc]
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def _commands(group: click.Group, prefix: str = "veille"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path, command


def test_every_command_is_documented_and_has_help():
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, command in _commands(cli):
        assert f"`{path}" in doc, f"{path} missing from docs/cli.md"
        assert command.help, f"{path} has no --help text"
        assert any(p.name == "data_dir" for p in command.params), f"{path} lacks --data-dir"
