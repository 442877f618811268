"""The whole state × act and role × act matrix, generated from the workflow's rule table (R14, R15).

``EXPECTED`` is written from SPEC.md R14 by hand, independently of ``workflow.RULES``: widening a
rule (a transfer from ``closed``, say) makes both the table check and the generated matrix fail.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.cases import workflow
from models.cases.tables import ClueTrack
from models.reporting.tables import Report
from models.staff.tables import Staff
from models.store.errors import NotAllowed, WrongState

H, U = {"intake", "unit_head"}, {"unit_head"}
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "register": (H, {"received"}),
    "reassign": (U, {"registered", "checking", "concluded", "transferred", "feedback_received"}),
    "start_check": (H, {"registered"}),
    "add_check_note": (H, {"checking"}),
    "conclude": (H, {"checking"}),
    "approve": (U, {"concluded"}),
    "return_conclusion": (U, {"concluded"}),
    # A second authority may be sent the clue while the first has it (issue 15: several transfers).
    "transfer": (H, {"concluded", "transferred"}),
    "set_handling_deadline": (H, {"transferred"}),
    "record_feedback": (H, {"transferred"}),
    "close": (H, {"concluded", "feedback_received"}),
    "archive": (U, {"closed"}),
    # Side exits of an ordinary clue: only before its conclusion (R14).
    "merge": (H, {"received", "registered", "checking"}),
    "not_accept": (H, {"received", "registered", "checking"}),
}
ROLES = ("intake", "unit_head", "protection_officer", "custodian", "auditor", "admin")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _track(act: str) -> ClueTrack:
    """A track that satisfies every check of ``act`` except the state's."""
    track = ClueTrack(report_id="r", mandatory_kinds=[], gang_related=False, needs_transfer=False)
    if act == "approve":
        track.mandatory_kinds, track.concluded_by = ["official_shielding"], 99
    elif act == "transfer":
        track.mandatory_kinds, track.needs_transfer, track.approved_at = ["gang_transfer"], True, NOW
    return track


def _report(state: str, source: str = "public", channel: str = "web") -> Report:
    return Report(id="r", state=state, unit_id=1, handler_id=1, source=source, channel=channel)


def _staff(role: str) -> Staff:
    return Staff(id=1, username="s", role=role, unit_id=1, active=True)


def _allowed(act: str, role: str, report: Report, track: ClueTrack) -> bool:
    try:
        workflow.check(act, _staff(role), report, track)
    except (NotAllowed, WrongState):
        return False
    return True


def test_the_rule_table_is_the_one_the_rules_describe() -> None:
    assert set(workflow.RULES) == set(EXPECTED)
    assert set(workflow.STATES) >= {s for _roles, states in EXPECTED.values() for s in states}


@pytest.mark.parametrize("act", sorted(EXPECTED))
@pytest.mark.parametrize("state", workflow.STATES)
def test_every_act_in_every_state(act: str, state: str) -> None:
    roles, states = EXPECTED[act]
    role = sorted(roles)[0]
    assert _allowed(act, role, _report(state), _track(act)) == (state in states)


@pytest.mark.parametrize("act", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_every_act_for_every_role(act: str, role: str) -> None:
    roles, states = EXPECTED[act]
    state = sorted(states)[0]
    assert _allowed(act, role, _report(state), _track(act)) == (role in roles)


@pytest.mark.parametrize("act", ["merge", "not_accept"])
@pytest.mark.parametrize(("source", "channel"), [("letter", "letter"), ("visit", "visit"),
                                                 ("discipline", "referral"), ("superior", "referral")])
@pytest.mark.parametrize("state", workflow.STATES)
def test_source_based_mandatory_kinds_leave_only_after_an_approved_conclusion(act: str, source: str,
                                                                             channel: str, state: str) -> None:
    report = _report(state, source, channel)
    unapproved = ClueTrack(report_id="r", mandatory_kinds=["letter_or_visit"], needs_transfer=False)
    approved = ClueTrack(report_id="r", mandatory_kinds=["letter_or_visit"], needs_transfer=False,
                         approved_at=NOW)
    assert not _allowed(act, "intake", report, unapproved)
    assert _allowed(act, "intake", report, approved) == (state == "concluded")
