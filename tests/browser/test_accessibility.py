"""axe-core on every page, signed out and signed in, with no violations at WCAG 2.2 AA.

Each named page is a test of its own (so a failure says which page); then a crawl as the tenant
administrator follows links from the tenant home to every other page the app serves (plugin
pages, background jobs, reports, administration) and checks one page per endpoint, so pages
added later are checked without editing this list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.browser.support import BrowserWorld, axe_violations, format_violations, sign_in

pytestmark = pytest.mark.browser


def _submit_empty(page: Any) -> None:
    page.locator("form[method=post] button[type=submit]").last.click()
    page.locator(".nhsuk-error-summary").wait_for()


def _bad_sign_in(page: Any) -> None:
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator(".nhsuk-error-summary").wait_for()


def _new_token(page: Any) -> None:
    page.get_by_label("Name of the token").fill("Reporting script")
    page.locator("form[method=post] button[type=submit]").last.click()
    page.get_by_text("Reporting script").first.wait_for()


@dataclass(frozen=True)
class Page:
    """One page to check: who looks, where (``{sam}`` and friends filled in), what they do."""

    name: str
    who: str | None  # None: signed out; else a person of tenants.factories.PEOPLE, or "multi"
    path: str
    status: int = 200
    then: Callable[[Any], None] | None = None


T = "/tenant-a"
SAM = T + "/clients/{sam}"
PAGES = [
    Page("sign-in", None, "/sign-in"),
    Page("sign-in-errors", None, "/sign-in", then=_bad_sign_in),
    Page("not-found", None, "/no-such-page", status=404),
    Page("choose-tenant", "multi", "/"),
    Page("tenant-home", "practitioner", T + "/"),
    Page("clients-list", "practitioner", T + "/clients/"),
    Page("search-results", "practitioner", T + "/clients/?q=Tayler"),
    Page("search-no-results", "practitioner", T + "/clients/?q=Zzyzx"),
    Page("client-record", "practitioner", SAM),
    Page("add-client", "practitioner", T + "/clients/new"),
    Page("add-client-errors", "practitioner", T + "/clients/new", then=_submit_empty),
    Page("edit-client", "practitioner", SAM + "/edit"),
    Page("record-contact", "practitioner", SAM + "/contacts/new"),
    Page("record-contact-errors", "practitioner", SAM + "/contacts/new", then=_submit_empty),
    Page("write-note", "practitioner", SAM + "/notes/new"),
    Page("record-consent", "practitioner", SAM + "/consents/new"),
    Page("record-consent-errors", "practitioner", SAM + "/consents/new", then=_submit_empty),
    Page("withdraw-consent", "practitioner", SAM + "/consents/{consent}/withdraw"),
    Page("share", "practitioner", SAM + "/shares/new"),
    Page("share-errors", "practitioner", SAM + "/shares/new", then=_submit_empty),
    Page("stop-sharing", "practitioner", SAM + "/shares/{share}/end"),
    Page("close-record", "practitioner", SAM + "/close"),
    Page("account", "practitioner", "/account/"),
    Page("change-password", "practitioner", "/account/password"),
    Page("change-password-errors", "practitioner", "/account/password", then=_submit_empty),
    Page("tokens", "practitioner", T + "/account/tokens/"),
    Page("tokens-new-secret", "practitioner", T + "/account/tokens/", then=_new_token),
    Page("signed-in-not-found", "practitioner", T + "/clients/{unshared}/nothing", status=404),
    Page("partner-home", "partner", T + "/"),
    Page("partner-clients-list", "partner", T + "/clients/"),
    Page("partner-client-record", "partner", SAM),
    Page("partner-not-shared", "partner", T + "/clients/{unshared}", status=404),
]


def _fill(bw: BrowserWorld, path: str) -> str:
    a = bw.world.a
    return path.format(
        sam=bw.clients["Sam Taylor"],
        unshared=bw.clients["Jo Unshared"],
        consent=a.ids["client_consent"][0],
        share=a.ids["client_share"][0],
    )


def _email(bw: BrowserWorld, who: str) -> str:
    return bw.extra_people[who] if who in bw.extra_people else bw.world.a.emails[who]


def check(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(where, violations)


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_page_has_no_axe_violations(axe_page: Any, bworld: BrowserWorld, spec: Page) -> None:
    if spec.who is not None:
        sign_in(axe_page, bworld, _email(bworld, spec.who))
    response = axe_page.goto(bworld.url(_fill(bworld, spec.path)))
    assert response is not None and response.status == spec.status, (
        f"{spec.path}: HTTP {response.status if response else None}"
    )
    if spec.then is not None:
        spec.then(axe_page)
    check(axe_page, f"{spec.name} ({axe_page.url})")


# --- every other page, found by following links ----------------------------------------------

#: Endpoints the named pages above check already (one sample of each is enough).
COVERED = {
    "web.sign_in",
    "web.home",
    "tenant.home",
    "clients.list",
    "clients.record",
    "client_forms.create",
    "client_forms.edit",
    "client_forms.add_contact",
    "client_forms.add_note",
    "client_forms.give_consent",
    "client_forms.withdraw_consent",
    "client_forms.share",
    "client_forms.end_share",
    "client_forms.close",
    "account.home",
    "account.password",
    "tokens.index",
}
#: Pages that are not HTML for people (downloads, JSON, the API explorer of issue 4).
NOT_PAGES = ("api-docs.", "api.", "static", "health.")
CRAWL_LIMIT = 60


def test_every_other_page_has_no_axe_violations(axe_page: Any, bworld: BrowserWorld) -> None:
    """As the tenant administrator, visit one page per endpoint reachable by links."""
    app = bworld.server.app
    adapter = app.url_map.bind("127.0.0.1")
    sign_in(axe_page, bworld, bworld.world.a.emails["admin"])
    start = bworld.url(T + "/")
    queue, seen_endpoints, seen_urls = [start], set(COVERED), {start}
    checked: dict[str, str] = {}
    failures: list[str] = []
    while queue and len(checked) < CRAWL_LIMIT:
        url = queue.pop(0)
        response = axe_page.request.get(url, max_redirects=0)
        is_html = response.headers.get("content-type", "").startswith("text/html")
        if response.status != 200 or not is_html:
            continue
        axe_page.goto(url)
        if url != start:
            checked[url] = adapter.match(urlsplit(url).path, method="GET")[0]
            violations = axe_violations(axe_page)
            if violations:
                failures.append(format_violations(url, violations))
        for href in axe_page.eval_on_selector_all(
            "main a[href], header a[href]", "links => links.map((a) => a.href)"
        ):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(start).netloc or href in seen_urls:
                continue
            try:
                endpoint, _args = adapter.match(parts.path, method="GET")
            except HTTPException:
                continue
            if endpoint in seen_endpoints or endpoint.startswith(NOT_PAGES):
                continue
            if not (parts.path.startswith(T + "/") or parts.path.startswith("/account")):
                continue
            seen_endpoints.add(endpoint)
            seen_urls.add(href)
            queue.append(href)
    expected = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule in (f"/<tenant>/{p}/" for p in ("canary", "jobs", "reports", "admin"))
    }
    missed = expected - set(checked.values())
    assert not missed, f"the crawl never reached {sorted(missed)}; it checked {checked}"
    assert not failures, "\n\n".join(failures)
