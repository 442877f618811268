"""Classification (R19): a level and period, proposed by one person and approved by another."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.confidentiality import classification as cls
from models.store.errors import InvalidInput, NotAllowed
from tests.confidentiality.conftest import Office, archived


def _level(office: Office, report_id: str) -> cls.Level:
    with office.rt.stores.case() as session:
        return cls.level_of(session, office.rt.config, report_id)


def test_the_default_marking_until_classified(office: Office) -> None:
    report_id = office.submit()
    level = _level(office, report_id)
    assert (level.level, level.years, level.starts_on) == ("secret", 10, None)
    assert cls.marking_text(level, "zh") == "秘密★10年"
    assert cls.marking_text(level, "en") == "SECRET★10 years"


def test_a_classification_approved_by_its_proposer_is_refused(office: Office) -> None:
    report_id = office.registered()
    change = cls.propose_classification(office.rt, office.head.id, report_id, "confidential", 20, "涉及公职人员")
    with pytest.raises(cls.SelfApprovedClassification):
        cls.decide_classification(office.rt, office.head.id, change, approve=True)
    with pytest.raises(NotAllowed):  # a clerk is not a unit head
        cls.decide_classification(office.rt, office.clerk.id, change, approve=True)
    with pytest.raises(NotAllowed):  # another unit's head
        cls.decide_classification(office.rt, office.other_head.id, change, approve=True)
    assert _level(office, report_id).level == "secret"
    cls.decide_classification(office.rt, office.deputy.id, change, approve=True)
    level = _level(office, report_id)
    assert (level.level, level.years) == ("confidential", 20)
    assert cls.marking_text(level, "zh") == "机密★20年"
    with office.rt.stores.case() as session:
        events = [e.event for e in session.scalars(select(AuditEvent).where(AuditEvent.report_id == report_id))]
    assert "classification.proposed" in events and "classification.approved" in events
    assert events.count("classification.refused") == 3


def test_a_clue_one_cannot_read_cannot_be_classified(office: Office) -> None:
    report_id = office.registered()
    with pytest.raises(NotAllowed):
        cls.propose_classification(office.rt, office.other.id, report_id, "secret", 5)


@pytest.mark.parametrize(("level", "years"), [("secret", 11), ("top_secret", 0), ("public", 5), ("secret", "x")])
def test_bad_levels_and_periods_are_refused(office: Office, level: str, years: object) -> None:
    report_id = office.registered()
    with pytest.raises(InvalidInput):
        cls.propose_classification(office.rt, office.clerk.id, report_id, level, years)  # type: ignore[arg-type]


def test_the_review_list_shows_periods_ending_and_archives_due(office: Office) -> None:
    with time_machine.travel("2026-01-10 09:00 +0800", tick=False) as clock:
        report_id = office.registered()
        change = cls.propose_classification(office.rt, office.clerk.id, report_id, "secret", 1)
        cls.decide_classification(office.rt, office.head.id, change, approve=True)
        old = archived(office)
        with office.rt.stores.case() as session:
            assert cls.review_list(session, office.rt.config) == []
        clock.shift(timedelta(days=365 - 80))
        with office.rt.stores.case() as session:
            items = cls.review_list(session, office.rt.config)
        assert [(i.report_id, i.kind, i.due) for i in items] == [(report_id, "period", date(2027, 1, 10))]
        with office.rt.stores.case() as session:
            later = cls.review_list(session, office.rt.config, today=date(2036, 1, 1))
        assert (old, "retention") in {(i.report_id, i.kind) for i in later}
