"""The life of a clue (R13–R15): register, check, conclude, approve, close, archive, merge, refuse.

Every act is a function named after it. Each one checks the actor's role, unit and the clue's
state through ``check`` (one table of rules, ``RULES``), records who and when, moves the state and
writes its audit event, in one transaction. The staff pages and the staff JSON API call these
functions; transfer and feedback live in ``models.transfer``.

States (R14): received → registered → checking → concluded → transferred → feedback_received →
closed → archived; side exits merged and not_accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import trail
from models.cases.deadlines import local_today, resolve_escalations, transfer_due
from models.cases.records import seal_record
from models.cases.tables import Assignment, CaseRecord, ClueTrack
from models.confidentiality.classification import set_retention, start_period
from models.confidentiality.need_to_know import owns_case
from models.reporting.files import Upload, check_uploads
from models.reporting.tables import Report
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime
from models.store.text import clean_text

STATE_LABELS = {
    "received": N_("Received"),
    "registered": N_("Registered"),
    "checking": N_("Preliminary check"),
    "concluded": N_("Concluded"),
    "transferred": N_("Transferred"),
    "feedback_received": N_("Feedback received"),
    "closed": N_("Closed"),
    "archived": N_("Archived"),
    "merged": N_("Merged into another clue"),
    "not_accepted": N_("Not accepted"),
    "destroyed": N_("Destroyed"),
}
STATES = tuple(STATE_LABELS)
# States in which a clue is on the line and has a unit and handler.
OPEN_STATES = frozenset({"registered", "checking", "concluded", "transferred", "feedback_received"})
EARLY_STATES = frozenset({"received", "registered", "checking"})
# A side exit (merged, not accepted) is open before the conclusion, and after an approved one for
# the kinds whose source alone makes the conclusion mandatory (R15, see ``_side_exit_checks``).
SIDE_EXIT_STATES = EARLY_STATES | {"concluded"}
# The states in which the 保护伞 part of a clue can go to discipline inspection on its own.
SHIELDING_STATES = frozenset({"concluded", "transferred", "feedback_received"})
HANDLING_ROLES = frozenset({"intake", "unit_head"})
HEAD = frozenset({"unit_head"})

# R15: the five kinds of clue whose written conclusion a unit head must approve.
MANDATORY_KINDS = {
    "gang_transfer": N_("Possible gang needing transfer to the police"),
    "letter_or_visit": N_("A citizen's letter or visit"),
    "official_shielding": N_("Possible shielding by a public official"),
    "organ_referral": N_("Referred by discipline inspection, a political-legal organ or an anti-gang office"),
    "superior_referral": N_("Referred by a superior authority"),
}
NOT_ACCEPTED_REASONS = {
    "out_of_scope": N_("Not within the scope of the campaign"),
    "no_facts": N_("No verifiable facts"),
    "already_handled": N_("Already handled elsewhere"),
    "other": N_("Other reason (see note)"),
}
MAX_NOTE = 20_000


class ApprovalRequired(WrongState):
    message = N_("A unit head must approve the conclusion before the clue moves on.")


class SelfApproval(NotAllowed):
    message = N_("A conclusion must be approved by someone other than its author.")


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    states: frozenset[str]
    state_message: str
    head_of_unit: bool = False


RULES: dict[str, Rule] = {
    "register": Rule(HANDLING_ROLES, frozenset({"received"}), N_("Only a newly received clue can be registered.")),
    "reassign": Rule(HEAD, OPEN_STATES, N_("Only a clue that is being handled can be reassigned."), True),
    "start_check": Rule(HANDLING_ROLES, frozenset({"registered"}),
                        N_("The preliminary check starts once the clue is registered.")),
    "add_check_note": Rule(HANDLING_ROLES, frozenset({"checking"}),
                           N_("Check notes are written during the preliminary check.")),
    "conclude": Rule(HANDLING_ROLES, frozenset({"checking"}),
                     N_("Only a clue under preliminary check can be concluded.")),
    "approve": Rule(HEAD, frozenset({"concluded"}), N_("There is no conclusion to approve."), True),
    "return_conclusion": Rule(HEAD, frozenset({"concluded"}), N_("There is no conclusion to return."), True),
    # A clue may go to several authorities (police and discipline inspection): a transferred clue
    # awaiting feedback can be transferred again, to another authority.
    "transfer": Rule(HANDLING_ROLES, frozenset({"concluded", "transferred"}),
                     N_("Only a concluded clue can be transferred.")),
    # The 保护伞 part of a clue goes to discipline inspection on its own (#27 item 7), beside the main
    # line: once the conclusion is approved, and also after the police's feedback is in.
    "transfer_shielding": Rule(
        HANDLING_ROLES, SHIELDING_STATES,
        N_("The shielding part is transferred after the conclusion, before the clue is closed.")),
    "approve_shielding": Rule(HEAD, SHIELDING_STATES, N_("There is no transfer of the shielding part to approve."),
                              True),
    "set_handling_deadline": Rule(HANDLING_ROLES, frozenset({"transferred"}),
                                  N_("The handling deadline is recorded after the transfer.")),
    "record_feedback": Rule(HANDLING_ROLES, frozenset({"transferred"}),
                            N_("Feedback is recorded for a transferred clue.")),
    "close": Rule(HANDLING_ROLES, frozenset({"concluded", "feedback_received"}),
                  N_("A clue is closed after its conclusion or after the feedback.")),
    "archive": Rule(HEAD, frozenset({"closed"}), N_("Only a closed clue can be archived."), True),
    "merge": Rule(HANDLING_ROLES, SIDE_EXIT_STATES, N_("A clue can be merged only before it is concluded.")),
    "not_accept": Rule(HANDLING_ROLES, SIDE_EXIT_STATES, N_("A clue can be refused only before it is concluded.")),
}
# At the door of the case pages and the API: the roles that handle clues; each act is then checked.
HANDLE = acting.declare("clue.handle", HANDLING_ROLES, refused="clue.act_refused")
# Recording a clue received by phone, letter, visit or referral (R1).
RECORD = acting.declare("clue.record", HANDLING_ROLES, refused="clue.act_refused")
# R15 kinds that follow from where the clue came from, known before any conclusion is written.
SOURCE_KINDS = frozenset({"letter_or_visit", "organ_referral", "superior_referral"})


class ConclusionRequired(WrongState):
    message = N_("This clue came by letter, visit or referral: it can be refused or merged only after a "
                 "written conclusion that a unit head has approved.")


def approval_pending(track: ClueTrack | None) -> bool:
    return bool(track and track.mandatory_kinds and track.approved_at is None)


def _side_exit_checks(act: str, report: Report, track: ClueTrack | None) -> None:
    # R15: a letter, a visit or a referral needs an approved written conclusion whatever the
    # outcome, so "not accepted" and "merged" are no way round it. Other clues leave only early.
    if SOURCE_KINDS & set(mandatory_kinds(report, False, False)):
        if report.state != "concluded" or track is None or track.approved_at is None:
            raise ConclusionRequired
        if track.needs_transfer:
            raise WrongState(N_("The conclusion calls for a transfer; transfer the clue first."))
    elif report.state not in EARLY_STATES:
        raise WrongState(RULES[act].state_message)


def _extra_checks(act: str, staff: Staff, report: Report, track: ClueTrack | None) -> None:
    if act in {"merge", "not_accept"}:
        _side_exit_checks(act, report, track)
    elif act == "approve":
        if not approval_pending(track):
            raise WrongState(N_("No approval is pending for this conclusion."))
        if track is not None and track.concluded_by == staff.id:
            raise SelfApproval
    elif act == "return_conclusion":
        # Once a unit head approved it, the conclusion stands (issue #27 item 10).
        if track is not None and track.approved_at is not None:
            raise WrongState(N_("The conclusion is already approved; it can no longer be returned."))
    elif act == "transfer":
        if track is None or not track.needs_transfer:
            raise WrongState(N_("The conclusion does not call for a transfer."))
        if approval_pending(track):
            raise ApprovalRequired
    elif act == "transfer_shielding":
        _shielding_checks(track)
    elif act == "approve_shielding":
        if track is None or track.shielding_transfer != "proposed":
            raise WrongState(N_("There is no transfer of the shielding part to approve."))
        if track.shielding_proposed_by == staff.id:
            raise SelfApproval(N_("A transfer must be approved by someone other than the one who proposed it."))
    elif act == "close" and track is not None and track.shielding_transfer == "proposed":
        raise WrongState(N_("The transfer of the shielding part awaits a unit head's approval."))
    elif act == "close" and track is not None and track.transferred_at is None:
        if track.needs_transfer:
            raise WrongState(N_("The conclusion calls for a transfer; transfer the clue first."))
        if approval_pending(track):
            raise ApprovalRequired


def _shielding_checks(track: ClueTrack | None) -> None:
    # R15 kind 3: the shielding must be a finding of the approved conclusion; a gang found with it
    # goes to the police first (the 7-day transfer), so the partial transfer never replaces it.
    if track is None or "official_shielding" not in (track.mandatory_kinds or []):
        raise WrongState(N_("The conclusion does not find a public official shielding the clue."))
    if approval_pending(track):
        raise ApprovalRequired
    if track.needs_transfer and track.transferred_at is None:
        raise WrongState(N_("The conclusion calls for a transfer; transfer the clue first."))
    if track.shielding_transfer is not None:
        raise WrongState(N_("The shielding part is already proposed for transfer or transferred."))


def _clue_check(act: str) -> acting.Check:
    def check_target(session: Session, staff: Staff, target: object) -> None:
        report, track = cast(tuple[Report, ClueTrack | None], target)
        rule = RULES[act]
        if rule.head_of_unit:
            if staff.unit_id is None or staff.unit_id != report.unit_id:
                raise NotAllowed(N_("Only a unit head of the clue's unit may do this."))
        elif not owns_case(staff, report):
            raise NotAllowed(N_("This clue belongs to another unit."))
        if report.state not in rule.states:
            raise WrongState(rule.state_message)
        _extra_checks(act, staff, report, track)

    return check_target


# Each rule is an act of the runner (``models.staff.acting``): one declaration, one refusal event.
ACTS = {name: acting.declare(f"clue.{name}", rule.roles, refused="clue.act_refused", check=_clue_check(name))
        for name, rule in RULES.items()}


def check(act: str, staff: Staff, report: Report, track: ClueTrack | None) -> None:
    """Raise NotAllowed or WrongState unless ``staff`` may do ``act`` to this clue now."""
    acting.check(ACTS[act], cast(Session, None), staff, (report, track))


def allowed_acts(staff: Staff, report: Report, track: ClueTrack | None) -> list[str]:
    """The acts ``staff`` may do to this clue now (for showing the right buttons)."""
    allowed = []
    for act in RULES:
        try:
            check(act, staff, report, track)
        except (NotAllowed, WrongState):
            continue
        allowed.append(act)
    return allowed


def dry_run(rt: Runtime, staff_id: int, report_id: str, act: str) -> str:
    """The act's check without doing it or recording anything: a confirmation page asks first, so it
    never offers what would fail (the act itself checks again, and audits a refusal). Returns the
    clue's registry number for the page."""
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        staff = session.get(Staff, staff_id)
        if report is None or staff is None:
            raise NotFound
        check(act, staff, report, session.get(ClueTrack, report.id))
        return report.registry_no


