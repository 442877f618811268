"""Controlled copies (R21): approval, numbering, holder-only, and what the PDF really shows."""

from __future__ import annotations

import io
import os

import pypdfium2
import pytest
from PIL import Image

from models.cases import redaction
from models.cases.printing import render_copy
from models.confidentiality import copies
from models.reporting import intake
from models.store.errors import InvalidInput, NotAllowed
from tests.confidentiality.conftest import Office
from tests.conftest import submission

NAME_CANARY = "金丝雀真名"
PHONE_CANARY = "13987654321"
SECRET_PASSAGE = "他表哥在县里当副局长"


def _confidential_clue(office: Office) -> str:
    from models.cases import workflow

    report_id = intake.submit_report(office.rt, submission(
        description=f"村里有人强占集体土地，殴打村民。{SECRET_PASSAGE}。",
        identity={"name": NAME_CANARY, "phone": PHONE_CANARY})).report_id
    workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_a, office.clerk.id)
    return report_id


def _pdf_text_and_png(pdf: bytes) -> tuple[str, list[Image.Image]]:
    doc = pypdfium2.PdfDocument(pdf)
    texts, images = [], []
    for i in range(len(doc)):
        page = doc[i]
        texts.append(page.get_textpage().get_text_range())
        images.append(page.render(scale=1.5).to_pil())
    return "\n".join(texts), images


def test_an_export_is_refused_without_approval_and_beyond_its_count(office: Office) -> None:
    report_id = office.registered()
    export = copies.request_export(office.rt, office.clerk.id, report_id, 2, "移送前内部审阅")
    with pytest.raises(copies.ExportNotApproved):
        render_copy(office.rt, office.clerk.id, export, 1)
    own = copies.request_export(office.rt, office.head.id, report_id, 1, "自批")
    with pytest.raises(copies.SelfApprovedExport):
        copies.decide_export(office.rt, office.head.id, own, approve=True)
    with pytest.raises(NotAllowed):
        copies.decide_export(office.rt, office.other_head.id, export, approve=True)
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    assert render_copy(office.rt, office.clerk.id, export, 2).startswith(b"%PDF")
    with pytest.raises(NotAllowed):
        render_copy(office.rt, office.clerk.id, export, 3)


def test_a_copy_downloaded_by_someone_else_than_its_holder_is_refused(office: Office) -> None:
    report_id = office.registered()
    export = copies.request_export(office.rt, office.clerk.id, report_id, 2, "会商", holders=["clerk", "deputy"])
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    for intruder in (office.deputy, office.head, office.other):
        with pytest.raises(copies.NotTheHolder):
            render_copy(office.rt, intruder.id, export, 1)
    with pytest.raises(copies.NotTheHolder):
        render_copy(office.rt, office.clerk.id, export, 2)
    render_copy(office.rt, office.deputy.id, export, 2)


def test_returned_copies_leave_the_recall_list(office: Office) -> None:
    report_id = office.registered()
    export = copies.request_export(office.rt, office.clerk.id, report_id, 2, "会商")
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    with office.rt.stores.case() as session:
        assert [c.n for c in copies.list_copies(session, outstanding_only=True)] == [1, 2]
    copies.close_copy(office.rt, office.head.id, export, 1, "returned")
    with pytest.raises(NotAllowed):
        copies.close_copy(office.rt, office.clerk.id, export, 2, "destroyed")
    with office.rt.stores.case() as session:
        assert [c.n for c in copies.list_copies(session, outstanding_only=True)] == [2]
    with pytest.raises(Exception, match="returned or destroyed"):
        render_copy(office.rt, office.clerk.id, export, 1)


@pytest.mark.parametrize("count", [0, 21, "两"])
def test_bad_copy_counts_are_refused(office: Office, count: object) -> None:
    with pytest.raises(InvalidInput):
        copies.request_export(office.rt, office.clerk.id, office.registered(), count, "x")


