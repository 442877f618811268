"""A reporter without JavaScript, and one with the JSON API, through nginx to two public hosts."""

from __future__ import annotations

import re

import httpx

from tests.conftest import jpeg_with_gps
from tests.production.stack import Stack
from tests.public.conftest import element_text, report_form

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


def receipt_of(html: str) -> tuple[str, str]:
    return element_text(html, "registry-no"), element_text(html, "receipt-code").replace(" ", "")


def file_form(browser: httpx.Client, form: dict[str, object], photo: bytes) -> httpx.Response:
    posted = browser.post("/report", data=form, files=[("files", ("photo.jpg", photo, "image/jpeg"))])
    assert posted.status_code == 303, posted.status_code
    return browser.get(posted.headers["Location"])


def test_a_reporter_without_javascript(stack: Stack) -> None:
    with stack.client() as browser:
        assert browser.get("/").status_code == 200
        page = browser.get("/report")
        assert page.status_code == 200
        fields = hidden(page.text)
        form = report_form(csrf_token=fields["csrf_token"], token=fields["token"])
        photo = jpeg_with_gps()
        received = file_form(browser, form, photo)
        assert received.status_code == 200, received.headers.get("location")
        registry_no, code = receipt_of(received.text)
        # Sent again (Back and resend), whichever host answers: the same clue, not a second one.
        again = file_form(browser, form, photo)
        assert receipt_of(again.text) == (registry_no, code) and 'id="repeated"' in again.text

        lookup = hidden(browser.get("/status").text)
        status = browser.post("/status", data={"receipt": code, "csrf_token": lookup["csrf_token"]})
        assert status.status_code == 200 and registry_no in status.text
        reply = {"receipt": code, "text": "补充：他们每周三晚上来。", **{k: v for k, v in hidden(status.text).items()
                                                                   if k in ("csrf_token", "reply_token")}}
        sent = browser.post("/status/reply", data=reply)
        assert sent.status_code == 200 and "补充：他们每周三晚上来。" in sent.text
        # The same follow-up form sent again is recognised (the session, signed by either host).
        resent = browser.post("/status/reply", data=reply)
        assert resent.status_code == 200 and resent.text.count("补充：他们每周三晚上来。") == 1


CLUE = {"category": "usury", "description": "放贷人每天上门威胁，要求高额利息。", "notice_accepted": True,
        "location": "某市某区", "reported": [{"name": "钱某", "unit": "某投资公司"}], "identity": None}


def test_the_json_api(stack: Stack) -> None:
    with stack.client() as api:
        assert api.get("/api/v1/categories").status_code == 200
        made = api.post("/api/v1/reports", json=CLUE)
        assert made.status_code == 201
        receipt = made.json()["receipt"]
        status = api.post("/api/v1/status", json={"receipt": receipt})
        assert status.status_code == 200 and status.json()["registry_no"] == made.json()["registry_no"]
        added = api.post("/api/v1/status/messages", json={"receipt": receipt, "text": "还有录音。"})
        assert added.status_code in (200, 201), added.text


def test_receipt_guesses_share_one_budget_across_hosts(stack: Stack) -> None:
    """A network's failed look-ups are counted in Redis, whichever host answers: the guesser's
    network gets its 4 per 10 s (CLUEGUARD_RECEIPT_NETWORK_RATE_LIMIT) across both public hosts."""
    with stack.client() as guesser:
        answers = [guesser.post("/api/v1/status", json={"receipt": "1234-5678-9012-3456"}).status_code
                   for _ in range(12)]
    assert answers[:4] == [404] * 4 and set(answers[4:]) == {429}


def test_the_onion_entrance_and_the_redirect_to_https(stack: Stack) -> None:
    """Tor's loopback entrance (plain HTTP, deploy/tor/torrc points there) serves the form; port 80
    sends everyone else to HTTPS."""
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports['tor']}", timeout=30) as tor:
        page = tor.get("/report")
        assert page.status_code == 200 and 'name="csrf_token"' in page.text
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports['http']}", timeout=30) as plain:
        moved = plain.get("/status")
        assert moved.status_code == 301 and moved.headers["location"].startswith("https://")
