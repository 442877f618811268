"""R26: the public app has no staff route, cookie, template or key, and loads nothing from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.public.conftest import receipt_of
from web.public import create_public_app
from web.shared import RUNTIME_KEY, STATIC_DIR

PUBLIC_RULES = {
    "/", "/report", "/report/received", "/report/new", "/status", "/status/reply", "/status/survey",
    "/favicon.ico", "/static/<path:filename>",
    "/api/v1/openapi.json", "/api/v1/categories", "/api/v1/reports", "/api/v1/status", "/api/v1/status/messages",
    "/healthz", "/readyz", "/metrics",  # the operator's (web/monitoring.py; /metrics loopback only)
}
STAFF_WORDS = ("login", "logout", "case", "staff", "admin", "audit", "unseal", "custodian", "inbox", "export",
               "totp", "account", "deadline", "borrow", "destroy", "pledge")
LINK_RE = re.compile(r'\b(?:src|href|action|formaction|srcset|poster|data)\s*=\s*"([^"]*)"', re.I)


def test_url_map_is_exactly_the_public_routes(public_app) -> None:
    rules = {rule.rule for rule in public_app.url_map.iter_rules()}
    assert rules == PUBLIC_RULES
    for rule in rules:
        assert not any(word in rule for word in STAFF_WORDS), rule


@pytest.mark.parametrize("path", ["/login", "/cases", "/staff", "/admin", "/audit", "/staff/login", "/unseal"])
def test_staff_paths_do_not_exist(client, path) -> None:
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in (404, 405)


def test_public_app_refuses_a_runtime_holding_the_intake_private_key(config, staff_rt) -> None:
    with pytest.raises(ValueError, match="private key"):
        create_public_app(config, staff_rt)


def test_default_runtime_holds_public_keys_only(config, stores) -> None:
    app = create_public_app(config)
    runtime = app.extensions[RUNTIME_KEY]
    try:
        assert runtime.intake_private is None and runtime.intake_public
    finally:
        runtime.stores.dispose()


def test_public_templates_are_the_reporters_pages_only(public_app) -> None:
    folder = Path(public_app.root_path) / (public_app.template_folder or "")
    assert {p.name for p in folder.iterdir()} == {"public_base.html", "index.html", "report.html", "receipt.html",
                                                  "status.html", "status_lookup.html", "_files.html",
                                                  "_files_hint.html", "_sending.html"}


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_is_the_public_one_httponly_and_lax(make_app, secure) -> None:
    client = make_app(secure_cookies=secure).test_client()
    cookie = client.get("/report").headers["Set-Cookie"]
    assert cookie.startswith("clueguard_public=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) == secure


def _pages(reporter, client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    receipt_page = reporter.submit()
    _registry_no, code = receipt_of(receipt_page)
    pages = {"result": receipt_page, "status": reporter.status(code), "wrong receipt": reporter.status("1"),
             "form error": reporter.submit(category=None), "404": client.get("/nope")}
    for path in ("/", "/report", "/status", "/?lang=en", "/report?lang=en"):
        pages[path] = client.get(path)
    return pages


def test_no_page_loads_or_links_anything_from_another_host(reporter, client) -> None:
    for name, resp in _pages(reporter, client).items():
        assert "Content-Security-Policy" in resp.headers, name
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "http" not in csp, name
        assert resp.headers["X-Frame-Options"] == "DENY"
        # Only our own progressive-enhancement script, loaded from this site, never inline.
        scripts = re.findall(r"<script[^>]*>", resp.text)
        assert set(scripts) <= {'<script src="/static/public.js">'}, name
        links = LINK_RE.findall(resp.text)
        assert links, name
        for link in links:
            assert not re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", link, re.I), (name, link)
        assert "http://" not in resp.text and "https://" not in resp.text, name


def test_stylesheets_and_script_load_nothing_from_elsewhere(client) -> None:
    for css in [*STATIC_DIR.glob("*.css"), STATIC_DIR / "public.js"]:
        text = css.read_text()
        assert "@import" not in text and "http" not in text and "url(" not in text, css.name
        resp = client.get(f"/static/{css.name}")
        assert resp.status_code == 200
        resp.close()


def test_api_responses_carry_the_security_headers(client) -> None:
    resp = client.get("/api/v1/categories")
    assert "Content-Security-Policy" in resp.headers and resp.headers["X-Content-Type-Options"] == "nosniff"
