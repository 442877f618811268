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
    # The 保护伞 part goes to discipline inspection on its own, beside the main line, also after the
    # police's feedback is in (#27 item 7); a unit head other than the proposer approves it.
    "transfer_shielding": (H, {"concluded", "transferred", "feedback_received"}),
    "approve_shielding": (U, {"concluded", "transferred", "feedback_received"}),
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
    elif act == "transfer_shielding":
        track.mandatory_kinds, track.approved_at = ["official_shielding"], NOW
    elif act == "approve_shielding":
        track.mandatory_kinds, track.approved_at = ["official_shielding"], NOW
        track.shielding_transfer, track.shielding_proposed_by = "proposed", 99
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


def _shielding_track(**changes: object) -> ClueTrack:
    track = ClueTrack(report_id="r", mandatory_kinds=["gang_transfer", "official_shielding"], gang_related=True,
                      needs_transfer=True, approved_at=NOW, transferred_at=NOW)
    for name, value in changes.items():
        setattr(track, name, value)
    return track


@pytest.mark.parametrize(("changes", "allowed"), [
    ({}, True),
    ({"mandatory_kinds": ["gang_transfer"]}, False),          # the conclusion finds no shielding official
    ({"approved_at": None}, False),                           # the conclusion is not approved yet
    ({"transferred_at": None}, False),                        # the police transfer comes first
    ({"shielding_transfer": "proposed"}, False),              # one proposal at a time
    ({"shielding_transfer": "transferred"}, False),           # and once
])
def test_the_shielding_part_goes_after_an_approved_finding_of_shielding(changes: dict[str, object],
                                                                       allowed: bool) -> None:
    assert _allowed("transfer_shielding", "intake", _report("feedback_received"), _shielding_track(**changes)) \
        == allowed


def test_after_the_police_feedback_the_clerk_may_conclude_or_send_the_shielding_part() -> None:
    """The friction of #27 item 7: after the feedback only "close" was offered."""
    acts = workflow.allowed_acts(_staff("intake"), _report("feedback_received"), _shielding_track())
    assert set(acts) == {"close", "transfer_shielding"}


@pytest.mark.parametrize(("proposer", "status", "allowed"), [
    (99, "proposed", True), (1, "proposed", False), (99, None, False), (99, "transferred", False)])
def test_the_partial_transfer_is_approved_by_another_unit_head(proposer: int, status: str | None,
                                                              allowed: bool) -> None:
    track = _shielding_track(shielding_transfer=status, shielding_proposed_by=proposer)
    assert _allowed("approve_shielding", "unit_head", _report("feedback_received"), track) == allowed


def test_a_clue_is_not_closed_while_its_shielding_part_awaits_approval() -> None:
    track = _shielding_track(shielding_transfer="proposed", shielding_proposed_by=99)
    assert not _allowed("close", "intake", _report("feedback_received"), track)
