"""R15: the five mandatory kinds cannot move on without a unit head's approval of the conclusion."""

from __future__ import annotations

import pytest

from models.cases import transfer, workflow
from models.cases.workflow import ApprovalRequired, SelfApproval

KINDS = [
    ("gang_transfer", {"gang": True}),
    ("letter_or_visit", {"source": "letter", "channel": "letter"}),
    ("letter_or_visit", {"source": "visit", "channel": "visit"}),
    ("official_shielding", {"shielding": True}),
    ("organ_referral", {"source": "discipline", "channel": "referral"}),
    ("organ_referral", {"source": "anti_gang_office", "channel": "referral"}),
    ("superior_referral", {"source": "superior", "channel": "referral"}),
]


def _next_step(office, report_id: str, gang: bool) -> None:
    if gang:
        transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["笔录"])
    else:
        workflow.close_clue(office.rt, office.clerk.id, report_id)


@pytest.mark.parametrize(("kind", "changes"), KINDS)
def test_mandatory_kinds_are_blocked_until_a_unit_head_approves(office, kind, changes) -> None:
    changes = dict(changes)  # parametrized values are shared between backends
    gang, shielding = changes.pop("gang", False), changes.pop("shielding", False)
    report_id = office.concluded(gang=gang, shielding=shielding, approve=False, **changes)
    assert kind in office.track(report_id).mandatory_kinds
    with pytest.raises(ApprovalRequired):
        _next_step(office, report_id, gang)
    assert office.state(report_id) == "concluded"
    workflow.approve_conclusion(office.rt, office.head.id, report_id)
    _next_step(office, report_id, gang)
    assert office.state(report_id) == ("transferred" if gang else "closed")


def test_an_ordinary_clue_needs_no_approval(office) -> None:
    report_id = office.concluded(gang=False, transfer=False, approve=False)
    assert office.track(report_id).mandatory_kinds == []
    with pytest.raises(workflow.WrongState):
        workflow.approve_conclusion(office.rt, office.head.id, report_id)
    workflow.close_clue(office.rt, office.clerk.id, report_id)


def test_a_unit_head_cannot_approve_their_own_conclusion(office) -> None:
    report_id = office.checking()
    workflow.conclude_check(office.rt, office.head.id, report_id, "涉黑", gang_related=True,
                            shielding_official=False, transfer=True)
    with pytest.raises(SelfApproval):
        workflow.approve_conclusion(office.rt, office.head.id, report_id)
    workflow.approve_conclusion(office.rt, office.deputy.id, report_id)


def test_a_possible_gang_must_be_transferred(office) -> None:
    report_id = office.checking()
    with pytest.raises(workflow.InvalidInput) as info:
        workflow.conclude_check(office.rt, office.clerk.id, report_id, "涉黑", gang_related=True,
                                shielding_official=False, transfer=False)
    assert "transfer" in info.value.errors


SOURCE_KINDS = [k for k in KINDS if k[0] in workflow.SOURCE_KINDS]


@pytest.mark.parametrize(("kind", "changes"), SOURCE_KINDS)
def test_source_based_kinds_cannot_be_refused_or_merged_without_an_approved_conclusion(office, kind,
                                                                                        changes) -> None:
    # The R15 gap: "not accepted" and "merged" were a way round the unit head's approval.
    rt, clerk = office.rt, office.clerk.id
    target = office.registered()
    for make in (office.submit, office.registered, office.checking):
        report_id = make(**changes)
        with pytest.raises(workflow.ConclusionRequired):
            workflow.not_accept_clue(rt, clerk, report_id, "no_facts")
        with pytest.raises(workflow.ConclusionRequired):
            workflow.merge_clue(rt, clerk, report_id, target)
    report_id = office.concluded(approve=False, **changes)
    with pytest.raises(workflow.ConclusionRequired):
        workflow.not_accept_clue(rt, clerk, report_id, "no_facts")
    assert office.state(report_id) == "concluded"
    workflow.approve_conclusion(rt, office.head.id, report_id)
    assert workflow.not_accept_clue(rt, clerk, report_id, "no_facts") == "not_accepted"
    merged = office.concluded(**changes)
    assert workflow.merge_clue(rt, clerk, merged, target) == "merged"


def test_an_ordinary_clue_still_leaves_early_and_not_after_its_conclusion(office) -> None:
    report_id = office.checking()
    assert workflow.not_accept_clue(office.rt, office.clerk.id, report_id, "no_facts") == "not_accepted"
    concluded = office.concluded(gang=False, transfer=False)
    with pytest.raises(workflow.WrongState):
        workflow.not_accept_clue(office.rt, office.clerk.id, concluded, "no_facts")
