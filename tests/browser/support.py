"""What the browser tests share: the live server's address, signing in, axe-core, screenshots."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ROOT
from tests.factories import PASSWORD, World

CHROMIUM = os.environ.get("SS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
#: Generous: a loaded two-core CI machine runs two workers, two servers and two Chromiums.
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1200, "height": 900}


@dataclass
class LiveServer:
    url: str
    app: Flask

    def __call__(self, path: str) -> str:
        return self.url + path


@dataclass
class BrowserWorld:
    """The factories' world, plus the live server and the extra clients of tenant A."""

    world: World
    server: LiveServer
    clients: dict[str, str]  # "Sam Taylor" -> client id, for tenant A
    extra_people: dict[str, str]  # "multi" -> email of a person in tenants A and B

    def url(self, path: str) -> str:
        return self.server(path)


def sign_in(page: Any, bw: BrowserWorld, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form; waits until the signed-in page has loaded."""
    page.goto(bw.url("/sign-in"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE_SOURCE: dict[str, str] = {}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page at WCAG 2.2 AA; return its violations (id, impact, targets)."""
    if "js" not in _AXE_SOURCE:
        if not AXE_JS.exists():
            pytest.fail("node_modules/axe-core is missing: run `make install` (npm ci).")
        _AXE_SOURCE["js"] = AXE_JS.read_text(encoding="utf-8")
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE["js"])
    return page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
          });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
          }));
        }""",
        AXE_TAGS,
    )


def format_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} axe violation(s) at WCAG 2.2 AA"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"        {detail}")
    return "\n".join(lines)


def screenshot(page: Any, name: str) -> None:
    """Save the whole page, 1200 px wide, to docs/screenshots/<name>.png (linked from README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled")
