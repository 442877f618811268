"""Redaction (R12): staff mark passages of a clue's text; exports and transfers render it blacked out.

A mark is a field name and a character range, never the passage itself, so the marks hold no
clue text. ``redacted_clue`` is what any export or transfer package must use: it carries only the
clue document's own fields (never identity, never file metadata) with every marked passage
replaced by a fixed-width block, so the length of what was removed does not show either.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import trail
from models.cases.casework import open_case
from models.cases.tables import RedactionMark
from models.staff import acting
from models.staff.tables import Staff
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotFound
from models.store.i18n import N_
from models.store.runtime import Runtime

REDACTED = "■■■"
TEXT_FIELDS = ("description", "location", "occurred_on")
PEOPLE_FIELDS = ("reported", "shielding")
PERSON_PARTS = ("name", "unit", "position", "place")
MARKERS = frozenset({"intake", "unit_head", "protection_officer"})
MARK = acting.declare("redaction.mark", MARKERS, refused="redaction.refused")
# What ``_marker`` is asked for: one act per function, all for the markers.
for _act in ("redaction_marks", "mark_redaction", "remove_redaction", "redacted_clue"):
    acting.declare(f"redaction.{_act}", MARKERS, refused="redaction.refused")


@dataclass(frozen=True)
class Mark:
    id: str
    field: str
    start: int
    end: int
    marked_by: int
    marked_at: datetime


def field_text(clue: dict[str, Any], field: str) -> str | None:
    """The text of one redactable field: ``description`` or ``reported.0.name`` and the like."""
    if field in TEXT_FIELDS:
        value = clue.get(field)
        return value if isinstance(value, str) else None
    parts = field.split(".")
    if len(parts) == 3 and parts[0] in PEOPLE_FIELDS and parts[1].isdigit() and parts[2] in PERSON_PARTS:
        people = clue.get(parts[0]) or []
        i = int(parts[1])
        if i < len(people) and isinstance(people[i], dict):
            value = people[i].get(parts[2])
            return value if isinstance(value, str) else None
    return None


def redactable_fields(clue: dict[str, Any]) -> list[str]:
    """Every field of this clue that has text to mark."""
    names = [f for f in TEXT_FIELDS if field_text(clue, f)]
    for group in PEOPLE_FIELDS:
        for i, _person in enumerate(clue.get(group) or []):
            names += [f"{group}.{i}.{p}" for p in PERSON_PARTS if field_text(clue, f"{group}.{i}.{p}")]
    return names


def _redact(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in ranges):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [text[pos:start], REDACTED]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def apply_redactions(clue: dict[str, Any], marks: Iterable[Mark]) -> dict[str, Any]:
    """The clue document with marked passages blacked out; only the clue's own fields survive."""
    by_field: dict[str, list[tuple[int, int]]] = {}
    for m in marks:
        by_field.setdefault(m.field, []).append((m.start, m.end))
    result: dict[str, Any] = {"category": clue.get("category", "")}
    for f in TEXT_FIELDS:
        result[f] = _redact(field_text(clue, f) or "", by_field.get(f, []))
    for group in PEOPLE_FIELDS:
        result[group] = [
            {p: _redact(field_text(clue, f"{group}.{i}.{p}") or "", by_field.get(f"{group}.{i}.{p}", []))
             for p in PERSON_PARTS if field_text(clue, f"{group}.{i}.{p}")}
            for i, _person in enumerate(clue.get(group) or [])
        ]
    return result


def marks_of(session: Session, report_id: str) -> list[Mark]:
    """The redaction marks of a clue, read in the caller's transaction."""
    rows = session.scalars(select(RedactionMark).where(RedactionMark.report_id == report_id)
                           .order_by(RedactionMark.field, RedactionMark.start)).all()
    return [Mark(r.id, r.field, r.start, r.end, r.marked_by, r.marked_at) for r in rows]


def _marks(rt: Runtime, report_id: str) -> list[Mark]:
    with rt.stores.case() as session:
        return marks_of(session, report_id)


def _marker(rt: Runtime, staff_id: int, act: str, report_id: str | None = None) -> Staff:
    """The acting staff member if their role may mark redactions; a refusal is audited."""
    with rt.stores.case() as session:
        return acting.perform(session, staff_id, f"redaction.{act}", report_id=report_id)


def redaction_marks(rt: Runtime, staff_id: int, report_id: str) -> tuple[dict[str, Any], list[Mark]]:
    """The clue (for a reader allowed to see it) and its marks, to show and edit them."""
    _marker(rt, staff_id, "redaction_marks", report_id)
    case = open_case(rt, staff_id, report_id)
    return case.clue, _marks(rt, report_id)


def mark_redaction(rt: Runtime, staff_id: int, report_id: str, field: str, *, phrase: str | None = None,
                   start: int | None = None, end: int | None = None) -> list[str]:
    """Mark a passage to redact: a character range of one field, or every place a phrase occurs."""
    staff = _marker(rt, staff_id, "mark_redaction", report_id)
    clue = open_case(rt, staff_id, report_id).clue
    text = field_text(clue, field)
    if text is None:
        raise InvalidInput({"field": N_("Choose a part of the clue that has text.")})
    if phrase:
        ranges, at = [], text.find(phrase)
        while at >= 0:
            ranges.append((at, at + len(phrase)))
            at = text.find(phrase, at + len(phrase))
        if not ranges:
            raise InvalidInput({"phrase": N_("This passage does not occur in the chosen part of the clue.")})
    elif start is not None and end is not None and 0 <= start < end <= len(text):
        ranges = [(start, end)]
    else:
        raise InvalidInput({"phrase": N_("Give the exact passage to redact.")})
    ids = []
    with rt.stores.case() as session:
        for s, e in ranges:
            mark = RedactionMark(id=str(uuid.uuid4()), report_id=report_id, field=field, start=s, end=e,
                                 marked_by=staff.id, marked_at=utcnow())
            session.add(mark)
            ids.append(mark.id)
        trail.record(session, staff.username, "redaction.marked", report_id, field=field, marks=len(ids))
    return ids


def remove_redaction(rt: Runtime, staff_id: int, mark_id: str) -> None:
    """Take a redaction mark away again."""
    staff = _marker(rt, staff_id, "remove_redaction")
    with rt.stores.case() as session:
        mark = session.get(RedactionMark, mark_id)
        if mark is None:
            raise NotFound
        report_id = mark.report_id
    open_case(rt, staff_id, report_id)  # need-to-know, as for marking
    with rt.stores.case() as session:
        mark = session.get(RedactionMark, mark_id)
        if mark is not None:
            session.delete(mark)
        trail.record(session, staff.username, "redaction.removed", report_id, mark=mark_id)


def redacted_clue(rt: Runtime, staff_id: int, report_id: str) -> dict[str, Any]:
    """The clue as exports and transfer packages carry it: marked passages out, no identity."""
    staff = _marker(rt, staff_id, "redacted_clue", report_id)
    clue = open_case(rt, staff_id, report_id).clue
    result = apply_redactions(clue, _marks(rt, report_id))
    with rt.stores.case() as session:
        trail.record(session, staff.username, "report.redacted_rendered", report_id)
    return result
