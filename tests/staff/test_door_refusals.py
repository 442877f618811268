"""Refusals at the door are audited (R23, issue 22): who, which act, why — never content.

The role gate of the pages (``require_act``) and of the JSON API (``api_auth``) asks the act's
declaration in models (``models.staff.acting``); a role the act does not declare gets 403 as before,
and the refusal lands in the audit trail, where the auditor's pages can filter refusals.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.reporting import intake
from models.staff import acting
from tests.conftest import submission

ROOT = Path(__file__).resolve().parents[2]


def _refusals(rt, username: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.actor == username,
                                                             AuditEvent.event.endswith("refused"))
                                    .order_by(AuditEvent.id)))


def test_every_door_names_a_declared_act() -> None:
    for mod in pkgutil.iter_modules([str(ROOT / "web" / "staff")]):
        importlib.import_module(f"web.staff.{mod.name}")
    from web.staff.auth import DOOR_ACTS

    assert len(DOOR_ACTS) > 40
    assert sorted(name for name in DOOR_ACTS if name not in acting.ACTS) == []


def test_no_view_keeps_a_list_of_roles() -> None:
    for path in (ROOT / "web" / "staff").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "require_role" not in text, path
        assert "me().role in" not in text, path


def test_a_refusal_at_a_page_door_is_audited(sign_in, make_staff, public_rt, staff_rt) -> None:
    receipt = intake.submit_report(public_rt, submission())
    admin = sign_in(make_staff("door_admin", "admin", unit=None))
    assert admin.get(f"/cases/{receipt.report_id}").status_code == 403
    [event] = _refusals(staff_rt, "door_admin")
    assert event.event == "report.access_refused"
    assert event.detail == {"act": "read", "reason": "role", "endpoint": "cases.case"}
    assert event.report_id is None  # the door names the act, not the clue
    officer = sign_in(make_staff("door_officer", "protection_officer"))
    assert officer.post("/audit/checkpoint", {"passphrase": "x" * 12}, page="/").status_code == 403
    assert [(e.event, e.detail["act"]) for e in _refusals(staff_rt, "door_officer")] == [("audit.refused", "sign")]


def test_a_refusal_at_the_api_door_is_audited(staff_app, make_staff, api_token, staff_rt) -> None:
    client = staff_app.test_client()
    headers = api_token(make_staff("api_custodian", "custodian", unit=None))
    assert client.get("/api/v1/reports", headers=headers).status_code == 403
    [event] = _refusals(staff_rt, "api_custodian")
    assert event.event == "report.access_refused" and event.detail["reason"] == "role"


def test_an_allowed_role_passes_the_door_without_a_trace(sign_in, make_staff, staff_rt) -> None:
    clerk = sign_in(make_staff("door_clerk", "intake"))
    assert clerk.get("/cases").status_code == 200
    assert _refusals(staff_rt, "door_clerk") == []


@pytest.fixture
def auditor(sign_in, make_staff):  # type: ignore[no-untyped-def]
    return sign_in(make_staff("door_auditor", "auditor", unit=None))


def test_the_auditor_filters_refusals(auditor, sign_in, make_staff) -> None:
    admin = sign_in(make_staff("door_admin2", "admin", unit=None))
    assert admin.get("/cases").status_code == 403
    everything = auditor.get("/audit").get_data(as_text=True)
    assert "signin.succeeded" in everything and "report.access_refused" in everything
    refusals = auditor.get("/audit?refusals=1").get_data(as_text=True)
    assert "report.access_refused" in refusals and "signin.succeeded" not in refusals