@dataclass
class Context:
    """What every act works on: the actor, the clue (row-locked) and its track."""

    session: Session
    staff: Staff
    report: Report
    track: ClueTrack

    def move(self, to: str, event: str, **detail: object) -> None:
        before = self.report.state
        self.report.state = to
        trail.record(self.session, self.staff.username, event, self.report.id, from_state=before,
                     to_state=to, **detail)


def acting_staff(session: Session, staff_id: int, act: str = "clue.read") -> Staff:
    """The active staff member who may do ``act`` (a declared act); a refusal is audited."""
    return acting.perform(session, staff_id, act)


def begin(session: Session, staff_id: int, report_id: str, act: str) -> Context:
    """Load actor and clue (locking the clue's row so two acts cannot race), then ``check``."""
    report = session.scalar(select(Report).where(Report.id == report_id).with_for_update(of=Report))
    if report is None:
        raise NotFound
    track = session.get(ClueTrack, report.id)
    staff = acting.perform(session, staff_id, ACTS[act].name, (report, track), report_id=report.id)
    if track is None:
        track = ClueTrack(report_id=report.id, mandatory_kinds=[], gang_related=False, needs_transfer=False)
        session.add(track)
        session.flush()
    return Context(session, staff, report, track)


def clean_note(text: str | None, field: str = "text", required: bool = True) -> str:
    return clean_text(text, field, MAX_NOTE, required)


