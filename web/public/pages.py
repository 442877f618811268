"""The reporter's pages: start page, report form and receipt (R2–R5); status pages in ``status``.

Every page works with JavaScript off. The receipt code is never put in a URL or stored: the
report form posts, then redirects (Post/Redirect/Get) to the receipt page, which derives the
code again from the submission token kept for a short window in the signed session cookie
(see ``models.reporting.idempotency``). Reloading it, or sending the form again, files nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, make_response, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from models.identities.sealing import vault_ready, vault_threshold
from models.reporting import idempotency, intake, limits
from models.reporting.categories import CATEGORIES
from models.reporting.files import ACCEPT, ACCEPTED_KINDS, ALLOWED
from models.reporting.received import ReporterFile
from models.store.config import Config
from models.store.db import as_utc
from models.store.errors import InvalidInput, ReceiptNotFound, ServiceUnavailable
from models.store.i18n import N_, translate
from vault import format_receipt
from web.public.forms import WHEN_CHOICES, ReportForm, read_report_form, uploads
from web.public.kept import open_kept, seal_kept
from web.shared import STATIC_DIR, current_locale, error_message, get_runtime, no_store

bp = Blueprint("public", __name__)

SENT = N_("Your message has been sent.")
CHECK_FIELDS = N_("Nothing was sent yet. Look at: %(fields)s.")
KEPT_LOST = N_("The files attached before could not be kept: please attach them again.")
SENT_KEY = "sent"
# Field labels for the top message, in form order (error key → label msgid).
FIELD_LABELS = {
    "category": N_("What kind of crime is it?"), "description": N_("What happened?"),
    "when": N_("When"), "location": N_("Where"), "reported": N_("Who is reported"),
    "files": N_("Evidence files"), "identity": N_("Anonymous or confidential?"),
    "notice_accepted": N_("Before you send"),
}
WHEN_LABELS = {"today": N_("Today"), "week": N_("This week"), "month": N_("This month"),
               "earlier": N_("Earlier"), "date": N_("On a date")}


def translated(message: str, **params: object) -> str:
    return translate(current_locale(), message, **params)


def file_limits(config: Config) -> dict[str, int | str]:
    return {"n": config.max_files, "mb": config.max_file_bytes // 2**20, "bytes": config.max_file_bytes,
            "kinds": ACCEPTED_KINDS, "accept": ACCEPT}


def _today() -> datetime:
    return datetime.now(ZoneInfo(get_runtime().config.timezone))


def _top_message(state: ReportForm) -> str:
    """Which fields to look at, by their labels, in form order."""
    keys = {k.split("-", 1)[0] if k.startswith(("reported", "shielding")) else k for k in state.errors}
    keys = {"identity" if k.startswith("identity") else k for k in keys}
    names = [translated(label) for key, label in FIELD_LABELS.items() if key in keys]
    listed = "、".join(names) if current_locale() == "zh" else ", ".join(names)
    return f"{translated(InvalidInput.message)} {translated(CHECK_FIELDS, fields=listed)}"


def render_report_form(state: ReportForm, status: int = 200, message: str | None = None) -> Response:
    """The form with what was typed (files kept, sealed), translated field errors and a top message."""
    rt = get_runtime()
    kept = seal_kept(rt, state.token, state.files)
    if kept is None:
        state.files, state.files_dropped, kept = [], True, []
    params = state.error_params
    errors = {k: translated(v, **{**params, **state.field_params.get(k, {})}) for k, v in state.errors.items()}
    sent = session.get(SENT_KEY)
    body = render_template(
        "report.html", form=state, errors=errors, categories=CATEGORIES, message=message,
        limits=file_limits(rt.config), files_again=state.files_dropped and KEPT_LOST, kept=kept,
        max_field=limits.MAX_FIELD, max_chars=rt.config.max_text_chars, when_choices=WHEN_CHOICES,
        when_labels=WHEN_LABELS, today=_today().date().isoformat(),
        just_sent=sent if sent and idempotency.within_window(datetime.fromisoformat(sent["at"])) else None,
    )
    return no_store(make_response(body, status))


@bp.app_template_filter("local_time")
def local_time(at: datetime) -> str:
    """A message time in the site's time zone, to the minute."""
    at = as_utc(at)
    return at.astimezone(ZoneInfo(get_runtime().config.timezone)).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("file_size")
def file_size(n: int) -> str:
    """A file size a reporter can compare with the limit."""
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024))} KB"


# What a reporter calls each kind of file (issue #27 item 2): never a technical type like image/jpeg.
FILE_KINDS = {"image": N_("Photo"), "video": N_("Video"), "audio": N_("Recording"), "document": N_("Document")}


