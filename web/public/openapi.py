"""The OpenAPI 3.1 document of the public JSON API, written by hand to match ``web.public.api``.

A test checks it against the OpenAPI schema, checks that its paths are exactly the app's /api
routes, and validates real responses against the schemas below.
"""

from __future__ import annotations

from typing import Any

from models.identities.sealing import IDENTITY_FIELDS
from models.reporting.categories import CATEGORIES
from models.reporting.intake import COARSE_STATUS
from models.reporting.limits import MAX_FIELD, MAX_PEOPLE

API_VERSION = "1.0.0"
# Text is refused if it holds a NUL (models.store.text); required text needs a visible character.
READABLE = "^[^\\u0000]*$"
WRITTEN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
DEFAULT_MAX_CHARS = 20_000


def _text(description: str, max_length: int | None = MAX_FIELD, *, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": description,
                              "pattern": WRITTEN if required else READABLE}
    if required:
        schema["minLength"] = 1
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/{RESPONSE_NAMES[code]}"} for code in codes}


RESPONSE_NAMES = {"400": "BadRequest", "404": "ReceiptNotFound", "413": "TooLarge",
                  "415": "NotJson", "429": "TooManyRequests", "503": "Unavailable"}

_RECEIPT = {"type": "string", "maxLength": 200, "pattern": READABLE,
            "description": "The 16 digits; spaces, dashes and full-width digits are fine."}
_SCHEMAS: dict[str, Any] = {
    "Category": {
        "type": "object",
        "required": ["code", "label"],
        "properties": {"code": {"type": "string", "enum": list(CATEGORIES)},
                       "label": _text("Translated label (Chinese by default)", None)},
        "additionalProperties": False,
    },
    "Person": {
        "type": "object",
        "description": "Someone reported (被举报人): give whatever is known; empty entries are dropped.",
        "properties": {"name": _text("Name or alias"), "unit": _text("Unit (work place)"),
                       "position": _text("Position"), "place": _text("Where they are active")},
        "additionalProperties": False,
    },
    "Official": {
        "type": "object",
        "description": "An official suspected of shielding them (保护伞).",
        "properties": {"name": _text("Name"), "unit": _text("Unit"), "position": _text("Position")},
        "additionalProperties": False,
    },
    "Identity": {
        "type": "object",
        "description": "The reporter's identity for a confidential report (R2). It is sealed in the "
                       "vault and opened only when k custodians together approve. At least one "
                       "field must be non-empty.",
        "properties": {name: _text(name.replace("_", " ").capitalize(), required=True) for name in IDENTITY_FIELDS},
        "minProperties": 1,
        "additionalProperties": False,
    },
    "ReportRequest": {
        "type": "object",
        "required": ["category", "description", "notice_accepted"],
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "description": _text("The facts: what happened, when, where, who was harmed "
                                 "(the server sets the limit, 20,000 characters by default)", DEFAULT_MAX_CHARS,
                                 required=True),
            "location": _text("Place"),
            "occurred_on": _text("Time, free text such as 2026年10月"),
            "reported": {"type": "array", "items": _ref("Person"), "maxItems": MAX_PEOPLE},
            "shielding": {"type": "array", "items": _ref("Official"), "maxItems": MAX_PEOPLE},
            "identity": {"oneOf": [{"type": "null"}, _ref("Identity")],
                         "description": "null (or absent) for an anonymous report"},
            "notice_accepted": {"type": "boolean", "const": True, "description": "Must be true: the reporter has read "
                                "the protection promise and the notice that deliberate false "
                                "accusation (诬告陷害) is prosecuted (R4)."},
        },
        "additionalProperties": False,
    },
    "ReportCreated": {
        "type": "object",
        "required": ["registry_no", "receipt"],
        "properties": {
            "registry_no": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6,}$"},
            "receipt": {"type": "string", "pattern": "^[0-9]{16}$",
                        "description": "Shown this once and never stored: it cannot be recovered."},
        },
        "additionalProperties": False,
    },
    "StatusRequest": {
        "type": "object",
        "required": ["receipt"],
        "properties": {"receipt": _RECEIPT},
        "additionalProperties": False,
    },
    "Message": {
        "type": "object",
        "required": ["from", "text", "at"],
        "properties": {"from": {"type": "string", "enum": ["staff", "reporter"]},
                       "text": {"type": "string"},
                       "at": {"type": "string", "format": "date-time"}},
        "additionalProperties": False,
    },
    "Status": {
        "type": "object",
        "required": ["registry_no", "status", "status_label", "messages"],
        "properties": {
            "registry_no": {"type": "string"},
            "status": {"type": "string", "enum": sorted(set(COARSE_STATUS.values()))},
            "status_label": {"type": "string", "description": "The status in the request's language"},
            "messages": {"type": "array", "items": _ref("Message")},
        },
        "additionalProperties": False,
    },
    "MessageRequest": {
        "type": "object",
        "required": ["receipt", "text"],
        "properties": {"receipt": _RECEIPT, "text": _text("The message", DEFAULT_MAX_CHARS, required=True)},
        "additionalProperties": False,
    },
    "MessageCreated": {
        "type": "object",
        "required": ["registry_no"],
        "properties": {"registry_no": {"type": "string"}},
        "additionalProperties": False,
    },
    "Error": {
        "type": "object",
        "required": ["error", "fields"],
        "properties": {
            "error": {"type": "string", "description": "A sentence for the user, in the request's language"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Per-field messages, keyed by field name"},
        },
        "additionalProperties": False,
    },
}

