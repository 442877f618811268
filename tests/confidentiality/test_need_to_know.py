"""Need-to-know (R20): a clue belongs to the intake office until registered, then to its unit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.cases import casework
from models.confidentiality.offices import give_protection
from models.store.errors import NotAllowed
from tests.confidentiality.conftest import Office


def _refusals(office: Office, username: str) -> int:
    with office.rt.stores.case() as session:
        return len(session.scalars(select(AuditEvent).where(AuditEvent.actor == username,
                                                            AuditEvent.event == "report.access_refused")).all())


def test_an_unregistered_clue_is_seen_only_by_the_intake_office(office: Office) -> None:
    report_id = office.submit()
    assert casework.open_case(office.rt, office.clerk.id, report_id).report.id == report_id
    assert report_id in {r.id for r in casework.list_inbox(office.rt, office.clerk.id).reports}
    for outsider in (office.other, office.other_head):
        assert report_id not in {r.id for r in casework.list_inbox(office.rt, outsider.id).reports}
        with pytest.raises(NotAllowed):
            casework.open_case(office.rt, outsider.id, report_id)
        assert _refusals(office, outsider.username) == 1


def test_a_registered_clue_is_refused_to_another_unit(office: Office) -> None:
    report_id = office.registered()
    with pytest.raises(NotAllowed):
        casework.open_case(office.rt, office.other.id, report_id)
    with pytest.raises(NotAllowed):
        casework.reply_to_reporter(office.rt, office.other.id, report_id, "你好")
    assert _refusals(office, office.other.username) == 2


def test_a_protection_officer_reads_what_they_were_given(office: Office, make_staff) -> None:  # type: ignore[no-untyped-def]
    report_id = office.registered()
    guard = make_staff("guard", "protection_officer", unit="第二科")
    with pytest.raises(NotAllowed):
        casework.open_case(office.rt, guard.id, report_id)
    with pytest.raises(NotAllowed):  # only the clue's unit head gives protection
        give_protection(office.rt, office.other_head.id, report_id, "guard")
    give_protection(office.rt, office.head.id, report_id, "guard")
    assert casework.open_case(office.rt, guard.id, report_id).report.id == report_id
    assert report_id in {r.id for r in casework.list_inbox(office.rt, guard.id).reports}
