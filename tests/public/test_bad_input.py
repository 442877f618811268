"""What bad input gets (SPEC): a clear message in the reporter's language, and nothing stored."""

from __future__ import annotations

import html
import json
import re

import pytest

from models.reporting.files import NOT_ACCEPTED, REFUSALS
from models.reporting.limits import TOO_LONG
from models.store.i18n import translate
from tests.public.conftest import Reporter, csrf_token, file_part, post_multipart, report_form
from web.public.forms import BAD_DATE

from .helpers import PDF, jpeg_with_gps

EXE = b"MZ\x90\x00" + b"\x00" * 200
MB = 2**20


def shown(resp) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(resp.text)


def field_message(resp, field: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf'id="err-{field}">([^<]*)<', resp.text)
    assert match, f"no message for {field}"
    return html.unescape(match.group(1))


# (case id, settings, form changes, files, field with the message, msgid, msgid params)
FORM_CASES = [
    ("no category", {}, {"category": None}, None, "category", "Choose a category.", {}),
    ("unknown category", {}, {"category": "nonsense"}, None, "category", "Choose a category.", {}),
    ("no description", {}, {"description": "  "}, None, "description", "Describe what happened.", {}),
    ("very long description", {}, {"description": "长" * 20_001}, None, "description", TOO_LONG,
     {"n": 20_001, "max": 20_000}),
    ("notice not confirmed", {}, {"notice_accepted": None}, None, "notice_accepted",
     "Please confirm that you have read the notice.", {}),
    ("confidential without identity", {}, {"mode": "confidential"}, None, "identity",
     "Give at least one way to identify or reach you, or report anonymously.", {}),
    ("very long place", {}, {"location": "x" * 500}, None, "location", TOO_LONG, {"n": 500, "max": 200}),
    ("very long name", {}, {"reported-0-name": "x" * 201}, None, "reported-0-name", TOO_LONG, {"n": 201, "max": 200}),
    ("date in the future", {}, {"when": "date", "when_date": "2999-01-01"}, None, "when", BAD_DATE, {}),
    ("not a date", {}, {"when": "date", "when_date": "yesterday"}, None, "when", BAD_DATE, {}),
    ("too many files", {"max_files": 2}, {}, [(PDF, "a.pdf")] * 3, "files",
     "At most %(n)s files per submission.", {"n": 2}),
    ("oversize file", {"max_file_bytes": MB}, {}, [(PDF + b"0" * MB, "big.pdf")], "files",
     "A file is larger than %(mb)s MB.", {"mb": 1}),
    ("wrong type by content", {}, {}, [(EXE, "photo.jpg")], "files",
     NOT_ACCEPTED, {}),
    ("empty file", {}, {}, [(b"", "empty.jpg")], "files", "A file is empty.", {}),
    ("broken image", {}, {}, [(jpeg_with_gps()[:200], "cut.jpg")], "files",
     REFUSALS["unreadable"], {}),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("settings", "changes", "files", "field", "msgid", "params"),
                         [pytest.param(*c[1:], id=c[0]) for c in FORM_CASES])
def test_bad_form_input_gets_a_message_and_stores_nothing(make_app, stored, lang, settings, changes, files,
                                                          field, msgid, params) -> None:
    reporter = Reporter(make_app(**settings).test_client())
    resp = reporter.submit(query="?lang=en" if lang == "en" else "", files=files,
                           **{"identity-name": "", **changes})
    assert resp.status_code == 400
    expected = translate(lang, msgid, **params)
    assert lang == "en" or expected != msgid % params, "no Chinese translation"
    assert field_message(resp, field) == expected
    assert translate(lang, "Please correct the marked fields.") in shown(resp)
    assert stored.counts() == (0, 0)
    # Everything typed is still there, except the files, which the page asks for again.
    page = shown(resp)
    typed = report_form()
    for name in ("reported-0-name", "shielding-0-unit", "description", "location"):
        assert str(changes.get(name, typed[name])) in page, name  # kept whole, even when too long
    if files:
        assert translate(lang, "The files attached before could not be kept: please attach them again.") in page


def test_identity_is_kept_on_the_page_after_an_error(reporter, stored) -> None:
    resp = reporter.submit(mode="confidential", category=None, **{"identity-name": "王五", "identity-phone": "139"})
    assert resp.status_code == 400
    assert 'value="王五"' in resp.text and 'value="139"' in resp.text
    assert 'value="confidential" checked' in resp.text
    assert stored.counts() == (0, 0)


@pytest.mark.parametrize("number", ["9" * 5000, "١٢", "-1", "99999999999999999999"])
def test_a_huge_or_foreign_number_in_the_forms_counters_is_no_500(client, stored, number: str) -> None:
    """The kept-file positions and the person-row counts are numbers the page writes itself; a
    5 000-digit one was a 500 (Python refuses such an int) before they were bounded."""
    token = csrf_token(client)
    page = client.post("/report", data={"csrf_token": token, "keep": number, "reported_rows": number,
                                         "shielding_rows": number, "category": "usury", "description": ""})
    assert page.status_code == 400 and "请描述发生了什么" in page.get_data(as_text=True)
    assert stored.counts() == (0, 0)


@pytest.mark.parametrize(("query", "lang"), [("", "zh"), ("?lang=en", "en")])
def test_missing_csrf_token_sends_nothing_and_keeps_the_form(client, stored, query, lang) -> None:
    resp = client.post(f"/report{query}", data=report_form(), content_type="multipart/form-data")
    assert resp.status_code == 400
    assert translate(lang, "This form has expired or was not sent from this site, so nothing was sent. "
                           "Check what you typed below and send it again.") in shown(resp)
    assert "强占集体土地" in shown(resp)
    assert stored.counts() == (0, 0)