def _handler_for(session: Session, unit_id: int, handler_id: int) -> Staff:
    if session.get(Unit, unit_id) is None:
        raise InvalidInput({"unit_id": N_("Choose a unit.")})
    handler = session.get(Staff, handler_id)
    if handler is None or not handler.active or handler.role not in HANDLING_ROLES or handler.unit_id != unit_id:
        raise InvalidInput({"handler_id": N_("Choose a handler who works in that unit.")})
    return handler


def _assign(ctx: Context, unit_id: int, handler_id: int) -> None:
    _handler_for(ctx.session, unit_id, handler_id)
    ctx.report.unit_id, ctx.report.handler_id = unit_id, handler_id
    ctx.track.unit_id, ctx.track.handler_id = unit_id, handler_id  # the board's index copy
    ctx.session.add(Assignment(report_id=ctx.report.id, unit_id=unit_id, handler_id=handler_id,
                               assigned_by=ctx.staff.id))


def run_act(rt: Runtime, staff_id: int, report_id: str, act: str, do: Callable[[Context], None]) -> str:
    with rt.stores.case() as session:
        ctx = begin(session, staff_id, report_id, act)
        do(ctx)
        session.flush()
        return ctx.report.state


def register_clue(rt: Runtime, staff_id: int, report_id: str, unit_id: int, handler_id: int) -> str:
    """Register a received clue: one responsible unit and handler (R13)."""
    def do(ctx: Context) -> None:
        _assign(ctx, unit_id, handler_id)
        ctx.track.registered_at, ctx.track.registered_by = utcnow(), ctx.staff.id
        start_period(ctx.session, rt.config, ctx.report.id, local_today(rt.config))
        ctx.move("registered", "clue.registered", unit=unit_id, handler=handler_id)

    return run_act(rt, staff_id, report_id, "register", do)


