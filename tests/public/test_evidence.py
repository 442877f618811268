"""R7 from outside: a sample of every accepted kind carrying a canary name, phone and GPS position,
sent through the form, downloaded by a clerk and read with exiftool: no canary, every frame of
the animation kept, and the reporter reads back the names and types they sent."""

from __future__ import annotations

import html
import io
import re

import pytest
from PIL import Image

from models.cases import casework
from models.reporting.files import ACCEPT, ACCEPTED_KINDS, NOT_ACCEPTED, REFUSALS
from models.store.i18n import translate
from tests.public.conftest import Reporter, receipt_of
from tests.reporting.samples import CANARIES, SAMPLES, encrypted_pdf, exiftool, inflated, sample

NAMES = {kind: f"证据-{kind}.{kind}" for kind in SAMPLES}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_kind_reaches_the_clerk_without_a_canary(make_app, make_staff, sign_in, staff_rt) -> None:
    reporter = Reporter(make_app(max_files=len(SAMPLES)).test_client())
    page = reporter.submit(files=[(sample(kind), NAMES[kind]) for kind in SAMPLES])
    assert page.status_code == 200, re.findall(r"field-error[^>]*>([^<]*)<", page.text)
    from models.reporting.files import ALLOWED
    from web.public.pages import FILE_KINDS

    for kind, (mime, _) in SAMPLES.items():
        # As sent: the name and its readable kind (照片, 文档 …), never the technical type (issue #27 item 2).
        shown = translate("zh", FILE_KINDS[ALLOWED[mime]])
        assert f"{NAMES[kind]} · " in page.text and shown in page.text and mime not in page.text, kind

    registry_no, _code = receipt_of(page)
    clerk = make_staff("clerk", "intake")
    browser = sign_in(clerk)
    report_id = casework.find_by_registry_no(staff_rt, registry_no)
    files = {f.filename: f for f in casework.open_case(staff_rt, clerk.id, report_id).files}
    for kind, (mime, _) in SAMPLES.items():
        info = files[NAMES[kind]]
        assert info.mime == mime
        data = browser.get(f"/cases/{report_id}/files/{info.id}").data
        seen = exiftool(data).encode() + inflated(data) + data
        assert [c for c in CANARIES if c in seen] == [], kind
        assert len(data) <= len(sample(kind)), kind
    gif = browser.get(f"/cases/{report_id}/files/{files[NAMES['gif']].id}").data
    with Image.open(io.BytesIO(gif)) as before, Image.open(io.BytesIO(sample("gif"))) as after:
        assert before.format == "GIF" and before.n_frames == after.n_frames > 1


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_form_says_which_kinds_are_accepted(client, lang) -> None:
    page = client.get("/report" + ("?lang=en" if lang == "en" else ""))
    assert ACCEPTED_KINDS in page.text
    assert f'accept="{ACCEPT}"' in page.text
    assert translate(lang, NOT_ACCEPTED) != NOT_ACCEPTED or lang == "en"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("data", "name", "reason"), [
    (encrypted_pdf(), "locked.pdf", "encrypted"),
    (sample("mp4")[:32] + bytes(4000), "broken.mp4", "unreadable"),
])
def test_a_file_that_cannot_be_cleaned_is_refused_in_the_reporters_language(reporter, stored, lang, data, name,
                                                                           reason) -> None:
    page = reporter.submit(query="?lang=en" if lang == "en" else "", files=[(data, name)])
    assert page.status_code == 400
    message = re.search(r'id="err-files">([^<]*)<', page.text)
    assert message and html.unescape(message.group(1)) == translate(lang, REFUSALS[reason])
    assert stored.counts() == (0, 0)
