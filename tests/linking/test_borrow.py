"""The office director's "N linked clues in other units" and the way to borrow them (issue 24, R20):
one blind request per hidden clue to its own unit's head; the director learns the count only, the
lending head and the auditor see the clue."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.cases import workflow
from models.confidentiality import borrowing
from models.confidentiality.tables import BorrowRequest
from models.linking import borrow, search
from models.reporting.intake import Person
from models.store.errors import NotAllowed
from tests.linking.conftest import Office

OFFICIAL = "钱多多"


def _two(office: Office) -> tuple[str, str]:
    mine = office.registered(shielding=[Person(name=OFFICIAL)], reported=[], location="")
    theirs = office.submit(shielding=[Person(name=OFFICIAL)], reported=[], location="")
    workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
    return mine, theirs


def test_the_director_asks_blind_and_the_lending_head_decides(office: Office) -> None:
    mine, theirs = _two(office)
    assert borrow.borrow_linked(office.rt, office.head.id, report_id=mine) == 1
    assert borrow.borrow_linked(office.rt, office.head.id, report_id=mine) == 0  # asked already
    with office.rt.stores.case() as session:
        rows = list(session.scalars(select(BorrowRequest)))
        events = [(e.event, e.report_id, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.event.in_(["borrow.requested", "link.borrow_asked"]))
            .order_by(AuditEvent.id))]
    assert [(r.report_id, r.requester_id, r.blind, r.status) for r in rows] == [(theirs, office.head.id, True,
                                                                                    "pending")]
    # The auditor's trail names the clue asked for; the director's act records the count only.
    assert events[0][:2] == ("borrow.requested", theirs) and events[1] == ("link.borrow_asked", mine, {"asked": 1})
    # The director sees a count, never which clue; the lending head sees the request and decides it.
    assert borrowing.list_loans(office.rt, office.head.id) == []
    assert borrowing.blind_waiting(office.rt, office.head.id) == 1
    lent = borrowing.list_loans(office.rt, office.other_head.id)
    assert [(loan.report_id, loan.can_decide) for loan in lent] == [(theirs, True)]
    borrowing.decide_borrowing(office.rt, office.other_head.id, lent[0].id, approve=True)
    # Lent: now it is his to read, listed, and among his links.
    assert [loan.report_id for loan in borrowing.list_loans(office.rt, office.head.id)] == [theirs]
    links = search.linked_clues(office.rt, office.head.id, mine)
    assert [h.report_id for h in links.hits] == [theirs] and links.elsewhere == 0


def test_a_search_can_be_borrowed_from_too(office: Office) -> None:
    _mine, theirs = _two(office)
    assert borrow.borrow_linked(office.rt, office.head.id, text=OFFICIAL) == 1
    with office.rt.stores.case() as session:
        assert session.scalars(select(BorrowRequest.report_id)).all() == [theirs]


@pytest.mark.parametrize("who", ["clerk", "other_head", "head_elsewhere"])
def test_only_the_office_director_may_ask_blind(office: Office, make_staff, who: str) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = _two(office)
    user = {"clerk": office.clerk, "other_head": office.other_head}.get(who) or \
        make_staff("headc", "unit_head", unit="第三科")
    # Each from a clue or a search they may read, with hits they may not: only a count is theirs to ask.
    where = {"text": OFFICIAL} if who == "head_elsewhere" else {"report_id": theirs if who == "other_head" else mine}
    with pytest.raises(NotAllowed):
        borrow.borrow_linked(office.rt, user.id, **where)
    with office.rt.stores.case() as session:
        assert session.scalars(select(BorrowRequest)).all() == []
        refused = session.scalars(select(AuditEvent).where(AuditEvent.event == "link.refused")).all()
    assert refused[-1].actor == user.username


def test_the_button_beside_the_count_files_the_requests(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = _two(office)
    director = sign_in(office.head)
    page = director.get(f"/cases/{mine}").get_data(as_text=True)
    section = page.split('id="linked"')[1].split("</section>")[0]
    assert 'id="borrow-linked"' in section and "申请借阅" in section and theirs not in section
    done = director.post("/linking/borrow", {"report_id": mine}, page=f"/cases/{mine}", follow_redirects=True)
    assert "已申请借阅 1 条关联线索" in done.get_data(as_text=True)
    listing = director.get("/borrowing").get_data(as_text=True)
    assert 'id="blind-waiting"' in listing and office.registry_no(theirs) not in listing
    lender = sign_in(office.other_head).get("/borrowing").get_data(as_text=True)
    assert office.registry_no(theirs) in lender
    # From the inbox's search as well; a clerk gets no button.
    inbox = director.get(f"/cases?q={quote(OFFICIAL)}").get_data(as_text=True)
    assert 'id="borrow-linked"' in inbox
    assert 'id="borrow-linked"' not in sign_in(office.clerk).get(f"/cases?q={quote(OFFICIAL)}").get_data(as_text=True)
