"""Opening an approved identity, and telling the reporter (R10).

The requester opens the identity with their sign-in password within the window after approval;
each view is audited and watermarked by the page. On the first opening the reporter is told
through their follow-up channel (a staff message sealed to their receipt key, shown on the
status page and in the bot), unless a unit head has recorded why not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

import vault
from models.audit import trail
from models.cases.casework import load_case
from models.identities.sealing import with_additions
from models.identities.tables import SealedIdentityRow
from models.protection.unseal import (
    LEGAL_BASES,
    MAX_NOTE,
    OFFICER_ROLE,
    OPEN_STATES,
    UNIT_HEAD_ROLE,
    NotApproved,
    RequestClosed,
    RequestDenied,
    RequestExpired,
    WrongPassphrase,
    audit_request,
    audited_act,
    locked_request,
    perform,
    settle,
)
from models.protection.unseal_tables import ResealedShare, UnsealRequest
from models.reporting.intake import seal_message
from models.reporting.tables import Report
from models.staff import acting, officer_keys
from models.staff.tables import OfficerKey, Staff
from models.store.db import as_utc, utcnow
from models.store.errors import ClueGuardError, NotAllowed, WrongState
from models.store.i18n import N_, translate
from models.store.runtime import Runtime
from models.store.text import clean_text


class OnlyRequester(NotAllowed):
    message = N_("Only the protection officer who asked may open this identity.")


class CannotOpen(WrongState):
    message = N_("The identity cannot be opened with these shares. Ask for a new unsealing.")


class NoticeAlreadySent(WrongState):
    message = N_("The reporter has already been told.")


class WindowClosed(WrongState):
    message = N_("The time to open this identity has passed; the re-sealed shares were destroyed.")


def _openable(session: Session, staff: Staff, req: UnsealRequest) -> None:
    """Only the requester opens, and only an approved request within its window."""
    if staff.id != req.requester_id:
        raise OnlyRequester
    state_errors: dict[str, ClueGuardError] = {
        "pending": NotApproved(), "denied": RequestDenied(), "expired": RequestExpired(), "closed": WindowClosed()}
    if req.state in state_errors:
        raise state_errors[req.state]


def _withholdable(session: Session, staff: Staff, req: UnsealRequest) -> None:
    """The notice is withheld only while it is due and the request still open."""
    if req.notice != "due":
        raise NoticeAlreadySent
    if req.state not in OPEN_STATES:
        raise RequestClosed


OPEN = acting.declare("unseal.open", {OFFICER_ROLE}, refused="unseal.refused", check=_openable)
WITHHOLD = acting.declare("unseal.withhold", {UNIT_HEAD_ROLE}, refused="unseal.refused", check=_withholdable)


@dataclass(frozen=True)
class OpenedIdentity:
    """What the requester sees once opened: the fields, and who/when for the watermark."""

    request_id: str
    registry_no: str
    fields: dict[str, object]
    viewer: str
    viewer_name: str
    viewed_at: datetime
    window_ends_at: datetime


def _notice_text(rt: Runtime, req: UnsealRequest, at: datetime) -> str:
    """The disclosure notice in Chinese (the site's language; the page around it follows the
    reporter's choice), ending with what the reporter can do next (issue #27 item 1)."""
    day = at.astimezone(ZoneInfo(rt.config.timezone)).date().isoformat()
    basis = translate("zh", LEGAL_BASES[req.legal_basis])
    if req.legal_basis == "other":
        basis = f"{basis}: {req.legal_basis_other}"
    notice = translate("zh", N_(
        "Notice: on %(date)s your identity was disclosed to the reporter protection office, "
        "after the required custodians approved. Reason: %(basis)s. It stays confidential and "
        "is used only for this purpose."), date=day, basis=basis)
    return notice + "\n\n" + translate("zh", NOTICE_NEXT_STEP)


NOTICE_NEXT_STEP = N_("If you have questions or fear retaliation, write to us below on this page: the reporter "
                      "protection office reads it. If you are in danger now, call 110.")


def _send_notice(rt: Runtime, cs: Session, req: UnsealRequest, now: datetime) -> None:
    report = cs.get(Report, req.report_id)
    if report is None:
        return
    seal_message(rt, cs, report, "staff", _notice_text(rt, req, now), [])
    req.notice = "sent"


@audited_act("open")
def open_unsealed_identity(rt: Runtime, staff_id: int, request_id: str, password: str) -> OpenedIdentity:
    """The requester opens the identity with their sign-in password, within the window; audited."""
    settle(rt, UnsealRequest.id == request_id)
    with rt.stores.vault() as vs:
        req = locked_request(vs, request_id)
        staff = perform(rt, staff_id, OPEN.name, req)
        key = vs.get(OfficerKey, staff.id)
        if key is None:
            raise officer_keys.NoOfficerKey
        try:
            private = officer_keys.unlock_officer_key(key.wrapped_key, password)
        except vault.VaultError:
            raise WrongPassphrase from None
        resealed = {r.custodian_id: r.sealed for r in
                    vs.scalars(select(ResealedShare).where(ResealedShare.request_id == req.id))}
        sealed = vs.get(SealedIdentityRow, req.identity_id)
        if sealed is None:
            raise CannotOpen
        try:
            fields = json.loads(vault.open_resealed(sealed.ciphertext, req.report_id, req.id, resealed, private))
            fields = with_additions(vs, sealed.id, req.report_id, fields)
        except vault.VaultError:
            raise CannotOpen from None
        now = utcnow()
        req.first_opened_at = req.first_opened_at or now
        with rt.stores.case() as cs:
            trail.record(cs, staff.username, "unseal.identity_viewed", req.report_id, request=req.id)
            if req.notice == "due":
                _send_notice(rt, cs, req, now)
                trail.record(cs, staff.username, "unseal.notice_sent", req.report_id, request=req.id)
        return OpenedIdentity(req.id, req.registry_no, fields, staff.username, staff.display_name, now,
                              as_utc(req.window_ends_at or now))


@audited_act("withhold")
def withhold_disclosure_notice(rt: Runtime, staff_id: int, request_id: str, reason: str) -> None:
    """A unit head records why the reporter is not to be told of this unsealing (R10)."""
    with rt.stores.vault() as vs:
        req = locked_request(vs, request_id)
        staff = perform(rt, staff_id, WITHHOLD.name, req)
        reason = clean_text(reason, "reason", MAX_NOTE, N_("Say why the reporter is not to be told."),
                            N_("The note is too long (at most 1000 characters)."))
        with rt.stores.case() as cs:
            load_case(cs, staff, req.report_id)
        req.notice, req.notice_reason, req.notice_by = "withheld", reason, staff.username
        audit_request(rt, staff.username, req, [("unseal.notice_withheld", {})])
