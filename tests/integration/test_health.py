"""Liveness and readiness, and the refusal to run as a database role that bypasses RLS."""

from __future__ import annotations

import pytest

from core.config import ConfigError
from tests.conftest import app_config, free_port


def test_healthz_is_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_200_with_database_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_reports_redis_ok_when_redis_answers(database_urls, tmp_path, redis_url):
    from core import create_app

    app = create_app(app_config(database_urls, tmp_path, REDIS_URL=redis_url))
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.hazard("HAZ-013")
def test_readyz_is_503_when_redis_does_not_answer(database_urls, tmp_path):
    from core import create_app

    closed = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(app_config(database_urls, tmp_path, REDIS_URL=closed))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }
    assert closed not in response.get_data(as_text=True)


@pytest.mark.hazard("HAZ-013")
def test_readyz_is_503_when_database_does_not_answer(database_urls, tmp_path):
    from core import create_app

    closed = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    app = create_app(app_config(database_urls, tmp_path, DATABASE_URL=closed))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"


def test_create_app_refuses_superuser_database_role(database_urls, tmp_path):
    from core import create_app

    with pytest.raises(ConfigError, match="superuser or a BYPASSRLS role"):
        create_app(app_config(database_urls, tmp_path, DATABASE_URL=database_urls["admin"]))


def test_create_app_accepts_application_role(database_urls, tmp_path):
    from core import create_app

    app = create_app(app_config(database_urls, tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
