"""A phone with JavaScript off reports a clue and checks its status (Debian chromium via Playwright)."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(tempfile.gettempdir()) / "clueguard-public-screens"  # look at them after a run


@pytest.fixture
def base_url(public_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, public_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def phone(base_url):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                                      is_mobile=True, has_touch=True, device_scale_factor=1, locale="zh-CN")
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        yield page, requests
        context.close()
        browser.close()
    assert requests and all(url.startswith(base_url) for url in requests), "a request left the site"


def test_phone_without_javascript_reports_and_checks_status(phone, base_url, stored) -> None:
    page, _requests = phone
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(base_url + "/")
    assert page.evaluate is not None  # (no script runs: javascript is disabled in this context)
    page.screenshot(path=str(SCREENSHOTS / "1-landing.png"), full_page=True)
    page.click("text=我要举报")
    page.check("input[name=category][value=village_bully]")
    page.fill("#reported-0-name", "张某")
    page.fill("#reported-0-unit", "某村委会")
    # "Add another" works without script and keeps what was typed.
    page.click("button[value=add_reported]")
    assert page.input_value("#reported-0-name") == "张某"
    assert page.locator("#reported-2-name").count() == 1
    page.fill("#description", "村里有人强占集体土地，殴打村民。")
    page.fill("#occurred_on", "2026年10月")
    page.check("#notice input[name=notice_accepted]")
    # The identity fields stay hidden until "confidential" is chosen (CSS only).
    assert not page.is_visible("#identity-name")
    page.click("label[for=mode-confidential]")
    assert page.is_visible("#identity-name")
    page.click("label[for=mode-anonymous]")
    page.screenshot(path=str(SCREENSHOTS / "2-form.png"), full_page=True)
    page.click("button[value=submit]")
    registry_no = page.text_content("#registry-no").strip()
    code = page.text_content("#receipt-code").replace(" ", "").strip()
    assert len(code) == 16 and code.isdigit()
    page.screenshot(path=str(SCREENSHOTS / "3-receipt.png"), full_page=True)
    assert stored.case(registry_no).clue["reported"][0] == {"name": "张某", "unit": "某村委会"}

    page.goto(base_url + "/status")
    page.fill("#receipt", " ".join(code[i:i + 4] for i in range(0, 16, 4)))
    page.click("button[type=submit]")
    assert registry_no in page.text_content("h1")
    assert page.text_content("#status").strip() == "已收到"
    assert code not in page.url
    page.fill("#text", "补充：大约是晚上九点。")
    page.click("text=发送")
    assert "您的留言已发送" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "4-status.png"), full_page=True)
    assert [m.text for m in stored.case(registry_no).messages] == ["补充：大约是晚上九点。"]
