"""The public app's factory: the reporter-facing WSGI app, with no staff route at all (R26).

It holds the intake *public* key only, so it cannot read back any clue, message or identity
once stored. Forms carry CSRF tokens; the JSON API uses no cookies and is exempt.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from models.store.config import Config
from models.store.i18n import N_
from models.store.keys import load_or_create_secret
from models.store.runtime import Runtime, open_runtime
from web.public import api, pages, ratelimit, status
from web.serving import serve_under_load
from web.shared import API_PREFIX, MAX_JSON_BYTES, RUNTIME_KEY, STATIC_DIR, get_runtime, init_common, no_store

SESSION_COOKIE = "clueguard_public"
# Request-size limits per endpoint. Pages that take files get the whole files budget; the
# receipt lookup takes one short field; the JSON API takes no files (web.shared caps JSON).
SMALL_FORM_BYTES = 16 * 1024
SMALL_FORM_ENDPOINTS = frozenset({"public.status"})
# One text field in memory (multipart): enough for a description far over the limit, so the
# reporter is told it is too long and keeps it, instead of a 413 that loses the form.
FORM_FIELD_BYTES = 4 * 1024 * 1024
FORM_PARTS = 400

FORM_EXPIRED = N_("This form has expired or was not sent from this site, so nothing was sent. "
                  "Check what you typed below and send it again.")
TEXT_TOO_LARGE = N_("A text you sent is far too long (more than %(kb)s KB), so nothing was stored. Go "
                    "back, shorten it to at most %(chars)s characters, and send it again.")
TOO_LARGE = N_("What you sent is too large, so nothing was stored. Each file may be at most "
               "%(mb)s MB and at most %(n)s files may be sent at once. Go back and send fewer or "
               "smaller files; you may add more files later on the status page.")


def create_public_app(config: Config, runtime: Runtime | None = None) -> Flask:
    """Build the reporter-facing app; ``runtime`` defaults to public keys only."""
    runtime = runtime or open_runtime(config, staff_side=False)
    if runtime.intake_private is not None:
        raise ValueError("the public app must not hold the intake private key (R26)")
    app = Flask(__name__, static_folder=str(STATIC_DIR), template_folder="templates")
    app.config.update(
        SECRET_KEY=load_or_create_secret(config, "public-session.key"),
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=FORM_FIELD_BYTES,
        MAX_FORM_PARTS=FORM_PARTS,
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        # A frightened reporter may take long over the form; the token lives as long as the
        # browser session instead of an hour.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=config.secure_cookies,
    )
    app.extensions[RUNTIME_KEY] = runtime
    # The report form marks unreadable text beside its field and keeps what was typed, so the
    # shared guard leaves form fields to the pages (it still checks paths, queries and JSON).
    init_common(app, guard_forms=False)
    app.before_request(_size_limit)
    # Keep URL-encoded bodies so invalid UTF-8 can be told apart from what was typed; this
    # must run before CSRFProtect parses the form.
    app.before_request(_keep_raw_form)
    csrf = CSRFProtect(app)
    # ``status`` adds its views to the pages blueprint.
    app.register_blueprint(status.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    # Every submit and receipt endpoint runs one Argon2id: in the hashing pool, once past the limits.
    serve_under_load(app, config)
    ratelimit.install(app, config)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    # Behind a reverse proxy every request comes from the proxy: rate limits would then be one
    # budget for everybody. Trust exactly as many X-Forwarded-For hops as there are proxies.
    hops = config.proxy_hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
    return app


def _size_limit() -> None:
    if request.endpoint in SMALL_FORM_ENDPOINTS:
        request.max_content_length = SMALL_FORM_BYTES
    elif request.path.startswith(API_PREFIX):
        request.max_content_length = MAX_JSON_BYTES


def _keep_raw_form() -> None:
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True, parse_form_data=False)


def _csrf_failed(_err: CSRFError) -> Any:
    """A stale or foreign form: nothing is done, but the typed report is shown back, not lost."""
    if request.endpoint == "public.report":
        state, _kept = pages.read_with_files()
        return pages.render_report_form(state, 400, pages.translated(FORM_EXPIRED))
    return no_store(Response(render_template("error.html", code=400, message=pages.translated(FORM_EXPIRED)),
                             400))


def _too_large(_err: RequestEntityTooLarge) -> Any:
    """Over a size limit: say which one, the files' or a text's."""
    config = get_runtime().config
    api, small = request.path.startswith(API_PREFIX), request.endpoint in SMALL_FORM_ENDPOINTS
    length = request.content_length
    if api or small or (length is not None and length <= config.max_request_bytes):
        # Within the files budget (or where no files go): a text overflowed its limit.
        limit = MAX_JSON_BYTES if api else SMALL_FORM_BYTES if small else FORM_FIELD_BYTES
        message = pages.translated(TEXT_TOO_LARGE, kb=limit // 1024, chars=config.max_text_chars)
    else:
        message = pages.translated(TOO_LARGE, mb=config.max_file_bytes // 2**20, n=config.max_files)
    if api:
        return {"error": message, "fields": {}}, 413
    return render_template("error.html", code=413, message=message), 413
