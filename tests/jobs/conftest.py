"""Fixtures for the jobs suite: a throw-away redis-server, workers in subprocesses, helpers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, TEST_PLUGIN, app_config, free_port
from tests.factories import TenantData


@contextmanager
def inside(app, tenant: TenantData):
    """Work in one tenant, as a job or CLI command would (commit on success)."""
    from core.tenancy.context import tenant_context

    with app.app_context(), tenant_context(tenant.tenant_id) as loaded:
        yield loaded


def job_row(admin_engine: sa.Engine, run_id) -> dict:
    with admin_engine.connect() as conn:
        return dict(
            conn.execute(sa.text("SELECT * FROM job_run WHERE id = :i"), {"i": run_id})
            .mappings()
            .one()
        )


def count_notes(admin_engine: sa.Engine, prefix: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM canary_note WHERE text LIKE :p"), {"p": prefix + ":%"}
        ).scalar_one()


def wait_until(predicate, timeout: float = 30.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("condition not met in time")


class RedisServer:
    """A redis-server of our own on a spare loopback port (AOF on), to stop and start at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), timeout=10)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(10)
            self.process = None


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture(scope="session")
def own_redis(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def rq_app(database_urls, own_redis, tmp_path):
    """An app whose jobs go through RQ on our own Redis (fast retries for the tests)."""
    import redis

    from core import create_app

    redis.Redis.from_url(own_redis.url).flushdb()
    (tmp_path / "tenants").mkdir()
    return create_app(
        app_config(
            database_urls,
            tmp_path,
            REDIS_URL=own_redis.url,
            JOBS_RETRY_INTERVALS="1",
            JOBS_LOST_AFTER_SECONDS=1,
        )
    )


def worker_env(database_urls, redis_url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ENV="test",
        SECRET_KEY="test-secret-key-that-is-long-enough-for-the-check",
        DATABASE_URL=database_urls["app"],
        DATABASE_OWNER_URL=database_urls["owner"],
        REDIS_URL=redis_url,
        PLUGINS_EXTRA=TEST_PLUGIN,
        INSTANCE_DIR=str(instance),
        TENANTS_DIR=str(instance / "tenants"),
        JOBS_RETRY_INTERVALS="1",
        JOBS_LOST_AFTER_SECONDS="1",
        FLASK_APP="core",
        PYTHONPATH=str(ROOT),
    )
    return env


@contextmanager
def worker_process(database_urls, redis_url: str, instance: Path, *args: str):
    """``flask jobs worker`` in a subprocess (forking work horses, RQ scheduler for retries)."""
    flask = Path(sys.executable).parent / "flask"
    process = subprocess.Popen(
        [str(flask), "jobs", "worker", "--maintenance-interval", "2", *args],
        cwd=ROOT,
        env=worker_env(database_urls, redis_url, instance),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def new_key() -> str:
    return uuid.uuid4().hex[:8]
