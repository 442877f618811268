"""The staff JSON API of confidentiality management (R19–R22): classification, borrowing, copies,
destruction. The same functions as the pages (``models.confidentiality``), so every rule and
every audit event applies unchanged; clues are addressed by registry number."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify
from flask_babel import get_locale

from models.cases import casework
from models.cases.printing import render_copy
from models.confidentiality import borrowing, classification, copies, destruction
from models.staff.accounts import CONTENT_ROLES
from models.store.errors import InvalidInput
from models.store.i18n import N_
from web.shared import get_runtime, no_store
from web.staff.api import API_PREFIX, BEARER, api_auth, json_body, register_openapi

# This module's own blueprint of the staff JSON API, registered by ``create_staff_app``.
bp = Blueprint("api_confidentiality", __name__, url_prefix=API_PREFIX)

# The staff app's int converter stops at the database's INTEGER (web.staff.DatabaseInt).
_ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}

ROLES = tuple(sorted(CONTENT_ROLES))


def _report_id(registry_no: str) -> str:
    return casework.find_by_registry_no(get_runtime(), registry_no)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput({name: N_("Write the text.")})
    return value


def marking_of(report_id: str) -> str:
    """The marking of one clue in the caller's language (GET /reports/{registry_no} carries it)."""
    return classification.marking_of(get_runtime(), report_id, str(get_locale() or "zh"))


def destroyed_answer(registry_no: str) -> tuple[Any, int]:
    """410 with the destruction register's public facts only (R22)."""
    entry = destruction.register_entry(get_runtime(), registry_no)
    if entry is None:
        return jsonify({"error": "gone"}), 410
    return jsonify({"registry_no": entry.registry_no, "state": "destroyed", "category": entry.category,
                    "received_on": entry.received_on.isoformat(), "destroyed_at": entry.destroyed_at.isoformat(),
                    "reason": entry.reason}), 410


@bp.post("/reports/<registry_no>/classification-changes")
@api_auth("classification.propose")
def propose(registry_no: str) -> Any:
    """Propose a level and period (or declassifying) for a clue (R19)."""
    data = json_body()
    change = classification.propose_classification(get_runtime(), g.staff.id, _report_id(registry_no),
                                                   _text(data, "level"), data.get("years", 0),
                                                   _text(data, "reason"))
    return jsonify({"id": change}), 201


@bp.post("/classification-changes/<int:change_id>/<decision>")
@api_auth("classification.approve")
def decide_classification(change_id: int, decision: str) -> Any:
    """Approve or refuse a proposed classification (not one's own)."""
    if decision not in ("approve", "refuse"):
        return jsonify({"error": "not found"}), 404
    classification.decide_classification(get_runtime(), g.staff.id, change_id, decision == "approve")
    return jsonify({"id": change_id, "status": "approved" if decision == "approve" else "refused"})


@bp.post("/reports/<registry_no>/borrow-requests")
@api_auth("borrow.request")
def borrow(registry_no: str) -> Any:
    """File a borrowing request (借阅单) for another unit's clue (R20)."""
    data = json_body()
    loan = borrowing.request_borrowing(get_runtime(), g.staff.id, _report_id(registry_no), _text(data, "reason"),
                                       data.get("days"))
    return jsonify({"id": loan}), 201


@bp.post("/borrow-requests/<request_id>/<decision>")
@api_auth("borrow.return")
def decide_borrowing(request_id: str, decision: str) -> Any:
    """The lending unit's head approves or refuses a borrowing request."""
    if decision not in ("approve", "refuse"):
        return jsonify({"error": "not found"}), 404
    note = _text(json_body(), "note") if decision == "refuse" else ""
    borrowing.decide_borrowing(get_runtime(), g.staff.id, request_id, decision == "approve", note)
    return jsonify({"id": request_id, "status": "approved" if decision == "approve" else "refused"})


@bp.post("/reports/<registry_no>/exports")
@api_auth("export.request")
def request_export(registry_no: str) -> Any:
    """Ask for numbered PDF copies of the redacted clue (R21)."""
    data = json_body()
    holders = data.get("holders")
    if holders is not None and (not isinstance(holders, list) or not all(isinstance(h, str) for h in holders)):
        raise InvalidInput({"holders": N_("Name one holder for each copy.")})
    export = copies.request_export(get_runtime(), g.staff.id, _report_id(registry_no), data.get("copies"),
                                   _text(data, "reason"), holders)
    return jsonify({"id": export}), 201


@bp.post("/exports/<export_id>/<decision>")
@api_auth("export.approve")
def decide_export(export_id: str, decision: str) -> Any:
    """A unit head of the clue's unit approves or refuses an export (not their own)."""
    if decision not in ("approve", "refuse"):
        return jsonify({"error": "not found"}), 404
    copies.decide_export(get_runtime(), g.staff.id, export_id, decision == "approve")
    return jsonify({"id": export_id, "status": "approved" if decision == "approve" else "refused"})


@bp.get("/exports/<export_id>/copies/<int:n>")
@api_auth("export.print")
def copy_pdf(export_id: str, n: int) -> Any:
    """Copy n as a PDF, for its holder only."""
    pdf = render_copy(get_runtime(), g.staff.id, export_id, n, str(get_locale() or "zh"))
    return no_store(Response(pdf, mimetype="application/pdf"))


