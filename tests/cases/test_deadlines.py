"""The 7-day transfer and 5-day feedback deadlines on a frozen clock, the board and escalation (R16–R18)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from models.cases import deadlines, transfer, workflow

# 10:00 in Beijing on 1 March 2026: the conclusion day (day 0).
DAY0 = "2026-03-01 10:00:00 +0800"


def _board(office, staff=None):
    return {i.report_id: i for i in deadlines.deadline_board(office.rt, staff.id if staff else None)}


@pytest.mark.parametrize(("day", "status", "days_left"), [
    (4, "pending", 3),        # on the board, not yet due soon
    (6, "due_soon", 1),
    (7, "due_soon", 0),       # the 7th day is still on time
    (8, "overdue", -1),
])
def test_transfer_is_due_seven_days_after_a_gang_conclusion(office, day, status, days_left) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.concluded(gang=True)
        assert office.track(report_id).transfer_due == date(2026, 3, 8)
        clock.shift(day * 86400)
        item = _board(office).get(report_id)
        if status is None:
            assert item is None
        else:
            assert (item.kind, item.status, item.days_left) == ("transfer", status, days_left)


def test_deadline_days_are_counted_in_the_configured_time_zone(office) -> None:
    # 00:30 on 1 March in Beijing is still 28 February in UTC: the clock follows Beijing.
    with time_machine.travel("2026-03-01 00:30:00 +0800", tick=False):
        report_id = office.concluded(gang=True)
    assert office.track(report_id).transfer_due == date(2026, 3, 8)


def test_a_conclusion_without_gang_starts_no_transfer_clock(office) -> None:
    report_id = office.concluded(gang=False, transfer=True)
    assert office.track(report_id).transfer_due is None
    assert report_id not in _board(office)


@pytest.mark.parametrize(("day", "status"), [(3, "due_soon"), (5, "due_soon"), (6, "overdue")])
def test_feedback_is_due_five_days_after_the_handling_deadline(office, day, status) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.transferred(deadline=date(2026, 3, 20))
        assert office.track(report_id).feedback_due == date(2026, 3, 25)
        clock.shift((19 + day) * 86400)  # DAY0 + 19 days = 20 March, the handling deadline
        item = _board(office)[report_id]
        assert (item.kind, item.status) == ("feedback", status)


def test_the_handling_deadline_can_be_recorded_after_the_transfer(office) -> None:
    report_id = office.transferred()
    assert office.track(report_id).due_kind is None
    transfer.set_handling_deadline(office.rt, office.clerk.id, report_id, date(2030, 1, 1))
    track = office.track(report_id)
    assert (track.due_kind, track.feedback_due) == ("feedback", date(2030, 1, 6))


def test_done_items_leave_the_board(office) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.concluded(gang=True)
        clock.shift(9 * 86400)
        assert _board(office)[report_id].status == "overdue"
        transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["笔录"])
        assert report_id not in _board(office)


def test_the_board_shows_each_unit_its_own_items(office) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        ours = office.concluded(gang=True)
        theirs = office.submit()
        # The intake office registers it to the other unit (R20: only it sees new clues).
        workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
        workflow.start_check(office.rt, office.other.id, theirs)
        workflow.add_check_note(office.rt, office.other.id, theirs, "note")
        workflow.conclude_check(office.rt, office.other.id, theirs, "x", gang_related=True,
                                shielding_official=False, transfer=True)
        clock.shift(7 * 86400)
        assert set(_board(office, office.clerk)) == {ours}
        assert set(_board(office, office.other_head)) == {theirs}
        assert set(_board(office)) == {ours, theirs}
        item = _board(office)[ours]
        assert (item.unit_name, item.handler_name) == ("第一科", "clerk")
        with pytest.raises(workflow.NotAllowed):
            deadlines.deadline_board(office.rt, office.auditor.id)


def test_overdue_items_are_escalated_once_to_their_unit_head(office) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.concluded(gang=True)
        clock.shift(8 * 86400)
        assert [i.report_id for i in deadlines.escalate_overdue(office.rt)] == [report_id]
        assert deadlines.escalate_overdue(office.rt) == []       # not twice
        assert deadlines.open_escalations(office.rt, office.head.id) == 1
        assert deadlines.open_escalations(office.rt, office.other_head.id) == 0
        assert deadlines.open_escalations(office.rt, office.clerk.id) == 0  # unit heads only
        assert _board(office)[report_id].escalated
        transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["笔录"])
        assert deadlines.open_escalations(office.rt, office.head.id) == 0


def test_items_not_yet_overdue_are_not_escalated(office) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        office.concluded(gang=True)
        clock.shift(7 * 86400)
        assert deadlines.escalate_overdue(office.rt) == []
