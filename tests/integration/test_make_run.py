"""`make run` gives a working demo: migrate, tenants, admin, demo data, a server to sign in to.

Runs the Makefile target in its own process group with a temporary INSTANCE_DIR (so it uses a
fresh SQLite database, never the developer's instance/), signs in over HTTP as the demo admin and
opens a tenant's home page. Needs the virtualenv and assets installed already (make test does).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, wait_for_http

pytestmark = pytest.mark.slow

DEMO_EMAIL = "admin@demo.example"
DEMO_PASSWORD = "stepping stones demo"  # the Makefile's documented default


def _clean_env(instance: Path, port: int) -> dict[str, str]:
    """The developer's environment minus anything that would point the demo elsewhere."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STEPPING_STONES_", "MAKE", "PYTEST_", "FLASK_"))
        and key
        not in {
            "ENV",
            "SECRET_KEY",
            "DATABASE_URL",
            "DATABASE_OWNER_URL",
            "REDIS_URL",
            "TENANTS_DIR",
            "PLUGINS_EXTRA",
            "ADMIN_PASSWORD",
            "DEMO_PASSWORD",
            "MFLAGS",
        }
    }
    env["INSTANCE_DIR"] = str(instance)
    env["PORT"] = str(port)
    return env


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Links a walk must not follow: signing out, and forms' side effects reached by GET (none).
SKIP = ("/sign-out", "/sso/", "/static/", "format=")
PER_SHAPE = 2
MAX_PAGES = 300


def _crawl(opener, base: str, starts: list[str]) -> tuple[list[str], int]:
    """GET every tenant page reachable by links (two of each URL shape), and every report with
    ``run=1``; returns the URLs that failed (5xx or an error page) and how many were visited."""
    queue, seen, shapes, failures = list(starts), set(), {}, []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        shape = UUID.sub("{id}", path.split("?")[0])
        if path in seen or shapes.get(shape, 0) >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        try:
            with opener.open(base + path, timeout=60) as response:
                body = response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                failures.append(f"{path} -> {error.code}")
            continue
        if "Sorry, there is a problem with the service" in body:
            failures.append(f"{path} -> error page")
        tenant = "/" + path.strip("/").split("/")[0] + "/"
        for link in re.findall(r'href="([^"#]+)"', body):
            link = link.replace("&amp;", "&")
            if link.startswith(tenant) and not any(s in link for s in SKIP):
                queue.append(link)
                if re.fullmatch(rf"{re.escape(tenant)}reports/[\w-]+", link):
                    queue.append(f"{link}?run=1")
    return failures, len(seen)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_a_demo_you_can_sign_in_to(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=_clean_env(tmp_path / "instance", port),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so flask run stops with it
        )
    try:
        try:
            wait_for_http(f"{base}/healthz", timeout=90, process=process)
        except (RuntimeError, TimeoutError) as error:
            pytest.fail(f"make run did not serve: {error}\n{log.read_text()[-4000:]}")

        output = log.read_text()
        assert DEMO_EMAIL in output and DEMO_PASSWORD in output, "make run says how to sign in"
        assert (tmp_path / "instance" / "stepping-stones.db").exists(), "SQLite in INSTANCE_DIR"

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(f"{base}/sign-in", timeout=10) as response:
            form = response.read().decode()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        assert match, "the sign-in form carries a CSRF token"
        data = urllib.parse.urlencode(
            {"csrf_token": match.group(1), "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
        ).encode()
        with opener.open(f"{base}/sign-in", data=data, timeout=30) as response:
            landed = response.read().decode()
            assert response.status == 200
        assert "Enter a correct email address and password" not in landed

        with opener.open(f"{base}/southern-health/", timeout=10) as response:
            assert response.status == 200
            assert "Southern Health NHS Foundation Trust" in response.read().decode()

        # The embedded default is SQLite, which the rest of the suite never runs on: walk the
        # demo as its administrator and run every report, so PostgreSQL-only SQL shows up here.
        failures, visited = _crawl(opener, base, ["/southern-health/", "/harbour-housing/"])
        assert visited > 40, f"the crawl reached only {visited} pages"
        assert not failures, f"pages failing on the SQLite demo: {failures}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
