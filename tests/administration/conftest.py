"""Fixtures of the account-administration tests: an administrator and a small unit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.audit.tables import AuditEvent
from models.staff.accounts import get_or_create_unit
from models.store.runtime import Runtime
from tests.conftest import StaffUser

UNIT = "第一科"


@pytest.fixture
def admin(make_staff) -> StaffUser:  # type: ignore[no-untyped-def]
    return make_staff("root", "admin", unit=None)


@pytest.fixture
def unit_id(staff_rt: Runtime) -> int:
    return get_or_create_unit(staff_rt, UNIT)


@pytest.fixture
def events(staff_rt: Runtime) -> Callable[[], list[AuditEvent]]:
    """events() -> every audit event so far, oldest first."""

    def read() -> list[AuditEvent]:
        with staff_rt.stores.case() as session:
            return list(session.query(AuditEvent).order_by(AuditEvent.id))

    return read
