"""Nothing the reporter gave is lost: files across re-renders, the language switch, files listed,
the follow-up survey answered with choices, a follow-up never sent twice (issue 12, R28)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from models.cases import survey
from models.cases.statistics import clue_statistics
from models.cases.tables import Survey
from models.reporting.idempotency import new_token
from models.reporting.tables import Report
from models.store.i18n import translate
from tests.public.conftest import csrf_token, file_part, post_multipart, receipt_of, report_form

from .helpers import PDF, jpeg_with_gps

KEPT_RE = re.compile(r'name="kept" value="([^"]*)"')


def _form(client, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return report_form(csrf_token=csrf_token(client), token=changes.pop("token", None) or new_token(), **changes)


def test_files_survive_an_error_and_arrive_with_the_corrected_form(client, stored) -> None:
    data = _form(client, category=None, files=[file_part(jpeg_with_gps(), "IMG_1.jpg")])
    page = post_multipart(client, "/report", data)
    assert page.status_code == 400
    assert "IMG_1.jpg" in page.text and 'name="keep" value="0" checked' in page.text
    kept = KEPT_RE.search(page.text)
    assert kept and kept.group(1)
    assert stored.counts() == (0, 0)
    again = {k: v for k, v in data.items() if k != "files"} | {"category": "village_bully", "kept": kept.group(1),
                                                                 "keep": "0"}
    assert post_multipart(client, "/report", again).status_code == 303
    registry_no, _code = receipt_of(client.get("/report/received"))
    assert [f.filename for f in stored.case(registry_no).files] == ["IMG_1.jpg"]


def test_a_large_file_is_kept_in_several_fields_under_the_parser_cap(client, stored) -> None:
    # 4 MB of base64: over Flask's 500 000 bytes per field. Plain text, which is stored as sent.
    big = "村里有人强占土地。\n".encode() * (3 * 2**20 // 28)
    page = post_multipart(client, "/report", _form(client, category=None, files=[file_part(big, "big.txt")]))
    parts = KEPT_RE.findall(page.text)
    assert len(parts) > 1 and all(len(p) <= 500_000 for p in parts)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    data = _form(client, token=token.group(1)) | {"kept": parts, "keep": "0"}
    assert post_multipart(client, "/report", data).status_code == 303
    registry_no, _code = receipt_of(client.get("/report/received"))
    assert [(f.filename, f.size) for f in stored.case(registry_no).files] == [("big.txt", len(big))]


def test_a_kept_file_unticked_is_not_sent(client, stored) -> None:
    data = _form(client, category=None, files=[file_part(PDF, "a.pdf")])
    kept = KEPT_RE.search(post_multipart(client, "/report", data).text)
    assert kept
    again = {k: v for k, v in data.items() if k != "files"} | {"category": "other", "kept": kept.group(1)}
    post_multipart(client, "/report", again)
    registry_no, _code = receipt_of(client.get("/report/received"))
    assert stored.case(registry_no).files == []


@pytest.mark.parametrize("tamper", ["another form's", "flipped", "not base64"])
def test_a_tampered_kept_field_is_ignored_with_a_message(client, stored, tamper) -> None:
    data = _form(client, category=None, files=[file_part(PDF, "a.pdf")])
    kept = KEPT_RE.search(post_multipart(client, "/report", data).text)
    assert kept
    value = kept.group(1)
    changes: dict[str, object] = {"kept": value, "keep": "0"}
    if tamper == "another form's":
        changes["token"] = new_token()
    elif tamper == "flipped":
        changes["kept"] = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    else:
        changes["kept"] = "%%%"
    page = post_multipart(client, "/report", {k: v for k, v in data.items() if k != "files"} | changes)
    assert page.status_code == 400
    assert translate("zh", "The files attached before could not be kept: please attach them again.") in page.text
    assert stored.counts() == (0, 0)


def test_the_language_switch_keeps_what_was_typed_and_sends_nothing(client, stored) -> None:
    data = _form(client, action="lang", files=[file_part(PDF, "a.pdf")], mode="confidential",
                 **{"identity-name": "王五", "reported-2-name": "钱某"})
    page = post_multipart(client, "/report?lang=en", data)
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and "Send the report" in page.text
    for typed in ("张某", "钱某", "强占集体土地", 'value="王五"', "a.pdf", 'value="month" checked'):
        assert typed in page.text
    assert 'formaction="/report?lang=zh"' in page.text
    assert stored.counts() == (0, 0)


def test_the_form_says_which_fields_to_look_at(reporter) -> None:
    page = reporter.submit(category=None, description=" ", query="?lang=en")
    message = re.search(r'id="form-message">([^<]*)<', page.text)
    assert message and "What kind of crime is it?, What happened?" in message.group(1)
    assert page.text.count('aria-invalid="true"') >= 2


def test_status_lists_files_of_the_report_and_of_follow_ups(reporter) -> None:
    _no, code = receipt_of(reporter.submit(files=[(PDF, "first.pdf")]))
    page = reporter.reply(code, "more", files=[(jpeg_with_gps(), "IMG_2.jpg")])
    assert "first.pdf" in page.text and "IMG_2.jpg" in page.text
    assert "照片" in page.text and "image/jpeg" not in page.text
    assert translate("zh", "On a slow mobile connection each 10 MB takes about 5 minutes to send: keep this page "
                           "open until the receipt appears.") in page.text


def test_a_follow_up_sent_twice_is_stored_once(reporter, stored, client) -> None:
    registry_no, code = receipt_of(reporter.submit())
    data = {"receipt": code, "text": "补充一次", "reply_token": new_token(),
            "csrf_token": csrf_token(client, "/status")}
    assert "您的留言已发送" in post_multipart(client, "/status/reply", data).text
    again = post_multipart(client, "/status/reply", data)
    assert translate("zh", "This message had already been sent; it was not sent twice.") in again.text
    assert [m.text for m in stored.case(registry_no).messages] == ["补充一次"]


def test_the_status_language_switch_keeps_the_reply_and_sends_nothing(reporter, stored, client) -> None:
    registry_no, code = receipt_of(reporter.submit())
    data = {"receipt": code, "text": "还没写完", "action": "lang", "csrf_token": csrf_token(client, "/status")}
    page = post_multipart(client, "/status/reply?lang=en", data)
    assert "Answer or add information" in page.text and "还没写完" in page.text
    assert stored.case(registry_no).messages == []


def _closed_and_asked(staff_rt, registry_no: str) -> None:  # type: ignore[no-untyped-def]
    with staff_rt.stores.case() as session:
        session.execute(update(Report).where(Report.registry_no == registry_no).values(state="closed"))
    assert len(survey.run_monthly_survey(staff_rt, "2026-11")) == 1


def test_the_survey_is_answered_on_the_status_page_with_choices(reporter, stored, staff_rt, client,
                                                                make_staff) -> None:
    registry_no, code = receipt_of(reporter.submit())
    assert 'id="survey"' not in reporter.status(code).text
    _closed_and_asked(staff_rt, registry_no)
    page = reporter.status(code)
    assert page.text.count('name="satisfaction"') == 3
    data = {"receipt": code, "satisfaction": "basically", "survey_text": "处理较慢",
            "csrf_token": csrf_token(client, "/status")}
    done = client.post("/status/survey", data=data)
    assert done.status_code == 200 and "感谢您的回答" in done.text and 'id="survey"' not in done.text
    with staff_rt.stores.case() as session:
        assert session.scalar(select(Survey.satisfaction)) == "basically"
    assert stored.case(registry_no).messages[-1].text == "处理较慢"
    # Once answered, it cannot be answered again.
    assert client.post("/status/survey", data=data).status_code == 409
    # Unit heads see it beside the case and in the statistics.
    head = make_staff("head", "unit_head")
    assert clue_statistics(staff_rt, head.id).satisfaction == {"basically": 1}
    with staff_rt.stores.case() as session:
        view = survey.survey_of(session, stored.case(registry_no).report.id)
    assert view is not None and view.satisfaction == "basically"


@pytest.mark.parametrize(("receipt", "choice", "status"), [("0" * 16, "satisfied", 404), (None, "nonsense", 400)])
def test_a_bad_survey_answer_changes_nothing(reporter, staff_rt, client, receipt, choice, status) -> None:
    registry_no, code = receipt_of(reporter.submit())
    _closed_and_asked(staff_rt, registry_no)
    data = {"receipt": receipt or code, "satisfaction": choice, "csrf_token": csrf_token(client, "/status")}
    assert client.post("/status/survey", data=data).status_code == status
    with staff_rt.stores.case() as session:
        assert session.scalar(select(Survey.satisfaction)) is None


def test_favicon_and_no_developer_link_for_reporters(client) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/x-icon"
    assert "openapi" not in client.get("/").text.lower()
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_lookup_language_switch_keeps_the_digits(client) -> None:
    data = {"receipt": "1234 5678", "action": "lang", "csrf_token": csrf_token(client, "/status")}
    page = client.post("/status?lang=en", data=data)
    assert page.status_code == 200 and "Receipt code" in page.text and 'value="1234 5678"' in page.text
    assert "no-store" in page.headers["Cache-Control"]
