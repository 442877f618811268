"""What both Flask apps share: language, security headers, error pages, the base layout.

The public and staff apps are separate WSGI apps (R26); each calls ``init_common`` from its own
factory with its own templates folder. Shared layout pieces live in ``web/templates_shared``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, flash, g, render_template, request
from flask_babel import Babel
from flask_babel import gettext as _
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException

from models.store.errors import ClueGuardError, InvalidInput
from models.store.i18n import LOCALES, N_, TRANSLATIONS_DIR, ensure_compiled, pick_locale, translate
from models.store.runtime import Runtime
from models.store.text import UNREADABLE, is_readable, json_depth, unreadable_paths

SHARED_TEMPLATES = Path(__file__).parent / "templates_shared"
STATIC_DIR = Path(__file__).parent / "static"
LANG_COOKIE = "lang"

# Nothing from another host, no inline script, no framing (R26).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


API_PREFIX = "/api/"
# JSON bodies: no API takes files, so a megabyte is generous (a 20 000-character description
# written as \uXXXX escapes is 120 KB); deeper nesting than this is no request of ours.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 16
TOO_DEEP = N_("The request body nests too deeply.")


class BadRequestText(HTTPException):
    """A request the guard refuses before any view runs: unreadable text, a broken JSON body."""

    code = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__()
        self.message, self.fields = message, fields or {}


def current_locale() -> str:
    """?lang= wins (and is remembered in a cookie), then the cookie, then Chinese.

    Pages ignore Accept-Language on purpose: Tor Browser always sends en-US, and the reporter's
    default is Chinese. The JSON API uses no cookies, so there ?lang= then Accept-Language count.
    """
    if request.path.startswith(API_PREFIX):
        asked = request.args.get("lang") or request.accept_languages.best_match(LOCALES)
        return pick_locale(asked)
    return pick_locale(request.args.get("lang") or request.cookies.get(LANG_COOKIE))


def error_message(err: ClueGuardError) -> str:
    """A workflow error in the user's language."""
    return translate(current_locale(), err.message, **err.params)


def field_errors(errors: dict[str, str], params: dict[str, object] | None = None,
                 field_params: dict[str, dict[str, object]] | None = None) -> dict[str, str]:
    """Each field's message in the user's language, with its own placeholders (a length) where given."""
    loc = current_locale()
    return {k: translate(loc, v, **{**(params or {}), **(field_params or {}).get(k, {})}) for k, v in errors.items()}


def flash_error(err: ClueGuardError) -> None:
    """Flash a workflow error, and each field's message, in the user's language."""
    flash(error_message(err), "error")
    if isinstance(err, InvalidInput):
        for message in field_errors(err.errors, err.params, err.field_params).values():
            flash(message, "error")


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Staff pages show clue content; the reporter's show receipts and replies: no page is
        # kept in a browser or proxy cache (static files alone may be).
        no_store(response)
    lang = request.args.get("lang")
    if lang and pick_locale(lang) == lang and not request.path.startswith(API_PREFIX):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    return response


def no_store(response: Response) -> Response:
    """For pages that show a receipt, an identity or clue content: never cached."""
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def _guard_request() -> None:
    """Refuse unreadable text (NUL, lone surrogates) in the path, the query and JSON bodies,
    and over-deep or oversized JSON, before any view or database sees it (models.store.text).

    Form fields are checked too unless the app reads them itself (``guard_forms=False``: the
    public report form marks the field and keeps what was typed).
    """
    if request.routing_exception is not None and request.path.startswith(API_PREFIX):
        # An unknown API path is a JSON 404 (or 405), never a redirect to an HTML sign-in page.
        raise request.routing_exception
    if not is_readable(request.path) or not all(is_readable(k) and is_readable(v)
                                                for k, v in request.args.items(multi=True)):
        raise BadRequestText(UNREADABLE)
    if request.is_json and request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        request.max_content_length = min(MAX_JSON_BYTES, request.max_content_length or MAX_JSON_BYTES)
        _guard_json(request.get_data(cache=True))
    elif current_app.config.get("CLUEGUARD_GUARD_FORMS", True) and request.method == "POST" \
            and request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        bad = [k for k, v in request.form.items(multi=True) if not (is_readable(k) and is_readable(v))]
        if bad:
            raise BadRequestText(UNREADABLE, dict.fromkeys(bad, UNREADABLE))


