"""The report form end to end: anonymous and confidential reports, rows, the one-time receipt (R2–R5)."""

from __future__ import annotations

import re

from models.reporting import intake
from tests.public.conftest import receipt_of

from .helpers import jpeg_with_gps


def test_landing_page_offers_report_and_status_with_the_promise(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/report"' in page.text and 'href="/status"' in page.text
    assert "匿名" in page.text and "保管人" in page.text
    english = client.get("/?lang=en")
    assert "anonymously" in english.text and "custodians" in english.text


def test_landing_page_names_the_threshold_once_the_vault_is_ready(client, custodians) -> None:
    assert "2 名" in client.get("/").text


def test_report_form_is_chinese_by_default_with_categories_and_notice(client) -> None:
    page = client.get("/report")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert page.text.count('<option value="') == 14  # 13 categories and "choose"
    assert "诬告陷害" in page.text and 'name="notice_accepted"' in page.text
    assert 'name="mode" value="anonymous" checked' in page.text
    assert 'formaction="/report?lang=en"' in page.text
    # One person shown, three more folded behind "add another"; no submit button adds rows.
    assert page.text.count('name="reported-') == 16 and page.text.count('name="shielding-') == 9
    assert page.text.count('<details class="more">') == 3 + 2
    assert 'value="add_' not in page.text
    assert "maxlength" not in page.text  # a browser would cut a pasted text silently


def test_anonymous_report_gets_receipt_once_and_is_stored_whole(reporter, stored) -> None:
    resp = reporter.submit()
    assert resp.status_code == 200
    assert "no-store" in resp.headers["Cache-Control"]
    registry_no, code = receipt_of(resp)
    assert re.fullmatch(r"\d{4}-\d{6}", registry_no)
    assert re.fullmatch(r"\d{16}", code)
    assert re.search(r'id="receipt-code"[^>]*>\d{4} \d{4} \d{4} \d{4}<', resp.text)
    assert "无法找回" in resp.text
    assert code not in resp.headers.get("Set-Cookie", "")
    case = stored.case(registry_no)
    assert case.report.confidential is False and case.report.identity_id is None
    assert case.clue["description"] == "村里有人强占集体土地，殴打村民。"
    assert case.clue["reported"] == [{"name": "张某", "unit": "某村委会", "position": "主任", "place": "某村"}]
    assert case.clue["shielding"] == [{"name": "李某", "unit": "某镇派出所", "position": "所长"}]
    assert re.fullmatch(r"\d{4}-\d\d-01/\d{4}-\d\d-\d\d", case.clue["occurred_on"])  # "this month"
    assert stored.counts() == (1, 0)


def test_anonymous_choice_drops_identity_typed_before_switching(reporter, stored, custodians) -> None:
    resp = reporter.submit(**{"identity-name": "王五", "mode": "anonymous"})
    assert resp.status_code == 200
    assert stored.counts() == (1, 0)


def test_confidential_report_seals_the_identity(reporter, stored, custodians) -> None:
    resp = reporter.submit(mode="confidential", **{"identity-name": "王五", "identity-phone": "13800000000"})
    assert resp.status_code == 200
    registry_no, _code = receipt_of(resp)
    case = stored.case(registry_no)
    assert case.report.confidential is True and case.report.identity_id is not None
    assert stored.counts() == (1, 1)


def test_confidential_report_before_the_key_ceremony_says_so_and_keeps_the_form(reporter, stored) -> None:
    resp = reporter.submit(mode="confidential", **{"identity-name": "王五"})
    assert resp.status_code == 503
    assert "匿名" in resp.text and "保管人" in resp.text
    assert 'value="王五"' in resp.text and "强占集体土地" in resp.text
    assert stored.counts() == (0, 0)


def test_report_with_an_evidence_photo(reporter, stored) -> None:
    resp = reporter.submit(files=[(jpeg_with_gps(), "IMG_0001.jpg")])
    assert resp.status_code == 200
    case = stored.case(receipt_of(resp)[0])
    assert [(f.filename, f.mime) for f in case.files] == [("IMG_0001.jpg", "image/jpeg")]


def test_second_row_of_people_is_stored(reporter, stored) -> None:
    resp = reporter.submit(**{"reported-1-name": "赵某", "reported-1-place": "某镇"})
    case = stored.case(receipt_of(resp)[0])
    assert [p["name"] for p in case.clue["reported"]] == ["张某", "赵某"]


def test_receipt_page_in_english(reporter) -> None:
    resp = reporter.submit(query="?lang=en")
    assert resp.status_code == 200
    assert "cannot be recovered" in resp.text
    assert intake.STATUS_LABELS  # the status labels are what the status page shows next
