"""What every domain's matrix test shares (issue 23): its hand-written table of who may do what,
held against the acts the domain declares (``models.staff.acting``), and refusals audited.

A domain's test writes its table by hand, from SPEC.md, independently of the declarations: widening
or narrowing an act's roles in models, or dropping a role from the table, fails the test.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.staff import acting
from models.staff.tables import Staff
from models.store.errors import NotAllowed, WrongState
from models.store.runtime import Runtime

ROLES = ("intake", "unit_head", "protection_officer", "custodian", "auditor", "admin")
# Every module that declares acts, so a domain's table is compared with all of its acts.
DECLARING = ("models.cases.casework", "models.cases.deadlines", "models.cases.escalation", "models.cases.redaction",
             "models.cases.statistics", "models.cases.transfer", "models.cases.workflow",
             "models.confidentiality.borrowing", "models.confidentiality.classification",
             "models.confidentiality.copies", "models.confidentiality.destruction",
             "models.confidentiality.meetings", "models.confidentiality.offices",
             "models.protection.measures", "models.protection.unseal", "models.protection.disclosure",
             "models.protection.custodian_lifecycle", "models.administration.staff_admin",
             "models.administration.approvals", "models.administration.units", "models.staff.auditing",
             "models.linking.search")


def declared(prefixes: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """The acts of these domains (by the first part of their names) and their declared roles."""
    for name in DECLARING:
        importlib.import_module(name)
    return {n: a.roles for n, a in acting.ACTS.items() if n.split(".", 1)[0] in prefixes}


def role_cases(table: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(act, role) for act in sorted(table) for role in ROLES]


def passes_role(act: str, role: str, active: bool = True) -> bool:
    """Whether ``role`` passes the act's role gate (``acting.check`` without its target check)."""
    staff = Staff(id=1, username="s", role=role, unit_id=1, active=active)
    spec = acting.ACTS[act]
    try:
        acting.check(acting.Act(spec.name, spec.roles, spec.refused), None, staff)  # type: ignore[arg-type]
    except (NotAllowed, WrongState):
        return False
    return True


def refusals(rt: Runtime, username: str) -> list[AuditEvent]:
    with rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.actor == username,
                                                             AuditEvent.event.endswith("refused"))
                                    .order_by(AuditEvent.id)))


def assert_refusals_audited(rt: Runtime, table: dict[str, set[str]], staff_ids: dict[str, int],
                            usernames: dict[str, str]) -> None:
    """Every act, tried by a role its table row leaves out, is refused and the refusal audited with
    who, which act and why (never content)."""
    for act, roles in sorted(table.items()):
        outsider = next(r for r in ROLES if r not in roles)
        before = len(refusals(rt, usernames[outsider]))
        with rt.stores.case() as session:
            try:
                acting.perform(session, staff_ids[outsider], act)
            except NotAllowed:
                pass
            else:
                raise AssertionError(f"{outsider} may {act}")
        events = refusals(rt, usernames[outsider])
        assert len(events) == before + 1, act
        assert events[-1].event == acting.ACTS[act].refused
        assert events[-1].detail == {"act": acting.ACTS[act].short, "reason": "role"}, act


def matrix_tests(table: dict[str, set[str]], prefixes: tuple[str, ...], prefix: str) -> tuple[Any, Any, Any]:
    """The three tests every domain's matrix runs against its ``table`` (assign them in the module)."""

    def test_the_table_is_every_act_of_the_domain() -> None:
        assert set(declared(prefixes)) == set(table)

    @pytest.mark.parametrize(("act", "role"), role_cases(table))
    def test_every_act_for_every_role(act: str, role: str) -> None:
        declared(prefixes)
        assert passes_role(act, role) == (role in table[act])
        assert not passes_role(act, role, active=False)

    def test_refusals_are_audited(staff_rt: Runtime, make_staff: Any) -> None:
        people = {role: make_staff(f"{prefix}_{role}", role, unit=None if role in {"custodian", "auditor", "admin"}
                                   else "第一科") for role in ROLES}
        assert_refusals_audited(staff_rt, table, {r: p.id for r, p in people.items()},
                                {r: p.username for r, p in people.items()})

    return test_the_table_is_every_act_of_the_domain, test_every_act_for_every_role, test_refusals_are_audited
