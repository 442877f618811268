"""The staff workbench (issue 15): what waits for whom, the inbox as a work queue, confirmations of
irreversible acts, several transfers per clue and the unit head's decisions on escalated items.

Every test runs on SQLite and PostgreSQL (the ``office`` fixture takes the backend)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from sqlalchemy import select

from models.audit.tables import AuditEvent
from models.cases import deadlines, transfer, workflow
from models.protection import measures, unseal
from models.reporting import intake
from models.staff.accounts import find_staff
from models.staff.secrets import open_totp
from tests.cases.test_deadlines import DAY0
from tests.conftest import PASSWORD, StaffUser, submission

ROW = re.compile(r'class="registry">([0-9-]+)</a>')


def listed(browser, query: str = "") -> list[str]:
    return ROW.findall(browser.get(f"/cases?{query}").get_data(as_text=True))


def nav_count(html: str, label: str) -> int:
    """The count beside a navigation link (0 when it shows none)."""
    start = html.index('<nav class="staff-nav"')
    nav = html[start: html.index("</nav>", start)]
    found = re.search(re.escape(label) + r' <span class="count" data-count="(\d+)"', nav)
    return int(found.group(1)) if found else 0


def registry_no(office, report_id: str) -> str:
    from models.reporting.tables import Report

    with office.rt.stores.case() as session:
        return session.get(Report, report_id).registry_no


def act(browser, report_id: str, name: str, **form):
    if name in ("approve", "transfer"):  # past their confirmation page (tested in test_friction_pages)
        form.setdefault("confirmed", "1")
    return browser.post(f"/cases/{report_id}/act/{name}", form, page=f"/cases/{report_id}")


def events(office, name: str) -> list[AuditEvent]:
    with office.rt.stores.case() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name)))


# --- what waits for whom ---------------------------------------------------------------------


def test_the_clerk_sees_unread_reporter_messages_until_opening_the_clue(office, sign_in) -> None:
    receipt = intake.submit_report(office.rt, submission())
    workflow.register_clue(office.rt, office.clerk.id, receipt.report_id, office.unit_a, office.clerk.id)
    clerk, other = sign_in(office.clerk), sign_in(office.other)
    assert nav_count(clerk.get("/cases").get_data(as_text=True), "未读留言") == 0
    intake.add_follow_up(office.rt, receipt.code, "昨晚有陌生人在我家门口转悠")
    html = clerk.get("/cases").get_data(as_text=True)
    assert nav_count(html, "未读留言") == 1 and "新留言" in html
    assert listed(clerk, "unread=1") == [receipt.registry_no]
    # Another unit's clerk may not read the clue, so nothing waits for them (R20).
    assert nav_count(other.get("/cases").get_data(as_text=True), "未读留言") == 0
    clerk.get(f"/cases/{receipt.report_id}")
    assert nav_count(clerk.get("/cases").get_data(as_text=True), "未读留言") == 0
    assert listed(clerk, "unread=1") == []


def test_the_unit_head_sees_approvals_waiting_but_not_their_own(office, sign_in) -> None:
    report_id = office.concluded(gang=True, approve=False)
    head, deputy = sign_in(office.head), sign_in(office.deputy)
    html = head.get("/").get_data(as_text=True)
    assert nav_count(html, "待审批") == 1
    assert listed(head, "approval=1") == [registry_no(office, report_id)]
    assert nav_count(sign_in(office.other_head).get("/").get_data(as_text=True), "待审批") == 0
    workflow.approve_conclusion(office.rt, office.head.id, report_id)
    assert nav_count(deputy.get("/").get_data(as_text=True), "待审批") == 0
    # A head who wrote the conclusion is not asked to approve it.
    mine = office.checking()
    workflow.conclude_check(office.rt, office.head.id, mine, "涉黑", gang_related=True,
                            shielding_official=False, transfer=True)
    assert nav_count(head.get("/").get_data(as_text=True), "待审批") == 0
    assert nav_count(deputy.get("/").get_data(as_text=True), "待审批") == 1


def test_the_protection_officer_sees_confidential_reporters_awaiting_assessment(office, sign_in,
                                                                                custodians) -> None:
    confidential = intake.submit_report(office.rt, submission(identity={"name": "某某"}))
    intake.submit_report(office.rt, submission())  # anonymous: nobody to protect
    officer = sign_in(office.officer)
    html = officer.get("/").get_data(as_text=True)
    assert nav_count(html, "待风险评估") == 1
    assert listed(officer, "assessment=waiting") == [confidential.registry_no]
    measures.set_risk(office.rt, office.officer.id, confidential.report_id, "medium", "对方知道举报人住址")
    assert nav_count(officer.get("/").get_data(as_text=True), "待风险评估") == 0


def test_a_custodian_sees_unseal_requests_waiting_for_their_answer(office, sign_in, custodians) -> None:
    confidential = intake.submit_report(office.rt, submission(identity={"name": "某某"}))
    keeper = find_staff(office.rt, "keeper1")
    # The stored seed is sealed (R29); the test signs in with the seed in clear, as an authenticator app has it.
    seed = open_totp(office.rt, keeper.id, keeper.totp_secret)
    user = StaffUser(keeper.id, "keeper1", "custodian", PASSWORD, seed)
    browser = sign_in(user)
    assert nav_count(browser.get("/").get_data(as_text=True), "解封申请") == 0
    request_id = unseal.request_unseal(office.rt, office.officer.id, confidential.report_id,
                                       "评估报复风险，安排保护。", "reporter_at_risk")
    assert nav_count(browser.get("/").get_data(as_text=True), "解封申请") == 1
    unseal.deny_unseal(office.rt, keeper.id, request_id, "理由不足")
    assert nav_count(browser.get("/").get_data(as_text=True), "解封申请") == 0


def test_overdue_items_are_counted_for_the_clerk(office, sign_in) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        office.concluded(gang=True)
        clerk = sign_in(office.clerk)
        assert nav_count(clerk.get("/").get_data(as_text=True), "期限看板") == 0
        clock.shift(8 * 86400)
        clerk = sign_in(office.clerk)  # the earlier session timed out meanwhile
        assert nav_count(clerk.get("/").get_data(as_text=True), "期限看板") == 1
        assert nav_count(sign_in(office.other).get("/").get_data(as_text=True), "期限看板") == 0


# --- finding a clue ----------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["{no}", "{year}-{seq}", " {no} "])
def test_search_by_registry_number(office, sign_in, form: str) -> None:
    wanted = office.submit()
    office.submit()
    number = registry_no(office, wanted)
    year, seq = number.split("-")
    browser = sign_in(office.clerk)
    assert listed(browser, "q=" + form.format(no=number, year=year, seq=int(seq))) == [number]


def test_search_never_finds_another_units_clue(office, sign_in) -> None:
    theirs = office.submit()
    # Only the intake office sees an unregistered clue (R20): it registers this one to the other unit.
    workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
    number = registry_no(office, theirs)
    assert listed(sign_in(office.clerk), f"q={number}") == []
    assert listed(sign_in(office.other), f"q={number}") == [number]


def test_search_by_person_and_keyword_reads_content_and_audits_without_the_words(office, sign_in) -> None:
    from models.reporting.intake import Person

    target = office.submit(reported=[Person(name="刘某（外号刀疤）", position="催收负责人")],
                           description="半夜砸门、喷漆，还打电话辱骂家人。")
    office.submit()
    browser = sign_in(office.clerk)
    number = registry_no(office, target)
    assert listed(browser, "q=刀疤") == [number]
    assert listed(browser, "q=喷漆 砸门") == [number]
    assert listed(browser, "q=不存在的词") == []
    searched = events(office, "reports.searched")
    assert len(searched) == 3
    assert all("刀疤" not in str(e.detail) and "喷漆" not in str(e.detail) for e in searched)


def _inbox_office(office):
    """Clues in several situations, for the filters."""
    with time_machine.travel(DAY0, tick=False) as clock:
        mine = office.registered()
        theirs = office.submit()
        workflow.register_clue(office.rt, office.head.id, theirs, office.unit_a, office.head.id)
        waiting = office.concluded(gang=True, approve=False)
        late = office.concluded(gang=True)
        clock.shift(86400)
        fresh = office.concluded(gang=True)
    return {"mine": mine, "theirs": theirs, "waiting": waiting, "late": late, "fresh": fresh}


@pytest.mark.parametrize(("query", "expected"), [
    ("handler=me", {"mine", "waiting", "late", "fresh"}),
    ("handler={head}", {"theirs"}),
    ("unit={unit_a}&state=registered", {"mine", "theirs"}),
    ("state=concluded", {"waiting", "late", "fresh"}),
    ("approval=1", {"waiting"}),
    ("overdue=1", {"waiting", "late"}),
    ("due_before=2026-03-08", {"waiting", "late"}),
    ("unit={unit_b}", set()),
])
def test_each_inbox_filter(office, sign_in, query: str, expected: set[str]) -> None:
    clues = _inbox_office(office)
    with time_machine.travel("2026-03-09 10:00:00 +0800", tick=False):
        browser = sign_in(office.clerk)
        got = listed(browser, query.format(head=office.head.id, unit_a=office.unit_a, unit_b=office.unit_b))
    assert set(got) == {registry_no(office, clues[k]) for k in expected}


def test_the_risk_filter_and_sorting_by_due_date(office, sign_in) -> None:
    clues = _inbox_office(office)
    measures.set_risk(office.rt, office.officer.id, clues["mine"], "imminent", "扬言报复")
    browser = sign_in(office.clerk)
    assert listed(browser, "risk=high") == [registry_no(office, clues["mine"])]
    assert listed(browser, "risk=imminent") == [registry_no(office, clues["mine"])]
    by_due = listed(browser, "sort=due")
    assert by_due[-1] == registry_no(office, clues["fresh"])  # due a day later than the others
    assert set(by_due) == {registry_no(office, clues[k]) for k in ("waiting", "late", "fresh")}
    oldest, newest = listed(browser, "sort=oldest"), listed(browser)
    assert oldest[-1] == newest[0] == registry_no(office, clues["fresh"])  # received a day after the others
    # Nonsense is ignored, not an error.
    assert browser.get("/cases?sort=%3Cx%3E&unit=abc&due_before=tomorrow&risk=x").status_code == 200


def test_the_inbox_shows_handler_unit_due_date_and_approval_columns(office, sign_in) -> None:
    with time_machine.travel(DAY0, tick=False):
        waiting = office.concluded(gang=True, approve=False)
        html = sign_in(office.clerk).get("/cases").get_data(as_text=True)
    row = html[html.index(registry_no(office, waiting)):].split("</tr>")[0]
    assert "第一科" in row and "clerk" in row and "2026-03-08" in row and "待审批" in row


# --- confirmations -------------------------------------------------------------------------------


def _clue_for(office, name: str) -> str:
    if name == "close":
        return office.concluded(gang=False, transfer=False)
    if name == "archive":
        report_id = office.concluded(gang=False, transfer=False)
        workflow.close_clue(office.rt, office.clerk.id, report_id)
        return report_id
    return office.registered()


@pytest.mark.parametrize(("name", "who", "form", "words", "after"), [
    ("not_accept", "clerk", {"reason": "no_facts", "note": ""}, "不予受理", "not_accepted"),
    ("merge", "clerk", {"into": "{other}"}, "并入线索", "merged"),
    ("close", "clerk", {}, "办结", "closed"),
    ("archive", "head", {}, "归档", "archived"),
])
def test_every_irreversible_act_asks_first_and_says_what_will_happen(office, sign_in, name, who, form, words,
                                                                     after) -> None:
    report_id = _clue_for(office, name)
    before = office.state(report_id)
    other = office.registered()
    form = {k: v.format(other=registry_no(office, other)) for k, v in form.items()}
    browser = sign_in(getattr(office, who))
    asked = act(browser, report_id, name, **form)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="consequence"' in html and words in html
    assert registry_no(office, report_id) in html and "不可撤销" in html
    assert 'name="confirmed" value="1"' in html
    assert office.state(report_id) == before  # nothing happened yet
    if name == "merge":
        assert registry_no(office, other) in html
    done = act(browser, report_id, name, confirmed="1", **form)
    assert done.status_code == 302 and done.headers["Location"].endswith("#workflow")
    assert office.state(report_id) == after


def test_a_refusal_needs_a_reason_before_the_confirmation(office, sign_in) -> None:
    report_id = office.registered()
    browser = sign_in(office.clerk)
    response = act(browser, report_id, "not_accept", reason="", note="")
    assert response.status_code == 400 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert office.state(report_id) == "registered"


def test_no_confirmation_is_offered_for_an_act_not_allowed(office, sign_in) -> None:
    report_id = _clue_for(office, "archive")
    response = act(sign_in(office.clerk), report_id, "archive")  # archiving is for the unit head
    assert response.status_code == 403 or 'id="consequence"' not in response.get_data(as_text=True)
    assert office.state(report_id) == "closed"


@pytest.mark.parametrize(("name", "role"), [
    pytest.param("deactivate", "intake", id="deactivate"),
    pytest.param("reset", "intake", id="reset"),
    pytest.param("reset", "custodian", id="reset-no-content-role"),
])
def test_admin_deactivate_and_reset_ask_first(office, sign_in, make_staff, name: str, role: str) -> None:
    from models.administration import approvals
    from models.staff.accounts import accept_pledge, get_staff

    admin = make_staff("root", "admin", unit=None)
    target = make_staff("leaving", role)
    browser = sign_in(admin)
    asked = browser.post(f"/admin/staff/{target.id}/{name}", page="/admin/staff")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="consequence"' in html and "leaving" in html
    # Nothing happened yet: still active, no code issued, nothing asked of the unit head.
    assert get_staff(office.rt, target.id).active and "enrollment-code" not in html
    assert events(office, "staff.password_reset") == events(office, "staff.change_requested") == []
    done = browser.post(f"/admin/staff/{target.id}/{name}", {"confirmed": "1"}, page="/admin/staff")
    if name == "deactivate":
        assert not get_staff(office.rt, target.id).active and done.status_code == 302
        return
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    if role == "intake":
        # A content role's reset waits for the unit head, who gets the code; the admin sees none (R29).
        assert 'id="pending"' in html and "enrollment-code" not in html
        # The head decides only under a current undertaking (R30), as when signed in to the pages.
        accept_pledge(office.rt, office.head.id)
        waiting = approvals.pending_for(office.rt, office.head.id)
        assert [(c.username, c.kind) for c in waiting] == [("leaving", "reset")]
    else:
        # An account outside the content roles waits for another administrator, who gets the code:
        # never the one who asked (R29: no single person takes over another's account).
        assert 'id="pending"' in html and "enrollment-code" not in html
        assert len(events(office, "staff.change_requested")) == 1 and events(office, "staff.password_reset") == []


# --- the case page -----------------------------------------------------------------------------


def test_a_conclusion_needs_a_check_note(office, sign_in) -> None:
    report_id = office.registered()
    workflow.start_check(office.rt, office.clerk.id, report_id)
    browser = sign_in(office.clerk)
    assert 'id="conclude-needs-note"' in browser.get(f"/cases/{report_id}").get_data(as_text=True)
    response = act(browser, report_id, "conclude", text="属实")
    assert response.status_code == 400 and office.state(report_id) == "checking"
    with pytest.raises(workflow.InvalidInput):
        workflow.conclude_check(office.rt, office.clerk.id, report_id, "x", gang_related=False,
                                shielding_official=False, transfer=False)


def test_a_handling_deadline_error_marks_the_field_and_keeps_the_value(office, sign_in) -> None:
    report_id = office.transferred()
    browser = sign_in(office.clerk)
    [t] = _transfers(office, report_id)
    response = act(browser, report_id, "set_handling_deadline", transfer_id=t.id, deadline="2001-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="2001-01-01" aria-invalid="true"' in html and 'id="err-deadline"' in html


def test_after_an_act_the_panel_says_what_happened(office, sign_in) -> None:
    report_id = office.submit()
    browser = sign_in(office.clerk)
    done = act(browser, report_id, "register", assignee=f"{office.unit_a}:{office.clerk.id}")
    assert done.headers["Location"].endswith(f"/cases/{report_id}#workflow")
    html = browser.get(f"/cases/{report_id}").get_data(as_text=True)
    assert "线索已登记" in html and 'id="timeline"' in html


def test_phone_clue_source_is_not_repeated(office, sign_in) -> None:
    report_id = office.submit(channel="phone", source="phone")
    html = sign_in(office.clerk).get(f"/cases/{report_id}").get_data(as_text=True)
    assert "电话 · 电话" not in html


# --- several transfers -------------------------------------------------------------------------


def _transfers(office, report_id: str):
    with office.rt.stores.case() as session:
        return transfer.list_transfers(session, report_id)


def test_two_transfers_with_their_own_deadlines_and_feedback(office, sign_in) -> None:
    discipline = transfer.add_authority(office.rt, office.head.id, "某县纪委监委", "discipline")
    report_id = office.concluded(gang=True, shielding=True)
    browser = sign_in(office.clerk)
    act(browser, report_id, "transfer", authority_id=str(office.authority), evidence="询问笔录",
        handling_deadline="2030-03-01")
    assert office.state(report_id) == "transferred"
    html = browser.get(f"/cases/{report_id}").get_data(as_text=True)
    assert "再移送至另一机关" in html
    # The same authority again, while it still owes feedback, is refused.
    again = act(browser, report_id, "transfer", authority_id=str(office.authority), evidence="x")
    assert again.status_code == 400 and len(_transfers(office, report_id)) == 1
    act(browser, report_id, "transfer", authority_id=str(discipline), evidence="保护伞线索材料")
    police, inspection = _transfers(office, report_id)
    assert (police.handling_deadline, police.feedback_due) == (date(2030, 3, 1), date(2030, 3, 6))
    assert inspection.handling_deadline is None
    act(browser, report_id, "set_handling_deadline", transfer_id=inspection.id, deadline="2030-02-01")
    police, inspection = _transfers(office, report_id)
    assert inspection.feedback_due == date(2030, 2, 6) and police.feedback_due == date(2030, 3, 6)
    # The board tracks the earliest open feedback.
    assert office.track(report_id).due_on == date(2030, 2, 6)
    act(browser, report_id, "record_feedback", transfer_id=inspection.id, text="已立案审查")
    assert office.state(report_id) == "transferred"
    assert office.track(report_id).due_on == date(2030, 3, 6)
    act(browser, report_id, "record_feedback", transfer_id=police.id, text="已立案侦查")
    assert office.state(report_id) == "feedback_received"
    assert office.track(report_id).due_on is None
    html = browser.get(f"/cases/{report_id}").get_data(as_text=True)
    table = html[html.index('id="transfers"'):].split("</table>")[0]
    assert "某县公安局" in table and "某县纪委监委" in table and table.count("已于") == 2


# --- the deadline board and R18 decisions ------------------------------------------------------


def test_the_board_shows_every_open_deadline_and_filters(office, sign_in) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        soon = office.concluded(gang=True)
        later = office.transferred(deadline=date(2026, 4, 1))
        clock.shift(6 * 86400)
        clerk = sign_in(office.clerk)
        html = clerk.get("/deadlines").get_data(as_text=True)
        assert registry_no(office, soon) in html and registry_no(office, later) in html
        # Each row says what is due and how it stands, in the staff member's language, and links to the case.
        row = html[html.index(registry_no(office, soon)):].split("</tr>")[0]
        assert "移送" in row and "即将到期" in row
        assert f'href="/cases/{soon}#workflow"' in html[:html.index(registry_no(office, soon))][-120:]
        later_row = html[html.index(registry_no(office, later)):].split("</tr>")[0]
        assert "反馈" in later_row and "未到期" in later_row
        feedback = clerk.get("/deadlines?kind=feedback").get_data(as_text=True)
        assert registry_no(office, soon) not in feedback and registry_no(office, later) in feedback
        pending = clerk.get("/deadlines?status=pending").get_data(as_text=True)
        assert registry_no(office, later) in pending and registry_no(office, soon) not in pending
        due_soon = clerk.get("/deadlines?status=due_soon").get_data(as_text=True)
        assert registry_no(office, soon) in due_soon and registry_no(office, later) not in due_soon


def test_a_unit_head_records_a_talk_on_an_escalated_item(office, sign_in) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.concluded(gang=True)
        clock.shift(9 * 86400)
        deadlines.escalate_overdue(office.rt)
        head = sign_in(office.head)
        home = head.get("/").get_data(as_text=True)
        assert 'id="escalation-banner"' in home and "/deadlines?status=overdue" in home
        board = head.get("/deadlines?status=overdue").get_data(as_text=True)
        escalation_id = int(re.search(r"/escalations/(\d+)/decide", board).group(1))
        # Only the unit head of the clue's unit decides; intake staff cannot even post.
        assert sign_in(office.clerk).post(f"/escalations/{escalation_id}/decide",
                                          {"decision": "talk", "note": "x"}, page="/deadlines").status_code == 403
        sign_in(office.other_head).post(f"/escalations/{escalation_id}/decide", {"decision": "talk", "note": "x"},
                                        page="/deadlines")
        assert events(office, "escalation.decided") == []
        response = head.post(f"/escalations/{escalation_id}/decide",
                             {"decision": "talk", "note": "约谈承办人，要求两日内移送。"}, page="/deadlines")
        assert response.status_code == 302
        board = head.get("/deadlines").get_data(as_text=True)
        decisions = board[board.index('id="decisions"'):]
        assert "约谈" in decisions and "第一科 · clerk" in decisions and registry_no(office, report_id) in decisions
        [event] = events(office, "escalation.decided")
        assert event.detail["decision"] == "talk" and "约谈承办人" not in str(event.detail)
        # The note is a sealed record on the clue's timeline.
        assert "约谈承办人" in head.get(f"/cases/{report_id}").get_data(as_text=True)


def test_a_decision_needs_a_known_kind_and_a_note(office) -> None:
    from models.cases.escalation import record_escalation_decision

    with time_machine.travel(DAY0, tick=False) as clock:
        office.concluded(gang=True)
        clock.shift(9 * 86400)
        [item] = deadlines.escalate_overdue(office.rt)
        [board_item] = deadlines.deadline_board(office.rt, office.head.id)
        for decision, note in (("fire", "x"), ("talk", "")):
            with pytest.raises(workflow.InvalidInput):
                record_escalation_decision(office.rt, office.head.id, board_item.escalation_id, decision, note)
        assert item.report_id == board_item.report_id


# --- every page has the staff title and navigation ---------------------------------------------


@pytest.mark.parametrize("path", ["/deadlines", "/stats", "/authorities", "/no-such-page", "/cases/nope"])
def test_staff_pages_keep_the_staff_title_and_navigation(office, sign_in, path: str) -> None:
    html = sign_in(office.head).get(path).get_data(as_text=True)
    assert "线索管理（工作人员）" in html.split("</title>")[0]
    start = html.index('<nav class="staff-nav"')
    nav = html[start: html.index("</nav>", start)]
    for link in ("/cases", "/deadlines", "/stats", "/authorities", "/cases/new"):
        assert f'href="{link}"' in nav, (path, link)


# --- statistics and record-a-clue ----------------------------------------------------------------


def test_statistics_filter_by_date_and_unit_and_export_csv_audited(office, sign_in) -> None:
    with time_machine.travel("2026-03-01 10:00:00 +0800", tick=False):
        office.registered(category="usury")
    with time_machine.travel("2026-04-01 10:00:00 +0800", tick=False):
        theirs = office.submit(category="vice")
        # The intake office registers it to the other unit (only it sees unregistered clues, R20).
        workflow.register_clue(office.rt, office.clerk.id, theirs, office.unit_b, office.other.id)
        head = sign_in(office.head)
        march = head.get("/stats?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
        assert "线索总数：1" in march and "高利放贷" in march
        unit_b = head.get(f"/stats?unit={office.unit_b}").get_data(as_text=True)
        assert "线索总数：1" in unit_b and "第二科" in unit_b
        csv_file = head.get(f"/stats.csv?unit={office.unit_b}")
        assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
        body = csv_file.get_data(as_text=True)
        assert "第二科" in body and "第一科" not in body
        assert sign_in(office.clerk).get("/stats.csv").status_code == 403
    [exported] = events(office, "statistics.exported")
    assert exported.actor == "head" and exported.detail["unit"] == office.unit_b


def test_chart_labels_fit_however_long() -> None:
    from web.staff.charts import bar_chart, text_width

    label = "利用家族宗族势力横行乡里的“村霸”等黑恶势力"
    svg = str(bar_chart("t", [(label, 3.0), ("A rather long English label for a chart", 1.0)]))
    x = float(re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end"', svg).group(1))
    assert x >= min(text_width(label), 400)  # the right-aligned label starts inside the picture
    assert f"<title>{label}</title>" in svg  # the full label stays readable


def test_record_a_clue_shows_only_a_persons_identity_fields(office, sign_in) -> None:
    html = sign_in(office.clerk).get("/cases/new").get_data(as_text=True)
    assert 'id="identity-fields"' in html and 'id="mode-confidential"' in html
    assert "telegram" not in html.lower() and "identity-file_metadata" not in html
    assert html.count("<input") + html.count("<textarea") + html.count("<select") < 30


def test_the_printed_transfer_package_has_category_place_time_and_approver(office, sign_in) -> None:
    report_id = office.transferred()
    [t] = _transfers(office, report_id)
    html = sign_in(office.clerk).get(f"/transfers/{t.id}").get_data(as_text=True)
    table = html[html.index('class="package"'):].split("</table>")[0]
    # The time reads in words (#27 item 11c): the stored "2026-10" as 2026年10月.
    assert "村霸" in table and "某县某村" in table and "2026年10月" in table and "head" in table
    # The print stylesheet hides the navigation and forms.
    assert "staff.css" in html
