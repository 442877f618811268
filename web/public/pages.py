"""The reporter's pages: start page, report form, receipt, status and replies (R2–R6).

Every page works with JavaScript off. The receipt code is never put in a URL, a cookie or the
session: it is shown in the response to the POST that created it, and the status page carries
it onward only in a hidden field of a no-store page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, make_response, render_template, request

from models.identities.sealing import vault_ready, vault_threshold
from models.reporting import intake
from models.reporting.categories import CATEGORIES
from models.store.config import Config
from models.store.errors import InvalidInput, ReceiptNotFound, ServiceUnavailable
from models.store.i18n import N_, translate
from vault import format_receipt
from web.public.context import current_runtime
from web.public.forms import (
    FILES_AGAIN,
    UNREADABLE,
    ReportForm,
    has_files,
    read_report_form,
    unreadable_fields,
    uploads,
)
from web.shared import current_locale, error_message, field_errors, no_store

bp = Blueprint("public", __name__)

SENT = N_("Your message has been sent.")


def translated(message: str, **params: object) -> str:
    return translate(current_locale(), message, **params)


def file_limits(config: Config) -> dict[str, int]:
    return {"n": config.max_files, "mb": config.max_file_bytes // 2**20}


def render_report_form(state: ReportForm, status: int = 200, message: str | None = None) -> Response:
    """The form with what was typed, translated field errors and, if needed, a top message."""
    config = current_runtime().config
    body = render_template(
        "report.html", form=state, errors=field_errors(state.errors, state.error_params), categories=CATEGORIES,
        message=message, limits=file_limits(config), files_again=state.files_dropped and FILES_AGAIN,
        max_people=intake.MAX_PEOPLE, max_field=intake.MAX_FIELD, max_chars=config.max_text_chars,
    )
    return no_store(make_response(body, status))


@bp.app_template_filter("local_time")
def local_time(at: datetime) -> str:
    """A message time in the site's time zone, to the minute."""
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(current_runtime().config.timezone)).strftime("%Y-%m-%d %H:%M")


@bp.get("/")
def index() -> str:
    """What ClueGuard is and the protection promise, with the two ways in."""
    stores = current_runtime().stores
    threshold = vault_threshold(stores) if vault_ready(stores) else None
    return render_template("index.html", threshold=threshold)


@bp.route("/report", methods=["GET", "POST"])
def report() -> Response:
    """The report form (R3, R4); on success the receipt page, shown this once (R5)."""
    if request.method == "GET":
        return render_report_form(ReportForm.empty())
    state = read_report_form(request)
    if request.form.get("action", "submit") != "submit":
        # "Add another" re-renders with one more row; nothing is checked or stored yet.
        return render_report_form(state)
    if state.errors:
        return render_report_form(state, 400, error_message(InvalidInput(state.errors)))
    try:
        receipt = intake.submit_report(current_runtime(), state.submission(uploads(request)))
    except InvalidInput as err:
        state.errors, state.error_params = dict(err.errors), err.params
        return render_report_form(state, 400, error_message(err))
    except ServiceUnavailable as err:
        return render_report_form(state, 503, error_message(err))
    body = render_template("receipt.html", registry_no=receipt.registry_no,
                           receipt=format_receipt(receipt.code))
    return no_store(make_response(body, 201))


def render_status(receipt: str, status: int = 200, *, reply: str = "", errors: dict[str, str] | None = None,
                  message: str | None = None, params: dict[str, object] | None = None) -> Response:
    """The status page for a receipt, or the lookup form with one message if it is wrong."""
    try:
        found = intake.reporter_status(current_runtime(), receipt)
    except ReceiptNotFound as err:
        body = render_template("status_lookup.html", error=error_message(err))
        return no_store(make_response(body, 404))
    body = render_template(
        "status.html", found=found, receipt=receipt, reply=reply, message=message,
        errors=field_errors(errors or {}, params), labels=intake.STATUS_LABELS,
        limits=file_limits(current_runtime().config),
    )
    return no_store(make_response(body, status))


@bp.route("/status", methods=["GET", "POST"])
def status() -> Response:
    """Look up a report by its receipt, sent by POST only so it never lands in a URL."""
    if request.method == "GET":
        return no_store(make_response(render_template("status_lookup.html", error=None)))
    return render_status(request.form.get("receipt", ""))


@bp.post("/status/reply")
def status_reply() -> Response:
    """The reporter answers staff or adds information and files (R5, R6)."""
    receipt = request.form.get("receipt", "")
    text = request.form.get("text", "")
    if "text" in unreadable_fields(request):
        return render_status(receipt, 400, reply=text, errors={"text": UNREADABLE})
    try:
        intake.add_follow_up(current_runtime(), receipt, text, uploads(request))
    except ReceiptNotFound:
        return render_status(receipt)
    except InvalidInput as err:
        errors = dict(err.errors)
        if has_files(request) and "files" not in errors:
            errors["files"] = FILES_AGAIN
        return render_status(receipt, 400, reply=text, errors=errors, params=err.params)
    return render_status(receipt, message=translated(SENT))
