"""The ``[[sso]]`` tables of tenant files, and the URL and algorithm rules of discovery."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from core.sso import discovery
from core.sso.config import ProviderConfig
from core.tenancy.registry import TenantFileError, load_directory

BASE = """
slug = "{slug}"
name = "Test Trust"

[[organisations]]
key = "home"
name = "Home Trust"
kind = "trust"

[[organisations]]
key = "jcp"
name = "Job Centre Plus"
kind = "job_centre_plus"
"""

PROVIDER = """
[[sso]]
name = "jcp"
label = "Job Centre Plus"
issuer = "https://login.example.org/jcp"
client_id = "stepping-stones"
client_secret_env = "JCP_SECRET"
organisation = "{organisation}"
{extra}

[[sso.roles]]
claim = "groups"
contains = "jcp-work-coach"
role = "{role}"
"""


def _write(tmp: Path, organisation="jcp", role="partner_advisor", extra="") -> Path:
    directory = tmp / "tenants"
    directory.mkdir(exist_ok=True)
    text = BASE.format(slug="trust-x") + PROVIDER.format(
        organisation=organisation, role=role, extra=extra
    )
    (directory / "trust-x.toml").write_text(text)
    return directory


def _problems(directory: Path) -> list[str]:
    with pytest.raises(TenantFileError) as caught:
        load_directory(directory, {})
    return caught.value.problems


def test_valid_provider_is_stored_without_any_secret(tmp_path):
    [spec] = load_directory(_write(tmp_path), {})
    [provider] = spec.sso
    assert provider["issuer"] == "https://login.example.org/jcp"
    assert provider["client_secret_env"] == "JCP_SECRET"
    assert provider["scopes"][0] == "openid"
    assert ProviderConfig.from_json(provider).to_json() == provider


def test_secret_in_the_file_is_refused(tmp_path):
    problems = _problems(_write(tmp_path, extra='client_secret = "hunter2"'))
    assert any("client_secret: a secret must never be in a tenant file" in p for p in problems)


def test_organisation_must_belong_to_the_tenant(tmp_path):
    problems = _problems(_write(tmp_path, organisation="elsewhere"))
    assert any(
        "organisation: 'elsewhere' is not an organisation of this tenant" in p for p in problems
    )


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("ftp://login.example.org", "must be an https URL"),
        ("http://login.example.org", "http is allowed only on loopback"),
        ("https://login.example.org/?tenant=1", "must not contain a query"),
    ],
)
def test_issuer_must_be_https_or_loopback(tmp_path, issuer, message):
    directory = _write(tmp_path)
    path = directory / "trust-x.toml"
    path.write_text(path.read_text().replace("https://login.example.org/jcp", issuer))
    assert any(message in p for p in _problems(directory))


def test_rules_are_required_deny_by_default(tmp_path):
    directory = _write(tmp_path)
    path = directory / "trust-x.toml"
    text = path.read_text()
    path.write_text(text[: text.index("[[sso.roles]]")])
    assert any("at least one [[sso.roles]] rule" in p for p in _problems(directory))


def test_partner_organisation_gets_only_partner_roles(app, tmp_path):
    with app.app_context():
        problems = _problems(_write(tmp_path, role="tenant_admin"))
        assert any("cannot be given to staff of 'jcp', a partner" in p for p in problems)
        unknown = _problems(_write(tmp_path, role="wizard"))
        assert any("'wizard' is not a role here" in p for p in unknown)
        # A trust organisation may be given trust roles.
        [spec] = load_directory(_write(tmp_path, organisation="home", role="practitioner"), {})
        assert spec.sso[0]["roles"][0]["role"] == "practitioner"


def test_sync_stores_providers_on_the_tenant(app, admin_engine, tmp_path):
    import sqlalchemy as sa

    from core.tenancy.sync import apply

    with app.app_context():
        specs = load_directory(_write(tmp_path), {})
        report = apply(specs, suspend_missing=False)
        assert "created tenant trust-x" in report.lines
        assert apply(specs, suspend_missing=False).lines == []  # idempotent
    with admin_engine.connect() as conn:
        sso = conn.execute(sa.text("SELECT sso FROM tenant WHERE slug = 'trust-x'")).scalar_one()
    assert sso[0]["name"] == "jcp" and "client_secret" not in sso[0]


def test_demo_tenant_files_are_valid(app):
    from core.plugins.manager import plugins

    with app.app_context():
        specs = load_directory(Path(__file__).parents[2] / "tenants", plugins().info)
    assert any(spec.sso for spec in specs)


@pytest.fixture
def production():
    app = Flask(__name__)
    app.config.update(ENV="production")
    with app.app_context():
        yield


@pytest.mark.parametrize(
    "url",
    [
        "http://login.example.org/.well-known/openid-configuration",
        "http://127.0.0.1:9010/.well-known/openid-configuration",
        "https://127.0.0.1/.well-known/openid-configuration",
        "https://[::1]/.well-known/openid-configuration",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/x",
        "https://login.example.org:8443/x",
        "https://user@login.example.org/x",
    ],
)
def test_production_refuses_non_public_or_plain_urls(production, url):
    with pytest.raises(discovery.ProviderUnavailable):
        discovery.check_url(url)


def test_development_allows_http_on_loopback_only():
    app = Flask(__name__)
    app.config.update(ENV="development")
    with app.app_context():
        discovery.check_url("http://127.0.0.1:9010/.well-known/openid-configuration")
        discovery.check_url("http://localhost:9010/jwks")
        with pytest.raises(discovery.ProviderUnavailable):
            discovery.check_url("http://10.0.0.5:9010/jwks")


def _document(**overrides):
    document = {
        "issuer": "http://127.0.0.1:9010",
        "authorization_endpoint": "http://127.0.0.1:9010/auth",
        "token_endpoint": "http://127.0.0.1:9010/token",
        "jwks_uri": "http://127.0.0.1:9010/jwks",
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
    }
    document.update(overrides)
    return document


def _provider() -> ProviderConfig:
    return ProviderConfig(
        name="jcp",
        label="JCP",
        issuer="http://127.0.0.1:9010",
        client_id="c",
        client_secret_env="S",
        organisation="jcp",
    )


def test_algorithm_allowlist_drops_hs_and_none():
    app = Flask(__name__)
    app.config.update(ENV="test")
    with app.app_context():
        metadata = discovery._checked(_provider(), _document())
        assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
        with pytest.raises(discovery.ProviderUnavailable, match="no allowed ID token algorithm"):
            discovery._checked(
                _provider(), _document(id_token_signing_alg_values_supported=["HS256", "none"])
            )


def test_discovery_endpoints_are_checked_too():
    app = Flask(__name__)
    app.config.update(ENV="test")
    with app.app_context():
        with pytest.raises(discovery.ProviderUnavailable):
            discovery._checked(_provider(), _document(token_endpoint="http://10.0.0.1/token"))
        with pytest.raises(discovery.ProviderUnavailable, match="issuer mismatch"):
            discovery._checked(_provider(), _document(issuer="http://127.0.0.1:9010/"))
