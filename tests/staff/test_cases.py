"""The staff inbox, case page, evidence downloads and replies (R6, R20, R23)."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from sqlalchemy import select, update

from models.audit.tables import AuditEvent
from models.cases import casework
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import Message, Report

ROW = re.compile(r'class="registry">([0-9-]+)</a>')


def registry_numbers(html: str) -> list[str]:
    return ROW.findall(html)


def set_state(staff_rt, report_id: str, state: str) -> None:
    with staff_rt.stores.case() as session:
        session.execute(update(Report).where(Report.id == report_id).values(state=state))


def events(staff_rt, name: str) -> list[AuditEvent]:
    with staff_rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name)))


# --- the inbox -----------------------------------------------------------------------------


def test_inbox_is_newest_first_with_local_times(make_staff, sign_in, clues) -> None:
    receipts = []
    for hour in (1, 2, 3):
        with time_machine.travel(f"2026-11-28 0{hour}:30:00 +0000", tick=False):
            receipts += clues(1)
    browser = sign_in(make_staff("clerk", "intake"))
    html = browser.get("/cases").get_data(as_text=True)
    assert registry_numbers(html) == [r.registry_no for r in reversed(receipts)]
    # Stored in UTC, shown in the configured zone (Asia/Shanghai, UTC+8).
    assert "2026-11-28 11:30" in html and "2026-11-28 09:30" in html
    # The row's own labels, in Chinese by default (the filters' drop-downs hold them too).
    row = html[html.index(receipts[0].registry_no):].split("</tr>")[0]
    assert "村霸" in row and "群众举报" in row and "已收到" in row  # category, source, state


def test_content_roles_land_on_the_inbox(make_staff, sign_in, clues) -> None:
    [receipt] = clues(1)
    browser = sign_in(make_staff("head", "unit_head"))
    response = browser.get("/")
    assert response.status_code == 200
    assert registry_numbers(response.get_data(as_text=True)) == [receipt.registry_no]


def test_filters_by_category_and_state(make_staff, sign_in, clues, staff_rt) -> None:
    usury = clues(2, category="usury")
    clues(1, category="village_bully")
    set_state(staff_rt, usury[0].report_id, "registered")
    browser = sign_in(make_staff("clerk", "intake"))

    def listed(query: str) -> set[str]:
        return set(registry_numbers(browser.get(f"/cases?{query}").get_data(as_text=True)))

    assert listed("category=usury") == {r.registry_no for r in usury}
    assert listed("state=registered") == {usury[0].registry_no}
    assert listed("category=usury&state=received") == {usury[1].registry_no}
    assert listed("category=village_bully&state=registered") == set()
    # Nonsense filters are ignored, not turned into an empty list.
    assert len(listed("category=nonsense&state=%3Cscript%3E")) == 3
    html = browser.get("/cases?category=usury").get_data(as_text=True)
    assert '<option value="usury" selected>' in html


def test_pages_keep_the_filter(make_staff, sign_in, clues, monkeypatch) -> None:
    monkeypatch.setattr(casework, "PAGE_SIZE", 2)
    numbers = []
    for minute in range(5):
        with time_machine.travel(f"2026-11-28 08:0{minute}:00 +0000", tick=False):
            numbers += [r.registry_no for r in clues(1, category="usury")]
    clues(1, category="vice")
    browser = sign_in(make_staff("clerk", "intake"))
    first = browser.get("/cases?category=usury").get_data(as_text=True)
    assert registry_numbers(first) == numbers[::-1][:2]
    assert "/cases?page=2&amp;category=usury" in first
    second = browser.get("/cases?page=2&category=usury").get_data(as_text=True)
    assert registry_numbers(second) == numbers[::-1][2:4]
    last = browser.get("/cases?page=3&category=usury").get_data(as_text=True)
    assert registry_numbers(last) == numbers[:1]
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert browser.get("/cases?page=abc").status_code == 200


@pytest.mark.parametrize("role", ["auditor", "admin", "custodian"])
def test_roles_without_content_access_are_refused(make_staff, sign_in, clues, role) -> None:
    [receipt] = clues(1, files=[Upload("a.txt", b"evidence")])
    browser = sign_in(make_staff("someone", role, unit=None))
    home = browser.get("/")
    assert home.status_code == 200
    assert "/cases" not in home.get_data(as_text=True)
    for path in ("/cases", f"/cases/{receipt.report_id}", "/cases/new",
                 f"/cases/{receipt.report_id}/files/x"):
        assert browser.get(path).status_code == 403, path
    reply = browser.post(f"/cases/{receipt.report_id}/reply", {"text": "hi"}, page="/")
    assert reply.status_code == 403


def test_start_page_lists_what_a_custodian_does(make_staff, sign_in) -> None:
    browser = sign_in(make_staff("keeper", "custodian", unit=None))
    html = browser.get("/?lang=en").get_data(as_text=True)
    assert "unseal" in html and "Custodian" in html


# --- need-to-know (R20) --------------------------------------------------------------------


def test_staff_of_another_unit_cannot_open_a_case(make_staff, sign_in, clues, give_to_unit,
                                                 staff_rt) -> None:
    [theirs, shared] = clues(2, files=[Upload("a.txt", b"evidence")])
    give_to_unit(theirs.report_id, "第二科")
    outsider = sign_in(make_staff("clerk", "intake", unit="第一科"))
    assert registry_numbers(outsider.get("/cases").get_data(as_text=True)) == [shared.registry_no]
    assert outsider.get(f"/cases/{theirs.report_id}").status_code == 403
    case = casework.open_case(staff_rt, make_staff("insider", "intake", unit="第二科").id, theirs.report_id)
    assert outsider.get(f"/cases/{theirs.report_id}/files/{case.files[0].id}").status_code == 403
    reply = outsider.post(f"/cases/{theirs.report_id}/reply", {"text": "hi"}, page="/cases")
    assert reply.status_code == 403
    assert len(events(staff_rt, "report.access_refused")) == 3
    with staff_rt.stores.case() as session:
        assert session.scalar(select(Message.id)) is None


def test_unknown_case_is_404(make_staff, sign_in) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    assert browser.get("/cases/00000000-0000-0000-0000-000000000000").status_code == 404


# --- the case page -------------------------------------------------------------------------


def test_case_page_shows_the_decrypted_clue_and_is_audited(make_staff, sign_in, clues, staff_rt) -> None:
    [receipt] = clues(1, files=[Upload("现场照片说明.txt", "白色面包车".encode())])
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.get(f"/cases/{receipt.report_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    for text in (receipt.registry_no, "村里有人强占集体土地，殴打村民。", "张某", "某村委会", "李某",
                 "某镇派出所", "某县某村", "2026-10", "现场照片说明.txt"):
        assert text in html, text
    assert [e.report_id for e in events(staff_rt, "report.viewed")] == [receipt.report_id]


def test_files_download_as_attachments_never_inline(make_staff, sign_in, clues, staff_rt) -> None:
    page = b"<html><script>alert(document.cookie)</script></html>"
    [receipt] = clues(1, files=[Upload("证据.html", page)])
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    [info] = casework.open_case(staff_rt, clerk.id, receipt.report_id).files
    html = browser.get(f"/cases/{receipt.report_id}").get_data(as_text=True)
    url = f"/cases/{receipt.report_id}/files/{info.id}"
    assert url in html
    response = browser.get(url)
    assert response.status_code == 200
    assert response.data == page
    # Sniffed as text at intake, served as text: the browser never runs it.
    assert response.mimetype == "text/plain"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''%E8%AF%81%E6%8D%AE.html" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert [e.detail["attachment"] for e in events(staff_rt, "attachment.viewed")] == [info.id]
    [other] = clues(1)
    assert browser.get(f"/cases/{other.report_id}/files/{info.id}").status_code == 404


def test_reply_reaches_the_reporter(make_staff, sign_in, clues, public_rt) -> None:
    [receipt] = clues(1)
    browser = sign_in(make_staff("clerk", "intake"))
    path = f"/cases/{receipt.report_id}"
    response = browser.post(f"{path}/reply", {"text": "请补充车辆信息。",
                                              "files": [(io.BytesIO(b"form text"), "表格.txt")]},
                            page=path, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].startswith(path)
    status = intake.reporter_status(public_rt, receipt.code)
    assert [(m.sender, m.text) for m in status.messages] == [("staff", "请补充车辆信息。")]
    intake.add_follow_up(public_rt, receipt.code, "尾号386。")
    html = browser.get(path).get_data(as_text=True)
    assert "请补充车辆信息。" in html and "尾号386。" in html and "表格.txt" in html


@pytest.mark.parametrize(("text", "error"), [("   ", "请输入消息"), ("长" * 20_001, "过长")])
def test_a_bad_reply_is_refused_and_kept_for_correction(make_staff, sign_in, clues, public_rt,
                                                        text, error) -> None:
    [receipt] = clues(1)
    browser = sign_in(make_staff("clerk", "intake"))
    path = f"/cases/{receipt.report_id}"
    response = browser.post(f"{path}/reply", {"text": text}, page=path)
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert intake.reporter_status(public_rt, receipt.code).messages == []


def test_reply_without_csrf_token_is_refused(make_staff, sign_in, clues, public_rt) -> None:
    [receipt] = clues(1)
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.client.post(f"/cases/{receipt.report_id}/reply", data={"text": "hi"})
    assert response.status_code == 400
    assert intake.reporter_status(public_rt, receipt.code).messages == []
