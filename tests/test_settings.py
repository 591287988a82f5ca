"""Settings: TOML file, environment, secrets, and one clear line for each mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run
from veille.errors import UserError
from veille.settings import load_settings


def test_defaults_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / "veille.toml").write_text('crawl_delay = 2.5\nsmtp_host = "mail.example.org"\n')
    settings = load_settings()
    assert settings.crawl_delay == 2.5 and settings.smtp_host == "mail.example.org"
    monkeypatch.setenv("VEILLE_CRAWL_DELAY", "0.5")
    assert load_settings().crawl_delay == 0.5  # the environment beats the file
    assert load_settings(data_dir=tmp_path / "d").store_url == f"sqlite:///{tmp_path / 'd' / 'veille.sqlite'}"


def test_malformed_toml_is_one_clear_line(tmp_path):
    (tmp_path / "veille.toml").write_text("crawl_delay = = 2\n")
    with pytest.raises(UserError, match=r"veille.toml: not valid TOML: .*line 1"):
        load_settings()


def test_wrong_value_names_the_setting(tmp_path):
    (tmp_path / "veille.toml").write_text('crawl_delay = "soon"\n')
    with pytest.raises(UserError, match=r"crawl_delay: Input should be a valid number.*'soon'"):
        load_settings()


def test_unknown_setting_is_refused(tmp_path):
    (tmp_path / "veille.toml").write_text("crawl_dealy = 2\n")
    with pytest.raises(UserError, match="unknown setting 'crawl_dealy'"):
        load_settings()


def test_secrets_never_come_from_the_file(tmp_path, monkeypatch):
    (tmp_path / "veille.toml").write_text('smtp_password = "hunter2"\n')
    with pytest.raises(UserError, match="VEILLE_SMTP_PASSWORD"):
        load_settings()
    (tmp_path / "veille.toml").write_text("")
    secret = tmp_path / "outside" / "smtp"
    secret.parent.mkdir()
    secret.write_text("s3cret\n")
    monkeypatch.setenv("VEILLE_SMTP_PASSWORD_FILE", str(secret))
    assert load_settings().smtp_password.get_secret_value() == "s3cret"


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(UserError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_config_show_masks_secrets(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("VEILLE_SMTP_PASSWORD", "hunter2")
    result = run(capsys, "config", "show", "--data-dir", str(tmp_path / "data"))
    assert result.code == 0
    assert "hunter2" not in result.out
    assert 'smtp_password = "********"' in result.out
    assert "[env VEILLE_CRAWL_DELAY]" in result.out
    values = json.loads(run(capsys, "config", "show", "--json", "--data-dir", str(tmp_path / "d")).out)
    assert values["data_dir"] == str(tmp_path / "d")


def test_cli_reports_a_bad_config_in_one_line(capsys, tmp_path):
    Path("veille.toml").write_text("crawl_delay = -1\n")
    result = run(capsys, "sources", "list")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert result.err.startswith("veille: error: veille.toml or environment: crawl_delay:")


def test_unreachable_database_is_one_line_from_the_cli(capsys, monkeypatch):
    monkeypatch.setenv("VEILLE_DATABASE_URL", "postgresql://veille@127.0.0.1:9/nowhere")
    result = run(capsys, "search")
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("veille: error: cannot open the database postgresql+psycopg://veille@127.0.0.1:9/nowhere")
    assert result.err.count("\n") == 1