@bp.app_template_filter("file_kind")
def file_kind(mime: str) -> str:
    """The readable kind of a stored file (照片, 视频, 录音, 文档) for the receipt and status pages."""
    return translate(current_locale(), FILE_KINDS.get(ALLOWED.get(mime, ""), N_("File")))


@bp.app_context_processor
def _site_facts() -> dict[str, object]:
    """Who runs the site and how soon staff read a report, for every reporter page's footer."""
    config = get_runtime().config
    return {"config_operator": config.operator_name, "config_reply_days": config.reply_days}


@bp.app_template_filter("dict_filled")
def dict_filled(row: dict[str, str]) -> bool:
    """Whether a person row has anything typed in it (its fold then opens)."""
    return any(v.strip() for v in row.values())


@bp.get("/")
def index() -> str:
    """What ClueGuard is and the protection promise, with the two ways in."""
    stores = get_runtime().stores
    threshold = vault_threshold(stores) if vault_ready(stores) else None
    return render_template("index.html", threshold=threshold)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon, so browsers stop asking for a missing one."""
    icon = (STATIC_DIR / "favicon.ico").read_bytes()
    response = make_response(icon)
    response.headers["Content-Type"] = "image/x-icon"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def read_with_files() -> tuple[ReportForm, bool]:
    """The posted form with its kept and newly chosen files; False if kept files were lost."""
    rt = get_runtime()
    state = read_report_form(request)
    # Positions in the list of kept files: a few ASCII digits (Python refuses an int of more than
    # 4 300, and a reporter never has a thousand files).
    keep = {int(i) for i in request.form.getlist("keep") if i.isascii() and i.isdigit() and len(i) <= 3}
    kept = open_kept(rt, state.token, request.form.getlist("kept"), keep)
    state.files = [*(kept or []), *uploads(request)]
    return state, kept is not None


@bp.route("/report", methods=["GET", "POST"])
def report() -> BaseResponse:
    """The report form (R3, R4); a successful POST redirects to the receipt page (R5)."""
    if request.method == "GET":
        return render_report_form(ReportForm.empty())
    state, kept_ok = read_with_files()
    state.files_dropped = not kept_ok
    if request.form.get("action", "submit") != "submit":
        # The language switch (a button of this form): show it again, nothing checked or stored.
        return render_report_form(state)
    today = _today().date()
    state.check(get_runtime().config.max_text_chars, today)
    if state.errors:
        return render_report_form(state, 400, _top_message(state))
    try:
        receipt = intake.submit_report(get_runtime(), state.submission(today), token=state.token)
    except InvalidInput as err:
        state.errors, state.error_params = dict(err.errors), err.params
        state.field_params = dict(err.field_params)
        if "files" in err.errors:
            state.files, state.files_dropped = [], True
        return render_report_form(state, 400, _top_message(state))
    except ServiceUnavailable as err:
        return render_report_form(state, 503, error_message(err))
    # The window runs from the first filing, however often the form is sent again.
    filed = receipt.filed_at or datetime.now(UTC)
    at = as_utc(filed).isoformat()
    session[SENT_KEY] = {"token": state.token if receipt.code else "", "no": receipt.registry_no, "at": at,
                         "repeated": receipt.repeated}
    return redirect(url_for("public.receipt"), 303)


@bp.get("/report/received")
def receipt() -> BaseResponse:
    """The receipt: registry number, code and files received, shown again only for a short window."""
    sent = session.get(SENT_KEY)
    if not sent:
        return redirect(url_for("public.report"), 303)
    rt = get_runtime()
    code, files = "", tuple[ReporterFile, ...]()
    if sent["token"] and idempotency.within_window(datetime.fromisoformat(sent["at"])):
        code = idempotency.receipt_for_token(rt, sent["token"])
        try:
            files = intake.receipt_files(rt, code)
        except ReceiptNotFound:  # destroyed meanwhile: show nothing of it
            session.pop(SENT_KEY)
            return redirect(url_for("public.report"), 303)
    else:
        # The window has passed: forget the token, keep only the number.
        session[SENT_KEY] = {**sent, "token": ""}  # clearing the submission token, not a password # nosec B105
    body = render_template("receipt.html", registry_no=sent["no"], receipt=format_receipt(code) if code else "",
                           files=files, repeated=sent.get("repeated", False))
    return no_store(make_response(body))


@bp.post("/report/new")
def new_report() -> BaseResponse:
    """Start another report: forget the last one's receipt window."""
    session.pop(SENT_KEY, None)
    return redirect(url_for("public.report"), 303)
