"""The status page: coarse status, two-way messages, follow-ups with files, wrong receipts (R5, R6)."""

from __future__ import annotations

import html
import re

import pytest

from models.cases import casework
from models.reporting.files import NOT_ACCEPTED
from models.store.i18n import translate
from tests.public.conftest import Reporter, csrf_token, receipt_of

from .helpers import PDF

WRONG = "No report matches this receipt code. Check the 16 digits and try again."


def _without_token(text: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", text)


@pytest.fixture
def filed(reporter, stored) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return receipt_of(reporter.submit())


def test_status_form_never_puts_the_receipt_in_a_url(client) -> None:
    page = client.get("/status")
    assert page.status_code == 200
    assert 'method="post"' in page.text and 'name="receipt"' in page.text
    assert "no-store" in page.headers["Cache-Control"]


def test_status_shows_staff_reply_and_accepts_a_follow_up_with_a_file(reporter, filed, stored, staff_rt) -> None:
    registry_no, code = filed
    page = reporter.status(code)
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert registry_no in page.text and "已收到" in page.text
    assert "暂无留言" in page.text
    case = stored.case(registry_no)
    casework.reply_to_reporter(staff_rt, stored.staff_id, case.report.id, "请补充具体时间。")
    page = reporter.status(code.replace("", " ").strip())  # typed with spaces on a phone
    assert "请补充具体时间。" in page.text and "工作人员" in page.text
    assert f'name="receipt" value="{code.replace("", " ").strip()}"' in page.text
    assert code not in page.headers.get("Set-Cookie", "")

    sent = reporter.reply(code, "大约是十月三日晚上。", files=[(PDF, "记录.pdf")])
    assert sent.status_code == 200
    assert "您的留言已发送" in sent.text and "大约是十月三日晚上。" in sent.text
    case = stored.case(registry_no)
    assert [(m.direction, m.text) for m in case.messages] == [("staff", "请补充具体时间。"),
                                                              ("reporter", "大约是十月三日晚上。")]
    assert [(f.filename, f.message_id is not None) for f in case.files] == [("记录.pdf", True)]


def test_status_in_english(reporter, filed) -> None:
    page = reporter.status(filed[1], query="?lang=en")
    assert "Received" in page.text and "No messages yet." in page.text
    assert "Status: <strong" in page.text


def test_a_label_takes_the_chinese_full_width_colon(reporter, filed) -> None:
    page = reporter.status(filed[1])
    assert "办理情况：<strong" in page.text and "办理情况: " not in page.text


@pytest.mark.parametrize(("text", "files", "field", "msgid"), [
    ("", None, "text", "Write a message or attach a file."),
    ("长" * 20_001, None, "text", "The message is too long."),
    ("看附件", [(b"MZ\x90\x00" + b"\x00" * 100, "a.pdf")], "files",
     NOT_ACCEPTED),
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_follow_up_keeps_the_text_and_stores_nothing(reporter, filed, stored, text, files, field, msgid,
                                                         lang) -> None:
    resp = reporter.reply(filed[1], text, files=files, query="?lang=en" if lang == "en" else "")
    assert resp.status_code == 400
    message = re.search(rf'id="err-{field}">([^<]*)<', resp.text)
    assert message and html.unescape(message.group(1)) == translate(lang, msgid)
    assert text[:50] in resp.text
    assert stored.case(filed[0]).messages == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_follow_up_with_invalid_utf8_is_refused(client, filed, stored, lang) -> None:
    token = csrf_token(client, "/status")
    body = (f"receipt={filed[1]}&csrf_token={token}&text=".encode() + b"%E5%A5%BD%FF%FE")
    resp = client.post("/status/reply" + ("?lang=en" if lang == "en" else ""), data=body,
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400
    assert translate(lang, "This text contains characters that could not be read. Please type it again.") in resp.text
    assert stored.case(filed[0]).messages == []


@pytest.mark.parametrize("wrong", ["", "123", "abcdabcdabcdabcd", "0000000000000000", "1" * 40, "１２３４"])
def test_wrong_receipt_gets_one_answer_on_the_page(reporter, filed, wrong) -> None:
    unknown = reporter.status("9" * 16 if filed[1] != "9" * 16 else "8" * 16)
    resp = reporter.status(wrong)
    assert resp.status_code == unknown.status_code == 404
    assert _without_token(resp.text) == _without_token(unknown.text)
    assert translate("zh", WRONG) in html.unescape(resp.text)
    assert filed[0] not in resp.text


def test_wrong_receipt_on_reply_does_not_store(reporter, filed, stored) -> None:
    resp = reporter.reply("1234", "你好")
    assert resp.status_code == 404
    assert stored.case(filed[0]).messages == []


def test_submissions_are_rate_limited(make_app, stored) -> None:
    client = make_app(public_rate_limit="2 per minute").test_client()
    reporter = Reporter(client)
    assert reporter.submit().status_code == 200
    assert client.post("/api/v1/reports", json={"category": "other", "description": "x",
                                                "notice_accepted": True}).status_code == 201
    assert reporter.submit().status_code == 429
    assert stored.counts() == (2, 0)
