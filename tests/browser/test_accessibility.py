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


def _timeout_warning(page: Any) -> None:
    """The warning that appears two minutes before the idle timeout signs the person out."""
    page.evaluate("document.getElementById('session-timeout').showModal()")
    page.get_by_role("button", name="Stay signed in").wait_for()


def _contact_errors(page: Any) -> None:
    page.get_by_label("Day").fill("")
    page.get_by_label("Time (optional)").fill("half past")
    page.locator("form[method=post] button[type=submit]").last.click()
    page.locator(".nhsuk-error-summary").wait_for()


@dataclass(frozen=True)
class Page:
    """One page to check: where (``{sam}`` and friends filled in), and what the person does."""

    name: str
    path: str
    status: int = 200
    then: Callable[[Any], None] | None = None


T = "/tenant-a"
SAM = T + "/clients/{sam}"
#: Pages by who looks at them: None is signed out, else a person of tests.factories.PEOPLE (or
#: "multi", in two tenants). A group is one test, so one sign-in; its failures list every page.
GROUPS: dict[str, tuple[str | None, list[Page]]] = {
    "signed-out": (
        None,
        [
            Page("sign-in", "/sign-in"),
            Page("sign-in-errors", "/sign-in", then=_bad_sign_in),
            Page("not-found", "/no/such/page", status=404),
        ],
    ),
    "choose-tenant": ("multi", [Page("choose-tenant", "/")]),
    "practitioner-finding": (
        "practitioner",
        [
            Page("tenant-home", T + "/"),
            Page("clients-list", T + "/clients/"),
            Page("search-results", T + "/clients/?q=Tayler"),
            Page("search-no-results", T + "/clients/?q=Zzyzx"),
            Page("client-record", SAM),
            Page("account", "/account/"),
            Page("change-password", "/account/password"),
            Page("change-password-errors", "/account/password", then=_submit_empty),
            Page("tokens", T + "/account/tokens/"),
            Page("tokens-new-secret", T + "/account/tokens/", then=_new_token),
            Page("not-found-signed-in", T + "/clients/{unshared}/nothing", status=404),
            Page("session-timeout-warning", T + "/", then=_timeout_warning),
        ],
    ),
    "practitioner-forms": (
        "practitioner",
        [
            Page("add-client", T + "/clients/new"),
            Page("add-client-errors", T + "/clients/new", then=_submit_empty),
            Page("edit-client", SAM + "/edit"),
            Page("record-contact", SAM + "/contacts/new"),
            Page("record-contact-errors", SAM + "/contacts/new", then=_contact_errors),
            Page("write-note", SAM + "/notes/new"),
            Page("write-note-errors", SAM + "/notes/new", then=_submit_empty),
            Page("record-consent", SAM + "/consents/new"),
            Page("record-consent-errors", SAM + "/consents/new", then=_submit_empty),
            Page("withdraw-consent", SAM + "/consents/{consent}/withdraw"),
            Page("share", SAM + "/shares/new"),
            Page("share-errors", SAM + "/shares/new", then=_submit_empty),
            Page("stop-sharing", SAM + "/shares/{share}/end"),
            Page("close-record", SAM + "/close"),
            Page("close-record-errors", SAM + "/close", then=_submit_empty),
        ],
    ),
    "information-governance": (
        "admin",  # the world's administrator also holds the information_governance role
        [
            Page("rights-decisions", SAM + "/rights"),
            Page("rights-decisions-errors", SAM + "/rights", then=_submit_empty),
        ],
    ),
    "partner": (
        "partner",
        [
            Page("partner-home", T + "/"),
            Page("partner-clients-list", T + "/clients/"),
            Page("partner-client-record", SAM),
            Page("partner-not-shared", T + "/clients/{unshared}", status=404),
            Page("partner-forbidden", T + "/clients/new", status=403),
        ],
    ),
}


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


@pytest.mark.parametrize("group", GROUPS)
def test_pages_have_no_axe_violations(axe_page: Any, bworld: BrowserWorld, group: str) -> None:
    who, pages = GROUPS[group]
    if who is not None:
        sign_in(axe_page, bworld, _email(bworld, who))
    failures = []
    for spec in pages:
        response = axe_page.goto(bworld.url(_fill(bworld, spec.path)))
        status = response.status if response else None
        if status != spec.status:
            failures.append(f"{spec.name}: {spec.path} answered {status}, not {spec.status}")
            continue
        if spec.then is not None:
            spec.then(axe_page)
        violations = axe_violations(axe_page)
        if violations:
            failures.append(format_violations(f"{spec.name} ({axe_page.url})", violations))
    assert not failures, "\n\n".join(failures)


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
    """As the tenant administrator, visit one page per endpoint reachable by links.

    That includes plugin pages, administration, background jobs and reports (the world seeds a
    finished report run, so its job page and stored report are linked from the jobs list).
    """
    app = bworld.server.app
    adapter = app.url_map.bind("127.0.0.1")
    sign_in(axe_page, bworld, bworld.world.a.emails["admin"])
    start = bworld.url(T + "/")
    queue, seen_endpoints, seen_urls = [start], set(COVERED), {start}
    # Pages no link leads to yet (every tenant page without parameters) start the crawl too.
    for rule in app.url_map.iter_rules():
        if (
            rule.arguments == {"tenant"}
            and "GET" in (rule.methods or ())
            and rule.endpoint not in seen_endpoints
            and not rule.endpoint.startswith(NOT_PAGES)
            and not rule.rule.endswith((".json", ".csv"))
        ):
            url = bworld.url(rule.rule.replace("<tenant>", T.strip("/")))
            seen_endpoints.add(rule.endpoint)
            seen_urls.add(url)
            queue.append(url)
    checked: dict[str, str] = {}
    failures: list[str] = []
    while queue and len(checked) < CRAWL_LIMIT:
        url = queue.pop(0)
        response = axe_page.request.get(url, max_redirects=0)
        if response.status >= 500:
            failures.append(f"{url} answered {response.status}")
        is_html = response.headers.get("content-type", "").startswith("text/html")
        if response.status != 200 or not is_html:
            continue  # a redirect, a page this person may not see, or a download
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
    # A report shown on screen (its table and chart), which no link leads to.
    if "reports.report" in app.view_functions:
        axe_page.goto(bworld.url(T + "/reports/"))
        axe_page.locator("main h2 a").first.click()
        axe_page.get_by_role("button", name="Show the report").click()
        # The form posts (its CSRF token stays out of the URL); the figures come back inline.
        axe_page.locator("main table.nhsuk-table").first.wait_for()
        if violations := axe_violations(axe_page):
            failures.append(format_violations(f"report shown ({axe_page.url})", violations))
    must_reach = {
        "/<tenant>/canary/",
        "/<tenant>/jobs/",
        "/<tenant>/reports/",
        "/<tenant>/admin/people",
    }
    expected = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule in must_reach}
    missed = expected - set(checked.values())
    assert not missed, f"the crawl never reached {sorted(missed)}; it checked {checked}"
    assert not failures, "\n\n".join(failures)
