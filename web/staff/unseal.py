"""Unseal pages and API (R9, R10): request, custodians' answers, opening, custodian lifecycle.

Views are thin: each calls one act of ``models.unseal`` or ``models.custodian_lifecycle`` and
turns its named errors into a flash message or a JSON error in the user's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models.identities.sealing import IDENTITY_LABELS, vault_threshold
from models.protection import custodian_lifecycle, disclosure, unseal
from models.protection.unseal import LEGAL_BASES, NOTICE_LABELS, STATE_LABELS, RequestView
from models.reporting.cleaning.readable import OTHER, RemovedFile, describe_removed
from models.store.db import as_utc
from models.store.errors import ClueGuardError
from models.store.i18n import N_
from web.shared import flash_error, get_runtime, no_store
from web.staff.api import API_PREFIX, BEARER, api_auth, json_body, register_openapi
from web.staff.auth import me, require_act
from web.staff.nav import add_nav_link

bp = Blueprint("unseal", __name__)
# The unsealing part of the staff JSON API: this module's own blueprint too.
api_bp = Blueprint("api_unseal", __name__, url_prefix=API_PREFIX)

OFFICER, CUSTODIAN, UNIT_HEAD, ADMIN = "protection_officer", "custodian", "unit_head", "admin"
READERS = (OFFICER, CUSTODIAN, UNIT_HEAD)
add_nav_link("unseal.index", N_("Unseal requests"))
add_nav_link("unseal.redeal", N_("Re-deal custodian shares"))


def local_time(at: datetime | None) -> str:
    """A stored UTC time in the site's time zone, to the minute."""
    if at is None:
        return ""
    return as_utc(at).astimezone(ZoneInfo(get_runtime().config.timezone)).strftime("%Y-%m-%d %H:%M")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"legal_bases": LEGAL_BASES, "unseal_states": STATE_LABELS, "notice_labels": NOTICE_LABELS,
            "local_time": local_time, "identity_labels": IDENTITY_LABELS, "removed_other": OTHER}


@bp.get("/unseal")
@require_act("unseal.view")
def index() -> Any:
    """Unseal requests: custodians see all, officers their own, unit heads those of their cases."""
    requests = unseal.list_unseal_requests(get_runtime(), me().id)
    return render_template("staff/unseal_list.html", requests=requests)


@bp.route("/cases/<report_id>/unseal", methods=["GET", "POST"])
@require_act("unseal.request")
def new(report_id: str) -> Any:
    """A protection officer asks to open a clue's identity."""
    form = request.form
    if request.method == "POST":
        try:
            rid = unseal.request_unseal(get_runtime(), me().id, report_id, form.get("purpose", ""),
                                        form.get("legal_basis", ""), form.get("legal_basis_other", ""))
        except ClueGuardError as err:
            flash_error(err)
            return render_template("staff/unseal_new.html", report_id=report_id, form=form), 400
        flash(_("Your request was filed. Custodians will answer it."), "success")
        return redirect(url_for("unseal.detail", request_id=rid))
    return render_template("staff/unseal_new.html", report_id=report_id, form=form)


@bp.get("/unseal/<request_id>")
@require_act("unseal.view")
def detail(request_id: str) -> Any:
    """One request, with the forms its viewer may use."""
    try:
        req = unseal.get_unseal_request(get_runtime(), me().id, request_id)
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for("unseal.index"))
    return render_template("staff/unseal_detail.html", req=req)


def _answer(request_id: str, act: str) -> Response:
    rt, form = get_runtime(), request.form
    try:
        if act == "approve":
            state = unseal.approve_unseal(rt, me().id, request_id, form.get("passphrase", ""), form.get("note", ""))
        else:
            state = unseal.deny_unseal(rt, me().id, request_id, form.get("note", ""))
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for("unseal.detail", request_id=request_id))
    flash(_("Your answer was recorded.") + " " + _(STATE_LABELS[state]), "success")
    return redirect(url_for("unseal.detail", request_id=request_id))


