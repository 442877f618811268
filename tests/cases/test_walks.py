"""A clerk's, a unit head's, a protection officer's, an auditor's, two custodians' and two
administrators' day in Debian chromium at 1280×800, by links and buttons only (one typed address:
the sign-in page), counting page loads per job, with axe-core on every page on the way (no serious
or critical violation). The browser is tests/cases/walking.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from models.administration import staff_admin
from models.cases import deadlines
from models.linking import search
from models.protection import unseal
from models.reporting import intake
from models.reporting.intake import Person
from tests.cases.walking import Walk, record, shot
from tests.conftest import PASSWORD, StaffUser, submission
from tests.public.browser import ARGS, CHROMIUM, serving

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:
    # The walks need one store; the page tests cover both backends.
    return "sqlite"


@pytest.fixture
def base_url(staff_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(staff_app) as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def walk(chromium, base_url) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    contexts = []

    def open_walk() -> Walk:
        # bypass_csp only lets the test inject axe-core; the pages themselves run no script.
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", bypass_csp=True)
        contexts.append(context)
        return Walk(context.new_page(), base_url)

    yield open_walk
    for context in contexts:
        context.close()


def test_a_clerk_takes_a_phone_clue_from_intake_to_feedback(office, walk) -> None:
    # Other work in the queue, so the inbox looks like a working day.
    office.registered(category="usury")
    office.concluded(gang=True, approve=False, category="industry_bully")
    office.transferred(deadline=date.today() + timedelta(days=20), category="vice")
    waiting = intake.submit_report(office.rt, submission(category="village_bully"))
    intake.add_follow_up(office.rt, waiting.code, "昨晚有陌生人在我家门口转悠。")
    w, jobs = walk(), {}
    w.sign_in(office.clerk)
    jobs["sign in"] = w.job()
    w.nav("/cases/new")
    w.page.select_option("#source", "phone")
    w.page.select_option("#category", "market_bully")
    w.page.fill("#description", "来电称：农贸市场的摊主每月被迫交500元“管理费”，不交就被掀摊。")
    w.page.fill("#reported-0-name", "外号“黑皮”的男子")
    assert not w.page.is_visible("#identity-name")
    w.page.check("input[name=notice_read]")
    w.click("#new-clue button[type=submit]")
    registry_no = w.page.text_content("#registry-no").strip()
    jobs["record a phone clue"] = w.job()
    w.click("text=打开该线索")
    w.page.select_option("#assign-register", label=f"第一科 · {office.clerk.username}")
    w.click("#act-register button")
    assert "线索已登记" in w.page.content()
    w.click("#act-start_check button")
    jobs["register and start the check"] = w.job()
    w.page.fill("#note-text", "电话回访两名摊主，情况属实。")
    w.click("#act-add_check_note button")
    w.page.fill("#conclusion-text", "经初查，市场存在强收“管理费”情况，移送公安机关。")
    w.page.check("#act-conclude input[name=transfer]")
    w.click("#act-conclude button")
    jobs["check note and conclusion"] = w.job()
    shot(w, "case-page")
    w.page.fill("#evidence", "摊主询问笔录两份")
    w.page.fill("#handling-deadline", "2030-01-31")
    w.click("#act-transfer button")
    w.click("#confirm button")  # it leaves the office: asked once more
    assert w.page.locator("#transfers").count() == 1
    jobs["transfer"] = w.job()
    w.page.fill("#feedback-1", "公安机关已立案侦查。")
    w.click("#act-record_feedback button")
    assert "已记录接收机关的反馈" in w.page.content()
    w.click("#act-close button")
    assert w.page.locator("#consequence").count() == 1  # the confirmation says what will happen
    w.click("#confirm button")
    assert "线索已办结" in w.page.content()
    jobs["feedback and close (with its confirmation)"] = w.job()
    w.nav("/cases")
    assert registry_no in w.page.content()
    shot(w, "inbox")
    jobs["back to the inbox"] = w.job()
    record("clerk", jobs, w)


def test_a_unit_head_approves_and_decides_on_an_escalation(office, walk) -> None:
    for _ in range(2):
        office.registered(shielding=[Person(name="钱多多", unit="某镇派出所")], reported=[Person(name="黑皮")])
    waiting = office.concluded(gang=True, approve=False)
    with time_machine.travel(datetime.now(UTC) - timedelta(days=10), tick=False):
        late = office.concluded(gang=True)
    deadlines.escalate_overdue(office.rt)
    w, jobs = walk(), {}
    w.sign_in(office.head)
    assert w.page.locator("#escalation-banner").count() == 1
    jobs["sign in"] = w.job()
    w.nav("/cases?approval=1")
    w.click(f"text={_no(office, waiting)}")
    w.page.fill("#approve-note", "同意移送。")
    w.click("#act-approve button")
    w.click("#confirm button")
    assert "您已审批通过该结论" in w.page.content()
    jobs["approve a conclusion"] = w.job()
    w.click("#escalation-banner a")
    shot(w, "deadline-board")
    w.page.select_option("#escalated select[name=decision]", "talk")
    w.page.fill("#escalated input[name=note]", "约谈承办人，要求两日内移送。")
    w.click("#escalated button")
    assert _no(office, late) in w.page.text_content("#decisions")
    jobs["record a 约谈 on an escalated item"] = w.job()
    for href in ("/stats", "/authorities", "/deadlines", "/cases?handler=me", "/cases?unread=1", "/cases/new",
                 "/protection", "/account/password"):
        w.nav(href)
    jobs["every page of the navigation (axe on each)"] = w.job()
    # Connected clues (#24): the official named in both of the unit's clues, with the graph drawn
    # on the server (works without JavaScript; axe reads it).
    w.nav("/linking")
    assert w.page.locator("main svg").count() == 1 and "钱多多" in w.page.text_content("main")
    shot(w, "linking-overview")
    jobs["connected clues: who is named in more than one clue"] = w.job()
    record("unit-head", jobs, w)


def test_a_protection_officer_assesses_and_asks_to_unseal(office, walk, custodians) -> None:
    receipt = intake.submit_report(office.rt, submission(identity={"name": "（测试）张三", "phone": "13800000000"}))
    w, jobs = walk(), {}
    w.sign_in(office.officer)
    jobs["sign in"] = w.job()
    w.nav("/cases?assessment=waiting")
    w.click(f"text={receipt.registry_no}")
    w.click("#case-protection >> text=保护与遮盖")
    w.page.select_option("#level", "high")
    w.page.fill("#reasons", "被举报人知道举报人住址。")
    w.click("text=保存评估")
    jobs["assess the risk"] = w.job()
    w.nav("/cases")
    w.click(f"text={receipt.registry_no}")
    w.click("text=申请解封举报人身份")
    w.page.fill("#purpose", "评估报复风险，安排保护措施。")
    w.page.check("input[name=legal_basis] >> nth=0")
    w.click("text=提交申请")
    jobs["request unsealing"] = w.job()
    w.nav("/protection")
    w.nav("/unseal")
    jobs["the protection board and the requests"] = w.job()
    record("protection-officer", jobs, w)


def test_an_auditor_follows_a_clue_verifies_the_chain_and_reads_the_flags(office, walk, make_staff) -> None:
    followed = _no(office, office.concluded(gang=True))
    hidden = _no(office, office.registered(shielding=[Person(name="孙保护")], reported=[], location=""))
    search.search(office.rt, office.other.id, "孙保护")  # another unit's clerk looks for a name: flagged
    root = make_staff("root", "admin", unit=None)
    staff_admin.add_staff_account(office.rt, root.id, "newclerk", "intake", "第一科")
    w, jobs = walk(), {}
    w.sign_in(office.auditor)
    jobs["sign in"] = w.job()
    w.start_link("/audit")
    w.page.fill("#report", followed)
    w.click("#filters button[type=submit]")
    rows = w.page.locator("#trail tbody tr")
    assert rows.count() >= 5
    assert {w.text(f"#trail tbody tr >> nth={i} >> td >> nth=4") for i in range(rows.count())} == {followed}
    _events_read_in_words(w)
    assert "线索 · 登记" in w.text("#trail")
    shot(w, "audit-trail", near="#trail")
    jobs["find a clue's trail by its registry number"] = w.job()
    w.click("#verify")
    assert w.text("#intact").startswith("完整")
    jobs["verify the chain and read the result"] = w.job()
    w.click("#flagged-searches")
    assert w.page.locator("#trail tbody tr").count() == 1
    assert "other" in w.text("#trail tbody tr")
    _events_read_in_words(w)
    w.click(f"#trail tbody tr td >> text={hidden}")  # the clue the search could not show: its trail
    assert w.page.locator("#trail tbody tr").count() >= 2
    jobs["a flagged search and the clue it was after"] = w.job()
    w.click("#account-events")
    assert "newclerk" in w.text("#trail")
    _events_read_in_words(w)
    jobs["account changes and their approvals"] = w.job()
    record("auditor", jobs, w)


def _events_read_in_words(w: Walk) -> None:
    """Every event cell of the trail reads in words, none as its raw ``domain.action`` name."""
    cells = w.page.locator("#trail tbody tr td:nth-child(4)")
    for i in range(cells.count()):
        cell = cells.nth(i)
        assert cell.text_content() != cell.get_attribute("title"), cell.get_attribute("title")


def test_two_custodians_approve_an_unsealing_and_the_officer_opens_it(office, walk, custodians) -> None:
    def confidential() -> intake.Receipt:
        return intake.submit_report(office.rt, submission(identity={"name": "（测试）张三", "phone": "13800000000"}))

    earlier, wanted = confidential(), confidential()
    # An earlier request keeper1 has already answered: the list says which ones wait for whom.
    first = unseal.request_unseal(office.rt, office.officer.id, earlier.report_id, "核实举报人联系方式。",
                                  "judicial_request")
    unseal.approve_unseal(office.rt, _keeper(office, "keeper1").id, first, custodians["keeper1"], "同意")
    unseal.request_unseal(office.rt, office.officer.id, wanted.report_id, "评估报复风险，安排保护措施。",
                          "reporter_at_risk")
    jobs, keepers = {}, []
    for n, (name, waiting) in enumerate((("keeper1", "1"), ("keeper2", "2")), start=1):
        w = walk()
        keepers.append(w)
        w.sign_in(_keeper(office, name))
        assert w.text('main ul.actions li:has(a[href="/unseal"]) .count') == waiting
        jobs[f"custodian {n}: sign in"] = w.job()
        w.start_link("/unseal")
        row = f"table.unseal-list tr:has-text('{wanted.registry_no}')"
        assert "待您审批" in w.text(row)
        assert ("待您审批" in w.text(f"table.unseal-list tr:has-text('{earlier.registry_no}')")) == (n == 2)
        w.click(f"{row} a")
        assert "评估报复风险" in w.text("main")
        w.page.fill("#passphrase", custodians[name])
        w.page.fill("#approve-note", "同意，用于安排保护。")
        if n == 2:
            shot(w, "unseal-approval")
        w.click("main form[action$='/approve'] button")
        assert "您的审批意见已记录" in w.text("main")
        jobs[f"custodian {n}: find the request from the start page and approve it"] = w.job()
    officer = walk()
    officer.sign_in(office.officer)
    jobs["officer: sign in"] = officer.job()
    officer.nav("/unseal")
    officer.click(f"table.unseal-list tr:has-text('{wanted.registry_no}') a")
    officer.page.fill("#password", office.officer.password)
    officer.click("main form[action$='/open'] button")
    assert "（测试）张三" in officer.text("table.identity")
    jobs["officer: open the approved request and read the identity"] = officer.job()
    officer.click("text=返回该申请")
    jobs["officer: back to the request"] = officer.job()
    record("custodians", jobs, *keepers, officer)


def _keeper(office, name: str) -> StaffUser:  # type: ignore[no-untyped-def]
    from models.staff.accounts import find_staff
    from models.staff.secrets import open_totp

    staff = find_staff(office.rt, name)
    return StaffUser(staff.id, name, staff.role, PASSWORD, open_totp(office.rt, staff.id, staff.totp_secret))


def test_two_administrators_add_approve_deactivate_move_and_add_a_unit(office, walk, make_staff) -> None:
    root, second = make_staff("root", "admin", unit=None), make_staff("root2", "admin", unit=None)
    leaver, mover = make_staff("leaver", "intake"), make_staff("mover", "intake")
    w, jobs = walk(), {}
    w.sign_in(root)
    jobs["sign in"] = w.job()
    w.start_link("/admin/staff")
    shot(w, "admin-accounts")
    w.click("text=添加账户")
    w.page.fill("#username", "auditor2")
    w.page.fill("#display_name", "第二审计员")
    w.page.select_option("#role", "auditor")
    w.click("main form button[type=submit]")
    assert "另一名管理员批准" in w.text("#pending")
    assert w.page.locator("#enrollment-code").count() == 0
    w.click("main p a >> text=返回")
    jobs["add an auditor's account (waits for another administrator)"] = w.job()
    w.click(f"#deactivate-{leaver.username}")
    assert w.page.locator("#consequence").count() == 1
    w.click("#confirm button")
    assert "账户已停用" in w.text("main")
    jobs["deactivate an account (with its confirmation)"] = w.job()
    w.nav("/admin/units")
    w.page.fill("#name", "第三科")
    w.click("main form button[type=submit]")
    assert "第三科" in w.text("#units")
    jobs["add a unit"] = w.job()
    w.nav("/admin/staff")
    w.page.click(f"#staff-{mover.username} summary")  # the folded role and unit controls
    w.page.select_option(f"#unit-{mover.id}", "第二科")
    w.click(f"#staff-{mover.username} form[action$='/change/unit'] button")
    assert "第二科" in w.text("#pending")
    w.click("main p a >> text=返回")
    jobs["move an account to another unit (waits for that unit's head)"] = w.job()
    other = walk()
    other.sign_in(second)
    assert other.text('main ul.actions li:has(a[href="/admin/account-changes"]) .count') == "1"
    jobs["second administrator: sign in"] = other.job()
    other.start_link("/admin/account-changes")
    other.click("#changes tr:has-text('auditor2') form[action$='/approve'] button")
    assert other.page.locator("#enrollment-code").count() == 1
    jobs["second administrator: approve the auditor's account from the start page"] = other.job()
    head = walk()
    head.sign_in(office.other_head)
    assert head.text('nav.staff-nav a[href="/account-changes"] .count') == "1"
    jobs["head of 第二科: sign in"] = head.job()
    head.nav("/account-changes")
    head.click(f"#changes tr:has-text('{mover.username}') form[action$='/approve'] button")
    assert head.text("#username") == mover.username
    jobs["head of 第二科: approve the move from the navigation"] = head.job()
    record("administrators", jobs, w, other, head)


def _no(office, report_id: str) -> str:
    from models.reporting.tables import Report

    with office.rt.stores.case() as session:
        return session.get(Report, report_id).registry_no
