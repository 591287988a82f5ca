"""The one settings object of veille.

Values come, lowest priority first, from the defaults below, a TOML file
(`veille.toml` in the working directory, or the file named by `--config` /
`VEILLE_CONFIG`), then `VEILLE_*` environment variables. Secrets are read only
from the environment (or from a file named by `VEILLE_<NAME>_FILE`), never
from the TOML file, which tends to end up in a repository.

Components never read this object globally: the CLI, the web app and the
scheduler pass the values each stage needs.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from veille.errors import UserError

SECRETS = ("smtp_password", "secret_key")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("veille", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEILLE_", extra="forbid", validate_default=True)

    # --- storage
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the SQLite store, trained models and built newsletters live.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the store; empty means SQLite at DATA_DIR/veille.sqlite. "
        "For a team: postgresql+psycopg://user@host/dbname",
    )
    # --- crawling
    user_agent: str = Field(
        "veille/0.1 (+{contact_url})",
        description="User-Agent of the crawler; {contact_url} is replaced by contact_url.",
    )
    contact_url: str = Field(
        "https://example.org/veille", description="Where site owners learn who crawls them."
    )
    allow_private_networks: bool = Field(
        False,
        description="Allow crawling loopback and private addresses. For the demo and tests only.",
    )
    crawl_delay: float = Field(1.0, ge=0, description="Seconds between two requests to one site.")
    crawl_concurrency_per_site: int = Field(2, ge=1, description="Parallel requests to one site.")
    crawl_concurrency: int = Field(16, ge=1, description="Parallel requests in all.")
    crawl_timeout: float = Field(30.0, gt=0, description="Seconds before one request is abandoned.")
    crawl_max_bytes: int = Field(
        10_000_000, gt=0, description="Largest response accepted, after decompression."
    )
    crawl_max_articles_per_channel: int = Field(
        50, ge=1, description="Most article pages followed from one channel in one crawl."
    )
    crawl_retry_backoff: float = Field(
        1.0, ge=0, description="Seconds before retrying a failed request (5xx, 429, timeout); doubled for each "
        "next retry. A longer Retry-After from the site is obeyed."
    )
    crawl_retry_after_max: float = Field(
        60.0, ge=0, description="Longest Retry-After waited for during a crawl; a site asking more fails for now "
        "and its channel waits that long before the next attempt."
    )
    crawl_extract_workers: int = Field(
        -1, ge=-1, description="Processes that extract articles beside the crawler's; -1: one per CPU core, "
        "0: extract in the crawler's own process."
    )
    crawl_deadline: float = Field(
        3600.0, gt=0, description="Seconds after which a whole crawl stops, keeping what it collected."
    )
    crawl_robots_ttl_hours: float = Field(
        24.0, ge=0, description="Hours a site's robots.txt is reused from the store before it is asked "
        "for again (with its validators: an unchanged file costs a 304)."
    )
    source_quiet_factor: float = Field(
        4.0, gt=1, description="A source is flagged quiet when its newest item is older than this many times "
        "its usual gap between items (and at least a week)."
    )
    # --- classifier
    model_path: Path | None = Field(
        None,
        description="Classifier model to use; empty means DATA_DIR/models/current, "
        "else the model shipped with veille.",
    )
    # --- scheduler (cron: minute hour day month weekday, UTC; 6 fields put seconds first; '' turns a job off)
    schedule_crawl: str = Field(
        "0 */3 * * *",
        description="When `veille schedule` crawls the sources of no scheduled group, then classifies what is new.",
    )
    schedule_groups: dict[str, str] = Field(
        default_factory=dict,
        description="Crawl groups at their own rhythm: {group: cron}; a source is in group NAME when tagged "
        "group:NAME (`veille sources group`). Environment: JSON, e.g. {\"daily\": \"0 6 * * *\"}.",
    )
    schedule_retrain: str = Field("0 4 * * 1", description="When the classifier is retrained from staff corrections.")
    schedule_newsletter: str = Field(
        "0 6 * * 1", description="When the draft issue of the period just ended is proposed."
    )
    schedule_newsletter_period: str = Field(
        "week", pattern="^(week|month)$", description="Period of a drafted issue: week or month."
    )
    schedule_send: str = Field("*/5 * * * *", description="When issues scheduled for sending are sent.")
    schedule_digest: str = Field("0 7 * * *", description="When the health digest is emailed to the admins.")
    schedule_misfire_grace: int = Field(
        7 * 24 * 3600,
        ge=0,
        description="Seconds after which a time missed while veille was down is no longer caught up at start.",
    )
    lease_seconds: float = Field(
        120.0, gt=0, description="Life of a job's lease in the database; renewed every third of it while the job runs."
    )
    retry_attempts: int = Field(5, ge=1, description="Attempts of a scheduled job when the database is busy.")
    retry_delay: float = Field(5.0, ge=0, description="Seconds before the first retry; doubled for each next one.")
    log_level: str = Field(
        "INFO", pattern="^(?i:debug|info|warning|error)$", description="Level of `veille schedule` and `veille run` logs."
    )
    # --- alerts to the admins (the admin accounts, and alert_emails)
    alert_emails: list[str] = Field(
        default_factory=list,
        description="Addresses alerted besides the admin accounts. Environment: JSON list.",
    )
    alert_failures: int = Field(
        3, ge=1, description="Consecutive failed crawls after which a source is reported failing."
    )
    alert_quiet_days: int = Field(
        30, ge=0, description="Days without a new item after which a source is reported quiet; 0: never."
    )
    alert_db_max_mb: float = Field(
        10_000.0, gt=0, description="Size the database must stay under; an alert comes at 90% of it."
    )
    alert_disk_min_free_mb: float = Field(
        1_000.0, ge=0, description="Free space under which the disk of DATA_DIR (and of a SQLite store) is reported."
    )
    # --- web
    web_host: str = Field("127.0.0.1", description="Address `veille serve` listens on.")
    web_port: int = Field(8000, ge=0, le=65535, description="Port `veille serve` listens on.")
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Public address of the web app, used in emails."
    )
    secret_key: SecretStr = Field(
        SecretStr(""), description="Signs sessions and links. Secret: environment only."
    )
    # --- newsletter
    newsletter_title: str = Field(
        "La veille de l'Observatoire des civic tech", description="Title of the newsletter."
    )
    newsletter_sender: str = Field(
        "veille@example.org", description="From: address of the newsletter."
    )
    smtp_host: str = Field("localhost", description="SMTP server that sends the newsletter.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server; 465 means TLS from the start.")
    smtp_user: str = Field("", description="SMTP login, if the server asks for one.")
    smtp_password: SecretStr = Field(
        SecretStr(""), description="SMTP password. Secret: environment only."
    )
    smtp_tls: bool = Field(False, description="Use STARTTLS with the SMTP server.")
    newsletter_rate: float = Field(
        10.0, ge=0, description="Most newsletter messages sent per second; 0 means no limit."
    )
    newsletter_max_attempts: int = Field(
        5, ge=1, description="Attempts per recipient before a send gives up on a temporary SMTP error."
    )

    @field_validator("schedule_groups", mode="after")
    @classmethod
    def _group_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:  # the run records of a group are named crawl:NAME (30 characters at most)
            if not re.fullmatch(r"[a-z0-9_-]{1,24}", name):
                raise ValueError(f"group name {name!r}: 1 to 24 of a-z 0-9 _ -")
        return value

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'veille.sqlite'}"

    @property
    def lease_ttl(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def crawler_user_agent(self) -> str:
        return self.user_agent.replace("{contact_url}", self.contact_url)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init (the CLI's explicit flags) > environment > TOML file > defaults
        return (init_settings, env_settings, file_secret_settings)


def describe() -> list[tuple[str, str]]:
    """(name, help) of every setting, for `veille config show` and the docs."""
    return [(name, f.description or "") for name, f in Settings.model_fields.items()]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    for secret in SECRETS:
        if secret in data:
            raise UserError(
                f"{path}: '{secret}' is a secret and is not read from the config file; "
                f"set VEILLE_{secret.upper()} or VEILLE_{secret.upper()}_FILE instead"
            )
    return data


def _secrets_from_files(environ: dict[str, str]) -> dict[str, str]:
    found = {}
    for secret in SECRETS:
        file = environ.get(f"VEILLE_{secret.upper()}_FILE")
        if file:
            try:
                found[secret] = Path(file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise UserError(f"cannot read VEILLE_{secret.upper()}_FILE: {exc}") from None
    return found


def _format_errors(exc: ValidationError, origin: str) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown setting '{name}' (see `veille config show`)")
        else:
            parts.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
    return f"{origin}: " + "; ".join(parts)


def load_settings(config: Path | str | None = None, **overrides: Any) -> Settings:
    """Read the settings; raise UserError with one clear line when they are wrong."""
    environ = dict(os.environ)
    config = config or environ.get("VEILLE_CONFIG")
    path = Path(config) if config else Path("veille.toml")
    file_values = _read_toml(path) if (config or path.exists()) else {}
    # Environment variables must beat the file: pass the file as defaults by
    # building the object from file values, then letting env override them.
    env_names = {f"VEILLE_{name.upper()}" for name in Settings.model_fields}
    env_values = {k[7:].lower() for k in environ if k in env_names}
    values = {k: v for k, v in file_values.items() if k not in env_values}
    values.update(_secrets_from_files(environ))
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        origin = f"{path} or environment" if file_values else "environment"
        raise UserError(_format_errors(exc, origin)) from None
