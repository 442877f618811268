"""Opening a reporter's identity: a stated purpose, k custodians' approval, the requester only (R9, R10).

The acts, in order: ``request_unseal`` (a protection officer, with purpose and legal basis),
``approve_unseal`` / ``deny_unseal`` (each custodian once; approving re-seals that custodian's
share to the requester's key and opens nothing else), then ``models.disclosure`` (the requester
opens, with their sign-in password, within the window). ``expire_unseal_requests`` settles requests whose
time ran out and destroys re-sealed shares after the window. Every act and every refusal is
audited with ids only, never the identity, the purpose or a note.

Writes go to the vault store with the audit event written in a case-store transaction nested
inside: the audit commits first, so no act is ever stored without its audit event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.cases.casework import load_case
from models.confidentiality.need_to_know import visible_cases
from models.identities.tables import Custodian, IdentityShare, SealedIdentityRow
from models.protection.unseal_tables import ResealedShare, UnsealAnswer, UnsealRequest
from models.reporting.tables import Report
from models.staff import acting, officer_keys
from models.staff.tables import Staff
from models.store.db import as_utc, utcnow
from models.store.errors import ClueGuardError, InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime
from models.store.text import clean_text, tidy

LEGAL_BASES = {
    "reporter_at_risk": N_("The reporter is at risk and needs protection"),
    "reporter_consent": N_("The reporter consented"),
    "judicial_request": N_("A court or procuratorate requested it"),
    "other": N_("Other legal basis"),
}
STATE_LABELS = {
    "pending": N_("Waiting for custodians"),
    "approved": N_("Approved: may be opened"),
    "denied": N_("Denied by custodians"),
    "expired": N_("Expired without enough approvals"),
    "closed": N_("Window over: shares destroyed"),
}
NOTICE_LABELS = {
    "due": N_("Reporter not yet told"),
    "sent": N_("Reporter told"),
    "withheld": N_("Notice withheld by a unit head"),
}
OPEN_STATES = ("pending", "approved")
MAX_PURPOSE = 2000
MAX_NOTE = 1000
CUSTODIAN_ROLE = "custodian"
UNIT_HEAD_ROLE = "unit_head"
OFFICER_ROLE = officer_keys.OFFICER_ROLE

F = TypeVar("F", bound=Callable[..., Any])


class NoIdentity(WrongState):
    message = N_("This clue has no sealed identity: it was reported anonymously.")


class DuplicateRequest(WrongState):
    message = N_("You already have an open unseal request for this clue.")


class RequesterCannotApprove(NotAllowed):
    message = N_("You asked for this unsealing, so you cannot answer it as a custodian.")


class NotACustodian(NotAllowed):
    message = N_("Only active custodians can answer unseal requests.")


class AlreadyAnswered(WrongState):
    message = N_("You have already answered this request.")


class NoShare(WrongState):
    message = N_("You hold no share of this identity.")


class RequestExpired(WrongState):
    message = N_("This unseal request has expired.")


class RequestClosed(WrongState):
    message = N_("This unseal request is no longer waiting for answers.")


class NotApproved(WrongState):
    message = N_("Not enough custodians have approved this request.")


class RequestDenied(WrongState):
    message = N_("This unseal request was denied.")


class WrongPassphrase(NotAllowed):
    message = N_("The passphrase or password is wrong.")


class OnlyOfficers(NotAllowed):
    message = N_("Only protection officers can ask to unseal an identity.")


def _answerable(session: Session, staff: Staff, req: UnsealRequest) -> None:
    """Who may answer a request, and when: never its requester (even holding custodian keys), only
    while it waits for answers."""
    if staff.id == req.requester_id or staff.username == req.requester:
        raise RequesterCannotApprove
    if req.state == "expired":
        raise RequestExpired
    if req.state != "pending":
        raise RequestClosed


def _viewable(session: Session, staff: Staff, req: UnsealRequest) -> None:
    """An officer sees their own requests only (a unit head's need-to-know is the clue's, in the act)."""
    if req is not None and staff.role == OFFICER_ROLE and staff.id != req.requester_id:
        raise NotAllowed


# The acts of unsealing (R9, R10); opening and withholding the notice are in ``disclosure``. The runner
# checks and audits the actor, the role and the request; ``audited_act`` audits what the act itself
# refuses later (a share, a passphrase, the input), in a transaction of its own: the acts span two stores.
REQUEST = acting.declare("unseal.request", {OFFICER_ROLE}, refused="unseal.refused", denied=OnlyOfficers)
APPROVE = acting.declare("unseal.approve", {CUSTODIAN_ROLE}, refused="unseal.refused", check=_answerable,
                         denied=NotACustodian)
DENY = acting.declare("unseal.deny", {CUSTODIAN_ROLE}, refused="unseal.refused", check=_answerable,
                      denied=NotACustodian)
VIEW = acting.declare("unseal.view", {OFFICER_ROLE, CUSTODIAN_ROLE, UNIT_HEAD_ROLE}, refused="unseal.refused",
                      check=_viewable)


@dataclass(frozen=True)
class AnswerView:
    custodian: str
    decision: str
    note: str
    at: datetime
    custodian_name: str = ""  # the display name the pages show (#27 item 4); the user name beside it


@dataclass(frozen=True)
class RequestView:
    """An unseal request as the pages and the API show it (never the identity)."""

    id: str
    report_id: str
    registry_no: str
    requester: str
    requester_id: int
    purpose: str
    legal_basis: str
    legal_basis_other: str
    threshold: int
    state: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    window_ends_at: datetime | None
    first_opened_at: datetime | None
    notice: str
    notice_reason: str
    answers: list[AnswerView]
    requester_name: str = ""  # the display name the pages show (#27 item 4); the user name beside it

    @property
    def approvals(self) -> int:
        return sum(1 for a in self.answers if a.decision == "approve")

    @property
    def denials(self) -> int:
        return sum(1 for a in self.answers if a.decision == "deny")

    def answered_by(self, username: str) -> bool:
        return any(a.custodian == username for a in self.answers)


@dataclass(frozen=True)
class Settled:
    expired: int
    destroyed: int



# --- refusals ------------------------------------------------------------------------------


def _record_refusal(rt: Runtime, staff_id: int, act: str, target: str, err: ClueGuardError) -> None:
    """Audit a refused act in its own transaction (the act's own transaction was rolled back)."""
    request_id: str | None = None
    report_id: str | None = target if act == "request" else None
    if act != "request":
        request_id = target
        with rt.stores.vault() as vs:
            report_id = vs.scalar(select(UnsealRequest.report_id).where(UnsealRequest.id == target))
    with rt.stores.case() as cs:
        staff = cs.get(Staff, staff_id)
        actor = staff.username if staff else f"staff:{staff_id}"
        trail.record(cs, actor, "unseal.refused", report_id, act=act, reason=type(err).__name__,
                     request=request_id)


def audited_act(act: str) -> Callable[[F], F]:
    """Every refusal of this act (any workflow error) lands in the audit log once, then propagates."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapped(rt: Runtime, staff_id: int, target: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(rt, staff_id, target, *args, **kwargs)
            except ClueGuardError as err:
                if not err.audited:  # the runner's own refusals are in the trail already
                    _record_refusal(rt, staff_id, act, target, err)
                raise

        return cast(F, wrapped)

    return decorate


# --- helpers -------------------------------------------------------------------------------


def perform(rt: Runtime, staff_id: int, name: str, req: UnsealRequest) -> Staff:
    """The act runner on a request (``acting.perform``: actor, role, the request's own check), its
    refusal audited in the case store while the vault store's transaction is still open."""
    with rt.stores.case() as cs:
        return acting.perform(cs, staff_id, name, req, report_id=req.report_id, request=req.id)


def locked_request(vs: Session, request_id: str) -> UnsealRequest:
    req = vs.scalar(select(UnsealRequest).where(UnsealRequest.id == request_id).with_for_update())
    if req is None:
        raise NotFound
    return req


def audit_request(rt: Runtime, actor: str, req: UnsealRequest, events: list[tuple[str, dict[str, object]]]) -> None:
    with rt.stores.case() as cs:
        for event, detail in events:
            trail.record(cs, actor, event, req.report_id, request=req.id, **detail)


def _destroy_shares(vs: Session, req: UnsealRequest, now: datetime) -> int:
    count = vs.scalar(select(func.count()).select_from(ResealedShare)
                      .where(ResealedShare.request_id == req.id)) or 0
    vs.execute(delete(ResealedShare).where(ResealedShare.request_id == req.id))
    req.shares_destroyed_at = now
    return count


def _view(vs: Session, req: UnsealRequest) -> RequestView:
    answers = vs.scalars(select(UnsealAnswer).where(UnsealAnswer.request_id == req.id)
                         .order_by(UnsealAnswer.at)).all()
    return RequestView(
        id=req.id, report_id=req.report_id, registry_no=req.registry_no, requester=req.requester,
        requester_id=req.requester_id, purpose=req.purpose, legal_basis=req.legal_basis,
        legal_basis_other=req.legal_basis_other, threshold=req.threshold, state=req.state,
        created_at=req.created_at, expires_at=req.expires_at, decided_at=req.decided_at,
        window_ends_at=req.window_ends_at, first_opened_at=req.first_opened_at, notice=req.notice,
        notice_reason=req.notice_reason,
        answers=[AnswerView(a.custodian, a.decision, a.note, a.at) for a in answers],
    )


def _named(rt: Runtime, views: list[RequestView]) -> list[RequestView]:
    """The requests with the display names of requester and custodians (the vault store keeps only
    user names; the staff table is in the case store)."""
    usernames = {v.requester for v in views} | {a.custodian for v in views for a in v.answers}
    if not usernames:
        return views
    with rt.stores.case() as cs:
        names = dict(cs.execute(select(Staff.username, Staff.display_name).where(Staff.username.in_(usernames))).all())
    return [replace(v, requester_name=names.get(v.requester) or v.requester,
                    answers=[replace(a, custodian_name=names.get(a.custodian) or a.custodian) for a in v.answers])
            for v in views]


def settle(rt: Runtime, where: ColumnElement[bool] | None = None, actor: str = "system") -> Settled:
    """Expire pending requests past their time; close approved ones past their window."""
    now = utcnow()
    expired = destroyed = 0
    with rt.stores.vault() as vs:
        query = select(UnsealRequest).where(UnsealRequest.state.in_(OPEN_STATES)).with_for_update()
        if where is not None:
            query = query.where(where)
        events: list[tuple[UnsealRequest, str, dict[str, object]]] = []
        for req in vs.scalars(query).all():
            if req.state == "pending" and now >= as_utc(req.expires_at):
                req.state, req.decided_at = "expired", now
                # Approvals given before the time ran out left re-sealed shares: destroy them too.
                gone = _destroy_shares(vs, req, now)
                events.append((req, "unseal.expired", {"shares_destroyed": gone}))
                expired += 1
            elif req.state == "approved" and req.window_ends_at and now >= as_utc(req.window_ends_at):
                req.state = "closed"
                gone = _destroy_shares(vs, req, now)
                events.append((req, "unseal.shares_destroyed", {"shares_destroyed": gone}))
                destroyed += 1
        if events:
            with rt.stores.case() as cs:
                for req, event, detail in events:
                    trail.record(cs, actor, event, req.report_id, request=req.id, **detail)
    return Settled(expired, destroyed)


def expire_unseal_requests(rt: Runtime, actor: str = "system") -> Settled:
    """Settle every request whose time ran out; run by the CLI and on each access."""
    return settle(rt, actor=actor)


def _open_answer(rt: Runtime, vs: Session, staff_id: int, request_id: str, name: str
                 ) -> tuple[Staff, UnsealRequest, Custodian]:
    """Lock a request for a custodian's one answer: the act (``APPROVE`` or ``DENY``) on the request,
    the custodian's own active key, no answer yet."""
    req = locked_request(vs, request_id)
    staff = perform(rt, staff_id, name, req)
    custodian = vs.scalar(select(Custodian).where(Custodian.username == staff.username))
    if custodian is None or not custodian.active:
        raise NotACustodian
    if vs.get(UnsealAnswer, (req.id, custodian.id)) is not None:
        raise AlreadyAnswered
    return staff, req, custodian


def _eligible_custodians(vs: Session, req: UnsealRequest) -> set[str]:
    """Custodian ids that could still approve: active, holding a share, not the requester."""
    rows = vs.execute(
        select(Custodian.id, Custodian.username).join(IdentityShare, IdentityShare.custodian_id == Custodian.id)
        .where(IdentityShare.identity_id == req.identity_id, Custodian.active.is_(True))
    ).all()
    return {cid for cid, name in rows if name != req.requester}


def report_id_of(rt: Runtime, registry_no: str) -> str:
    """The report id behind a registry number (the API names clues by number)."""
    with rt.stores.case() as cs:
        report_id = cs.scalar(select(Report.id).where(Report.registry_no == registry_no))
    if report_id is None:
        raise NotFound
    return report_id


# --- the acts ------------------------------------------------------------------------------


@audited_act("request")
def request_unseal(rt: Runtime, staff_id: int, report_id: str, purpose: str, legal_basis: str,
                   legal_basis_other: str = "") -> str:
    """A protection officer asks to open a clue's identity, for a purpose and on a legal basis."""
    with rt.stores.case() as cs:
        staff = acting.perform(cs, staff_id, REQUEST.name, report_id=report_id)
        report = load_case(cs, staff, report_id)
        if not report.identity_id:
            raise NoIdentity
        registry_no, identity_id, username = report.registry_no, report.identity_id, staff.username
    purpose, other = tidy(purpose), tidy(legal_basis_other)
    errors = {}
    if not purpose:
        errors["purpose"] = N_("State the purpose of the unsealing.")
    elif len(purpose) > MAX_PURPOSE:
        errors["purpose"] = N_("The purpose is too long.")
    if legal_basis not in LEGAL_BASES:
        errors["legal_basis"] = N_("Choose the legal basis.")
    elif legal_basis == "other" and not other:
        errors["legal_basis_other"] = N_("Describe the legal basis.")
    elif len(other) > MAX_NOTE:
        errors["legal_basis_other"] = N_("The note is too long (at most 1000 characters).")
    if errors:
        raise InvalidInput(errors)
    public = officer_keys.officer_public_key(rt, staff_id)
    settle(rt, UnsealRequest.report_id == report_id)
    now = utcnow()
    with rt.stores.vault() as vs:
        sealed = vs.get(SealedIdentityRow, identity_id)
        if sealed is None:
            raise NoIdentity
        open_already = vs.scalar(select(UnsealRequest.id).where(
            UnsealRequest.report_id == report_id, UnsealRequest.requester_id == staff_id,
            UnsealRequest.state.in_(OPEN_STATES)))
        if open_already:
            raise DuplicateRequest
        req = UnsealRequest(
            id=str(uuid.uuid4()), report_id=report_id, registry_no=registry_no, identity_id=identity_id,
            requester_id=staff_id, requester=username, recipient_public=public, purpose=purpose,
            legal_basis=legal_basis, legal_basis_other=other if legal_basis == "other" else "",
            threshold=sealed.threshold, state="pending", created_at=now,
            expires_at=now + timedelta(hours=rt.config.unseal_request_hours), notice="due",
            notice_reason="", notice_by="",
        )
        vs.add(req)
        vs.flush()
        audit_request(rt, username, req, [("unseal.requested", {"legal_basis": legal_basis,
                                                         "threshold": sealed.threshold})])
        return req.id


@audited_act("approve")
def approve_unseal(rt: Runtime, staff_id: int, request_id: str, passphrase: str, note: str = "") -> str:
    """A custodian approves: their share is re-sealed to the requester; returns the request's state."""
    note = clean_text(note, "note", MAX_NOTE, too_long=N_("The note is too long (at most 1000 characters)."))
    settle(rt, UnsealRequest.id == request_id)
    with rt.stores.vault() as vs:
        staff, req, custodian = _open_answer(rt, vs, staff_id, request_id, APPROVE.name)
        share = vs.get(IdentityShare, (req.identity_id, custodian.id))
        if share is None:
            raise NoShare
        try:
            resealed = vault.reseal_share(
                vault.CustodianShare(custodian.id, share.sealed_share, custodian.wrapped_key, passphrase),
                req.report_id, req.id, req.recipient_public)
        except vault.VaultError:
            raise WrongPassphrase from None
        now = utcnow()
        vs.add(UnsealAnswer(request_id=req.id, custodian_id=custodian.id, custodian=staff.username,
                            decision="approve", note=note, at=now))
        vs.add(ResealedShare(request_id=req.id, custodian_id=custodian.id, sealed=resealed))
        vs.flush()
        approvals = vs.scalar(select(func.count()).select_from(UnsealAnswer).where(
            UnsealAnswer.request_id == req.id, UnsealAnswer.decision == "approve")) or 0
        events: list[tuple[str, dict[str, object]]] = [
            ("unseal.approval_given", {"approvals": approvals, "threshold": req.threshold})]
        if approvals >= req.threshold:
            req.state, req.decided_at = "approved", now
            req.window_ends_at = now + timedelta(hours=rt.config.unseal_window_hours)
            events.append(("unseal.approved", {"approvals": approvals}))
        audit_request(rt, staff.username, req, events)
        return req.state


@audited_act("deny")
def deny_unseal(rt: Runtime, staff_id: int, request_id: str, note: str) -> str:
    """A custodian denies with a note; the request is denied once k approvals cannot be reached."""
    note = clean_text(note, "note", MAX_NOTE, N_("Say why you deny the request."),
                      N_("The note is too long (at most 1000 characters)."))
    settle(rt, UnsealRequest.id == request_id)
    with rt.stores.vault() as vs:
        staff, req, custodian = _open_answer(rt, vs, staff_id, request_id, DENY.name)
        now = utcnow()
        vs.add(UnsealAnswer(request_id=req.id, custodian_id=custodian.id, custodian=staff.username,
                            decision="deny", note=note, at=now))
        vs.flush()
        answers = {a.custodian_id: a.decision for a in
                   vs.scalars(select(UnsealAnswer).where(UnsealAnswer.request_id == req.id))}
        approvals = sum(1 for d in answers.values() if d == "approve")
        still_open = _eligible_custodians(vs, req) - set(answers)
        events: list[tuple[str, dict[str, object]]] = [("unseal.denial_given", {})]
        if approvals + len(still_open) < req.threshold:
            req.state, req.decided_at = "denied", now
            gone = _destroy_shares(vs, req, now)
            events.append(("unseal.denied", {"shares_destroyed": gone}))
        audit_request(rt, staff.username, req, events)
        return req.state


@audited_act("view")
def get_unseal_request(rt: Runtime, staff_id: int, request_id: str) -> RequestView:
    """One request for its requester, a custodian or a unit head who may read the clue."""
    settle(rt, UnsealRequest.id == request_id)
    with rt.stores.vault() as vs:
        req = vs.get(UnsealRequest, request_id)
        if req is None:
            raise NotFound
        staff = perform(rt, staff_id, VIEW.name, req)
        if staff.role == UNIT_HEAD_ROLE:
            with rt.stores.case() as cs:
                load_case(cs, staff, req.report_id)
        view = _view(vs, req)
    return _named(rt, [view])[0]


def list_unseal_requests(rt: Runtime, staff_id: int, report_id: str | None = None) -> list[RequestView]:
    """Requests this staff member deals with: custodians all, officers their own, unit heads their cases'."""
    expire_unseal_requests(rt)
    with rt.stores.case() as cs:
        staff = acting.perform(cs, staff_id, VIEW.name, report_id=report_id)
    with rt.stores.vault() as vs:
        query = select(UnsealRequest).order_by(UnsealRequest.created_at.desc())
        if report_id is not None:
            query = query.where(UnsealRequest.report_id == report_id)
        if staff.role == officer_keys.OFFICER_ROLE:
            query = query.where(UnsealRequest.requester_id == staff.id)
        views = [_view(vs, r) for r in vs.scalars(query.limit(500))]
    if staff.role == UNIT_HEAD_ROLE and views:
        with rt.stores.case() as cs:
            visible = set(cs.scalars(select(Report.id).where(
                Report.id.in_({v.report_id for v in views}), visible_cases(staff))))
        views = [v for v in views if v.report_id in visible]
    # Waiting requests first, then the newest.
    return sorted(_named(rt, views), key=lambda v: v.state != "pending")
