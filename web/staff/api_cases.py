"""The staff JSON API for clues: the inbox, one clue with its messages and files, a reply.

The same workflow functions as the pages (``models.casework``), so need-to-know (R20) and the
audit trail (R23) apply unchanged. Reports are addressed by registry number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify, request

from models.cases import casework
from models.confidentiality.need_to_know import Destroyed
from models.reporting.categories import CATEGORIES
from models.reporting.tables import Report
from models.staff.accounts import CONTENT_ROLES
from models.store.db import as_utc
from models.store.errors import InvalidInput
from models.store.i18n import N_
from web.shared import get_runtime
from web.staff.api import API_PREFIX, BEARER, api_auth, json_body, register_openapi
from web.staff.confidentiality_api import destroyed_answer, marking_of
from web.staff.labels import STATE_LABELS

# This module's own blueprint of the staff JSON API, registered by ``create_staff_app``.
bp = Blueprint("api_cases", __name__, url_prefix=API_PREFIX)

ROLES = tuple(sorted(CONTENT_ROLES))


def _iso(at: datetime) -> str:
    return as_utc(at).isoformat()


def _summary(report: Report) -> dict[str, Any]:
    return {
        "registry_no": report.registry_no, "id": report.id, "category": report.category,
        "channel": report.channel, "source": report.source, "state": report.state,
        "confidential": report.confidential, "received_at": _iso(report.created_at),
    }


MAX_PAGE = 1_000_000  # far past any inbox; beyond it an offset overflows the database's integers


def _page_arg() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError as exc:
        raise InvalidInput({"page": N_("Send a page number.")}) from exc
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput({"page": N_("Send a page number.")})
    return page


@bp.get("/reports")
@api_auth("clue.read")
def list_reports() -> Any:
    """The inbox: clues this staff member may see, newest first."""
    category = request.args.get("category") or None
    state = request.args.get("state") or None
    if category is not None and category not in CATEGORIES:
        raise InvalidInput({"category": N_("Unknown category.")})
    if state is not None and state not in STATE_LABELS:
        raise InvalidInput({"state": N_("Unknown state.")})
    page = casework.list_inbox(get_runtime(), g.staff.id, category=category, state=state,
                               page=_page_arg())
    return jsonify({"reports": [_summary(r) for r in page.reports], "page": page.page,
                    "pages": page.pages, "total": page.total})


@bp.get("/reports/<registry_no>")
@api_auth("clue.read")
def get_report(registry_no: str) -> Any:
    """One clue, decrypted, with its files and messages (the read is audited)."""
    rt = get_runtime()
    try:
        case = casework.open_case(rt, g.staff.id, casework.find_by_registry_no(rt, registry_no))
    except Destroyed:
        return destroyed_answer(registry_no)
    return jsonify({
        **_summary(case.report),
        "marking": marking_of(case.report.id),
        "clue": case.clue,
        "files": [{"id": f.id, "filename": f.filename, "mime": f.mime, "kind": f.kind,
                   "size": f.size, "message_id": f.message_id} for f in case.files],
        "messages": [{"id": m.id, "direction": m.direction, "author": m.author, "text": m.text,
                      "at": _iso(m.at)} for m in case.messages],
    })


@bp.post("/reports/<registry_no>/messages")
@api_auth("clue.reply")
def post_message(registry_no: str) -> Any:
    """Send a message to the reporter (R6)."""
    rt = get_runtime()
    text = json_body().get("text")
    if not isinstance(text, str):
        raise InvalidInput({"text": N_("Write a message.")})
    report_id = casework.find_by_registry_no(rt, registry_no)
    message_id = casework.reply_to_reporter(rt, g.staff.id, report_id, text)
    return jsonify({"id": message_id}), 201


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


_ERROR = _json({"$ref": "#/components/schemas/Error"})
_REGISTRY_NO = {"name": "registry_no", "in": "path", "required": True,
                "schema": {"type": "string", "example": "2026-000001"}}
_REFUSALS = {
    "401": {"description": "No valid bearer token", **_ERROR},
    "403": {"description": "Role or need-to-know refuses it", **_ERROR},
}

register_openapi(
    {
        "/reports": {"get": {
            "summary": "The inbox: clues the caller may see, newest first",
            "security": BEARER,
            "parameters": [
                {"name": "category", "in": "query", "schema": {"type": "string", "enum": list(CATEGORIES)}},
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(STATE_LABELS)}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": MAX_PAGE}},
            ],
            "responses": {
                "200": {"description": "One page", **_json({"$ref": "#/components/schemas/ReportPage"})},
                "400": {"description": "Bad filter", **_ERROR}, **_REFUSALS,
            },
        }},
        "/reports/{registry_no}": {"get": {
            "summary": "One clue with its files and messages (the read is audited)",
            "security": BEARER,
            "parameters": [_REGISTRY_NO],
            "responses": {
                "200": {"description": "The clue", **_json({"$ref": "#/components/schemas/Case"})},
                "404": {"description": "No such registry number", **_ERROR},
                "410": {"description": "Destroyed: the destruction register's public facts only"}, **_REFUSALS,
            },
        }},
        "/reports/{registry_no}/messages": {"post": {
            "summary": "Send a message to the reporter",
            "security": BEARER,
            "parameters": [_REGISTRY_NO],
            "requestBody": {"required": True, **_json({
                "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})},
            "responses": {
                "201": {"description": "Sent", **_json({"type": "object", "properties": {"id": {"type": "string"}}})},
                "400": {"description": "Empty or too long", **_ERROR},
                "404": {"description": "No such registry number", **_ERROR},
                "409": {"description": "The case is destroyed", **_ERROR}, **_REFUSALS,
            },
        }},
    },
    {
        "ReportSummary": {"type": "object", "properties": {
            "registry_no": {"type": "string"}, "id": {"type": "string"}, "category": {"type": "string"},
            "channel": {"type": "string"}, "source": {"type": "string"}, "state": {"type": "string"},
            "confidential": {"type": "boolean"}, "received_at": {"type": "string", "format": "date-time"}}},
        "ReportPage": {"type": "object", "properties": {
            "reports": {"type": "array", "items": {"$ref": "#/components/schemas/ReportSummary"}},
            "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}},
        "Case": {"allOf": [{"$ref": "#/components/schemas/ReportSummary"}, {"type": "object", "properties": {
            "marking": {"type": "string", "description": "密级★期限, e.g. 机密★10年 (R19)"},
            "clue": {"type": "object", "description": "category, description, location, occurred_on, "
                                                      "reported[], shielding[]"},
            "files": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "filename": {"type": "string"}, "mime": {"type": "string"},
                "kind": {"type": "string"}, "size": {"type": "integer"},
                "message_id": {"type": ["string", "null"]}}}},
            "messages": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "direction": {"type": "string", "enum": ["staff", "reporter"]},
                "author": {"type": ["string", "null"]}, "text": {"type": "string"},
                "at": {"type": "string", "format": "date-time"}}}}}}]},
    },
)
