"""Search across every clue, and the links of one clue, within need-to-know (R20, issue 24).

A hit the searcher may not read is never listed, nor counted for them. The head of the intake
office (the office director) alone learns how many hits lie in other units ("N linked clues in
other units") and can ask to borrow them (R20). Every search is audited without its words
(``link.searched``, with the number of hits shown); a search whose hits all lie outside what the
searcher may read is flagged to the auditor instead (``link.search_flagged``: who, which clues).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, load_only

from models.audit import trail
from models.confidentiality.need_to_know import Destroyed, can_handle_case, can_read_case, in_intake_office
from models.confidentiality.tables import BorrowRequest
from models.linking import index
from models.linking.normalise import query_values
from models.linking.tables import ClueToken
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import NotAllowed, NotFound
from models.store.runtime import Runtime

SEARCH = acting.declare("link.search", CONTENT_ROLES, refused="link.refused", event="link.searched")
# A search whose hits all lie outside what the searcher may read: recorded instead of link.searched.
FLAGGED = "link.search_flagged"
LINKS = acting.declare("link.links", CONTENT_ROLES, refused="link.refused")
MAX_HITS = 200
# What two clues share, as the case page says it (kind only, never the value).
SHARED = ("official", "person", "alias", "surname", "organisation", "place", "phone", "plate", "id_number")
# What makes another clue a possible duplicate (R14's merge): the same named person or official, or
# the same number, plate or ID card. A shared place, unit or surname alone is a link, not a repeat.
DUPLICATE_KINDS = frozenset({"person", "official", "phone", "plate", "id_number"})
# A clue already merged or refused takes nothing in (``workflow.merge_clue`` refuses it).
CLOSED = frozenset({"merged", "not_accepted"})


# The columns a hit needs: never the content, never the joined unit and handler rows.
LISTED = (Report.id, Report.registry_no, Report.created_at, Report.state, Report.unit_id, Report.handler_id)


@dataclass(frozen=True)
class Hit:
    report_id: str
    registry_no: str
    created_at: datetime
    state: str
    unit_id: int | None
    kinds: tuple[str, ...]  # what matched, in SHARED order


@dataclass(frozen=True)
class Found:
    hits: list[Hit]
    elsewhere: int | None  # hidden hits, for the office director only; None for everyone else


def is_office_director(staff: Staff) -> bool:
    return staff.role == "unit_head" and staff.active and in_intake_office(staff)


def matching(session: Session, tokens: set[bytes], exclude: str | None = None) -> dict[str, set[str]]:
    """report id -> kinds matched (by the other clue's row), destroyed clues left out."""
    found: dict[str, set[str]] = defaultdict(set)
    if not tokens:
        return found
    query = select(ClueToken.report_id, ClueToken.kind).where(ClueToken.token.in_(tokens))
    if exclude:
        query = query.where(ClueToken.report_id != exclude)
    for report_id, kind in session.execute(query):
        found[report_id].add(kind)
    return found


def readable_split(session: Session, staff: Staff, found: dict[str, set[str]]) -> tuple[list[Hit], list[str]]:
    """The hits ``staff`` may read (newest first), and the ids of those they may not: the rule of
    ``can_read_case`` (handles it, or an approved loan), with the loans read in one query."""
    shown, hidden = [], []
    for start in range(0, len(found), 500):
        ids = list(found)[start:start + 500]
        loans = set(session.scalars(select(BorrowRequest.report_id).where(
            BorrowRequest.report_id.in_(ids), BorrowRequest.requester_id == staff.id,
            BorrowRequest.status == "approved", BorrowRequest.ends_at > utcnow()))) \
            if staff.role in CONTENT_ROLES and staff.active else set()
        for report in session.scalars(select(Report).options(load_only(*LISTED), lazyload(Report.unit),
                                                              lazyload(Report.handler))
                                      .where(Report.id.in_(ids), Report.state != "destroyed")):
            if report.id in loans or can_handle_case(session, staff, report):
                kinds = tuple(k for k in SHARED if k in found[report.id])
                shown.append(Hit(report.id, report.registry_no, report.created_at, report.state, report.unit_id,
                                 kinds))
            else:
                hidden.append(report.id)
    shown.sort(key=lambda h: h.created_at, reverse=True)
    return shown, sorted(hidden)


def search(rt: Runtime, staff_id: int, text: str) -> Found:
    """Every clue naming this person, official, unit, place or identifier that ``staff`` may read."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, SEARCH.name)
        index.catch_up(rt, session)
        key = index.index_key(rt)
        tokens = {tok for _kind, tok in index.tokens_of(key, query_values(text[:200]))}
        shown, hidden = readable_split(session, staff, matching(session, tokens))
        if hidden and not shown:
            # The protector in the office checking whether he has been named: who and which clues.
            # One event a search either way (each costs the audit chain's lock): this one says it all.
            trail.record(session, staff.username, FLAGGED, None, hits=0, clues=" ".join(hidden[:50]),
                         hidden=len(hidden))
        else:
            acting.done(session, staff, SEARCH.name, None, hits=len(shown))
        elsewhere = len(hidden) if is_office_director(staff) else None
        return Found(shown[:MAX_HITS], elsewhere)


def linked_clues(rt: Runtime, staff_id: int, report_id: str) -> Found:
    """The clues sharing a token with this one that the reader may read, each with what they share."""
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound
        staff = acting.perform(session, staff_id, LINKS.name, report_id=report_id)
        if report.state == "destroyed":
            raise Destroyed
        if not can_read_case(session, staff, report):
            raise acting.refuse(session, staff, LINKS.name, NotAllowed(), report_id)
        index.catch_up(rt, session)
        tokens = set(session.scalars(select(ClueToken.token).where(ClueToken.report_id == report_id)))
        shown, hidden = readable_split(session, staff, matching(session, tokens, exclude=report_id))
        return Found(shown[:MAX_HITS], len(hidden) if is_office_director(staff) else None)


def duplicates(found: Found) -> list[Hit]:
    """The linked clues that may repeat this one (``DUPLICATE_KINDS``), each with only those kinds;
    ``found`` holds readable clues only, so an unreadable one is never shown nor counted here."""
    return [replace(h, kinds=tuple(k for k in h.kinds if k in DUPLICATE_KINDS)) for h in found.hits
            if DUPLICATE_KINDS.intersection(h.kinds) and h.state not in CLOSED]


def possible_duplicates(rt: Runtime, staff_id: int, report_id: str) -> list[Hit]:
    """The readable open clues sharing a person, official or identifier with this one (R14, R20)."""
    return duplicates(linked_clues(rt, staff_id, report_id))
