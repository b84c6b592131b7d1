"""Config from HELPDESK_* variables."""

from pathlib import Path

import pytest

from helpdesk.config import Config, ConfigError


def test_default_database_is_sqlite_in_instance_folder(tmp_path: Path) -> None:
    config = Config.from_env({"HELPDESK_ENV": "development", "HELPDESK_INSTANCE_PATH": str(tmp_path)})
    assert config.database_url.get_backend_name() == "sqlite"
    assert config.database_url.database == str(tmp_path / "helpdesk.db")


def test_postgresql_url_switches_backend_and_uses_psycopg(tmp_path: Path) -> None:
    config = Config.from_env(
        {"HELPDESK_ENV": "development", "HELPDESK_DATABASE_URL": "postgresql://support@db.internal:5432/helpdesk"}
    )
    assert config.database_url.drivername == "postgresql+psycopg"
    assert config.database_url.database == "helpdesk"
    assert not config.is_sqlite


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url at all", "malformed"),
        ("mysql://root@localhost/helpdesk", "unsupported database"),
        ("postgresql+psycopg2://u@h/db", r"psycopg \(v3\) driver"),
        ("postgresql+psycopg://u@h:5432", "names no database"),
    ],
)
def test_unusable_database_url_is_a_clear_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env({"HELPDESK_ENV": "development", "HELPDESK_DATABASE_URL": url})


def test_production_without_secret_key_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="HELPDESK_SECRET_KEY is not set"):
        Config.from_env({"HELPDESK_ENV": "production"})


def test_production_is_the_default_environment() -> None:
    with pytest.raises(ConfigError, match="HELPDESK_SECRET_KEY"):
        Config.from_env({})


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(ConfigError, match="too short"):
        Config.from_env({"HELPDESK_ENV": "production", "HELPDESK_SECRET_KEY": "abc"})


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_run_without_secret_key(env: str) -> None:
    config = Config.from_env({"HELPDESK_ENV": env})
    assert config.secret_key


def test_production_with_secret_key_uses_secure_cookies() -> None:
    config = Config.from_env({"HELPDESK_ENV": "production", "HELPDESK_SECRET_KEY": "x" * 32})
    assert config.flask_settings()["SESSION_COOKIE_SECURE"] is True


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="HELPDESK_ENV"):
        Config.from_env({"HELPDESK_ENV": "staging"})


def test_non_numeric_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="HELPDESK_LOGIN_MAX_FAILURES"):
        Config.from_env({"HELPDESK_ENV": "development", "HELPDESK_LOGIN_MAX_FAILURES": "five"})


def test_secrets_are_not_in_repr() -> None:
    config = Config.from_env(
        {"HELPDESK_ENV": "production", "HELPDESK_SECRET_KEY": "s3cr3t-value-abcdefgh",
         "HELPDESK_DATABASE_URL": "postgresql+psycopg://u:dbpassword@h/db"}
    )
    assert "s3cr3t" not in repr(config)
    assert "dbpassword" not in repr(config)


def test_allowed_origins_are_parsed() -> None:
    config = Config.from_env(
        {"HELPDESK_ENV": "development", "HELPDESK_ALLOWED_ORIGINS": "https://help.example.com/, https://b.example.com"}
    )
    assert config.allowed_origins == ("https://help.example.com", "https://b.example.com")
