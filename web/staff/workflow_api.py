"""Staff JSON API of the clue workflow: one endpoint per act, plus the deadline board, the list of
authorities and the statistics. Each endpoint is one call into the same workflow functions the
staff pages use; this module only adds routes to ``api.bp`` and describes them in OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from flask import Blueprint, g, jsonify

from models.cases import deadlines, shielding, statistics, transfer, workflow
from models.store.errors import InvalidInput
from models.store.i18n import N_
from models.store.text import as_id
from web.shared import get_runtime
from web.staff.api import API_PREFIX, BEARER, api_auth, json_body, register_openapi

# This module's own blueprint of the staff JSON API, registered by ``create_staff_app``.
bp = Blueprint("api_workflow", __name__, url_prefix=API_PREFIX)

HANDLERS = ("intake", "unit_head")


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    chosen = as_id(value) if isinstance(value, int) else None  # a JSON number, not a string
    if chosen is None:
        raise InvalidInput({name: N_("Choose a value from the list.")})
    return chosen


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput({name: N_("Write the text.")})
    return value


def _date(data: dict[str, Any], name: str, required: bool = True) -> date | None:
    value = data.get(name)
    if value is None and not required:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput({name: N_("Give a date (YYYY-MM-DD).")}) from None


def _lines(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput({name: N_("Give a list of texts.")})
    return value


Call = Callable[[int, str, dict[str, Any]], str]


def _add_note(staff_id: int, report_id: str, data: dict[str, Any]) -> str:
    workflow.add_check_note(get_runtime(), staff_id, report_id, _text(data, "text"))
    return "checking"

# path segment -> (summary, request properties, required, call)
ACTS: dict[str, tuple[str, dict[str, Any], list[str], Call]] = {
    "register": ("Register a received clue with one unit and handler (R13)",
                 {"unit_id": {"type": "integer"}, "handler_id": {"type": "integer"}}, ["unit_id", "handler_id"],
                 lambda s, r, d: workflow.register_clue(get_runtime(), s, r, _int(d, "unit_id"),
                                                        _int(d, "handler_id"))),
    "reassign": ("Give the clue to another unit or handler (unit head)",
                 {"unit_id": {"type": "integer"}, "handler_id": {"type": "integer"}, "reason": {"type": "string"}},
                 ["unit_id", "handler_id"],
                 lambda s, r, d: workflow.reassign_clue(get_runtime(), s, r, _int(d, "unit_id"), _int(d, "handler_id"),
                                                        _text(d, "reason"))),
    "check": ("Start the preliminary check", {}, [],
              lambda s, r, d: workflow.start_check(get_runtime(), s, r)),
    "notes": ("Add a check note (encrypted)", {"text": {"type": "string"}}, ["text"],
              _add_note),
    "conclude": ("Write the verification conclusion (R15)",
                 {"text": {"type": "string"}, "gang_related": {"type": "boolean"},
                  "shielding_official": {"type": "boolean"}, "transfer": {"type": "boolean"}}, ["text"],
                 lambda s, r, d: workflow.conclude_check(get_runtime(), s, r, _text(d, "text"),
                                                         gang_related=d.get("gang_related") is True,
                                                         shielding_official=d.get("shielding_official") is True,
                                                         transfer=d.get("transfer") is True)),
    "approve": ("Approve the conclusion (unit head, R15)", {"note": {"type": "string"}}, [],
                lambda s, r, d: workflow.approve_conclusion(get_runtime(), s, r, _text(d, "note"))),
    "return": ("Return the conclusion for more checking (unit head)", {"note": {"type": "string"}}, ["note"],
               lambda s, r, d: workflow.return_conclusion(get_runtime(), s, r, _text(d, "note"))),
    "transfer": ("Transfer to a receiving authority with the evidence list (R16)",
                 {"authority_id": {"type": "integer"}, "evidence": {"type": "array", "items": {"type": "string"}},
                  "attachment_ids": {"type": "array", "items": {"type": "string"}},
                  "handling_deadline": {"type": "string", "format": "date"}}, ["authority_id", "evidence"],
                 lambda s, r, d: transfer.transfer_clue(get_runtime(), s, r, _int(d, "authority_id"),
                                                        _lines(d, "evidence"), _lines(d, "attachment_ids"),
                                                        _date(d, "handling_deadline", required=False))),
    "shielding-transfer": ("Propose sending only the clue's 保护伞 part to discipline inspection (#27 item 7)",
                           {"authority_id": {"type": "integer"}, "part": {"type": "string"},
                            "evidence": {"type": "array", "items": {"type": "string"}},
                            "attachment_ids": {"type": "array", "items": {"type": "string"}}},
                           ["authority_id", "part", "evidence"],
                           lambda s, r, d: shielding.propose_shielding_transfer(
                               get_runtime(), s, r, _int(d, "authority_id"), _text(d, "part"), _lines(d, "evidence"),
                               _lines(d, "attachment_ids"))),
    "shielding-decision": ("Approve or refuse the transfer of the 保护伞 part (another unit head)",
                           {"approve": {"type": "boolean"}, "note": {"type": "string"},
                            "handling_deadline": {"type": "string", "format": "date"}}, ["approve"],
                           lambda s, r, d: shielding.decide_shielding_transfer(
                               get_runtime(), s, r, d.get("approve") is True, _text(d, "note"),
                               _date(d, "handling_deadline", required=False))),
    "handling-deadline": ("Record the authority's handling deadline (feedback due 5 days after, R17)",
                          {"deadline": {"type": "string", "format": "date"}, "transfer_id": {"type": "string"}},
                          ["deadline"],
                          lambda s, r, d: transfer.set_handling_deadline(get_runtime(), s, r,
                                                                         _date(d, "deadline") or date.min,
                                                                         str(d.get("transfer_id") or "") or None)),
    "feedback": ("Record one authority's feedback (R17); transfer_id when several await it",
                 {"text": {"type": "string"}, "transfer_id": {"type": "string"}}, ["text"],
                 lambda s, r, d: transfer.record_feedback(get_runtime(), s, r, _text(d, "text"), None,
                                                          str(d.get("transfer_id") or "") or None)),
    "close": ("Close the clue", {}, [], lambda s, r, d: workflow.close_clue(get_runtime(), s, r)),
    "archive": ("Archive a closed clue (unit head)", {}, [],
                lambda s, r, d: workflow.archive_clue(get_runtime(), s, r)),
    "merge": ("Merge a duplicate into another clue", {"into": {"type": "string"}}, ["into"],
              lambda s, r, d: workflow.merge_clue(get_runtime(), s, r, _text(d, "into"))),
    "not-accepted": ("Do not accept the clue, with a reason",
                     {"reason": {"type": "string", "enum": list(workflow.NOT_ACCEPTED_REASONS)},
                      "note": {"type": "string"}}, ["reason"],
                     lambda s, r, d: workflow.not_accept_clue(get_runtime(), s, r, _text(d, "reason"),
                                                              _text(d, "note"))),
}


@bp.post("/cases/<report_id>/<act>")
@api_auth("clue.handle")
def workflow_act(report_id: str, act: str) -> Any:
    """Do one act of a clue's workflow; answers with the clue's new state."""
    if act not in ACTS:
        return jsonify({"error": "not found"}), 404
    data = json_body() if act not in {"check", "close", "archive"} else {}
    state = ACTS[act][3](g.staff.id, report_id, data)
    return jsonify({"report_id": report_id, "state": state})


@bp.get("/deadlines")
@api_auth("deadline.board")
def deadline_list() -> Any:
    """Due-soon and overdue transfers and feedback the caller may see (R18)."""
    items = deadlines.deadline_board(get_runtime(), g.staff.id)
    return jsonify({"items": [{**asdict(i), "due_on": i.due_on.isoformat()} for i in items]})


@bp.get("/authorities")
@api_auth()
def authority_list() -> Any:
    """The receiving authorities clues may be transferred to."""
    return jsonify({"authorities": [asdict(a) for a in transfer.list_authorities(get_runtime())]})


@bp.get("/statistics")
@api_auth("statistics.view")
def statistics_view() -> Any:
    """Counts and times to transfer (unit heads only, R27)."""
    return jsonify(asdict(statistics.clue_statistics(get_runtime(), g.staff.id)))


def _responses(ok: str) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {"200": {"description": ok, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                                                                          "ActResult"}}}},
            "400": {"description": "Invalid input", **error}, "401": {"description": "Not signed in", **error},
            "403": {"description": "Wrong role or unit", **error}, "404": {"description": "No such clue", **error},
            "409": {"description": "Not allowed in the clue's state", **error}}


# What api_auth answers before any view runs: no valid token, or the yearly pledge not taken (R30).
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_SIGN_IN = {"401": {"description": "No valid bearer token", **_ERROR},
            "403": {"description": "Wrong role, or the pledge is due", **_ERROR}}
_PARAM = [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "string"}}]
register_openapi(
    {
        **{f"/cases/{{report_id}}/{act}": {"post": {
            "summary": summary, "security": BEARER, "parameters": _PARAM, "tags": ["workflow"],
            **({"requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": props, "required": required}}}}} if props else {}),
            "responses": _responses("The act was done"),
        }} for act, (summary, props, required, _call) in ACTS.items()},
        "/deadlines": {"get": {"summary": "Deadline board (R18)", "security": BEARER, "tags": ["workflow"],
                               "responses": {"200": {"description": "Items due soon or overdue"}, **_SIGN_IN}}},
        "/authorities": {"get": {"summary": "Receiving authorities", "security": BEARER, "tags": ["workflow"],
                                 "responses": {"200": {"description": "The managed list"}, **_SIGN_IN}}},
        "/statistics": {"get": {"summary": "Statistics for unit heads (R27)", "security": BEARER,
                                "tags": ["workflow"], "responses": {"200": {"description": "Counts and times"},
                                                                    **_SIGN_IN,
                                                                    "403": {"description": "Not a unit head, "
                                                                            "or the pledge is due"}}}},
    },
    {"ActResult": {"type": "object", "properties": {"report_id": {"type": "string"}, "state": {"type": "string"}},
                   "required": ["report_id", "state"]}},
)
