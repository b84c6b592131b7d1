"""One Config, read from HELPDESK_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENVIRONMENTS = ("production", "development", "testing")
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# Only used in development and testing; production refuses to start without a key.
_INSECURE_DEV_KEY = "dev-only-insecure-key"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"expected a yes/no value, got {value!r}")


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


def parse_database_url(raw: str) -> URL:
    """Parse and check a database URL; raise ConfigError with the reason if unusable."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            "HELPDESK_DATABASE_URL is malformed: expected e.g. "
            "sqlite:////path/helpdesk.db or postgresql+psycopg://user@host:5432/dbname"
        ) from None
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"HELPDESK_DATABASE_URL uses unsupported database {url.get_backend_name()!r}: "
            "use sqlite or postgresql+psycopg"
        )
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if url.get_driver_name() != "psycopg":
            raise ConfigError("HELPDESK_DATABASE_URL: use the psycopg (v3) driver: postgresql+psycopg://...")
        if not url.database:
            raise ConfigError("HELPDESK_DATABASE_URL names no database: postgresql+psycopg://user@host:5432/DBNAME")
    return url


@dataclass(frozen=True)
class Config:
    """Everything the helpdesk reads from its environment."""

    env: str
    secret_key: str = field(repr=False)
    database_url: URL = field(repr=False)
    instance_path: Path
    redis_url: str | None = field(default=None, repr=False)
    allowed_origins: tuple[str, ...] = ()
    session_cookie_secure: bool = False
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_window_seconds: int = 900
    sqlite_busy_timeout_ms: int = 5000
    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: trust none).
    trusted_proxies: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, instance_path: Path | None = None) -> Config:
        """Build the configuration from HELPDESK_* variables (os.environ by default)."""
        env_vars = os.environ if environ is None else environ
        env = env_vars.get("HELPDESK_ENV", "production").strip().lower()
        if env not in ENVIRONMENTS:
            raise ConfigError(f"HELPDESK_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")

        instance = Path(env_vars.get("HELPDESK_INSTANCE_PATH") or instance_path or Path.cwd() / "instance")
        instance = instance.expanduser().resolve()

        secret_key = env_vars.get("HELPDESK_SECRET_KEY", "")
        if not secret_key:
            if env == "production":
                raise ConfigError(
                    "HELPDESK_SECRET_KEY is not set: set it to a long random string "
                    "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                    "or set HELPDESK_ENV=development for a local trial"
                )
            secret_key = _INSECURE_DEV_KEY
        elif env == "production" and len(secret_key) < 16:
            raise ConfigError("HELPDESK_SECRET_KEY is too short: use at least 16 random characters")

        raw_url = env_vars.get("HELPDESK_DATABASE_URL", "").strip()
        if raw_url:
            database_url = parse_database_url(raw_url)
        else:
            database_url = URL.create("sqlite", database=str(instance / "helpdesk.db"))

        origins = tuple(o.strip().rstrip("/") for o in env_vars.get("HELPDESK_ALLOWED_ORIGINS", "").split(",") if o.strip())

        return cls(
            env=env,
            secret_key=secret_key,
            database_url=database_url,
            instance_path=instance,
            redis_url=env_vars.get("HELPDESK_REDIS_URL") or None,
            allowed_origins=origins,
            session_cookie_secure=_flag(env_vars.get("HELPDESK_SECURE_COOKIES"), env == "production"),
            login_max_failures_per_account=_int(
                "HELPDESK_LOGIN_MAX_FAILURES", env_vars.get("HELPDESK_LOGIN_MAX_FAILURES"), 5
            ),
            login_max_failures_per_address=_int(
                "HELPDESK_LOGIN_MAX_FAILURES_PER_ADDRESS", env_vars.get("HELPDESK_LOGIN_MAX_FAILURES_PER_ADDRESS"), 20
            ),
            login_window_seconds=_int("HELPDESK_LOGIN_WINDOW_SECONDS", env_vars.get("HELPDESK_LOGIN_WINDOW_SECONDS"), 900),
            trusted_proxies=_int("HELPDESK_TRUSTED_PROXIES", env_vars.get("HELPDESK_TRUSTED_PROXIES"), 0),
        )

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite."""
        return self.database_url.get_backend_name() == "sqlite"

    def flask_settings(self) -> dict[str, object]:
        """The settings Flask and its extensions read from app.config."""
        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.env == "testing",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SECURE": self.session_cookie_secure,
            "WTF_CSRF_TIME_LIMIT": None,
            "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
            "HELPDESK_CONFIG": self,
        }
