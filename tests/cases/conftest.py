"""Fixtures of the workflow tests: a small office (two units) and helpers to move a clue along."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from models.cases import transfer, workflow
from models.reporting import intake
from models.staff.tables import Staff
from models.store.runtime import Runtime
from tests.conftest import StaffUser, submission

UNIT_A = "第一科"
UNIT_B = "第二科"


@dataclass
class Office:
    rt: Runtime
    clerk: StaffUser
    head: StaffUser
    deputy: StaffUser
    other: StaffUser
    other_head: StaffUser
    officer: StaffUser
    auditor: StaffUser
    unit_a: int
    unit_b: int
    authority: int

    def submit(self, **changes: Any) -> str:
        return intake.submit_report(self.rt, submission(**changes)).report_id

    def registered(self, **changes: Any) -> str:
        report_id = self.submit(**changes)
        workflow.register_clue(self.rt, self.clerk.id, report_id, self.unit_a, self.clerk.id)
        return report_id

    def checking(self, **changes: Any) -> str:
        report_id = self.registered(**changes)
        workflow.start_check(self.rt, self.clerk.id, report_id)
        # A conclusion needs at least one check note; the helpers write one right away.
        workflow.add_check_note(self.rt, self.clerk.id, report_id, "核查笔记：走访了两名摊主。")
        return report_id

    def concluded(self, *, gang: bool = False, transfer: bool | None = None, shielding: bool = False,
                  approve: bool = True, **changes: Any) -> str:
        report_id = self.checking(**changes)
        workflow.conclude_check(self.rt, self.clerk.id, report_id, "核查结论：属实。", gang_related=gang,
                                shielding_official=shielding, transfer=gang if transfer is None else transfer)
        if approve and workflow.approval_pending(self.track(report_id)):
            workflow.approve_conclusion(self.rt, self.head.id, report_id)
        return report_id

    def transferred(self, deadline: Any = None, **changes: Any) -> str:
        report_id = self.concluded(gang=True, **changes)
        transfer.transfer_clue(self.rt, self.clerk.id, report_id, self.authority, ["询问笔录一份"],
                               handling_deadline=deadline)
        return report_id

    def state(self, report_id: str) -> str:
        return self._report(report_id).state

    def registry_no(self, report_id: str) -> str:
        return self._report(report_id).registry_no

    def _report(self, report_id: str) -> Any:
        from models.reporting.tables import Report

        with self.rt.stores.case() as session:
            report = session.get(Report, report_id)
            assert report is not None
            return report

    def track(self, report_id: str) -> Any:
        from models.cases.tables import ClueTrack

        with self.rt.stores.case() as session:
            return session.get(ClueTrack, report_id)


@pytest.fixture
def office(staff_rt: Runtime, public_rt: Runtime, make_staff) -> Office:  # type: ignore[no-untyped-def]
    clerk = make_staff("clerk", "intake", unit=UNIT_A)
    head = make_staff("head", "unit_head", unit=UNIT_A)
    deputy = make_staff("deputy", "unit_head", unit=UNIT_A)
    other = make_staff("other", "intake", unit=UNIT_B)
    other_head = make_staff("otherhead", "unit_head", unit=UNIT_B)
    officer = make_staff("officer", "protection_officer", unit=UNIT_A)
    auditor = make_staff("auditor", "auditor", unit=None)
    with staff_rt.stores.case() as session:
        unit_a = session.get(Staff, clerk.id).unit_id
        unit_b = session.get(Staff, other.id).unit_id
    authority = transfer.add_authority(staff_rt, head.id, "某县公安局", "police")
    return Office(staff_rt, clerk, head, deputy, other, other_head, officer, auditor, unit_a, unit_b, authority)
