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


def test_the_command_starts_without_the_libraries_of_the_stages():
    """`veille --help` or `veille extract` opens no store: loading SQLAlchemy and Alembic
    at start-up tripled the time of every command (1.0 s for --help, 0.3 s without)."""
    heavy = ("sqlalchemy", "alembic", "scrapy", "twisted", "sklearn", "fastapi", "apscheduler")
    for modules, also_heavy in (("veille.cli", ("trafilatura",)), ("veille.extracting, crawlers.jobs", ())):
        probe = f"import sys, {modules}; print(' '.join(m for m in {heavy + also_heavy!r} if m in sys.modules))"
        result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.split() == [], (modules, result.stdout + result.stderr)


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


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:3]]
    assert blocks[0].endswith("veille demo"), "the README's first command runs the demo"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert blocks[1] in ci, "the README's second command must be a line of .ci/run, verbatim"
