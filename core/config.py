"""Settings, read from the environment in one place.

Every setting can be given as an environment variable, either bare (``DATABASE_URL``) or with the
``STEPPING_STONES_`` prefix (``STEPPING_STONES_DATABASE_URL``, which wins). The defaults are safe
for development only: outside development a missing ``SECRET_KEY`` stops the app from starting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Names read from the environment (bare or prefixed). Anything else stays at its default.
ENV_SETTINGS = (
    "ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "REDIS_URL",
    "TENANTS_DIR",
    "INSTANCE_DIR",
    "PLUGINS_EXTRA",
    "SESSION_COOKIE_SECURE",
    "MAX_CONTENT_LENGTH",
    "LOG_LEVEL",
    "JOBS_RETRY_INTERVALS",
    "JOBS_LOST_AFTER_SECONDS",
    "DATABASE_PING_AFTER_IDLE_SECONDS",
    "TRUSTED_PROXY_HOPS",
    "RATE_LIMIT_EXPORT",
    "RATE_LIMIT_EXPORT_PER_ADDRESS",
    "RATE_LIMIT_SEARCH",
    "RATE_LIMIT_SEARCH_PER_ADDRESS",
    "RATE_LIMIT_SEARCH_FALLBACK",
    "RATE_LIMIT_SSO_REFUSALS_PER_ADDRESS",
    "RATE_LIMIT_STORAGE_URL",
    "BANK_HOLIDAY_REGION",
    "AUDIT_SEAL_HOUR",
    "RETENTION_RULES",
)


BANK_HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")


class ConfigError(RuntimeError):
    """The settings cannot run a safe service; the message says which one and why."""


def _default_instance_dir() -> Path:
    return ROOT / "instance"


def defaults() -> dict[str, Any]:
    """Development defaults: embedded SQLite, inline jobs, the shipped demo tenants."""
    instance = Path(os.environ.get("INSTANCE_DIR", _default_instance_dir()))
    return {
        "ENV": "development",
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{instance / 'stepping-stones.db'}",
        # Migrations run as the schema owner; the app connects as a role that owns nothing.
        "DATABASE_OWNER_URL": None,
        "REDIS_URL": None,
        "TENANTS_DIR": str(ROOT / "tenants"),
        "INSTANCE_DIR": str(instance),
        # Comma-separated import paths of plugins that are not installed as distributions
        # (a plugin under development, or the test plugin). Entry points are the normal route.
        "PLUGINS_EXTRA": "",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 15 * 60,
        # The absolute limit of a signed-in session, however active (S2); checked server-side.
        "SESSION_ABSOLUTE_SECONDS": 10 * 60 * 60,
        # Request bodies above 10 MiB are refused with 413 (imports stream larger files in chunks).
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "LOG_LEVEL": "INFO",
        # The ORM tenant filter. Only the isolation tests switch it off, to show that
        # PostgreSQL row-level security holds on its own.
        "TENANCY_ORM_FILTER": True,
        # Refuse to run against PostgreSQL as a superuser or a BYPASSRLS role.
        "DATABASE_ROLE_CHECK": True,
        # Sign-in throttling: failures allowed per account and per source address in the window.
        "SIGN_IN_MAX_FAILURES_PER_ACCOUNT": 5,
        "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 30,
        "SIGN_IN_FAILURE_WINDOW_SECONDS": 15 * 60,
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto. 0 (no proxy)
        # ignores those headers, which a client could otherwise forge to dodge the per-address
        # sign-in limit; behind the trust's one proxy set 1 so each person has their own address.
        "TRUSTED_PROXY_HOPS": 0,
        # Bulk-harvest limits (A7, core/access_limits.py), per person and per address, in the
        # `limits` notation ("10 per hour"). Counted in Redis (RATE_LIMIT_STORAGE_URL, default
        # REDIS_URL), else per process. The fallback caps searches while Redis is not answering.
        "RATE_LIMIT_EXPORT": "10 per hour",
        "RATE_LIMIT_EXPORT_PER_ADDRESS": "30 per hour",
        "RATE_LIMIT_SEARCH": "300 per hour",
        "RATE_LIMIT_SEARCH_PER_ADDRESS": "1000 per hour",
        "RATE_LIMIT_SEARCH_FALLBACK": "60 per hour",
        "RATE_LIMIT_SSO_REFUSALS_PER_ADDRESS": "30 per 15 minutes",
        "RATE_LIMIT_STORAGE_URL": None,
        "RATE_LIMIT_KEY_PREFIX": "stepping-stones-limits",
        # The hour (UTC) from which `flask jobs scheduler` seals the audit chains, once a day.
        "AUDIT_SEAL_HOUR": 2,
        # Whose bank holidays move a subject access request's due date to the next working day:
        # ENG (England), WLS, SCT or NIR.
        "BANK_HOLIDAY_REGION": "ENG",
        # Retention rules per record class laid over core.retention.rules.DEFAULT_RULES (JSON);
        # empty keeps the Records Management Code's mental health entry (20 y / 10 y after death).
        "RETENTION_RULES": "",
        "API_TOKEN_MAX_DAYS": 365,
        "API_TOKEN_DEFAULT_DAYS": 90,
        "WTF_CSRF_TIME_LIMIT": None,
        # flask-smorest / OpenAPI
        "API_TITLE": "Stepping Stones",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        # LIFO: the most recently used connection is reused, so idle ones can be closed by the
        # server. A connection idle this long is pinged before use and replaced if the database
        # dropped it (F5); one reused sooner is not (core/database_pool.py). 0 pings every time.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_use_lifo": True},
        "DATABASE_PING_AFTER_IDLE_SECONDS": 1.0,
    }


def _coerce(name: str, value: str, default: Any) -> Any:
    if isinstance(default, bool) or name == "SESSION_COOKIE_SECURE":
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings: defaults, then the environment, then explicit overrides (tests)."""
    settings = defaults()
    for name in ENV_SETTINGS:
        raw = os.environ.get(f"STEPPING_STONES_{name}", os.environ.get(name))
        if raw is not None and raw != "":
            settings[name] = _coerce(name, raw, settings.get(name))
    settings.update(overrides or {})
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings["DATABASE_URL"])
    if settings.get("DATABASE_OWNER_URL"):
        settings["DATABASE_OWNER_URL"] = normalise_database_url(settings["DATABASE_OWNER_URL"])
    _require_secret(settings)
    region = settings["BANK_HOLIDAY_REGION"]
    if region not in BANK_HOLIDAY_REGIONS:
        raise ConfigError(
            f"BANK_HOLIDAY_REGION must be one of {', '.join(BANK_HOLIDAY_REGIONS)} "
            f"(England, Wales, Scotland, Northern Ireland), not {region!r}."
        )
    _check_retention_rules(settings)
    return settings


def _check_retention_rules(settings: dict[str, Any]) -> None:
    from core.retention.rules import RetentionRuleError, parse_rules

    try:
        parse_rules(settings.get("RETENTION_RULES"))
    except RetentionRuleError as error:
        raise ConfigError(str(error)) from None


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _require_secret(settings: dict[str, Any]) -> None:
    if settings.get("SECRET_KEY"):
        if settings["ENV"] != "development" and len(settings["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters outside development.")
        return
    if settings["ENV"] not in ("development", "test"):
        raise ConfigError(
            "SECRET_KEY is not set. Outside development the app refuses to start without one: "
            "set SECRET_KEY to a long random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    settings["SECRET_KEY"] = _development_secret(Path(settings["INSTANCE_DIR"]))


def _development_secret(instance: Path) -> str:
    """A per-checkout random key kept in instance/, so dev sessions survive a restart."""
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
