"""Stepping Stones: the application factory.

``create_app()`` reads settings from the environment (core.config), binds the extensions, loads
the plugins (entry points ``stepping_stones.plugins``), installs the tenancy guards and registers
every blueprint. Nothing in core imports a plugin.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

from core import config as settings
from core.extensions import csrf, db, login_manager, migrate

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides environment settings (tests use it)."""
    app = Flask(__name__, instance_path=str(Path(settings.load(config)["INSTANCE_DIR"])))
    app.config.update(settings.load(config))
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from core.web.layout import init_templates

    init_templates(app)  # before any extension touches app.jinja_env
    _init_extensions(app)
    _init_plugins(app)
    from core.jobs.app import init_app as init_jobs

    init_jobs(app)
    _init_request_hooks(app)
    _register_blueprints(app)

    from core.cli import register_commands

    register_commands(app)
    _check_database_role(app)
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops > 0:  # behind the trust's reverse proxy: take the client's address from it (A7)
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    return app


def _init_extensions(app: Flask) -> None:
    from core.tenancy import scoping

    db.init_app(app)
    scoping.install()
    from core.database_pool import ping_idle_connections

    with app.app_context():
        ping_idle_connections(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.sign_in"
    login_manager.login_message = "Sign in to see that page."
    from core import access_limits

    access_limits.init_app(app)
    # One Api per application: flask-smorest keeps the OpenAPI spec on the Api object, so a
    # shared one would serve the spec of whichever app was built last.
    from core.api.smorest import ProblemApi

    api = ProblemApi()
    api.init_app(app)
    app.extensions["stepping_stones.api"] = api

    from core.accounts.models import User

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """Ids are ``<user id>:<epoch>``, bound to a live server-side session (S1)."""
        from core.web import sessions

        user_id, _, epoch = session_id.partition(":")
        try:
            user = db.session.get(User, uuid.UUID(user_id))
        except ValueError:
            return None
        if user is None or not user.is_active or str(user.session_epoch) != epoch:
            return None
        if not sessions.is_live(user.id):  # revoked, expired or unknown: anonymous
            return None
        from core.tenancy.context import set_rls_user

        set_rls_user(user.id)
        return user

    @migrate.configure
    def _plugin_migrations(alembic_config: Any) -> Any:
        """Every plugin's Alembic branch, beside core's revisions."""
        # ``migrate`` is shared by every app built in this process (tests build several), so
        # read the app being migrated, not the one that registered this callback.
        locations = [str(settings.ROOT / "migrations" / "versions")]
        locations += current_app.extensions["stepping_stones.migration_locations"]
        alembic_config.set_main_option("version_locations", " ".join(locations))
        alembic_config.set_main_option("path_separator", "space")
        return alembic_config


def _init_plugins(app: Flask) -> None:
    from core import builtin
    from core.accounts.permissions import CORE, Catalogue
    from core.plugins.manager import Plugins

    plugins = Plugins()
    plugins.pm.register(builtin, name=CORE)
    plugins.load(extra=app.config["PLUGINS_EXTRA"].split(","))
    app.extensions["stepping_stones.plugins"] = plugins

    # Importing models: core's, then every plugin's (so metadata and migrations know them).
    import core.accounts.models
    import core.audit.models
    import core.clients.models
    import core.jobs.models
    import core.sso.models
    import core.tenancy.models  # noqa: F401

    plugins.hook.register_models()

    catalogue = Catalogue()
    for name in [CORE, *plugins.info]:
        hooks = plugins.pm.subset_hook_caller(
            "register_permissions",
            remove_plugins=[p for n, p in plugins.pm.list_name_plugin() if n != name],
        )
        roles_hook = plugins.pm.subset_hook_caller(
            "register_roles",
            remove_plugins=[p for n, p in plugins.pm.list_name_plugin() if n != name],
        )
        catalogue.add(
            name,
            [p for batch in hooks() for p in batch],
            [r for batch in roles_hook() for r in batch],
        )
    catalogue.check()
    app.extensions["stepping_stones.catalogue"] = catalogue
    app.extensions["stepping_stones.migration_locations"] = [
        location for batch in plugins.hook.register_migrations() for location in batch
    ]


def _init_request_hooks(app: Flask) -> None:
    import sqlalchemy as sa

    from core import database_failures
    from core.api.problems import problem
    from core.api.smorest import is_api_request
    from core.errors import DomainError, InvalidInput
    from core.request_ids import request_id
    from core.tenancy.blueprints import SignInRequired, Unauthorised
    from core.web import sessions
    from core.web.safety import add_security_headers

    def _per_request(_endpoint: str | None, _values: dict | None) -> None:
        request_id()
        if not request.path.startswith(("/api/", "/static/")):
            sessions.enforce()

    # URL value preprocessors run before the tenant is resolved, so an expired session is
    # already gone when the tenant blueprint asks who is signed in.
    app.url_value_preprocessor(_per_request)

    @app.after_request
    def _finish(response):  # type: ignore[no-untyped-def]
        """One transaction per request: commit what a successful request did."""
        if response.status_code < 400 and db.session.is_active:
            try:
                db.session.commit()
            except sa.exc.DBAPIError as error:
                answer = database_failures.answer_for(error)
                if answer is None:
                    raise
                response = answer
        response.headers["X-Request-ID"] = request_id()
        if request.path.startswith("/api/v1/docs"):
            # Swagger UI sets inline styles; its page alone may use them.
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
            )
        return add_security_headers(response)

    database_failures.install(app)

    @app.errorhandler(SignInRequired)
    def _sign_in(_error: SignInRequired):  # type: ignore[no-untyped-def]
        return login_manager.unauthorized()

    @app.errorhandler(Unauthorised)
    def _unauthorised(error: Unauthorised):  # type: ignore[no-untyped-def]
        return problem(
            401, str(error), headers={"WWW-Authenticate": 'Bearer realm="stepping-stones"'}
        )

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if is_api_request():
            from core.api.problems import field_errors

            errors = field_errors(error.field_errors) if isinstance(error, InvalidInput) else None
            return problem(error.status, error.detail, errors=errors, **error.extra())
        from werkzeug.exceptions import HTTPException

        http_error = HTTPException(description=error.detail)
        http_error.code = error.status
        from core.web.errors import error_page

        return error_page(http_error)


