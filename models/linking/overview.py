"""The overview for unit heads (issue 24 item 5): the people and officials named in more than one
clue the head may read, most named first, each with its clues, and who is named with whom.

Within need-to-know (R20): only the clues the head handles count or appear (their unit's, or, in the
intake office, the clues not yet registered; ``visible_cases``). Borrowed clues are left out: a
loan is for reading one clue, and every read under it is recorded for the lending unit. The index
holds keyed tokens only, so the people are grouped by token and each name is read back from one of
the head's own clues (opened on the staff side, which holds the key). The view is audited without
words: how many people and clues were shown.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.confidentiality.need_to_know import visible_cases
from models.linking import index
from models.linking.normalise import name_values
from models.linking.tables import ClueToken
from models.reporting.tables import DataKey, Report
from models.staff import acting
from models.staff.tables import Unit
from models.store.runtime import Runtime

# Unit heads: the spec gives them the statistics (R27) and the approval of loans (R20); a clerk
# searches for a name, a head sees the pattern across their unit.
OVERVIEW = acting.declare("link.overview", {"unit_head"}, refused="link.refused", event="link.overview_viewed")
NAMED = ("person", "official")
# Spaces between Chinese characters (张 三) are no part of a name; between Latin words they are.
CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
TOP = 30
# At most this many clues listed under one person (the count says how many there are).
CLUES_SHOWN = 20


@dataclass(frozen=True)
class Clue:
    report_id: str
    registry_no: str
    unit: str | None
    state: str
    created_at: datetime


@dataclass(frozen=True)
class Named:
    name: str
    roles: tuple[str, ...]  # person, official: how the clues named them
    count: int
    clues: list[Clue]


@dataclass(frozen=True)
class Overview:
    people: list[Named]
    # (i, j, clues naming both), indexes into ``people``
    pairs: list[tuple[int, int, int]]


def _readable_tokens(session: Session, staff: Any) -> dict[bytes, set[str]]:
    """token -> the head's clues naming that person or official."""
    named: dict[bytes, set[str]] = defaultdict(set)
    rows = session.execute(select(ClueToken.token, ClueToken.report_id)
                           .join(Report, Report.id == ClueToken.report_id)
                           .where(ClueToken.kind.in_(NAMED), visible_cases(staff)))
    for token, report_id in rows:
        named[bytes(token)].add(report_id)
    return named


def _name_in(rt: Runtime, session: Session, key: bytes, report_id: str, token: bytes) -> tuple[str, set[str]]:
    """The name as one of the head's clues wrote it, and the roles the clue gave it."""
    row = session.execute(select(Report.id, Report.data_key_id, Report.content, DataKey.sealed)
                          .join(DataKey, DataKey.id == Report.data_key_id).where(Report.id == report_id)).one()
    clue = index.open_clue(rt.require_private(), row, row.sealed)
    found, roles = "", set()
    for group, kind in (("reported", "person"), ("shielding", "official")):
        for person in clue.get(group) or []:
            name = str(person.get("name") or "") if isinstance(person, dict) else ""
            if index.tokens_of(key, name_values(name, kind)) & {(kind, token)}:
                found = found or CJK_GAP.sub("", name.strip())
                roles.add(kind)
    return found, roles


def people_overview(rt: Runtime, staff_id: int, top: int = TOP) -> Overview:
    """The people and officials named in more than one of the head's clues, most first (top ``top``)."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, OVERVIEW.name)
        index.catch_up(rt, session)
        key = index.index_key(rt)
        named = _readable_tokens(session, staff)
        ranked = sorted(((t, ids) for t, ids in named.items() if len(ids) > 1),
                        key=lambda item: (-len(item[1]), min(item[1])))[:top]
        wanted = {rid for _t, ids in ranked for rid in ids}
        rows = {r.id: r for r in session.execute(
            select(Report.id, Report.registry_no, Report.state, Report.created_at, Unit.name.label("unit"))
            .outerjoin(Unit, Unit.id == Report.unit_id).where(Report.id.in_(wanted)))} if wanted else {}
        people: list[Named] = []
        for token, ids in ranked:
            clues = sorted((Clue(r.id, r.registry_no, r.unit, r.state, r.created_at) for i in ids
                            if (r := rows.get(i))), key=lambda c: c.created_at, reverse=True)
            name, roles = _name_in(rt, session, key, clues[0].report_id, token)
            people.append(Named(name or "?", tuple(k for k in NAMED if k in roles), len(ids),
                                clues[:CLUES_SHOWN]))
        pairs = [(i, j, len(ranked[i][1] & ranked[j][1])) for i, j in combinations(range(len(ranked)), 2)
                 if ranked[i][1] & ranked[j][1]]
        acting.done(session, staff, OVERVIEW.name, None, people=len(people), clues=len(wanted))
        return Overview(people, pairs)
