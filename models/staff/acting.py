"""Who may do what, declared once (R23, R29): the act runner every domain above staff uses.

An act is declared once, next to the code that does it (``declare``): its name, the roles that may
do it, a check of its target (a state, a unit, four eyes …) and the audit events of a refusal and
of the act. ``perform`` loads the active actor, checks the act against its target (which the caller
has loaded and locked), audits a refusal — who, which act, why; never content — and returns the
actor; the domain then does the act and writes its event (``done``) in the same transaction.
``allowed_acts`` answers which acts a staff member may do to a target now (the buttons a page
shows), ``may`` answers one without auditing (a confirmation page's dry run), and ``admit``
is what the pages and the JSON API call when the role alone already rules an act out.
``models.cases.workflow`` (``RULES``, ``check``, ``run_act``) was the model of this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import trail
from models.staff.tables import Staff
from models.store.errors import ClueGuardError, NotAllowed, WrongState
from models.store.runtime import Runtime

# A target check: raise NotAllowed or WrongState (or a subclass) unless the actor may do the act to
# this target now. It reads, never writes: ``allowed_acts`` and ``may`` call it for every button.
Check = Callable[[Session, Staff, Any], None]


class RoleRefused(NotAllowed):
    """The actor's role may not do this act at all."""

    audit_reason = "role"


@dataclass(frozen=True)
class Act:
    """One act of one domain: who may do it, what must hold of its target, what it records."""

    name: str  # "<domain>.<act>", e.g. "borrow.request"
    roles: frozenset[str]
    refused: str  # the audit event of a refusal, e.g. "borrow.refused"
    check: Check | None = None
    event: str | None = None  # the audit event of the act itself, when ``done`` writes it
    # The named error a role outside ``roles`` (or an inactive account) gets: its message is what the
    # person reads; the trail says "role" (or "inactive") whatever the class.
    denied: type[NotAllowed] = RoleRefused

    @property
    def short(self) -> str:
        """The act's name inside its domain: what refusal events have always carried as ``act``."""
        return self.name.split(".", 1)[-1]


ACTS: dict[str, Act] = {}


def declare(name: str, roles: Iterable[str], *, refused: str, check: Check | None = None,
            event: str | None = None, denied: type[NotAllowed] = RoleRefused) -> Act:
    """Declare an act once; a second declaration of the same name is a programming error."""
    act = Act(name, frozenset(roles), refused, check, event, denied)
    if name in ACTS and ACTS[name] != act:
        raise ValueError(f"act {name} is declared twice")
    ACTS[name] = act
    return act


def act_named(name: str) -> Act:
    return ACTS[name]


def because(err: ClueGuardError, reason: str) -> ClueGuardError:
    """``err``, carrying the reason code its refusal is audited with."""
    err.audit_reason = reason
    return err


def reason_of(err: BaseException) -> str:
    """Why an act was refused, for the audit trail: a reason code or the error's class name."""
    return str(getattr(err, "audit_reason", None) or type(err).__name__)


def audit_refusal(session: Session, who: str, act: Act, reason: str, report_id: str | None = None,
                  **detail: object) -> None:
    """Record a refusal and commit it at once, so the rollback that follows cannot take it away."""
    trail.record_refusal(session, who, act.refused, report_id, act=act.short, reason=reason, **detail)


def audited(err: ClueGuardError) -> ClueGuardError:
    """``err``, marked as already in the trail (a wrapper that audits what an act raises skips it)."""
    err.audited = True
    return err


def active_actor(session: Session, staff_id: int, act: Act, report_id: str | None = None) -> Staff:
    """The active staff member ``staff_id``; an unknown or deactivated account is refused (audited)."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        audit_refusal(session, staff.username if staff else f"staff:{staff_id}", act, "inactive", report_id)
        raise audited(act.denied())
    return staff


def check(act: Act, session: Session, staff: Staff, target: object = None) -> None:
    """Raise unless ``staff`` may do ``act`` to ``target`` now; records nothing."""
    if not staff.active or staff.role not in act.roles:
        raise because(act.denied(), "role")
    if act.check is not None:
        act.check(session, staff, target)


def role_may(role: str, name: str) -> bool:
    """Whether a role may do the act at all (a link or a form shown or not; the act still checks)."""
    return role in ACTS[name].roles


def may(name: str, session: Session, staff: Staff, target: object = None) -> bool:
    """The check without a trace: a confirmation page's dry run, a button shown or not."""
    try:
        check(ACTS[name], session, staff, target)
    except (NotAllowed, WrongState):
        return False
    return True


def allowed_acts(session: Session, staff: Staff, names: Iterable[str], target: object = None) -> list[str]:
    """Which of these acts ``staff`` may do to ``target`` now (for showing the right buttons)."""
    return [name for name in names if may(name, session, staff, target)]


def perform(session: Session, staff_id: int, name: str, target: object = None, *,
            report_id: str | None = None, **detail: object) -> Staff:
    """Load the active actor and check ``name`` against ``target`` (loaded, and locked where the act
    writes it, by the caller); a refusal is audited (who, what, why) and raised. Returns the actor."""
    act = ACTS[name]
    staff = active_actor(session, staff_id, act, report_id)
    try:
        check(act, session, staff, target)
    except (NotAllowed, WrongState) as err:
        audit_refusal(session, staff.username, act, reason_of(err), report_id, **detail)
        audited(err)
        raise
    return staff


def perform_by_name(session: Session, username: str, name: str, target: object = None, *,
                    report_id: str | None = None, **detail: object) -> Staff:
    """``perform`` for an actor known by user name (the auditor's console, ``clueguard audit …``)."""
    staff_id = session.scalar(select(Staff.id).where(Staff.username == username))
    if staff_id is None:
        act = ACTS[name]
        audit_refusal(session, username[:80] or "anonymous", act, "inactive", report_id, **detail)
        raise audited(act.denied())
    return perform(session, staff_id, name, target, report_id=report_id, **detail)


def refuse(session: Session, staff: Staff | str, name: str, err: ClueGuardError,
           report_id: str | None = None, **detail: object) -> ClueGuardError:
    """Audit a refusal found inside an act, after ``perform`` (a check that needs the act's own
    input); returns the error for the caller to raise."""
    who = staff if isinstance(staff, str) else staff.username
    audit_refusal(session, who, ACTS[name], reason_of(err), report_id, **detail)
    return audited(err)


def done(session: Session, staff: Staff, name: str, report_id: str | None = None, **detail: object) -> None:
    """Write the act's own audit event, in the act's transaction."""
    event = ACTS[name].event
    if event is None:
        raise ValueError(f"act {name} declares no event")
    trail.record(session, staff.username, event, report_id, **detail)


def admit(rt: Runtime, staff_id: int, role: str, name: str, **detail: object) -> bool:
    """The gate of a page or an API call (R23, issue 22): True if ``role`` may do the act at all;
    otherwise False, with the refusal audited (who, which act, why, where — never content). The act's
    own target check runs later, inside the act."""
    act = ACTS[name]
    if role in act.roles:
        return True
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        audit_refusal(session, staff.username if staff else f"staff:{staff_id}", act, "role", None, **detail)
    return False
