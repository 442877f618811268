"""The public JSON API (/api/v1) for other clients such as a mobile app: intake and follow-up.

It uses no cookies (so no CSRF token) and accepts no files in this version. Every bad request
gets ``{error, fields}`` in the request's language; a wrong receipt gets one 404 body whichever
way it is wrong. The same workflow functions as the web form do the real checking.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from models.identities.sealing import IDENTITY_FIELDS
from models.reporting import intake
from models.reporting.categories import CATEGORIES
from models.store.db import as_utc
from models.store.errors import InvalidInput, ReceiptNotFound, ServiceUnavailable
from models.store.i18n import N_, translate
from web.public.forms import REPORTED_FIELDS, SHIELDING_FIELDS
from web.public.openapi import openapi_document
from web.shared import current_locale, field_errors, get_runtime, no_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")

REQUIRED = N_("This field is required.")
NOT_TEXT = N_("This field must be text.")
NOT_BOOL = N_("This field must be true or false.")
NOT_PEOPLE = N_("This field must be a list of objects whose values are text.")
NOT_IDENTITY = N_("This field must be null or an object whose values are text.")
UNKNOWN = N_("Unknown field.")
BAD_BODY = N_("The request body must be a JSON object encoded in UTF-8.")
NOT_JSON = N_("Send the request body as JSON (Content-Type: application/json).")

REPORT_FIELDS = ("category", "description", "location", "occurred_on", "reported", "shielding",
                 "identity", "notice_accepted")


class ApiError(Exception):
    """A request the API refuses, with its status, msgid and per-field msgids."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None,
                 params: dict[str, object] | None = None,
                 field_params: dict[str, dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.fields, self.params = status, message, fields or {}, params or {}
        self.field_params = field_params or {}

    @classmethod
    def refusing(cls, err: InvalidInput) -> ApiError:
        """A 400 naming each refused field with its message (and its length and limit, if too long)."""
        return cls(400, err.message, err.errors, err.params, err.field_params)


@bp.errorhandler(ApiError)
def api_error(err: ApiError) -> tuple[Response, int]:
    """Translate a refused request into ``{error, fields}``."""
    body = {"error": translate(current_locale(), err.message, **err.params),
            "fields": field_errors(err.fields, err.params, err.field_params)}
    return jsonify(body), err.status


def read_object(allowed: tuple[str, ...]) -> dict[str, Any]:
    """The JSON body as an object of known fields; anything else is a 400 (or 415)."""
    if not request.is_json:
        raise ApiError(415, NOT_JSON)
    try:
        data = json.loads(request.get_data().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, BAD_BODY) from exc
    if not isinstance(data, dict):
        raise ApiError(400, BAD_BODY)
    unknown = {key: UNKNOWN for key in data if key not in allowed}
    if unknown:
        raise ApiError(400, InvalidInput.message, unknown)
    return data


def _text(data: dict[str, Any], name: str, errors: dict[str, str], *, required: bool = False) -> str:
    if name not in data:
        if required:
            errors[name] = REQUIRED
        return ""
    value = data[name]
    if not isinstance(value, str):
        errors[name] = NOT_TEXT
        return ""
    return value


def _objects(value: object, fields: tuple[str, ...]) -> list[dict[str, str]] | None:
    """A list of objects with only the given text fields, or None if it is anything else."""
    if not isinstance(value, list):
        return None
    rows = []
    for item in value:
        if not isinstance(item, dict) or not all(k in fields and isinstance(v, str) for k, v in item.items()):
            return None
        rows.append(item)
    return rows


def read_submission(data: dict[str, Any]) -> intake.Submission:
    """Check the types of a report request; the workflow checks the rest."""
    errors: dict[str, str] = {}
    texts = {name: _text(data, name, errors, required=name in ("category", "description"))
             for name in ("category", "description", "location", "occurred_on")}
    people: dict[str, list[intake.Person]] = {}
    for name, fields in (("reported", REPORTED_FIELDS), ("shielding", SHIELDING_FIELDS)):
        rows = _objects(data.get(name, []), fields)
        if rows is None:
            errors[name] = NOT_PEOPLE
        people[name] = [intake.Person(**row) for row in rows or []]
    identity = data.get("identity")
    if identity is not None and _objects([identity], IDENTITY_FIELDS) is None:
        errors["identity"] = NOT_IDENTITY
    if "notice_accepted" not in data:
        errors["notice_accepted"] = REQUIRED
    elif not isinstance(data["notice_accepted"], bool):
        errors["notice_accepted"] = NOT_BOOL
    if errors:
        raise ApiError(400, InvalidInput.message, errors)
    return intake.Submission(
        category=texts["category"], description=texts["description"], location=texts["location"],
        occurred_on=texts["occurred_on"], notice_accepted=data["notice_accepted"], reported=people["reported"],
        shielding=people["shielding"], identity=identity, channel="api",
    )


def _utc(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are UTC (models.db.utcnow).
    return as_utc(at)


def _receipt(data: dict[str, Any]) -> str:
    if not isinstance(data.get("receipt"), str):
        raise ApiError(400, InvalidInput.message, {"receipt": REQUIRED if "receipt" not in data else NOT_TEXT})
    return str(data["receipt"])


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


@bp.get("/categories")
def categories() -> Response:
    """The report categories with labels in the request's language (R3)."""
    loc = current_locale()
    return jsonify([{"code": code, "label": translate(loc, label)} for code, label in CATEGORIES.items()])


@bp.post("/reports")
def submit_report() -> tuple[Response, int]:
    """Take in a clue; answer with the registry number and the receipt, this once (R5)."""
    sub = read_submission(read_object(REPORT_FIELDS))
    try:
        receipt = intake.submit_report(get_runtime(), sub)
    except InvalidInput as err:
        raise ApiError.refusing(err) from None
    except ServiceUnavailable as err:
        raise ApiError(503, err.message, params=err.params) from None
    return no_store(jsonify(registry_no=receipt.registry_no, receipt=receipt.code)), 201


@bp.post("/status")
def status() -> Response:
    """Status and messages for the holder of a receipt (R5, R6)."""
    receipt = _receipt(read_object(("receipt",)))
    try:
        found = intake.reporter_status(get_runtime(), receipt)
    except ReceiptNotFound as err:
        raise ApiError(404, err.message) from None
    return no_store(jsonify(
        registry_no=found.registry_no, status=found.status,
        status_label=translate(current_locale(), intake.STATUS_LABELS[found.status]),
        messages=[{"from": m.sender, "text": m.text, "at": _utc(m.at).isoformat()} for m in found.messages],
    ))


@bp.post("/status/messages")
def add_message() -> tuple[Response, int]:
    """The reporter answers or adds information, text only in this version (R6)."""
    data = read_object(("receipt", "text"))
    receipt = _receipt(data)
    errors: dict[str, str] = {}
    text = _text(data, "text", errors, required=True)
    if errors:
        raise ApiError(400, InvalidInput.message, errors)
    try:
        registry_no = intake.add_follow_up(get_runtime(), receipt, text)
    except ReceiptNotFound as err:
        raise ApiError(404, err.message) from None
    except InvalidInput as err:
        raise ApiError.refusing(err) from None
    return no_store(jsonify(registry_no=registry_no)), 201

