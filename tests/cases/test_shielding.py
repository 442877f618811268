"""The 保护伞 part of a clue goes to discipline inspection on its own (#27 item 7, R15, R16).

After the police's feedback the clerk was offered only "办结线索": the shielding officials the clue
names could no longer reach 纪委监委. Now the clerk proposes the partial transfer, another unit
head approves it, and the clue waits for that feedback too before it is closed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.cases import shielding, transfer, workflow
from models.cases.tables import Transfer
from models.store.errors import InvalidInput, NotAllowed, WrongState


def _after_police_feedback(office) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    report_id = office.concluded(gang=True, shielding=True)
    transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["询问笔录一份"])
    transfer.record_feedback(office.rt, office.clerk.id, report_id, "已立案侦查。")
    assert office.state(report_id) == "feedback_received"
    commission = transfer.add_authority(office.rt, office.head.id, "某县纪委监委", "discipline")
    return report_id, commission


def _propose(office, report_id: str, authority: int) -> None:  # type: ignore[no-untyped-def]
    shielding.propose_shielding_transfer(office.rt, office.clerk.id, report_id, authority,
                                         "李某（某镇派出所所长）涉嫌包庇的部分。", ["谈话笔录一份"])


def test_after_the_police_feedback_the_shielding_part_goes_to_the_commission(office) -> None:
    report_id, commission = _after_police_feedback(office)
    _propose(office, report_id, commission)
    assert office.state(report_id) == "feedback_received"  # nothing left the office yet
    with pytest.raises(NotAllowed):  # the proposer is not the approver
        shielding.decide_shielding_transfer(office.rt, office.clerk.id, report_id, True)
    with pytest.raises(WrongState):  # nor is the clue closed under the proposal
        workflow.close_clue(office.rt, office.clerk.id, report_id)

    shielding.decide_shielding_transfer(office.rt, office.head.id, report_id, True)
    assert office.state(report_id) == "transferred"
    with office.rt.stores.case() as session:
        rows = {t.part: t for t in session.scalars(select(Transfer).where(Transfer.report_id == report_id))}
        assert rows["shielding"].approved_by == office.head.id and rows["whole"].feedback_at is not None
        assert "李某".encode() not in rows["shielding"].package
    package = transfer.transfer_package(office.rt, office.clerk.id, rows["shielding"].id)
    assert package["part"] == "shielding" and package["authority"] == "某县纪委监委"
    assert package["part_note"].startswith("李某") and package["evidence"] == ["谈话笔录一份"]

    transfer.record_feedback(office.rt, office.clerk.id, report_id, "已对李某立案审查。")
    assert office.state(report_id) == "feedback_received"
    with pytest.raises(WrongState):  # once only
        _propose(office, report_id, commission)
    workflow.close_clue(office.rt, office.clerk.id, report_id)


def test_a_refused_proposal_is_withdrawn_with_the_reason_and_can_be_made_again(office) -> None:
    report_id, commission = _after_police_feedback(office)
    _propose(office, report_id, commission)
    with pytest.raises(InvalidInput):  # a refusal says why
        shielding.decide_shielding_transfer(office.rt, office.head.id, report_id, False, "")
    shielding.decide_shielding_transfer(office.rt, office.head.id, report_id, False, "材料不足，补充后再报。")
    assert office.state(report_id) == "feedback_received" and office.track(report_id).shielding_transfer is None
    _propose(office, report_id, commission)
    assert office.track(report_id).shielding_transfer == "proposed"


def test_the_shielding_part_goes_only_to_discipline_inspection(office) -> None:
    report_id, _commission = _after_police_feedback(office)
    with pytest.raises(InvalidInput) as info:
        _propose(office, report_id, office.authority)  # the police
    assert "authority_id" in info.value.errors


def test_without_a_finding_of_shielding_there_is_no_partial_transfer(office) -> None:
    report_id = office.concluded(gang=True, shielding=False)
    transfer.transfer_clue(office.rt, office.clerk.id, report_id, office.authority, ["询问笔录一份"])
    commission = transfer.add_authority(office.rt, office.head.id, "某县纪委监委", "discipline")
    with pytest.raises(WrongState):
        _propose(office, report_id, commission)


def _post(browser, report_id: str, act: str, **form: str):  # type: ignore[no-untyped-def]
    return browser.post(f"/cases/{report_id}/act/{act}", form, page=f"/cases/{report_id}")


def test_the_case_page_offers_the_partial_transfer_and_its_approval(office, sign_in) -> None:
    report_id, commission = _after_police_feedback(office)
    clerk = sign_in(office.clerk)
    html = clerk.get(f"/cases/{report_id}").get_data(as_text=True)
    assert 'id="act-close"' in html and 'id="act-transfer_shielding"' in html
    form = html.split('id="act-transfer_shielding"', 1)[1].split("</form>", 1)[0]
    assert "某县纪委监委" in form and "某县公安局" not in form  # only the commission is offered
    _post(clerk, report_id, "transfer_shielding", authority_id=str(commission), part="李某涉嫌包庇。",
          evidence="谈话笔录一份")
    html = clerk.get(f"/cases/{report_id}").get_data(as_text=True)
    assert "仅保护伞部分" in html and "等待单位负责人批准" in html and 'id="act-close"' not in html

    head = sign_in(office.head)
    asked = _post(head, report_id, "approve_shielding", decision="approve")
    assert asked.status_code == 200 and office.state(report_id) == "feedback_received"  # it asks first
    _post(head, report_id, "approve_shielding", decision="approve", confirmed="1")
    assert office.state(report_id) == "transferred"


def test_the_json_api_proposes_and_decides_the_partial_transfer(office, staff_app, api_token) -> None:
    report_id, commission = _after_police_feedback(office)
    client, url = staff_app.test_client(), f"/api/v1/cases/{report_id}"
    clerk, head = api_token(office.clerk), api_token(office.head)
    r = client.post(f"{url}/shielding-transfer", json={"authority_id": commission, "part": "李某涉嫌包庇。",
                                                       "evidence": ["谈话笔录一份"]}, headers=clerk)
    assert (r.status_code, r.get_json()["state"]) == (200, "feedback_received")
    assert client.post(f"{url}/shielding-decision", json={"approve": True}, headers=clerk).status_code == 403
    r = client.post(f"{url}/shielding-decision", json={"approve": True}, headers=head)
    assert (r.status_code, r.get_json()["state"]) == (200, "transferred")