def reassign_clue(rt: Runtime, staff_id: int, report_id: str, unit_id: int, handler_id: int,
                  reason: str = "") -> str:
    """Give a clue to another unit or handler; the unit head of its current unit decides (R13, R24)."""
    reason = clean_note(reason, "reason", required=False)

    def do(ctx: Context) -> None:
        before = (ctx.report.unit_id, ctx.report.handler_id)
        _assign(ctx, unit_id, handler_id)
        if reason:
            seal_record(rt, ctx.session, ctx.report.id, "reassigned", ctx.staff.id, {"text": reason})
        trail.record(ctx.session, ctx.staff.username, "clue.reassigned", ctx.report.id, from_unit=before[0],
                     from_handler=before[1], unit=unit_id, handler=handler_id)

    return run_act(rt, staff_id, report_id, "reassign", do)


def start_check(rt: Runtime, staff_id: int, report_id: str) -> str:
    """Begin the preliminary check (初查)."""
    def do(ctx: Context) -> None:
        ctx.track.check_started_at = utcnow()
        ctx.move("checking", "clue.check_started")

    return run_act(rt, staff_id, report_id, "start_check", do)


def add_check_note(rt: Runtime, staff_id: int, report_id: str, text: str,
                   uploads: list[Upload] | None = None) -> str:
    """Write a note of the preliminary check, with files; both encrypted (R15)."""
    files = check_uploads(uploads or [], rt.config)
    text = clean_note(text, required=not files)
    with rt.stores.case() as session:
        ctx = begin(session, staff_id, report_id, "add_check_note")
        row = seal_record(rt, session, ctx.report.id, "check_note", ctx.staff.id, {"text": text}, files)
        trail.record(session, ctx.staff.username, "clue.check_note_added", ctx.report.id, record=row.id,
                     files=len(files))
        return row.id


