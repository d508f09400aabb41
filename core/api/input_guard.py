"""Refuse text PostgreSQL cannot store before any view sees it.

PostgreSQL ``text`` and ``varchar`` cannot hold the NUL character (U+0000): an insert or a
comparison with one fails inside the database, which would surface as a 500. No field of ours has
a use for it, so an API request carrying one in its query string or JSON body is refused with a
422 naming every field that holds it, and a page request with one in a form field or the query
string with a 400 page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, request
from werkzeug.exceptions import BadRequest

from core.api.problems import _pointer, problem

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = "Remove the control character NUL (U+0000): it cannot be stored."


def _nul_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths, inside a decoded JSON document, of every key or string holding a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*path, key)
            else:
                yield from _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, str(index)))


def refuse_nul_characters() -> Response | None:
    """``before_request`` for API routes: a 422 problem if the query or JSON body holds a NUL.

    Runs after the tenant, token and membership are resolved (URL value preprocessors come
    first), so a caller who may not use the route still gets its 401 or 404.
    """
    paths: list[tuple[str, ...]] = []
    for key, value in request.args.items(multi=True):
        if NUL in key or NUL in value:
            paths.append((key,))
    if request.is_json:
        body = request.get_json(silent=True)  # unreadable JSON is the parser's 400, not ours
        paths.extend(_nul_paths(body))
    if not paths:
        return None
    seen = dict.fromkeys(_pointer(p) for p in paths)
    return problem(
        422,
        "Check the fields listed in errors.",
        errors=[{"pointer": pointer, "detail": NUL_MESSAGE} for pointer in seen],
    )


def refuse_nul_in_forms() -> None:
    """``before_request`` for pages: a NUL in a form field or the query string is a 400 page.

    Nobody types a NUL; it arrives pasted from a binary file or from a fuzzer. Pages cannot all
    point at the field the way the API does, so the answer is one clear page, before any view
    runs and with nothing saved (a 500 from the database otherwise).
    """
    values = [*request.args.items(multi=True)]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += [*request.form.items(multi=True)]
    if any(NUL in key or NUL in value for key, value in values):
        raise BadRequest(
            "Something you sent holds a control character (NUL) that cannot be saved, perhaps "
            "pasted from another program. Nothing was saved. Go back, retype that text and try "
            "again."
        )
