"""The office director asks to borrow the linked clues he may only count (issue 24, R20).

The director is told "N linked clues in other units" and nothing else. Asking to borrow them files
one blind borrowing request per hidden clue (``borrowing.file_blind_requests``): each goes to the
head of the clue's own unit, who sees it as any other request and decides it (R20), and the
auditor sees every one with its clue. The director learns only how many were asked for; a clue
shows in his list, his links and his searches once it is lent.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.confidentiality import borrowing
from models.confidentiality.need_to_know import can_read_case
from models.linking import index
from models.linking.normalise import query_values
from models.linking.search import is_office_director, matching, readable_split
from models.linking.tables import ClueToken
from models.reporting.tables import Report
from models.staff import acting
from models.staff.tables import Staff
from models.store.errors import NotAllowed, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime


class NotOfficeDirector(NotAllowed):
    message = N_("Only the head of the intake office may ask to borrow linked clues unseen.")
    audit_reason = "not_office_director"


def _office_director(_session: Session, staff: Staff, _target: object) -> None:
    if not is_office_director(staff):
        raise NotOfficeDirector


BORROW = acting.declare("link.borrow", {"unit_head"}, refused="link.refused", check=_office_director,
                        event="link.borrow_asked")
DAYS = 7
# The reason each lending head reads: where the request comes from, never a name or a word searched.
REASON = "串并研判：与本办受理的线索存在关联（由关联线索计数发起）"


def borrow_linked(rt: Runtime, staff_id: int, *, report_id: str | None = None, text: str = "",
                  days: int = DAYS) -> int:
    """Ask to borrow the hidden linked clues of one clue (``report_id``) or of one search (``text``);
    returns how many requests were filed (clues already asked for are not asked again)."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, BORROW.name, report_id=report_id)
        index.catch_up(rt, session)
        if report_id is not None:
            report = session.get(Report, report_id)
            if report is None or report.state == "destroyed":
                raise NotFound
            if not can_read_case(session, staff, report):
                raise acting.refuse(session, staff, BORROW.name, NotAllowed(), report_id)
            tokens = set(session.scalars(select(ClueToken.token).where(ClueToken.report_id == report_id)))
        else:
            key = index.index_key(rt)
            tokens = {tok for _kind, tok in index.tokens_of(key, query_values(text[:200]))}
        _shown, hidden = readable_split(session, staff, matching(session, tokens, exclude=report_id))
        filed = borrowing.file_blind_requests(session, staff, hidden, REASON, days)
        acting.done(session, staff, BORROW.name, report_id, asked=filed)
        return filed
