"""The managed list of units (R13: every clue has one responsible unit).

Units are chosen from this list everywhere, never typed: a half-width bracket once made a second
"unit" by accident. Names are compared after Unicode NFKC normalisation and with spaces collapsed,
so "第一科(演示)" and "第一科（演示）" are the same unit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select

from models.administration.staff_admin import OPERATOR, AdminOnly
from models.audit import trail
from models.staff import acting
from models.staff.tables import Staff, Unit
from models.store.errors import InvalidInput
from models.store.i18n import N_
from models.store.runtime import Runtime

MAX_NAME = 200
MANAGE = acting.declare("unit.manage", {"admin"}, refused="unit.refused", denied=AdminOnly)


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    staff: int


def unit_key(name: str) -> str:
    """What makes two unit names the same: NFKC, no surrounding or repeated spaces, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def list_units(rt: Runtime) -> list[UnitRow]:
    """Every unit with its number of active staff (names only; no clue is read)."""
    with rt.stores.case() as session:
        counts = dict(session.execute(select(Staff.unit_id, func.count()).where(Staff.active.is_(True))
                                      .group_by(Staff.unit_id)).all())
        return [UnitRow(u.id, u.name, counts.get(u.id, 0)) for u in session.scalars(select(Unit).order_by(Unit.name))]


def add_unit(rt: Runtime, admin_id: int | None, name: str) -> int:
    """Add a unit to the list (administrators); a name equal to an existing one is refused."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput({"name": N_("Give the unit's name (at most 200 characters).")})
    with rt.stores.case() as session:
        actor = OPERATOR if admin_id is None else acting.perform(session, admin_id, MANAGE.name).username
        key = unit_key(name)
        if any(unit_key(u) == key for u in session.scalars(select(Unit.name))):
            raise InvalidInput({"name": N_("This unit is already on the list.")})
        row = Unit(name=name)
        session.add(row)
        session.flush()
        trail.record(session, actor, "unit.added", None, unit=row.id)
        return row.id