def test_the_pdf_shows_marking_number_and_holder_and_no_identity(office: Office, custodians: dict[str, str],
                                                                 tmp_path) -> None:  # type: ignore[no-untyped-def]
    report_id = _confidential_clue(office)
    redaction.mark_redaction(office.rt, office.clerk.id, report_id, "description", phrase=SECRET_PASSAGE)
    export = copies.request_export(office.rt, office.clerk.id, report_id, 3, "报送上级", holders=["clerk"] * 3)
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    pdf = render_copy(office.rt, office.clerk.id, export, 2)
    text, pages = _pdf_text_and_png(pdf)
    assert "秘密★10年" in text
    assert "第2份 共3份" in text
    assert "clerk" in text  # the holder's display name, in the watermark and the footer
    assert "强占集体土地" in text
    for leak in (NAME_CANARY, PHONE_CANARY, SECRET_PASSAGE):
        assert leak not in text
        assert leak.encode() not in pdf
    png = tmp_path / "copy.png"
    pages[0].save(png)
    if os.environ.get("CLUEGUARD_KEEP_PDF_PNG"):
        pages[0].save(os.environ["CLUEGUARD_KEEP_PDF_PNG"])
    image = Image.open(io.BytesIO(png.read_bytes())).convert("RGB")
    width, height = image.size
    # The marking is printed in dark red at the top left of the page.
    corner = image.crop((0, 0, width // 3, height // 12))
    raw = corner.tobytes()
    assert any(raw[i] > 120 and raw[i + 1] < 60 and raw[i + 2] < 60 for i in range(0, len(raw), 3))


# --- copies stay inside need-to-know (R20, R21; issue #22 item 4) ----------------------------


def _refusals(office: Office) -> list[dict[str, object]]:
    from models.audit.tables import AuditEvent

    with office.rt.stores.case() as session:
        return [e.detail for e in session.query(AuditEvent).filter_by(event="export.refused")]


def test_a_holder_from_another_unit_is_refused_with_a_clear_message(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    from models.store.i18n import translate

    report_id = office.registered()
    with pytest.raises(copies.HolderOutsideNeedToKnow) as refused:
        copies.request_export(office.rt, office.clerk.id, report_id, 2, "会商", holders=["clerk", "other"])
    zh = translate("zh", refused.value.message, **refused.value.params)
    en = translate("en", refused.value.message, **refused.value.params)
    assert zh.startswith("other无权阅看此线索") and "借阅" in zh
    assert en.startswith("other may not read this clue") and "loan" in en
    assert _refusals(office)[-1]["reason"] == "holder_outside_need_to_know"
    assert copies.copies_for(office.rt, office.other.id) == []  # nothing was registered
    # Through the page: the clerk reads the same sentence, and no copy is registered.
    clerk = sign_in(office.clerk)
    page = clerk.post(f"/cases/{report_id}/exports", {"copies": "1", "reason": "会商", "holders": "other"},
                      page=f"/cases/{report_id}/confidentiality", follow_redirects=True)
    assert "other无权阅看此线索" in page.get_data(as_text=True)
    assert copies.copies_for(office.rt, office.clerk.id) == []


def test_the_insider_shortcut_a_head_approving_a_copy_for_an_outsider_is_refused(office: Office) -> None:
    """The head of the clue's unit may approve exports; he still cannot send one outside need-to-know."""
    report_id = office.registered()
    for asker, holders in ((office.clerk, ["otherhead"]), (office.deputy, ["other"]), (office.head, ["other"])):
        with pytest.raises(copies.HolderOutsideNeedToKnow):
            copies.request_export(office.rt, asker.id, report_id, 1, "报送", holders=holders)
    # A holder who could read it when asked, but not at approval (moved away): refused then too.
    export = copies.request_export(office.rt, office.clerk.id, report_id, 1, "会商", holders=["deputy"])
    _move(office, office.deputy.id, office.unit_b)
    with pytest.raises(copies.HolderOutsideNeedToKnow):
        copies.decide_export(office.rt, office.head.id, export, approve=True)
    assert _refusals(office)[-1] == {"act": "approve", "reason": "holder_outside_need_to_know",
                                     "holder": "deputy"}
    with pytest.raises(copies.ExportNotApproved):
        render_copy(office.rt, office.deputy.id, export, 1)


def _move(office: Office, staff_id: int, unit_id: int) -> None:
    from models.staff.tables import Staff

    with office.rt.stores.case() as session:
        session.get(Staff, staff_id).unit_id = unit_id


def test_a_holder_with_a_loan_gets_a_copy_that_ends_with_the_loan(office: Office) -> None:
    from datetime import timedelta

    import time_machine

    from models.confidentiality import borrowing
    from models.store.db import utcnow

    report_id = office.registered()
    loan = borrowing.request_borrowing(office.rt, office.other.id, report_id, "串并研判", 3)
    borrowing.decide_borrowing(office.rt, office.head.id, loan, approve=True)
    export = copies.request_export(office.rt, office.clerk.id, report_id, 1, "会商", holders=["other"])
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    text, _pages = _pdf_text_and_png(render_copy(office.rt, office.other.id, export, 1))
    assert "借阅至" in text and "届时须交还" in text  # the copy says when it ends
    # After the loan's end the copy can no longer be produced, and the refusal is audited.
    with time_machine.travel(utcnow() + timedelta(days=3, minutes=1)), pytest.raises(copies.LoanEnded):
        render_copy(office.rt, office.other.id, export, 1)
    # Ended early (returned) the same.
    borrowing.return_borrowing(office.rt, office.other.id, loan)
    with pytest.raises(copies.LoanEnded):
        render_copy(office.rt, office.other.id, export, 1)
    from models.audit.tables import AuditEvent

    with office.rt.stores.case() as session:
        last = session.query(AuditEvent).filter_by(event="export.copy_refused").order_by(AuditEvent.id.desc()).first()
    assert last is not None and last.detail["reason"] == "holder_outside_need_to_know"
    # The clue's own unit's copy carries no loan line.
    own = copies.request_export(office.rt, office.clerk.id, report_id, 1, "会商")
    copies.decide_export(office.rt, office.head.id, own, approve=True)
    assert "借阅至" not in _pdf_text_and_png(render_copy(office.rt, office.clerk.id, own, 1))[0]


def test_the_watermark_itself_carries_the_holders_name(office: Office) -> None:
    """Issue #22 item 5e: the footer's "Holder: …" line is not enough; the watermark across the
    page (name, time, then the copy number) must name the holder too, on every page."""
    import re

    report_id = office.registered()
    export = copies.request_export(office.rt, office.clerk.id, report_id, 2, "会商", holders=["deputy", "clerk"])
    copies.decide_export(office.rt, office.head.id, export, approve=True)
    doc = pypdfium2.PdfDocument(render_copy(office.rt, office.clerk.id, export, 2))
    for i in range(len(doc)):
        text = doc[i].get_textpage().get_text_range()
        assert re.search(r"clerk \d{4}-\d\d-\d\d \d\d:\d\d\s+第2份 共2份", text), f"page {i + 1}"
        assert "deputy" not in text
