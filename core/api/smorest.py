"""flask-smorest's ``Api`` with our error handling and locally served interactive docs."""

from __future__ import annotations

import http

import flask
import marshmallow as ma
from flask import request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from core.api.problems import MEDIA_TYPE


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


class FieldErrorSchema(ma.Schema):
    """One message about one field of the request."""

    pointer = ma.fields.String(required=True, metadata={"example": "#/start_date"})
    detail = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem, as every API error is sent (types listed in docs/problems.md)."""

    class Meta:
        unknown = ma.INCLUDE  # a problem type may add members (RFC 9457 section 3.2)

    type = ma.fields.String(required=True, metadata={"format": "uri"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    instance = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


class ProblemApi(Api):
    """Every HTTP error becomes problem+json under ``/api/`` and an NHS-style page elsewhere."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app: flask.Flask, *args, **kwargs) -> None:  # type: ignore[override]
        super().init_app(app, *args, **kwargs)
        from core.api.input_guard import refuse_nul_characters, refuse_nul_in_forms

        @app.before_request
        def _refuse_nul_characters():
            return refuse_nul_characters() if is_api_request() else refuse_nul_in_forms()

    def _register_responses(self) -> None:
        """Document error responses as ``application/problem+json`` (flask-smorest's default
        says ``application/json`` with its own error body, which is not what we send)."""
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

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
