"""Settings: where they come from, and the ones that must refuse to start an unsafe service."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core import config
from core.config import ConfigError, load, normalise_database_url

LONG_KEY = "k" * 48


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the shell running the tests."""
    for name in config.ENV_SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"STEPPING_STONES_{name}", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))


def test_load_refuses_missing_secret_key_in_production():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load({"ENV": "production"})


def test_load_refuses_missing_secret_key_in_staging():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load({"ENV": "staging"})


def test_load_refuses_missing_secret_key_given_by_environment(monkeypatch):
    monkeypatch.setenv("ENV", "production")
    with pytest.raises(ConfigError):
        load()


def test_load_refuses_short_secret_key_in_production():
    with pytest.raises(ConfigError, match="at least 32 characters"):
        load({"ENV": "production", "SECRET_KEY": "x" * 31})


def test_load_accepts_long_secret_key_in_production():
    settings = load({"ENV": "production", "SECRET_KEY": "x" * 32})
    assert settings["SECRET_KEY"] == "x" * 32


def test_load_generates_secret_key_in_instance_dir_in_development(tmp_path):
    instance = tmp_path / "dev-instance"
    settings = load({"ENV": "development", "INSTANCE_DIR": str(instance)})
    key_file = instance / "dev-secret-key"
    assert key_file.exists()
    assert settings["SECRET_KEY"] == key_file.read_text().strip()
    assert len(settings["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_load_reuses_generated_secret_key_when_restarted_in_development(tmp_path):
    instance = tmp_path / "dev-instance"
    first = load({"ENV": "development", "INSTANCE_DIR": str(instance)})
    second = load({"ENV": "development", "INSTANCE_DIR": str(instance)})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]


def test_load_generates_different_secret_keys_for_different_checkouts(tmp_path):
    one = load({"ENV": "development", "INSTANCE_DIR": str(tmp_path / "one")})
    two = load({"ENV": "development", "INSTANCE_DIR": str(tmp_path / "two")})
    assert one["SECRET_KEY"] != two["SECRET_KEY"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/ss", "postgresql+psycopg://u:p@db:5432/ss"),
        ("postgresql://u:p@db:5432/ss", "postgresql+psycopg://u:p@db:5432/ss"),
        ("postgresql+psycopg://u@db/ss", "postgresql+psycopg://u@db/ss"),
        ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
    ],
)
def test_normalise_database_url_uses_psycopg3_when_scheme_is_postgres(given, expected):
    assert normalise_database_url(given) == expected


def test_load_normalises_database_urls_when_given_postgres_scheme(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db/ss")
    monkeypatch.setenv("DATABASE_OWNER_URL", "postgres://owner@db/ss")
    settings = load({"SECRET_KEY": LONG_KEY})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db/ss"
    assert settings["DATABASE_OWNER_URL"] == "postgresql+psycopg://owner@db/ss"


def test_load_prefers_prefixed_variable_when_both_are_set(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://bare@db/ss")
    monkeypatch.setenv("STEPPING_STONES_DATABASE_URL", "postgresql://prefixed@db/ss")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("STEPPING_STONES_LOG_LEVEL", "WARNING")
    settings = load({"SECRET_KEY": LONG_KEY})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://prefixed@db/ss"
    assert settings["LOG_LEVEL"] == "WARNING"


def test_load_reads_bare_variable_when_no_prefixed_one(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    assert load({"SECRET_KEY": LONG_KEY})["REDIS_URL"] == "redis://cache:6379/0"


def test_load_coerces_types_when_read_from_environment(monkeypatch):
    monkeypatch.setenv("STEPPING_STONES_MAX_CONTENT_LENGTH", "1234")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    settings = load({"SECRET_KEY": LONG_KEY})
    assert settings["MAX_CONTENT_LENGTH"] == 1234
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_load_reads_secret_key_from_prefixed_variable_in_production(monkeypatch):
    monkeypatch.setenv("STEPPING_STONES_ENV", "production")
    monkeypatch.setenv("STEPPING_STONES_SECRET_KEY", LONG_KEY)
    assert load()["SECRET_KEY"] == LONG_KEY