def mandatory_kinds(report: Report, gang_related: bool, shielding_official: bool) -> list[str]:
    """Which of the five R15 kinds a clue falls under, from its source and the conclusion."""
    kinds = []
    if gang_related:
        kinds.append("gang_transfer")
    if report.source in {"letter", "visit"} or report.channel in {"letter", "visit"}:
        kinds.append("letter_or_visit")
    if shielding_official:
        kinds.append("official_shielding")
    if report.source in {"discipline", "political_legal", "anti_gang_office"}:
        kinds.append("organ_referral")
    if report.source == "superior":
        kinds.append("superior_referral")
    return kinds


def conclude_check(rt: Runtime, staff_id: int, report_id: str, text: str, *, gang_related: bool,
                   shielding_official: bool, transfer: bool, uploads: list[Upload] | None = None) -> str:
    """Write the verification conclusion (R15); a possible gang starts the 7-day transfer clock (R16)."""
    text = clean_note(text)
    if gang_related and not transfer:
        raise InvalidInput({"transfer": N_("A possible gang must be transferred to the competent authority.")})
    files = check_uploads(uploads or [], rt.config)

    def do(ctx: Context) -> None:
        # A conclusion rests on the preliminary check: at least one check note must say what was checked.
        if not ctx.session.scalar(select(CaseRecord.id).where(CaseRecord.report_id == ctx.report.id,
                                                             CaseRecord.kind == "check_note").limit(1)):
            raise InvalidInput({"text": N_("Write at least one check note before the conclusion.")})
        now, track = utcnow(), ctx.track
        track.concluded_at, track.concluded_by = now, ctx.staff.id
        track.gang_related, track.needs_transfer = gang_related, transfer
        track.mandatory_kinds = mandatory_kinds(ctx.report, gang_related, shielding_official)
        track.awaiting_approval = bool(track.mandatory_kinds)
        track.approved_at = track.approved_by = None
        track.transfer_due = transfer_due(rt.config, now) if gang_related else None
        track.due_kind, track.due_on = ("transfer", track.transfer_due) if gang_related else (None, None)
        row = seal_record(rt, ctx.session, ctx.report.id, "conclusion", ctx.staff.id,
                          {"text": text, "gang_related": gang_related, "shielding_official": shielding_official,
                           "transfer": transfer}, files)
        ctx.move("concluded", "clue.concluded", record=row.id, gang_related=gang_related, transfer=transfer,
                 approval_needed=bool(track.mandatory_kinds))

    return run_act(rt, staff_id, report_id, "conclude", do)


