"""Borrowing (借阅单, R20): approved by the lending unit's head, read-only, ends by itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from models.cases import casework
from models.confidentiality import borrowing, copies
from models.store.errors import InvalidInput, NotAllowed, WrongState
from tests.confidentiality.conftest import Office


def test_a_borrowing_grant_ends_by_itself(office: Office) -> None:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        report_id = office.registered()
        with pytest.raises(NotAllowed):
            casework.open_case(office.rt, office.other.id, report_id)
        loan = borrowing.request_borrowing(office.rt, office.other.id, report_id, "串案比对", 3)
        with pytest.raises(NotAllowed):  # not yet approved
            casework.open_case(office.rt, office.other.id, report_id)
        with pytest.raises(NotAllowed):  # the borrower's own unit head cannot lend another unit's clue
            borrowing.decide_borrowing(office.rt, office.other_head.id, loan, approve=True)
        borrowing.decide_borrowing(office.rt, office.head.id, loan, approve=True)
        assert casework.open_case(office.rt, office.other.id, report_id).report.id == report_id
        clock.shift(timedelta(days=3) - timedelta(seconds=1))
        casework.open_case(office.rt, office.other.id, report_id)
        clock.shift(timedelta(seconds=2))
        with pytest.raises(NotAllowed):
            casework.open_case(office.rt, office.other.id, report_id)
        seen = {v.id: v for v in borrowing.list_loans(office.rt, office.head.id)}
        assert seen[loan].reads == 2 and seen[loan].status == "ended"


def test_a_loan_is_read_only_and_never_exports(office: Office) -> None:
    report_id = office.registered()
    loan = borrowing.request_borrowing(office.rt, office.other.id, report_id, "串案比对", 3)
    borrowing.decide_borrowing(office.rt, office.head.id, loan, approve=True)
    casework.open_case(office.rt, office.other.id, report_id)
    with pytest.raises(NotAllowed):
        casework.reply_to_reporter(office.rt, office.other.id, report_id, "你好")
    with pytest.raises(NotAllowed):
        copies.request_export(office.rt, office.other.id, report_id, 1, "带走")
    assert report_id not in {r.id for r in casework.list_inbox(office.rt, office.other.id).reports}


def test_the_requester_cannot_approve_their_own_request(office: Office) -> None:
    report_id = office.registered()
    loan = borrowing.request_borrowing(office.rt, office.other_head.id, report_id, "督办", 2)
    with pytest.raises(NotAllowed):
        borrowing.decide_borrowing(office.rt, office.other_head.id, loan, approve=True)
    borrowing.decide_borrowing(office.rt, office.head.id, loan, approve=False, note="无必要")
    with pytest.raises(WrongState):
        borrowing.decide_borrowing(office.rt, office.head.id, loan, approve=True)
    with pytest.raises(NotAllowed):
        casework.open_case(office.rt, office.other_head.id, report_id)


@pytest.mark.parametrize(("reason", "days"), [("", 3), ("x", 0), ("x", 31), ("x", "三"), ("x" * 501, 3)])
def test_bad_requests_are_refused(office: Office, reason: str, days: object) -> None:
    report_id = office.registered()
    with pytest.raises(InvalidInput):
        borrowing.request_borrowing(office.rt, office.other.id, report_id, reason, days)


def test_one_who_reads_already_has_nothing_to_borrow(office: Office) -> None:
    report_id = office.registered()
    with pytest.raises(WrongState):
        borrowing.request_borrowing(office.rt, office.clerk.id, report_id, "x", 1)


def test_only_the_borrower_or_the_lending_head_ends_a_loan(office: Office) -> None:
    """Issue #22 item 5d: nobody else ends someone's loan (the clerk of the lending unit, the
    borrower's own head, the auditor, an officer)."""
    report_id = office.registered()
    loan = borrowing.request_borrowing(office.rt, office.other.id, report_id, "串案比对", 3)
    borrowing.decide_borrowing(office.rt, office.head.id, loan, approve=True)
    for stranger in (office.clerk, office.other_head, office.auditor, office.officer):
        with pytest.raises(NotAllowed):
            borrowing.return_borrowing(office.rt, stranger.id, loan)
    assert casework.open_case(office.rt, office.other.id, report_id).report.id == report_id  # still running
    borrowing.return_borrowing(office.rt, office.head.id, loan)  # the lending unit withdraws it
    with pytest.raises(NotAllowed):
        casework.open_case(office.rt, office.other.id, report_id)
    again = borrowing.request_borrowing(office.rt, office.other.id, report_id, "串案比对", 3)
    borrowing.decide_borrowing(office.rt, office.deputy.id, again, approve=True)
    borrowing.return_borrowing(office.rt, office.other.id, again)  # the borrower gives it back
    with pytest.raises(WrongState):
        borrowing.return_borrowing(office.rt, office.other.id, again)
