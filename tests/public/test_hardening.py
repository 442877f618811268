"""The bad-input corpus of the hardening issue, on the public side: bombs, unreadable text, deep
JSON, sizes, full-width receipts. Each gets a clear message in the reporter's language, nothing is
stored half, and nothing is a 500."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from PIL import Image

from models.reporting.files import MAX_IMAGE_PIXELS
from models.store.i18n import translate
from tests.public.conftest import Reporter, csrf_token, post_multipart, receipt_of, report_form

UNREADABLE = "This text contains characters that could not be read. Please type it again."
TOO_DEEP = "The request body nests too deeply."
TEXT_TOO_LARGE = ("A text you sent is far too long (more than %(kb)s KB), so nothing was stored. Go back, shorten "
                  "it to at most %(chars)s characters, and send it again.")
TOO_LONG = "This has %(n)s characters; at most %(max)s are allowed. Nothing was cut: shorten it and send again."
MB = 2**20


def png_bomb() -> bytes:
    """A 10000×10000 1-bit PNG: about 12 KB on the wire, 100 megapixels decoded."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")
    return out.getvalue()


def docx_bomb(inflated: int = 300 * MB) -> bytes:
    """A zip shaped like a Word document whose one part inflates far beyond its size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * inflated)
    return out.getvalue()


def field_message(resp, field: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf'id="err-{field}">([^<]*)<', resp.text)
    assert match, f"no message for {field}"
    return html.unescape(match.group(1))


@pytest.mark.parametrize(("name", "data", "msgid", "params"), [
    ("bomb.png", png_bomb(), "This image has too many pixels (at most %(mp)s megapixels). Please send a smaller image.",
     {"mp": MAX_IMAGE_PIXELS // 1_000_000}),
    ("bomb.docx", docx_bomb(), "This document could not be checked: it unpacks to far more than its size. "
     "Please send another file.", {}),
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bombs_are_refused_with_a_message(reporter, stored, name, data, msgid, params, lang) -> None:
    resp = reporter.submit(query="?lang=en" if lang == "en" else "", files=[(data, name)])
    assert resp.status_code == 400
    assert field_message(resp, "files") == translate(lang, msgid, **params)
    assert stored.counts() == (0, 0)


# The form's time is the "when" choice (with "when_date" for "on a date"); intake's occurred_on
# is made from it. A NUL in a choice must be marked, not dropped as "no choice".
NUL_FIELDS = {"description": ("村里\x00有人", {}), "location": ("村里\x00有人", {}),
              "reported-0-name": ("村里\x00有人", {}), "category": ("other\x00", {}),
              "when": ("month\x00", {}), "when_date": ("2026-01\x00-01", {"when": "date"}),
              "mode": ("confidential\x00", {"identity-name": "王某"})}


@pytest.mark.parametrize("field", list(NUL_FIELDS))
def test_a_nul_in_a_form_field_is_marked_and_the_rest_kept(reporter, stored, field) -> None:
    value, others = NUL_FIELDS[field]
    resp = reporter.submit(**{field: value, **others})
    assert resp.status_code == 400
    key = {"reported-0-name": "reported", "when_date": "when", "mode": "identity"}.get(field, field)
    assert field_message(resp, key) == translate("zh", UNREADABLE)
    page = html.unescape(resp.text)
    for kept in ("某镇派出所", "强占集体土地"):
        if field != "description" or kept != "强占集体土地":
            assert kept in page
    assert stored.counts() == (0, 0)


JSON_TEXT = ["category", "description", "location", "occurred_on", "reported", "shielding", "identity"]


def _report(field: str, bad: str) -> dict[str, object]:
    body: dict[str, object] = {"category": "other", "description": "正文", "notice_accepted": True}
    if field in {"reported", "shielding"}:
        body[field] = [{"name": bad}]
    elif field == "identity":
        body[field] = {"name": bad}
    else:
        body[field] = bad
    return body


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b", "\udfff tail"])
@pytest.mark.parametrize("field", JSON_TEXT)
def test_unreadable_text_in_any_json_field_is_a_400_with_its_field(client, stored, field, bad) -> None:
    resp = client.post("/api/v1/reports?lang=en", json=_report(field, bad))
    assert resp.status_code == 400
    assert resp.get_json()["fields"][field] == UNREADABLE
    assert stored.counts() == (0, 0)


@pytest.mark.parametrize("path", ["/api/v1/status", "/api/v1/status/messages"])
@pytest.mark.parametrize("bad", ["\ud800", "\x00"])
def test_unreadable_text_in_a_follow_up_is_a_400(client, stored, reporter, path, bad) -> None:
    _no, code = receipt_of(reporter.submit())
    resp = client.post(path, json={"receipt": code + bad, "text": f"补充{bad}"} if path.endswith("messages")
                       else {"receipt": bad + code})
    assert resp.status_code == 400
    assert stored.counts() == (1, 0)


@pytest.mark.parametrize("depth", [17, 1000, 100_000])
def test_deeply_nested_json_is_a_400(client, stored, depth) -> None:
    body = '{"category": "other", "description": "x", "notice_accepted": true, "reported": ' \
        + "[" * depth + "]" * depth + "}"
    resp = client.post("/api/v1/reports?lang=en", data=body, content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == TOO_DEEP
    assert stored.counts() == (0, 0)


def test_a_json_body_over_a_megabyte_is_413_about_text(client, stored) -> None:
    resp = client.post("/api/v1/reports?lang=en", json={"category": "other", "description": "x" * (2 * MB),
                                                        "notice_accepted": True})
    assert resp.status_code == 413
    assert resp.get_json()["error"] == translate("en", TEXT_TOO_LARGE, kb=1024, chars=20_000)
    assert stored.counts() == (0, 0)


def test_a_long_description_in_multipart_is_too_long_and_kept(client, stored) -> None:
    long_text = "长" * (MB // 3)  # 1 MB of UTF-8
    resp = post_multipart(client, "/report", report_form(csrf_token=csrf_token(client), description=long_text))
    assert resp.status_code == 400
    # Refused beside the field with its count and limit, and shown back whole (never cut).
    assert field_message(resp, "description") == translate("zh", TOO_LONG, n=len(long_text), max=20_000)
    assert long_text in html.unescape(resp.text)
    assert stored.counts() == (0, 0)


def test_a_far_too_long_text_in_multipart_is_413_about_the_text(client, stored) -> None:
    resp = post_multipart(client, "/report?lang=en", report_form(csrf_token=csrf_token(client),
                                                                  description="x" * (5 * MB)))
    assert resp.status_code == 413
    assert translate("en", TEXT_TOO_LARGE, kb=4096, chars=20_000) in html.unescape(resp.text)
    assert stored.counts() == (0, 0)


def test_a_huge_receipt_is_refused_by_size(client) -> None:
    token = csrf_token(client, "/status")
    assert client.post("/status", data={"receipt": "1" * (10 * MB), "csrf_token": token}).status_code == 413
    assert client.post("/api/v1/status", json={"receipt": "1" * (10 * MB)}).status_code == 413


@pytest.mark.parametrize("style", ["full-width", "full-width spaced", "ideographic space"])
def test_a_receipt_typed_with_a_chinese_input_method_works(client, reporter, stored, style) -> None:
    _no, code = receipt_of(reporter.submit())
    wide = "".join(chr(ord(c) - ord("0") + ord("０")) for c in code)
    typed = {"full-width": wide, "full-width spaced": " ".join(wide[i:i + 4] for i in range(0, 16, 4)),
             "ideographic space": "\u3000".join(wide[i:i + 4] for i in range(0, 16, 4))}[style]
    assert reporter.status(typed).status_code == 200
    assert client.post("/api/v1/status", json={"receipt": typed}).status_code == 200
    assert reporter.reply(typed, "补充").status_code == 200


@pytest.mark.parametrize("path", ["/%00", "/status?x=%00", "/api/v1/categories?lang=%00"])
def test_a_nul_or_surrogate_in_the_url_is_a_400(client, path) -> None:
    assert client.get(path).status_code == 400


def test_a_405_says_what_is_allowed(client) -> None:
    resp = client.get("/api/v1/reports")
    assert resp.status_code == 405
    assert "POST" in resp.headers["Allow"]
    assert resp.is_json


def test_an_unexpected_error_does_not_promise_that_nothing_was_lost(public_app) -> None:
    @public_app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    resp = public_app.test_client().get("/boom?lang=en")
    assert resp.status_code == 500
    assert "has been lost" not in resp.text
    assert "Something went wrong. Please try again." in resp.text


def test_pages_are_never_cached(client) -> None:
    for path in ("/", "/report", "/status"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path


def test_two_apps_share_nothing_but_the_stores(make_app) -> None:
    # Sanity: a second app on the same data directory is a second worker (used by the rate tests).
    assert Reporter(make_app().test_client()).client.get("/").status_code == 200