def _register_blueprints(app: Flask) -> None:
    from core.accounts.api import blp as accounts_api
    from core.audit.api import blp as audit_api
    from core.clients.api import blp as clients_api
    from core.clients.record_api import blp as client_record_api
    from core.clients.rights_api import blp as client_rights_api
    from core.health import bp as health_bp
    from core.web.account import bp as account_bp
    from core.web.client_forms import bp as client_forms_bp
    from core.web.clients import bp as clients_bp
    from core.web.rights import bp as client_rights_bp
    from core.web.tenant import bp as tenant_bp
    from core.web.tokens import bp as tokens_bp
    from core.web.views import bp as web_bp

    api = app.extensions["stepping_stones.api"]
    from core.web.admin import bp as admin_bp

    ui = (health_bp, web_bp, account_bp, tenant_bp, tokens_bp, clients_bp, client_forms_bp)
    from core.web.platform import bp as platform_bp

    ui += (client_rights_bp,)  # information governance: erasure and restriction decisions
    from core.web.access_requests import bp as subject_access_bp

    ui += (subject_access_bp,)  # subject access requests and their clock
    from core.web.retention import bp as retention_bp

    ui += (retention_bp,)  # retention: records due for appraisal and decisions (P3)
    ui += (admin_bp, platform_bp)  # tenant admin pages; the platform operator's tenant list
    for blueprint in ui:
        app.register_blueprint(blueprint)
    from core.sso.views import bp as sso_bp

    app.register_blueprint(sso_bp)  # partner SSO: public routes under /sso/<slug>/…
    from core.imports.api import blp as imports_api
    from core.imports.views import bp as imports_bp
    from core.jobs.api import blp as jobs_api
    from core.jobs.views import bp as jobs_bp
    from core.reports.api import blp as reports_api
    from core.reports.views import bp as reports_bp

    for blueprint in (jobs_bp, imports_bp, reports_bp):  # background jobs, imports, reports (#7)
        app.register_blueprint(blueprint)
    core_apis = (accounts_api, audit_api, clients_api, client_record_api, client_rights_api)
    core_apis += (jobs_api, imports_api, reports_api)
    from core.clients.access_requests_api import blp as subject_access_api

    core_apis += (subject_access_api,)  # subject access requests and their clock
    from core.retention.api import blp as retention_api

    core_apis += (retention_api,)  # retention: records due for appraisal and decisions (P3)
    for blueprint in core_apis:
        api.register_blueprint(blueprint)

    owners: dict[str, str] = {}
    plugins = app.extensions["stepping_stones.plugins"]
    for name in plugins.info:
        for blueprint in [b for batch in plugins.only(name).register_blueprints() for b in batch]:
            owners[blueprint.name] = name
            if hasattr(blueprint, "register_views_in_doc"):  # flask-smorest blueprint
                api.register_blueprint(blueprint)
            else:
                app.register_blueprint(blueprint)
    app.extensions["stepping_stones.blueprint_plugins"] = owners

    # The API has no cookies-and-forms surface: its writes need a bearer token, so no CSRF.
    for blueprint in core_apis:
        csrf.exempt(blueprint)
    for name in owners:
        bp = app.blueprints.get(name)
        if bp is not None and hasattr(bp, "register_views_in_doc"):
            csrf.exempt(bp)


def _check_database_role(app: Flask) -> None:
    """Refuse to serve PostgreSQL as a superuser or a role that bypasses row-level security."""
    if not app.config["DATABASE_ROLE_CHECK"]:
        return
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    import sqlalchemy as sa

    with app.app_context():
        try:
            row = db.session.execute(
                sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
        except Exception:
            app.logger.warning("could not check the database role", exc_info=True)
            return
        finally:
            db.session.remove()
    if row.rolsuper or row.rolbypassrls:
        raise settings.ConfigError(
            "DATABASE_URL connects as a superuser or a BYPASSRLS role, which would switch off "
            "tenant isolation. Create the application role with `flask postgres create-roles` "
            "and connect as it (migrations use DATABASE_OWNER_URL)."
        )
