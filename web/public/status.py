"""The status pages: look up a report by its receipt, read replies, answer, add files (R5, R6, R28).

The receipt travels only in POST bodies and hidden fields of no-store pages. A follow-up form
carries a token remembered in the signed session once sent, so a reload or a Back-and-resend of
the page that answered it does not send the message twice.
"""

from __future__ import annotations

from flask import Response, make_response, render_template, request, session

from models.cases import survey
from models.reporting import idempotency, intake
from models.store.errors import InvalidInput, ReceiptNotFound, WrongState
from models.store.i18n import N_
from web.public.forms import FILES_AGAIN, UNREADABLE, has_files, unreadable_fields, uploads
from web.public.pages import SENT, bp, file_limits, translated
from web.shared import error_message, field_errors, get_runtime, no_store

ALREADY_SENT = N_("This message had already been sent; it was not sent twice.")
THANKS = N_("Thank you for your answer.")
REPLIES_KEY = "replies"
# What each status means for the reporter (issue #27 item 1), under the status on the page.
STATUS_MEANINGS = {
    "received": N_("Your report has arrived and waits to be read by staff."),
    "handling": N_("Staff are checking your report. They may ask you questions here."),
    "handed_on": N_("Your report was passed to the authority competent for it, which goes on with it."),
    "closed": N_("Handling of your report has ended: it was checked and dealt with, or found not to be a "
                 "matter for us. You can still read our messages here and send new information."),
}
_REMEMBERED = 20


def render_status(receipt: str, status: int = 200, *, reply: str = "", errors: dict[str, str] | None = None,
                  message: str | None = None, params: dict[str, object] | None = None) -> Response:
    """The status page for a receipt, or the lookup form with one message if it is wrong."""
    rt = get_runtime()
    try:
        found = intake.reporter_status(rt, receipt)
    except ReceiptNotFound as err:
        body = render_template("status_lookup.html", error=error_message(err), receipt="")
        return no_store(make_response(body, 404))
    body = render_template(
        "status.html", found=found, receipt=receipt, reply=reply, message=message,
        errors=field_errors(errors or {}, params), labels=intake.STATUS_LABELS, meanings=STATUS_MEANINGS,
        limits=file_limits(rt.config), reply_token=idempotency.new_token(),
        survey_open=survey.survey_open(rt, found.report_id), satisfaction=survey.SATISFACTION,
    )
    return no_store(make_response(body, status))


@bp.route("/status", methods=["GET", "POST"])
def status() -> Response:
    """Look up a report by its receipt, sent by POST only so it never lands in a URL."""
    if request.method == "GET":
        return no_store(make_response(render_template("status_lookup.html", error=None, receipt="")))
    if request.form.get("action") == "lang":
        # The language switch keeps the digits typed so far (a no-store page).
        body = render_template("status_lookup.html", error=None, receipt=request.form.get("receipt", ""))
        return no_store(make_response(body))
    return render_status(request.form.get("receipt", ""))


@bp.post("/status/reply")
def status_reply() -> Response:
    """The reporter answers staff or adds information and files (R5, R6)."""
    receipt = request.form.get("receipt", "")
    text = request.form.get("text", "")
    if request.form.get("action") == "lang":
        return render_status(receipt, reply=text)
    if "text" in unreadable_fields(request):
        return render_status(receipt, 400, reply=text, errors={"text": UNREADABLE})
    token = request.form.get("reply_token", "")
    done: list[str] = session.get(REPLIES_KEY, [])
    if idempotency.valid_token(token) and token in done:
        return render_status(receipt, message=translated(ALREADY_SENT))
    try:
        intake.add_follow_up(get_runtime(), receipt, text, uploads(request))
    except ReceiptNotFound:
        return render_status(receipt)
    except InvalidInput as err:
        errors = dict(err.errors)
        if has_files(request) and "files" not in errors:
            errors["files"] = FILES_AGAIN
        return render_status(receipt, 400, reply=text, errors=errors, params=err.params)
    if idempotency.valid_token(token):
        session[REPLIES_KEY] = [*done, token][-_REMEMBERED:]
    return render_status(receipt, message=translated(SENT))


@bp.post("/status/survey")
def status_survey() -> Response:
    """The reporter answers the follow-up survey with a choice and optional words (R28)."""
    receipt = request.form.get("receipt", "")
    try:
        survey.answer_survey(get_runtime(), receipt, request.form.get("satisfaction", ""),
                             request.form.get("survey_text", ""))
    except ReceiptNotFound:
        return render_status(receipt)
    except InvalidInput as err:
        return render_status(receipt, 400, errors=dict(err.errors), params=err.params)
    except WrongState as err:
        return render_status(receipt, 409, message=error_message(err))
    return render_status(receipt, message=translated(THANKS))