@bp.post("/unseal/<request_id>/approve")
@require_act("unseal.approve")
def approve(request_id: str) -> Response:
    """A custodian approves with their passphrase."""
    return _answer(request_id, "approve")


@bp.post("/unseal/<request_id>/deny")
@require_act("unseal.deny")
def deny(request_id: str) -> Response:
    """A custodian denies with a note."""
    return _answer(request_id, "deny")


@bp.post("/unseal/<request_id>/withhold")
@require_act("unseal.withhold")
def withhold(request_id: str) -> Response:
    """A unit head records why the reporter is not to be told."""
    try:
        disclosure.withhold_disclosure_notice(get_runtime(), me().id, request_id, request.form.get("reason", ""))
    except ClueGuardError as err:
        flash_error(err)
    else:
        flash(_("The reporter will not be told of this unsealing."), "success")
    return redirect(url_for("unseal.detail", request_id=request_id))


@bp.post("/unseal/<request_id>/open")
@require_act("unseal.open")
def open_identity(request_id: str) -> Any:
    """The requester opens the identity with their sign-in password: watermarked, never cached."""
    try:
        opened = disclosure.open_unsealed_identity(get_runtime(), me().id, request_id, request.form.get("password", ""))
    except ClueGuardError as err:
        flash_error(err)
        return redirect(url_for("unseal.detail", request_id=request_id))
    removed = describe_removed(opened.fields.get("file_metadata"), get_runtime().config.timezone)
    response = make_response(render_template("staff/unseal_identity.html", opened=opened, removed_files=removed))
    return no_store(response)


@bp.route("/vault/passphrase", methods=["GET", "POST"])
@require_act("custodian.passphrase")
def passphrase() -> Any:
    """A custodian changes their own passphrase."""
    form = request.form
    if request.method == "POST":
        if form.get("new", "") != form.get("repeat", ""):
            flash(_("The two new passphrases differ."), "error")
            return render_template("staff/unseal_passphrase.html"), 400
        try:
            custodian_lifecycle.change_passphrase(get_runtime(), me().username, form.get("old", ""),
                                                  form.get("new", ""))
        except ClueGuardError as err:
            flash_error(err)
            return render_template("staff/unseal_passphrase.html"), 400
        flash(_("Your passphrase was changed."), "success")
        return redirect(url_for("home"))
    return render_template("staff/unseal_passphrase.html")


def _pairs(names: str, secrets: str) -> dict[str, str]:
    return {n.strip(): p for n, p in zip(request.form.getlist(names), request.form.getlist(secrets), strict=False)
            if n.strip()}


@bp.route("/vault/redeal", methods=["GET", "POST"])
@require_act("custodian.redeal")
def redeal() -> Any:
    """Re-deal every identity to a new custodian set or k; k current custodians type their passphrases."""
    rt = get_runtime()
    current = custodian_lifecycle.current_custodians(rt)
    k = vault_threshold(rt.stores)
    if request.method == "POST":
        names = [n.strip() for n in request.form.get("custodians", "").split() if n.strip()]
        try:
            threshold = int(request.form.get("threshold", ""))
        except ValueError:
            threshold = 0
        try:
            done = custodian_lifecycle.redeal_shares(rt, me().username, names, threshold,
                                                     _pairs("approver", "approver_passphrase"),
                                                     _pairs("new_custodian", "new_passphrase"))
        except ClueGuardError as err:
            flash_error(err)
            return render_template("staff/unseal_redeal.html", current=current, k=k), 400
        flash(_("%(n)s identities were re-dealt: %(k)s of %(total)s custodians must now approve.",
                n=done.identities, k=done.threshold, total=len(done.custodians)), "success")
        return redirect(url_for("unseal.redeal"))
    return render_template("staff/unseal_redeal.html", current=current, k=k)


# --- JSON API ------------------------------------------------------------------------------


