"""Statistics for unit heads (R27) and the monthly follow-up survey (R28)."""

from __future__ import annotations

import pytest
import time_machine

from models.cases import statistics, survey, transfer, workflow
from models.reporting import intake
from models.store.errors import NotAllowed, WrongState
from tests.conftest import submission


def test_statistics_count_and_time_to_transfer(office) -> None:
    with time_machine.travel("2026-03-01 10:00:00 +0800", tick=False) as clock:
        fast = office.registered(category="usury", source="phone", channel="phone")
        slow = office.registered()
        office.submit(category="usury")
        for report_id in (fast, slow):
            workflow.start_check(office.rt, office.clerk.id, report_id)
            workflow.add_check_note(office.rt, office.clerk.id, report_id, "note")
            workflow.conclude_check(office.rt, office.clerk.id, report_id, "x", gang_related=True,
                                    shielding_official=False, transfer=True)
            workflow.approve_conclusion(office.rt, office.head.id, report_id)
        clock.shift(2 * 86400)
        transfer.transfer_clue(office.rt, office.clerk.id, fast, office.authority, ["e"])
        clock.shift(4 * 86400)
        transfer.transfer_clue(office.rt, office.clerk.id, slow, office.authority, ["e"])
    stats = statistics.clue_statistics(office.rt, office.head.id)
    assert stats.total == 3
    assert dict(stats.by_category) == {"usury": 2, "village_bully": 1}
    assert dict(stats.by_state) == {"transferred": 2, "received": 1}
    assert dict(stats.by_source) == {"phone": 1, "public": 2}
    assert dict(stats.by_unit) == {"第一科": 2, "": 1}
    assert dict(stats.by_month) == {"2026-03": 3}
    assert stats.transfers == 2
    assert stats.median_days_to_transfer == pytest.approx(4.0)
    assert stats.p90_days_to_transfer == pytest.approx(5.6)


@pytest.mark.parametrize("who", ["clerk", "officer", "auditor"])
def test_statistics_are_for_unit_heads_only(office, who) -> None:
    with pytest.raises(NotAllowed):
        statistics.clue_statistics(office.rt, getattr(office, who).id)


def _closed(office, count: int) -> dict[str, str]:
    receipts = {}
    for _ in range(count):
        receipt = intake.submit_report(office.rt, submission())
        workflow.not_accept_clue(office.rt, office.clerk.id, receipt.report_id, "no_facts")  # not surveyed
        receipt2 = intake.submit_report(office.rt, submission())
        report_id = receipt2.report_id
        workflow.register_clue(office.rt, office.clerk.id, report_id, office.unit_a, office.clerk.id)
        workflow.start_check(office.rt, office.clerk.id, report_id)
        workflow.add_check_note(office.rt, office.clerk.id, report_id, "note")
        workflow.conclude_check(office.rt, office.clerk.id, report_id, "x", gang_related=False,
                                shielding_official=False, transfer=False)
        workflow.close_clue(office.rt, office.clerk.id, report_id)
        receipts[report_id] = receipt2.code
    return receipts


def test_the_monthly_survey_asks_a_sample_of_closed_clues_once(office) -> None:
    receipts = _closed(office, 4)
    asked = survey.run_monthly_survey(office.rt, month="2026-04", size=3)
    assert len(asked) == 3 and set(asked) <= set(receipts)
    with pytest.raises(WrongState):
        survey.run_monthly_survey(office.rt, month="2026-04", size=3)
    # Next month only the clue not yet asked is left.
    assert survey.run_monthly_survey(office.rt, month="2026-05", size=3) == sorted(set(receipts) - set(asked))
    status = intake.reporter_status(office.rt, receipts[asked[0]])
    assert "回访" in status.messages[-1].text and status.messages[-1].sender == "staff"


def test_the_sample_size_comes_from_the_config(office) -> None:
    _closed(office, 3)
    rt = type(office.rt)(**{**vars(office.rt), "config": office.rt.config.with_changes(survey_sample=2)})
    assert len(survey.run_monthly_survey(rt, month="2026-04")) == 2


def test_the_reporters_answer_shows_on_the_case_and_in_the_statistics(office) -> None:
    receipts = _closed(office, 2)
    asked = survey.run_monthly_survey(office.rt, month="2026-04", size=2)
    first, second = asked
    survey.answer_survey(office.rt, receipts[first], "dissatisfied", "处理太慢")
    with pytest.raises(WrongState):
        survey.answer_survey(office.rt, receipts[first], "satisfied")
    intake.add_follow_up(office.rt, receipts[second], "谢谢，已经解决了。")  # an answer by message
    with office.rt.stores.case() as session:
        view = survey.survey_of(session, first)
        assert view is not None and view.satisfaction == "dissatisfied"
        assert survey.survey_of(session, second).replied_by_message
    stats = statistics.clue_statistics(office.rt, office.head.id)
    assert (stats.surveys_sent, stats.surveys_answered) == (2, 2)
    assert stats.satisfaction == {"dissatisfied": 1}