@bp.post("/reports/<registry_no>/destruction-requests")
@api_auth("destruction.request")
def request_destruction(registry_no: str) -> Any:
    """Ask to destroy a clue whose handling is over (R22)."""
    data = json_body()
    row = destruction.request_destruction(get_runtime(), g.staff.id, _report_id(registry_no),
                                          _text(data, "reason"), _text(data, "note"))
    return jsonify({"id": row}), 201


@bp.post("/destruction-requests/<request_id>/approve")
@api_auth("destruction.approve")
def approve_destruction(request_id: str) -> Any:
    """A unit head of the clue's unit approves a destruction (not their own request)."""
    destruction.approve_destruction(get_runtime(), g.staff.id, request_id)
    return jsonify({"id": request_id, "status": "approved"})


@bp.post("/destruction-requests/<request_id>/execute")
@api_auth("destruction.execute")
def execute_destruction(request_id: str) -> Any:
    """Carry out an approved destruction before a witness (crypto-shredding)."""
    entry = destruction.execute_destruction(get_runtime(), g.staff.id, request_id, _text(json_body(), "witness"))
    return jsonify({"id": request_id, "status": "executed", "register_entry": entry})


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


_ERRORS = {"400": {"description": "Bad input"}, "401": {"description": "No valid bearer token"},
           "404": {"description": "Unknown id"}, "409": {"description": "Wrong state"}}


def _param(name: str) -> dict[str, Any]:
    # Path parameters as the routes read them: the int converter's ids, the two decisions; the
    # rest are opaque strings.
    schema: dict[str, Any] = {"type": "string"}
    if name == "change_id":
        schema = _ID
    elif name == "decision":
        schema = {"type": "string", "enum": ["approve", "refuse"]}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _post(summary: str, params: list[str], props: dict[str, Any], required: list[str], ok: str = "201",
          roles: str = "content roles") -> dict[str, Any]:
    item: dict[str, Any] = {
        "summary": summary, "security": BEARER, "tags": ["confidentiality"],
        "parameters": [_param(p) for p in params],
        "responses": {ok: {"description": "Done", **_json({"type": "object"})}, **_ERRORS,
                      "403": {"description": f"Refused ({roles}, need-to-know, approval)"}},
    }
    if props:
        item["requestBody"] = {"required": True, **_json({"type": "object", "properties": props,
                                                          "required": required})}
    return {"post": item}


_S, _I = {"type": "string"}, {"type": "integer"}
register_openapi({
    "/reports/{registry_no}/classification-changes": _post(
        "Propose a classification (R19)", ["registry_no"],
        {"level": {"type": "string", "enum": [*classification.LEVELS, "declassified"]}, "years": _I,
         "reason": _S}, ["level", "years"]),
    "/classification-changes/{change_id}/{decision}": _post(
        "Approve or refuse a classification (decision: approve | refuse)", ["change_id", "decision"], {}, [],
        "200", "unit head of the clue's unit, not the proposer"),
    "/reports/{registry_no}/borrow-requests": _post(
        "File a borrowing request (R20)", ["registry_no"], {"reason": _S, "days": _I}, ["reason", "days"]),
    "/borrow-requests/{request_id}/{decision}": _post(
        "Approve or refuse a borrowing request (decision: approve | refuse; refuse takes a note)",
        ["request_id", "decision"], {"note": _S}, [], "200", "unit head of the lending unit, not the requester"),
    "/reports/{registry_no}/exports": _post(
        "Ask for numbered PDF copies of the redacted clue (R21)", ["registry_no"],
        {"copies": _I, "reason": _S, "holders": {"type": "array", "items": _S}}, ["copies", "reason"]),
    "/exports/{export_id}/{decision}": _post(
        "Approve or refuse an export (decision: approve | refuse)", ["export_id", "decision"], {}, [], "200",
        "unit head of the clue's unit, not the requester"),
    "/exports/{export_id}/copies/{n}": {"get": {
        "summary": "Copy n of an approved export as a PDF, for its holder only", "security": BEARER,
        "tags": ["confidentiality"],
        "parameters": [{"name": "export_id", "in": "path", "required": True, "schema": _S},
                       {"name": "n", "in": "path", "required": True, "schema": _ID}],
        "responses": {"200": {"description": "The PDF", "content": {"application/pdf": {}}}, **_ERRORS,
                      "403": {"description": "Not approved, beyond the count, or not the holder"}}}},
    "/reports/{registry_no}/destruction-requests": _post(
        "Ask to destroy a clue (R22)", ["registry_no"],
        {"reason": {"type": "string", "enum": list(destruction.REASONS)}, "note": _S}, ["reason"]),
    "/destruction-requests/{request_id}/approve": _post(
        "Approve a destruction", ["request_id"], {}, [], "200", "unit head of the clue's unit, not the requester"),
    "/destruction-requests/{request_id}/execute": _post(
        "Carry out an approved destruction before a witness", ["request_id"], {"witness": _S}, ["witness"], "200"),
})