def _request_json(req: RequestView) -> dict[str, Any]:
    return {
        "id": req.id, "registry_no": req.registry_no, "requester": req.requester,
        "requester_name": req.requester_name, "purpose": req.purpose,
        "legal_basis": req.legal_basis, "legal_basis_other": req.legal_basis_other, "state": req.state,
        "threshold": req.threshold, "approvals": req.approvals, "denials": req.denials,
        "created_at": req.created_at.isoformat(), "expires_at": req.expires_at.isoformat(),
        "window_ends_at": req.window_ends_at.isoformat() if req.window_ends_at else None,
        "notice": req.notice,
        "answers": [{"custodian": a.custodian, "decision": a.decision, "note": a.note, "at": a.at.isoformat()}
                    for a in req.answers],
    }


@api_bp.post("/reports/<registry_no>/unseal-requests")
@api_auth("unseal.request")
def api_request(registry_no: str) -> Any:
    """File an unseal request for a clue named by its registry number."""
    data = json_body()
    rt = get_runtime()
    rid = unseal.request_unseal(rt, g.staff.id, unseal.report_id_of(rt, registry_no), str(data.get("purpose", "")),
                                str(data.get("legal_basis", "")), str(data.get("legal_basis_other", "")))
    return jsonify({"id": rid}), 201


@api_bp.get("/unseal-requests")
@api_auth("unseal.view")
def api_list() -> Any:
    """The unseal requests the caller deals with."""
    return jsonify({"requests": [_request_json(r) for r in unseal.list_unseal_requests(get_runtime(), g.staff.id)]})


@api_bp.get("/unseal-requests/<request_id>")
@api_auth("unseal.view")
def api_get(request_id: str) -> Any:
    """One unseal request and its answers (never the identity)."""
    return jsonify(_request_json(unseal.get_unseal_request(get_runtime(), g.staff.id, request_id)))


@api_bp.post("/unseal-requests/<request_id>/approve")
@api_auth("unseal.approve")
def api_approve(request_id: str) -> Any:
    """A custodian approves with their passphrase."""
    data = json_body()
    state = unseal.approve_unseal(get_runtime(), g.staff.id, request_id, str(data.get("passphrase", "")),
                                  str(data.get("note", "")))
    return jsonify({"id": request_id, "state": state})


@api_bp.post("/unseal-requests/<request_id>/deny")
@api_auth("unseal.deny")
def api_deny(request_id: str) -> Any:
    """A custodian denies with a note."""
    data = json_body()
    state = unseal.deny_unseal(get_runtime(), g.staff.id, request_id, str(data.get("note", "")))
    return jsonify({"id": request_id, "state": state})


@api_bp.post("/unseal-requests/<request_id>/withhold-notice")
@api_auth("unseal.withhold")
def api_withhold(request_id: str) -> Any:
    """A unit head records why the reporter is not to be told."""
    data = json_body()
    disclosure.withhold_disclosure_notice(get_runtime(), g.staff.id, request_id, str(data.get("reason", "")))
    return jsonify({"id": request_id, "notice": "withheld"})


@api_bp.post("/unseal-requests/<request_id>/open")
@api_auth("unseal.open")
def api_open(request_id: str) -> Any:
    """The requester opens the identity with their sign-in password (never cached; audited)."""
    data = json_body()
    opened = disclosure.open_unsealed_identity(get_runtime(), g.staff.id, request_id, str(data.get("passphrase", "")))
    identity = {k: v for k, v in opened.fields.items() if k != "file_metadata"}
    removed = describe_removed(opened.fields.get("file_metadata"), get_runtime().config.timezone)
    response = jsonify({"identity": identity, "removed_metadata": [_readable(f) for f in removed],
                        "request": opened.request_id, "viewed_by": opened.viewer,
                        "viewed_at": opened.viewed_at.isoformat(),
                        "window_ends_at": opened.window_ends_at.isoformat()})
    return no_store(response)


def _readable(removed: RemovedFile) -> dict[str, Any]:
    """One file's removed details as the page shows them: labels in the asked language, never raw."""
    return {"file": removed.number,
            "details": [{"label": _(label), "value": value, "note": _(note) if note else ""}
                        for label, value, note in removed.lines],
            "other": removed.other}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


