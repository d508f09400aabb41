"""flask-smorest's ``Api`` with our error handling and locally served interactive docs."""

from __future__ import annotations

import flask
from flask import request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


class ProblemApi(Api):
    """Every HTTP error becomes problem+json under ``/api/`` and an NHS-style page elsewhere."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        if error.code and error.code >= 500:
            flask.current_app.logger.error(
                "request %s failed: %s",
                flask.g.get("request_id"),
                getattr(error, "original_exception", None) or error,
                exc_info=getattr(error, "original_exception", None),
            )
        if is_api_request():
            from core.api.problems import from_http_exception

            return from_http_exception(error)
        from core.web.errors import error_page

        return error_page(error)

    def _openapi_swagger_ui(self):  # type: ignore[override]
        """Swagger UI from our own static files, started by a script file (CSP forbids inline)."""
        return flask.render_template(
            "api/swagger_ui.html",
            title=self.spec.title,
            spec_url=flask.url_for(f"{self._make_doc_blueprint_name()}.openapi_json"),
            swagger_ui_url=self._swagger_ui_url,
        )
