"""The public app's factory: the reporter-facing WSGI app, with no staff route at all (R26).

It holds the intake *public* key only, so it cannot read back any clue, message or identity
once stored. Forms carry CSRF tokens; the JSON API uses no cookies and is exempt.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import MultiPartParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.multipart import MultipartDecoder

from models.store.config import Config
from models.store.i18n import N_
from models.store.keys import PUBLIC_SESSION_KEY, load_or_create_secret
from models.store.runtime import Runtime, open_runtime
from web.monitoring import database_check, install_monitoring, redis_check
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
TOO_MANY_PARTS = N_("What you sent has too many parts or files, so nothing was stored. At most %(n)s files "
                    "may be sent at once. Go back and send fewer files; you may add more files later on the "
                    "status page.")
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
        SECRET_KEY=load_or_create_secret(config, PUBLIC_SESSION_KEY),
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
        # No Referer check over HTTPS: the pages tell browsers to send no Referer (R8), so the check
        # refused every form a browser posted behind TLS. The CSRF token in the Secure, SameSite
        # session cookie is the defence (issue 21).
        WTF_CSRF_SSL_STRICT=False,
    )
    app.extensions[RUNTIME_KEY] = runtime
    # The report form marks unreadable text beside its field and keeps what was typed, so the
    # shared guard leaves form fields to the pages (it still checks paths, queries and JSON).
    init_common(app, guard_forms=False)
    # Its own traffic only (requests, latency, 429s), no figure from the database: see
    # docs/operations.md for why the internet-facing app says no more than that.
    install_monitoring(app, "public", {"database": database_check(runtime), "keys": lambda: bool(runtime.intake_public),
                                       "redis": redis_check(config.redis_url)},
                       figures=None, metrics_from=config.metrics_from)
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


def _multipart_frames(err: RequestEntityTooLarge) -> dict[str, Any]:
    """What werkzeug's multipart parser held when it gave up (its decoder and files so far).

    Werkzeug raises the same RequestEntityTooLarge for a body, a text part and the number of parts;
    only its decoder, still in the traceback, knows which. The files parsed so far are spooled
    temporary files that nobody else closes. (werkzeug 3: ``MultiPartParser.parse``'s ``files``,
    the decoder's ``max_parts`` and ``_parts_decoded``; tests/public/test_edge_multipart.py pins this.)
    """
    held: dict[str, Any] = {}
    tb = err.__traceback__
    while tb is not None:
        frame_self, local = tb.tb_frame.f_locals.get("self"), tb.tb_frame.f_locals
        if isinstance(frame_self, MultiPartParser):
            held["files"] = [part for _name, part in local.get("files", [])]
            held["container"] = local.get("container")
        elif isinstance(frame_self, MultipartDecoder):
            held["decoder"] = frame_self
        tb = tb.tb_next
    return held


def _too_many_parts(held: dict[str, Any]) -> bool:
    decoder = held.get("decoder")
    return decoder is not None and decoder.max_parts is not None and \
        int(getattr(decoder, "_parts_decoded", 0)) > decoder.max_parts


def _close_parsed_files(held: dict[str, Any]) -> None:
    # Nothing half-received stays behind: close (and so delete) the spooled files at once.
    for part in held.get("files", []):
        part.close()
    container = held.get("container")
    close = getattr(container, "close", None)
    if close is not None:
        close()


def _too_large(err: RequestEntityTooLarge) -> Any:
    """Over a size limit: say which one, the number of parts, the files' or a text's."""
    config = get_runtime().config
    api, small = request.path.startswith(API_PREFIX), request.endpoint in SMALL_FORM_ENDPOINTS
    length = request.content_length
    held = _multipart_frames(err)
    _close_parsed_files(held)
    if _too_many_parts(held):
        message = pages.translated(TOO_MANY_PARTS, n=config.max_files)
    elif api or small or (length is not None and length <= config.max_request_bytes):
        # Within the files budget (or where no files go): a text overflowed its limit.
        limit = MAX_JSON_BYTES if api else SMALL_FORM_BYTES if small else FORM_FIELD_BYTES
        message = pages.translated(TEXT_TOO_LARGE, kb=limit // 1024, chars=config.max_text_chars)
    else:
        message = pages.translated(TOO_LARGE, mb=config.max_file_bytes // 2**20, n=config.max_files)
    if api:
        return {"error": message, "fields": {}}, 413
    return render_template("error.html", code=413, message=message), 413
