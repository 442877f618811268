"""The staff JSON API: bearer tokens from ``POST /api/v1/session``, one OpenAPI document.

Tokens are random and stored only as their SHA-256 (``models.staff.sessions``): they carry nothing
derived from the password, die at sign-out (``DELETE /api/v1/session``, or the pages' sign-out),
password change, reset and deactivation, and every call needs the pledge within the year (R30).

Each API module has its own blueprint under ``API_PREFIX`` (registered by the factory),
``@api_auth(act)`` on its views, and describes them with ``register_openapi(paths, schemas)``;
the document at ``/api/v1/openapi.json`` is
built from what was registered, so it cannot drift from a forgotten hand-written copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from models.staff import accounts, acting, sessions
from models.staff.tables import Staff
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound, WrongState
from web.shared import error_message, field_errors, get_runtime, guard_responses
from web.staff import devices
from web.staff.auth import DOOR_ACTS

API_PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
F = TypeVar("F", bound=Callable[..., Any])

_PATHS: dict[str, dict[str, Any]] = {}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "fields": {"type": "object"}},
        "required": ["error"],
    },
}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def register_openapi(paths: dict[str, dict[str, Any]], schemas: dict[str, dict[str, Any]] | None = None) -> None:
    """Add path items (and component schemas) to the staff OpenAPI document."""
    for path, item in paths.items():
        _PATHS.setdefault(path, {}).update(item)
    _SCHEMAS.update(schemas or {})


def _completed(path: str, item: dict[str, Any]) -> dict[str, Any]:
    """A path item with what every operation has: its path parameters declared, and the 400 and
    413 that the shared request guard (web.shared) may answer before any view runs."""
    guarded = guard_responses("#/components/schemas/Error")
    names = re.findall(r"{([^}]+)}", path)
    done: dict[str, Any] = {}
    for method, op in item.items():
        declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
        params = [*op.get("parameters", []), *({"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                                               for n in names if n not in declared)]
        done[method] = {**op, "parameters": params, "responses": {**guarded, **op.get("responses", {})}}
    return done


def issue_token(staff: Staff) -> str:
    """A new bearer token for ``staff`` (shown once to the caller)."""
    return sessions.issue_token(get_runtime(), staff.id)


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


def _token_staff() -> Staff | None:
    return sessions.token_staff(get_runtime(), _bearer())


def api_error(err: ClueGuardError) -> tuple[Any, int]:
    """A workflow error as JSON in the caller's language, with a fitting status code."""
    status = {InvalidInput: 400, NotAllowed: 403, NotFound: 404, WrongState: 409}
    code = next((c for cls, c in status.items() if isinstance(err, cls)), 400)
    body: dict[str, Any] = {"error": error_message(err)}
    if isinstance(err, InvalidInput):
        body["fields"] = field_errors(err.errors, err.params)
    return jsonify(body), code


def api_auth(act: str | None = None) -> Callable[[F], F]:
    """Require a valid bearer token (and a role that may do ``act``, if given: a refusal is audited,
    R23); sets ``g.staff``."""
    if act is not None:
        DOOR_ACTS.add(act)  # every name must be a declared act: tests/test_acts.py checks them all

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            staff = _token_staff()
            if staff is None:
                return jsonify({"error": _("Sign in first.")}), 401
            if not accounts.pledge_current(staff):
                return jsonify({"error": _("Accept the confidentiality undertaking first.")}), 403
            if act is not None and not acting.admit(get_runtime(), staff.id, staff.role, act,
                                                    endpoint=request.endpoint or ""):
                return jsonify({"error": _("You are not allowed to do this.")}), 403
            g.staff = staff
            try:
                return view(*args, **kwargs)
            except ClueGuardError as err:
                return api_error(err)

        return cast(F, wrapped)

    return decorate


def json_body() -> dict[str, Any]:
    """The request's JSON object, or InvalidInput (malformed JSON, not an object, bad UTF-8)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput({"body": "Send a JSON object."})
    return data


@bp.post("/session")
def create_session() -> Any:
    """Exchange user name, password and TOTP code for a bearer token."""
    try:
        data = json_body()
        username = str(data.get("username", ""))
        staff = accounts.authenticate(get_runtime(), username, str(data.get("password", "")),
                                      str(data.get("totp", "")), address=request.remote_addr or "",
                                      device=devices.known_device(username))
    except ClueGuardError as err:
        body, code = api_error(err)
        return body, 401 if code == 400 and not isinstance(err, InvalidInput) else code
    answer = jsonify({"token": issue_token(staff), "expires_in": get_runtime().config.session_minutes * 60,
                      "role": staff.role})
    answer.status_code = 201
    # A client that keeps cookies is a known device next time (models.staff.throttle).
    return devices.remember_device(answer, staff.username)


@bp.delete("/session")
def end_session() -> Any:
    """Sign out: this token, every other token and every web session of the person end."""
    staff = _token_staff()
    if staff is None:
        return jsonify({"error": _("Sign in first.")}), 401
    sessions.sign_out(get_runtime(), staff.id)
    return "", 204


@bp.get("/openapi.json")
def openapi() -> Any:
    """The staff API's OpenAPI 3.1 document."""
    return jsonify({
        "openapi": "3.1.0",
        "info": {"title": "ClueGuard staff API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": {path: _completed(path, item) for path, item in sorted(_PATHS.items())},
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })


register_openapi({
    "/session": {
        "post": {
            "summary": "Sign in; returns a bearer token for the other endpoints",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                               "totp": {"type": "string"}},
                "required": ["username", "password", "totp"]}}}},
            "responses": {
                "201": {"description": "Signed in", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"token": {"type": "string"},
                                                     "expires_in": {"type": "integer"},
                                                     "role": {"type": "string"}}}}}},
                "401": {"description": "Sign-in failed",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
        "delete": {
            "summary": "Sign out everywhere: every token and web session of the caller ends",
            "security": BEARER,
            "responses": {
                "204": {"description": "Signed out"},
                "401": {"description": "No valid token",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        },
    },
})