_ERR = _json({"$ref": "#/components/schemas/Error"})
_REQ = {"$ref": "#/components/schemas/UnsealRequest"}
_ERRORS = {"400": {"description": "Bad input", **_ERR}, "401": {"description": "Not signed in", **_ERR},
           "403": {"description": "Not allowed (role, requester, wrong passphrase)", **_ERR},
           "404": {"description": "No such clue or request", **_ERR},
           "409": {"description": "Wrong state (expired, denied, already answered, window over)", **_ERR}}


def _op(summary: str, body: dict[str, Any] | None, ok: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    item: dict[str, Any] = {"summary": summary, "security": BEARER,
                            "responses": {ok[0]: {"description": ok[1], **_json(ok[2])}, **_ERRORS}}
    if body is not None:
        item["requestBody"] = {"required": True, **_json(body)}
    return item


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required}


_STR = {"type": "string"}
_STATE = {"type": "object", "properties": {"id": _STR, "state": _STR}}
register_openapi(
    {
        "/reports/{registry_no}/unseal-requests": {"post": _op(
            "Ask to unseal a clue's identity (protection officers)",
            _obj({"purpose": _STR, "legal_basis": {"type": "string", "enum": list(LEGAL_BASES)},
                  "legal_basis_other": _STR}, ["purpose", "legal_basis"]),
            ("201", "Filed", _obj({"id": _STR}, ["id"])))},
        "/unseal-requests": {"get": _op("Unseal requests the caller deals with", None,
                                        ("200", "List", _obj({"requests": {"type": "array", "items": _REQ}},
                                                             ["requests"])))},
        "/unseal-requests/{id}": {"get": _op("One unseal request", None, ("200", "The request", _REQ))},
        "/unseal-requests/{id}/approve": {"post": _op(
            "Approve with one's custodian passphrase", _obj({"passphrase": _STR, "note": _STR}, ["passphrase"]),
            ("200", "Answer recorded", _STATE))},
        "/unseal-requests/{id}/deny": {"post": _op(
            "Deny with a note", _obj({"note": _STR}, ["note"]), ("200", "Answer recorded", _STATE))},
        "/unseal-requests/{id}/withhold-notice": {"post": _op(
            "Record why the reporter is not told (unit heads)", _obj({"reason": _STR}, ["reason"]),
            ("200", "Recorded", _obj({"id": _STR, "notice": _STR}, [])))},
        "/unseal-requests/{id}/open": {"post": _op(
            "Open the identity (the requester, with their sign-in password, within the window)",
            _obj({"passphrase": _STR}, ["passphrase"]),
            ("200", "The identity", _obj({
                "identity": {"$ref": "#/components/schemas/Identity"},
                "removed_metadata": {"type": "array", "items": {"$ref": "#/components/schemas/RemovedMetadata"}},
                "request": _STR, "viewed_by": _STR,
                "viewed_at": _STR, "window_ends_at": _STR}, ["identity", "removed_metadata"])))},
    },
    {
        "UnsealRequest": _obj({
            "id": _STR, "registry_no": _STR, "requester": _STR, "purpose": _STR, "legal_basis": _STR,
            "legal_basis_other": _STR, "threshold": {"type": "integer"},
            "state": {"type": "string", "enum": list(STATE_LABELS)},
            "approvals": {"type": "integer"}, "denials": {"type": "integer"}, "created_at": _STR,
            "expires_at": _STR, "window_ends_at": {"type": ["string", "null"]}, "notice": _STR,
            "answers": {"type": "array", "items": _obj(
                {"custodian": _STR, "decision": _STR, "note": _STR, "at": _STR}, [])}}, ["id", "state"]),
        "RemovedMetadata": _obj({
            "file": {"type": "integer"},
            "details": {"type": "array", "items": _obj({"label": _STR, "value": _STR, "note": _STR},
                                                         ["label", "value", "note"])},
            "other": {"type": "array", "items": _STR}}, ["file", "details", "other"]),
        "Identity": {"type": "object", "additionalProperties": True, "properties": {
            "name": _STR, "phone": _STR, "id_number": _STR, "address": _STR, "contact": _STR}},
    },
)
