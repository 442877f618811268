"""Staff reading and answering clues: the inbox, the case page, evidence files and replies.

Views stay thin: every rule (need-to-know R20, auditing R23, message sealing R6) lives in
``models.casework``; here a refusal becomes 403 and a missing case 404.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from models.cases import casework
from models.cases import inbox as inbox_model
from models.cases.casefile import CaseWorkflow, case_workflow
from models.cases.deadlines import KIND_LABELS, STATUS_LABELS
from models.linking import search as linking
from models.protection.measures import risk_filter
from models.protection.waiting import awaiting_assessment_filter
from models.reporting.categories import CATEGORIES, SOURCES
from models.reporting.files import Upload
from models.store.db import as_utc
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound
from models.store.i18n import N_
from models.store.periods import readable_period
from models.store.text import as_id
from web.shared import current_locale, error_message, field_errors, get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.labels import CHANNEL_LABELS, STATE_LABELS, local_time, translated

bp = Blueprint("cases", __name__)
SORT_LABELS = {"newest": N_("Newest first"), "oldest": N_("Oldest first"), "due": N_("Due date")}
# What two clues share (the kind only, never the value: issue 24).
SHARED_LABELS = {"official": N_("same official"), "person": N_("same person"), "alias": N_("same nickname"),
                 "surname": N_("same surname"),
                 "organisation": N_("same unit or organisation"), "place": N_("same place"),
                 "phone": N_("same phone number"), "plate": N_("same vehicle plate"),
                 "id_number": N_("same ID-card number")}


def refuse(err: ClueGuardError) -> NoReturn:
    """Need-to-know refusals are 403, unknown ids 404; anything else is a bad request."""
    if isinstance(err, NotAllowed):
        abort(403)
    if isinstance(err, NotFound):
        abort(404)
    abort(400)


def uploads_from_request(field: str = "files") -> list[Upload]:
    """The files of a multipart form; browsers send an empty part when nothing was chosen."""
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist(field)
            if f and (f.filename or "").strip()]


@bp.app_template_filter("local_time")
def _local_time(at: datetime | None) -> str:
    return local_time(at, get_runtime().config.timezone)


@bp.app_template_filter("period")
def _period(value: object) -> str:
    """A stored date or interval in words ("2026年12月1日至12月8日", "1–8 December 2026")."""
    return readable_period(str(value or ""), current_locale())


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"categories": CATEGORIES, "sources": SOURCES, "states": STATE_LABELS,
            "channels": CHANNEL_LABELS}


def _int_arg(name: str, default: int = 1) -> int:
    return as_id(request.args.get(name, "")) or default


def id_arg(name: str) -> int | None:
    """A query argument naming a row by id (a unit, a person); None when it names none."""
    return as_id(request.args.get(name, ""))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


@bp.get("/cases")
@require_act("clue.read")
def inbox() -> str:
    """The work queue: clues this staff member may see, searched, filtered and sorted (no JavaScript)."""
    args = request.args
    # Unknown filter values are ignored rather than answered with an empty list.
    category = args.get("category", "") if args.get("category", "") in CATEGORIES else ""
    state = args.get("state", "") if args.get("state", "") in STATE_LABELS else ""
    handler_arg = id_arg("handler")
    handler: int | str | None = "me" if args.get("handler") == "me" else handler_arg
    sort = args.get("sort", "") if args.get("sort", "") in inbox_model.SORTS else "newest"
    extra = []
    risk = args.get("risk", "")
    if (condition := risk_filter(risk)) is not None:
        extra.append(condition)
    else:
        risk = ""
    assessment = "waiting" if args.get("assessment") == "waiting" else ""
    if assessment:
        extra.append(awaiting_assessment_filter())
    flags = {k: "1" for k in ("overdue", "approval", "unread") if args.get(k) == "1"}
    due_before = _date_arg("due_before")
    wanted = inbox_model.InboxQuery(
        q=args.get("q", "")[:200], category=category or None, state=state or None, unit_id=id_arg("unit"),
        handler_id=me().id if handler == "me" else handler_arg, due_before=due_before,
        overdue="overdue" in flags, awaiting_approval="approval" in flags, unread="unread" in flags,
        sort=sort, page=_int_arg("page"), extra=tuple(extra))
    rt = get_runtime()
    page = inbox_model.list_work(rt, me().id, wanted)
    # A name, unit, place or number is also looked up across every clue in the blind index
    # (issue 24): the keyword scan above reads only the newest clues.
    linked = (linking.search(rt, me().id, wanted.q)
              if wanted.q.strip() and not inbox_model.registry_number(wanted.q) else None)
    filters = {k: str(v) for k, v in (
        ("q", wanted.q), ("category", category), ("state", state), ("unit", wanted.unit_id or ""),
        ("handler", handler or ""), ("due_before", due_before.isoformat() if due_before else ""),
        ("risk", risk), ("assessment", assessment), ("sort", "" if sort == "newest" else sort),
        *flags.items()) if v}
    locale = current_locale()
    shown = {name: translated(locale, table) for name, table in (
        ("categories", CATEGORIES), ("sources", SOURCES), ("states", STATE_LABELS),
        ("due_kinds", KIND_LABELS), ("due", STATUS_LABELS))}
    return render_template("staff/inbox.html", page=page, linked=linked, shared=SHARED_LABELS,
                           filters=filters, wanted=wanted, handler=handler,
                           choices=inbox_model.filter_choices(rt), sorts=SORT_LABELS, risk=risk,
                           category=category, state=state, shown=shown, case_link=case_link_prefix())


def case_link_prefix() -> str:
    """The case page's URL without its id: a list of 50-100 clues builds it once, not per row."""
    return url_for("cases.case", report_id="-")[:-1]


