"""The audit trail is append-only and hash-chained; tampering is detected (R23)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from models.audit import trail
from models.audit.tables import AuditEvent
from models.reporting import intake
from tests.conftest import submission


@pytest.fixture
def chain(public_rt):
    for _ in range(3):
        intake.submit_report(public_rt, submission())
    with public_rt.stores.case() as session:
        trail.record(session, "tester", "test.event", None, note="plain")
    return public_rt


def test_an_untouched_trail_verifies(chain) -> None:
    with chain.stores.case() as session:
        assert trail.verify(session) == []
        assert session.query(AuditEvent).count() == 4


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (update(AuditEvent).where(AuditEvent.id == 2).values(actor="someone else"), "event altered"),
        (update(AuditEvent).where(AuditEvent.id == 2).values(event="report.viewed"), "event altered"),
        (update(AuditEvent).where(AuditEvent.id == 1).values(detail={"files": 9}), "event altered"),
        (delete(AuditEvent).where(AuditEvent.id == 2), "missing event"),
        (delete(AuditEvent).where(AuditEvent.id == 4), "events removed from the end"),
    ],
)
def test_tampering_is_detected(chain, tamper, reason) -> None:
    with chain.stores.case() as session:
        session.execute(tamper)
    with chain.stores.case() as session:
        problems = trail.verify(session)
    assert reason in {p.reason for p in problems}


def test_recomputing_one_hash_still_breaks_the_chain(chain) -> None:
    """A forger who rewrites an event and its hash breaks the link to the next event."""
    with chain.stores.case() as session:
        row = session.get(AuditEvent, 2)
        row.actor = "forger"
        row.hash = trail._digest(row.prev_hash, row.id, trail._normalise(row.at), row.actor, row.event,
                                 row.report_id, dict(row.detail))
    with chain.stores.case() as session:
        assert [p.reason for p in trail.verify(session)] == ["chain broken"]


def test_events_carry_no_content(chain) -> None:
    with chain.stores.case() as session:
        text = " ".join(f"{e.actor} {e.event} {e.detail}" for e in session.query(AuditEvent))
    assert "强占" not in text and "张某" not in text
