"""A flood of multipart parts or files gets its own message (issue #21, finding 6): 413 saying
"too many parts or files", not "a text is too long"; no 500 and nothing stored."""

from __future__ import annotations

import html
import io

import pytest

from models.store.i18n import translate
from tests.public.conftest import csrf_token, file_part, post_multipart, report_form
from web.public.app import FORM_PARTS, TOO_MANY_PARTS


def _shown(resp) -> str:  # type: ignore[no-untyped-def]
    return resp.get_json()["error"] if resp.is_json else html.unescape(resp.text)


def _many_parts(n: int, files: bool) -> dict[str, object]:
    if files:
        return {"files": [file_part(b"%PDF-1.4 x", f"f{i}.pdf") for i in range(n)]}
    return {f"extra-{i}": "x" for i in range(n)}


@pytest.mark.parametrize(("query", "lang"), [("", "zh"), ("?lang=en", "en")])
@pytest.mark.parametrize(("count", "files"), [(10_000, False), (500, True)])
def test_a_form_with_too_many_parts_is_413_about_parts(client, stored, query, lang, count, files) -> None:
    assert count > FORM_PARTS
    data = report_form(csrf_token=csrf_token(client), **_many_parts(count, files))
    resp = post_multipart(client, f"/report{query}", data)
    assert resp.status_code == 413
    assert translate(lang, TOO_MANY_PARTS, n=8) in _shown(resp)
    assert "too long" not in _shown(resp) and "过长" not in _shown(resp)
    assert stored.counts() == (0, 0)


@pytest.mark.parametrize(("count", "files"), [(10_000, False), (500, True)])
def test_the_api_answers_a_multipart_flood_without_a_500(client, stored, count, files) -> None:
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart(_many_parts(count, files))  # type: ignore[arg-type]
    resp = client.post("/api/v1/reports?lang=en", data=io.BytesIO(body).read(),
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code in (400, 413, 415), resp.status_code
    assert resp.is_json and resp.get_json()["error"]
    if resp.status_code == 413:
        assert translate("en", TOO_MANY_PARTS, n=8) in resp.get_json()["error"]
    assert stored.counts() == (0, 0)