def approve_conclusion(rt: Runtime, staff_id: int, report_id: str, note: str = "") -> str:
    """A unit head approves the written conclusion of a mandatory-kind clue (R15)."""
    note = clean_note(note, "note", required=False)

    def do(ctx: Context) -> None:
        ctx.track.approved_at, ctx.track.approved_by = utcnow(), ctx.staff.id
        ctx.track.awaiting_approval = False
        if note:
            seal_record(rt, ctx.session, ctx.report.id, "approval", ctx.staff.id, {"text": note})
        trail.record(ctx.session, ctx.staff.username, "clue.conclusion_approved", ctx.report.id)

    return run_act(rt, staff_id, report_id, "approve", do)


def return_conclusion(rt: Runtime, staff_id: int, report_id: str, note: str) -> str:
    """A unit head sends a conclusion back for more checking, saying why."""
    note = clean_note(note, "note")

    def do(ctx: Context) -> None:
        track = ctx.track
        track.concluded_at = track.concluded_by = track.approved_at = track.approved_by = None
        track.transfer_due = track.due_kind = track.due_on = None
        track.mandatory_kinds, track.gang_related, track.needs_transfer = [], False, False
        track.awaiting_approval = False
        resolve_escalations(ctx.session, ctx.report.id, "transfer")
        seal_record(rt, ctx.session, ctx.report.id, "conclusion_returned", ctx.staff.id, {"text": note})
        ctx.move("checking", "clue.conclusion_returned")

    return run_act(rt, staff_id, report_id, "return_conclusion", do)


def close_clue(rt: Runtime, staff_id: int, report_id: str) -> str:
    """Close a clue after a conclusion needing no transfer, or after the feedback."""
    def do(ctx: Context) -> None:
        ctx.track.closed_at = utcnow()
        ctx.track.due_kind = ctx.track.due_on = None
        resolve_escalations(ctx.session, ctx.report.id)
        ctx.move("closed", "clue.closed")

    return run_act(rt, staff_id, report_id, "close", do)


def archive_clue(rt: Runtime, staff_id: int, report_id: str) -> str:
    """File a closed clue away (归档); the unit head decides."""
    def do(ctx: Context) -> None:
        ctx.track.archived_at = utcnow()
        set_retention(ctx.session, rt.config, ctx.report.id, local_today(rt.config))
        ctx.move("archived", "clue.archived")

    return run_act(rt, staff_id, report_id, "archive", do)


def merge_clue(rt: Runtime, staff_id: int, report_id: str, into_report_id: str) -> str:
    """Merge a duplicate into the clue it repeats; the reporter keeps their receipt."""
    def do(ctx: Context) -> None:
        target = ctx.session.get(Report, into_report_id)
        if target is None or target.id == ctx.report.id or target.state in {"merged", "not_accepted"}:
            raise InvalidInput({"into": N_("Choose another clue that is still open.")})
        if target.unit_id is not None and target.unit_id != ctx.staff.unit_id and target.handler_id != ctx.staff.id:
            raise InvalidInput({"into": N_("Choose another clue that is still open.")})
        ctx.track.merged_into = target.id
        ctx.track.due_kind = ctx.track.due_on = None
        resolve_escalations(ctx.session, ctx.report.id)
        ctx.move("merged", "clue.merged", into=target.id)

    return run_act(rt, staff_id, report_id, "merge", do)


def not_accept_clue(rt: Runtime, staff_id: int, report_id: str, reason: str, note: str = "") -> str:
    """Refuse a clue (不予受理) with a reason from the list and an encrypted note."""
    if reason not in NOT_ACCEPTED_REASONS:
        raise InvalidInput({"reason": N_("Choose a reason.")})
    note = clean_note(note, "note", required=reason == "other")

    def do(ctx: Context) -> None:
        ctx.track.not_accepted_reason = reason
        ctx.track.due_kind = ctx.track.due_on = None
        if note:
            seal_record(rt, ctx.session, ctx.report.id, "not_accepted", ctx.staff.id, {"text": note})
        resolve_escalations(ctx.session, ctx.report.id)
        ctx.move("not_accepted", "clue.not_accepted", reason=reason)

    return run_act(rt, staff_id, report_id, "not_accept", do)