def _guard_json(raw: bytes) -> None:
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise BadRequestText(TOO_DEEP) from exc
    except ValueError:
        return  # malformed JSON: each API answers that in its own words
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequestText(TOO_DEEP)
    bad = unreadable_paths(data)
    if bad:
        raise BadRequestText(UNREADABLE, {path.split(".", 1)[0] or "body": UNREADABLE for path in bad})


def guard_responses(error_ref: str) -> dict[str, Any]:
    """OpenAPI responses the request guard may give any JSON operation, whatever its view does."""
    body = {"content": {"application/json": {"schema": {"$ref": error_ref}}}}
    return {"400": {"description": "Unreadable text (NUL, lone surrogates) or JSON nested too deeply", **body},
            "413": {"description": "The request body is larger than the server accepts", **body}}


def _retry_after(response: Response) -> Response:
    # Every 429 says when to come back (Flask-Limiter sets it for its own limits; this covers
    # any other throttling that forgot).
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "60"
    return response


def _error_page(exc: HTTPException) -> Any:
    # Say nothing internal: the status, a translated sentence, a way back.
    messages = {
        400: _("The request could not be understood."),
        403: _("You are not allowed to see this page."),
        404: _("This page does not exist."),
        405: _("This page does not exist."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    code = exc.code or 500
    text = messages.get(code, _("Something went wrong. Please try again."))
    fields: dict[str, str] = {}
    if isinstance(exc, BadRequestText):
        text, fields = _(exc.message), field_errors(exc.fields)
    headers = _allow(exc)
    if request.path.startswith(API_PREFIX):
        return {"error": text, "fields": fields}, code, headers
    return render_template("error.html", code=code, message=text), code, headers


def _allow(exc: HTTPException) -> dict[str, str]:
    # A 405 names the methods that would work (RFC 9110), whoever renders the page.
    allowed = getattr(exc, "valid_methods", None)
    return {"Allow": ", ".join(sorted(allowed))} if allowed else {}


def _internal_error(exc: Exception) -> Any:
    # The traceback names code, not content: no exception of ours carries clue text or identity,
    # and the engines hide SQL parameters.
    current_app.logger.error("unhandled %s at %s", type(exc).__name__, request.endpoint, exc_info=exc)
    # Not "nothing you sent has been lost": the guard refuses bad input before any write, and
    # every act is one transaction, but an unexpected error cannot promise what was stored.
    text = _("Something went wrong. Please try again.")
    if request.path.startswith(API_PREFIX):
        return {"error": text, "fields": {}}, 500
    return render_template("error.html", code=500, message=text), 500


def init_common(app: Flask, *, guard_forms: bool = True) -> None:
    """Wire language, request guards, headers, error pages and the shared templates into an app."""
    ensure_compiled()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    Babel(app, locale_selector=current_locale)
    own = [app.jinja_loader] if app.jinja_loader is not None else []
    app.jinja_loader = ChoiceLoader([*own, FileSystemLoader(SHARED_TEMPLATES)])
    app.config.setdefault("CLUEGUARD_GUARD_FORMS", guard_forms)
    # First of all before_request hooks: before sign-in, CSRF and any view touch the text.
    app.before_request(_guard_request)
    app.after_request(_security_headers)
    app.after_request(_retry_after)
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(Exception, _internal_error)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        g.locale = current_locale()
        return {
            "locale": g.locale,
            "locales": LOCALES,
            "translate_msg": lambda m, **p: translate(g.locale, m, **p),
            # After a label: Chinese takes the full-width colon ("状态：已登记"), English ": ".
            "colon": "：" if g.locale == "zh" else ": ",
        }


RUNTIME_KEY = "clueguard.runtime"


def get_runtime() -> Runtime:
    """The Runtime (config, stores, keys) of the app handling this request."""
    rt = current_app.extensions[RUNTIME_KEY]
    if not isinstance(rt, Runtime):
        raise RuntimeError("app has no ClueGuard runtime")
    return rt