@dataclass(frozen=True)
class Entry:
    """One line of the case page's timeline: a message, a record, an assignment or a transfer."""

    at: datetime
    kind: str
    item: Any


def _utc(at: datetime) -> datetime:
    return as_utc(at)


def timeline(case: casework.CaseView, wf: CaseWorkflow | None) -> list[Entry]:
    """Everything that happened to the clue, oldest first (shown in the site's time zone)."""
    entries = [Entry(case.report.created_at, "received", case.report)]
    entries += [Entry(m.at, "message", m) for m in case.messages]
    if wf is not None:
        entries += [Entry(r.at, "record", r) for r in wf.records]
        entries += [Entry(a.at, "assignment", a) for a in wf.assignments]
        entries += [Entry(t.at, "transfer", t) for t in wf.transfers]
    return sorted(entries, key=lambda e: _utc(e.at))


def render_case(report_id: str, reply_text: str = "", errors: dict[str, str] | None = None,
                status: int = 200, act_errors: dict[str, str] | None = None, act_failed: str = "",
                act_values: Any = None) -> Response:
    """The case page: the clue and its timeline beside the handling panel."""
    rt = get_runtime()
    try:
        case = casework.open_case(rt, me().id, report_id)
    except ClueGuardError as err:
        refuse(err)
    try:
        wf = case_workflow(rt, me().id, report_id)
    except (NotAllowed, NotFound):
        wf = None
    try:
        linked: linking.Found | None = linking.linked_clues(rt, me().id, report_id)
    except (NotAllowed, NotFound):
        linked = None
    # R14: before and right after registration, the readable clues this one may repeat, to merge.
    hint = wf is not None and bool({"register", "merge"} & set(wf.acts))
    duplicates = linking.duplicates(linked) if linked is not None and hint else []
    by_message: dict[str | None, list[casework.FileInfo]] = defaultdict(list)
    for f in case.files:
        by_message[f.message_id].append(f)
    html = render_template("staff/case.html", case=case, report=case.report, clue=case.clue, wf=wf,
                           entries=timeline(case, wf), clue_files=by_message[None], message_files=by_message,
                           reply_text=reply_text, errors=errors or {}, act_errors=act_errors or {},
                           act_failed=act_failed, act_values=act_values or {}, linked=linked,
                           duplicates=duplicates, duplicate_hint=hint,
                           shared=SHARED_LABELS, case_link=case_link_prefix())
    return no_store(Response(html, status=status, mimetype="text/html"))


@bp.get("/cases/<report_id>")
@require_act("clue.read")
def case(report_id: str) -> Response:
    """One clue: its content, files and message thread, with a reply form (viewing is audited)."""
    return render_case(report_id)


@bp.get("/cases/<report_id>/files/<attachment_id>")
@require_act("clue.read")
def download(report_id: str, attachment_id: str) -> Response:
    """An evidence file, always as a download: never rendered inside the staff app."""
    try:
        name, mime, data = casework.open_attachment(get_runtime(), me().id, attachment_id, report_id)
    except ClueGuardError as err:
        refuse(err)
    # send_file writes the RFC 6266 header with an ASCII fallback and filename* for Chinese names.
    response = send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=name,
                         conditional=False, etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A file opened from the browser's cache would escape the audit trail.
    return no_store(response)


@bp.post("/cases/<report_id>/reply")
@require_act("clue.reply")
def reply(report_id: str) -> WerkzeugResponse:
    """Send a message (and files) to the reporter, who reads it with their receipt code (R6)."""
    text = request.form.get("text", "")
    try:
        casework.reply_to_reporter(get_runtime(), me().id, report_id, text, uploads_from_request())
    except (NotAllowed, NotFound) as err:
        refuse(err)
    except ClueGuardError as err:
        flash(error_message(err), "error")
        errors = field_errors(err.errors, err.params) if isinstance(err, InvalidInput) else {}
        return render_case(report_id, text, errors, 400)
    flash(_("Your message was sent to the reporter."), "success")
    return redirect(url_for("cases.case", report_id=report_id) + "#messages")
