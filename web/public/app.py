"""The public app's factory: the reporter-facing WSGI app, with no staff route at all (R26).

It holds the intake *public* key only, so it cannot read back any clue, message or identity
once stored. Forms carry CSRF tokens; the JSON API uses no cookies and is exempt.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from models.store.config import Config
from models.store.i18n import N_
from models.store.keys import load_or_create_secret
from models.store.runtime import Runtime, open_runtime
from web.public import api, pages
from web.public.context import RUNTIME_KEY, current_runtime
from web.public.forms import read_report_form
from web.serving import serve_under_load
from web.shared import API_PREFIX, STATIC_DIR, init_common, no_store

SESSION_COOKIE = "clueguard_public"
SUBMIT_ENDPOINTS = ("public.report", "api.submit_report")
# Every endpoint that takes a receipt shares one budget, so guessing is slow on every path.
RECEIPT_ENDPOINTS = ("public.status", "public.status_reply", "api.status", "api.add_message")

FORM_EXPIRED = N_("This form has expired or was not sent from this site, so nothing was sent. "
                  "Check what you typed below and send it again.")
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
    init_common(app)
    # Keep URL-encoded bodies so invalid UTF-8 can be told apart from what was typed; this
    # must run before CSRFProtect parses the form.
    app.before_request(_keep_raw_form)
    csrf = CSRFProtect(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    # Every submit and receipt endpoint runs one Argon2id: in the hashing pool, inside the limits.
    serve_under_load(app, config, SUBMIT_ENDPOINTS + RECEIPT_ENDPOINTS)
    _limit(app, config)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    # Behind a reverse proxy every request comes from the proxy: rate limits would then be one
    # budget for everybody. Trust exactly as many X-Forwarded-For hops as there are proxies.
    hops = config.proxy_hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


def _limit(app: Flask, config: Config) -> None:
    limiter = Limiter(get_remote_address, app=app, storage_uri=config.redis_url or "memory://",
                      key_prefix="clueguard-public", default_limits=[])
    submit = limiter.shared_limit(config.public_rate_limit, scope="submit", methods=["POST"])
    receipt = limiter.shared_limit(config.receipt_rate_limit, scope="receipt", methods=["POST"])
    for endpoints, limit in ((SUBMIT_ENDPOINTS, submit), (RECEIPT_ENDPOINTS, receipt)):
        for endpoint in endpoints:
            # Flask-Limiter's wrapper is typed as possibly async; these views are all sync.
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])  # type: ignore[assignment]


def _keep_raw_form() -> None:
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True, parse_form_data=False)


def _csrf_failed(_err: CSRFError) -> Any:
    """A stale or foreign form: nothing is done, but the typed report is shown back, not lost."""
    if request.endpoint == "public.report":
        return pages.render_report_form(read_report_form(request), 400, pages.translated(FORM_EXPIRED))
    return no_store(Response(render_template("error.html", code=400, message=pages.translated(FORM_EXPIRED)),
                             400))


def _too_large(_err: RequestEntityTooLarge) -> Any:
    """Over the request size limit: say what the limits are."""
    config = current_runtime().config
    message = pages.translated(TOO_LARGE, mb=config.max_file_bytes // 2**20, n=config.max_files)
    if request.path.startswith(API_PREFIX):
        return {"error": message, "fields": {}}, 413
    return render_template("error.html", code=413, message=message), 413
