"""Who belongs where for need-to-know (R20): the intake office flag and protection assignments."""

from __future__ import annotations

from sqlalchemy import select

from models.audit import trail
from models.confidentiality.need_to_know import OFFICER, head_of_clue
from models.confidentiality.tables import ProtectionAssignment
from models.reporting.tables import Report
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.errors import InvalidInput, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime

ASSIGN = acting.declare("protection.assign", {"unit_head"}, refused="protection.assign_refused", check=head_of_clue,
                        event="protection.assigned")


def set_intake_office(rt: Runtime, unit_name: str, actor: str = "cli") -> int:
    """Flag a unit as the intake office (受理部门): unregistered clues belong to it alone."""
    with rt.stores.case() as session:
        unit = session.scalar(select(Unit).where(Unit.name == unit_name.strip()))
        if unit is None:
            unit = Unit(name=unit_name.strip())
            session.add(unit)
        unit.intake_office = True
        session.flush()
        trail.record(session, actor, "unit.intake_office_set", None, unit=unit.id)
        return unit.id


def intake_office_names(rt: Runtime) -> list[str]:
    """The units flagged as the intake office; none means nobody sees an unregistered clue."""
    with rt.stores.case() as session:
        return list(session.scalars(select(Unit.name).where(Unit.intake_office.is_(True)).order_by(Unit.name)))


def give_protection(rt: Runtime, staff_id: int, report_id: str, officer_username: str) -> None:
    """A unit head gives the protection of a clue's reporter to a protection officer (who may then
    read the clue, R20)."""
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound
        head = acting.perform(session, staff_id, ASSIGN.name, report, report_id=report.id)
        officer = session.scalar(select(Staff).where(Staff.username == officer_username.strip()))
        if officer is None or not officer.active or officer.role != OFFICER:
            raise InvalidInput({"officer": N_("Name an active protection officer.")})
        if session.get(ProtectionAssignment, (report.id, officer.id)) is None:
            session.add(ProtectionAssignment(report_id=report.id, officer_id=officer.id, given_by=head.id))
        acting.done(session, head, ASSIGN.name, report.id, officer=officer.username)