def test_missing_csrf_token_on_the_status_form(client) -> None:
    resp = client.post("/status", data={"receipt": "1234"})
    assert resp.status_code == 400
    assert "此表单已过期" in shown(resp)


def _multipart(fields: dict[str, bytes]) -> bytes:
    parts = [b"--XyZ\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"\r\n\r\n" + value + b"\r\n"
             for name, value in fields.items()]
    return b"".join(parts) + b"--XyZ--\r\n"


@pytest.mark.parametrize(("query", "lang"), [("", "zh"), ("?lang=en", "en")])
@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_invalid_utf8_in_the_form_is_refused_not_garbled(client, stored, query, lang, encoding) -> None:
    fields = {k: str(v).encode() for k, v in report_form(csrf_token=csrf_token(client)).items()}
    fields["description"] = "村里有人".encode() + b"\xff\xfe" + "殴打村民".encode()
    if encoding == "multipart":
        body, ctype = _multipart(fields), "multipart/form-data; boundary=XyZ"
    else:
        from urllib.parse import quote_from_bytes

        body = b"&".join(k.encode() + b"=" + quote_from_bytes(v).encode() for k, v in fields.items())
        ctype = "application/x-www-form-urlencoded"
    resp = client.post(f"/report{query}", data=body, content_type=ctype)
    assert resp.status_code == 400
    assert field_message(resp, "description") == translate(
        lang, "This text contains characters that could not be read. Please type it again.")
    assert stored.counts() == (0, 0)


@pytest.mark.parametrize(("query", "lang"), [("", "zh"), ("?lang=en", "en")])
def test_request_over_the_size_limit_gets_a_clear_page(make_app, stored, query, lang) -> None:
    client = make_app(max_files=1, max_file_bytes=MB).test_client()
    data = report_form(csrf_token=csrf_token(client), files=[file_part(b"0" * 3 * MB, "big.pdf")])
    resp = post_multipart(client, f"/report{query}", data)
    assert resp.status_code == 413
    assert translate(lang, "What you sent is too large, so nothing was stored. Each file may be at most %(mb)s MB "
                           "and at most %(n)s files may be sent at once. Go back and send fewer or smaller files; "
                           "you may add more files later on the status page.", mb=1, n=1) in shown(resp)
    assert stored.counts() == (0, 0)


# JSON API: (case id, raw body, content type, field with a message or None)
API_CASES = [
    ("malformed JSON", b'{"category": "village_bully",', "application/json", None),
    ("invalid UTF-8", b'{"category": "\xff\xfe", "description": "x", "notice_accepted": true}', "application/json",
     None),
    ("not an object", b'["village_bully"]', "application/json", None),
    ("missing fields", b"{}", "application/json", "description"),
    ("category not text", json.dumps({"category": 5, "description": "x", "notice_accepted": True}).encode(),
     "application/json", "category"),
    ("notice not boolean", json.dumps({"category": "other", "description": "x", "notice_accepted": "yes"}).encode(),
     "application/json", "notice_accepted"),
    ("people not a list", json.dumps({"category": "other", "description": "x", "notice_accepted": True,
                                      "reported": "张三"}).encode(), "application/json", "reported"),
    ("identity not an object", json.dumps({"category": "other", "description": "x", "notice_accepted": True,
                                           "identity": "王五"}).encode(), "application/json", "identity"),
    ("unknown identity field", json.dumps({"category": "other", "description": "x", "notice_accepted": True,
                                           "identity": {"nmae": "王五"}}).encode(), "application/json", "identity"),
    ("misspelt field", json.dumps({"category": "other", "description": "x", "notice_accepted": True,
                                   "identiy": {"name": "王五"}}).encode(), "application/json", "identiy"),
    ("notice refused", json.dumps({"category": "other", "description": "x", "notice_accepted": False}).encode(),
     "application/json", "notice_accepted"),
    ("very long text", json.dumps({"category": "other", "description": "长" * 20_001,
                                   "notice_accepted": True}).encode(), "application/json", "description"),
]


@pytest.mark.parametrize(("query", "headers", "lang"), [
    ("", {}, "zh"), ("?lang=en", {}, "en"), ("", {"Accept-Language": "en-US,en;q=0.9"}, "en"),
])
@pytest.mark.parametrize(("body", "ctype", "field"), [pytest.param(*c[1:], id=c[0]) for c in API_CASES])
def test_bad_api_input_gets_400_with_fields_and_stores_nothing(client, stored, body, ctype, field, query, headers,
                                                               lang) -> None:
    resp = client.post(f"/api/v1/reports{query}", data=body, content_type=ctype, headers=headers)
    assert resp.status_code == 400
    payload = resp.get_json()
    assert set(payload) == {"error", "fields"}
    if field is None:
        assert payload["error"] == translate(lang, "The request body must be a JSON object encoded in UTF-8.")
    else:
        assert field in payload["fields"]
        assert payload["error"] == translate(lang, "Please correct the marked fields.")
    is_chinese = bool(re.search(r"[\u4e00-\u9fff]", payload["error"] + "".join(payload["fields"].values())))
    assert is_chinese == (lang == "zh")
    assert "Set-Cookie" not in resp.headers
    assert stored.counts() == (0, 0)


def test_api_wants_json(client, stored) -> None:
    resp = client.post("/api/v1/reports", data={"category": "other"})
    assert resp.status_code == 415
    assert resp.get_json()["error"].startswith("请以 JSON")
    assert stored.counts() == (0, 0)