_RESPONSES: dict[str, Any] = {
    "BadRequest": _json(_ref("Error"), "Malformed JSON, invalid UTF-8, wrong types, missing or unknown fields, "
                        "or values the workflow refuses; `fields` says which."),
    "ReceiptNotFound": _json(_ref("Error"), "No report matches this receipt. The body is the same whichever "
                             "way the receipt is wrong."),
    "TooLarge": _json(_ref("Error"), "The request body is larger than the server accepts."),
    "NotJson": _json(_ref("Error"), "The body was not sent as application/json."),
    "TooManyRequests": _json(_ref("Error"), "Rate limit reached (receipt look-ups are limited to stop guessing)."),
    "Unavailable": _json(_ref("Error"), "Confidential reports cannot be accepted yet (custodian keys not set "
                         "up); an anonymous report can."),
}

_LANG = [
    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["zh", "en"]},
     "description": "Language of messages and labels; otherwise Accept-Language, then Chinese."},
]


def _post(summary: str, request: str, ok_code: str, ok: str, ok_description: str,
          errors: tuple[str, ...]) -> dict[str, Any]:
    return {"post": {
        "summary": summary,
        "parameters": _LANG,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}}},
        "responses": {ok_code: _json(_ref(ok), ok_description), **_errors(*errors)},
    }}


def openapi_document() -> dict[str, Any]:
    """The whole document, built fresh so callers may not change a shared copy."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ClueGuard public API",
            "version": API_VERSION,
            "description": (
                "Intake and follow-up for clue reports (线索举报), for clients such as a mobile app. "
                "No account and no cookies. The receipt code is the only key to a report: it is "
                "returned once, never stored, and must be sent in the request body, never in a URL. "
                "This version accepts no files; attach files through the web form or the Telegram bot."
            ),
        },
        "paths": {
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            "/api/v1/categories": {"get": {
                "summary": "Report categories (the twelve key target categories plus other)",
                "parameters": _LANG,
                "responses": {"200": _json({"type": "array", "items": _ref("Category")}, "The categories")},
            }},
            "/api/v1/reports": _post(
                "Submit a clue, anonymous (identity null) or confidential", "ReportRequest",
                "201", "ReportCreated", "Registered; keep the receipt", ("400", "413", "415", "429", "503")),
            "/api/v1/status": _post(
                "Status and messages of the report a receipt opens", "StatusRequest",
                "200", "Status", "The coarse status and the messages", ("400", "404", "413", "415", "429")),
            "/api/v1/status/messages": _post(
                "Send a message to the staff handling the report (text only)", "MessageRequest",
                "201", "MessageCreated", "Sent", ("400", "404", "413", "415", "429")),
        },
        "components": {"schemas": _SCHEMAS, "responses": _RESPONSES},
    }
