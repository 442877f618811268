"""A clerk's, a unit head's and a protection officer's day in Debian chromium at 1280×800, by links
and buttons only (one typed address: the sign-in page), counting page loads per job, with axe-core
on every page on the way (no serious or critical violation)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from models.cases import deadlines
from models.reporting import intake
from tests.conftest import submission
from tests.public.browser import ARGS, AXE, CHROMIUM, serving

pytestmark = pytest.mark.browser

OUT = Path(os.environ.get("CLUEGUARD_WALK_OUT", Path(tempfile.gettempdir()) / "clueguard-staff-walks"))
AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' ' + v.impact + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))"""


@pytest.fixture
def backend() -> str:
    # The walks need one store; the page tests cover both backends.
    return "sqlite"


@pytest.fixture
def base_url(staff_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(staff_app) as url:
        yield url


class Walk:
    """One person's browser: counts page loads, runs axe on every page it lands on."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.loads = 0
        self.violations: dict[str, list[str]] = {}
        self.requests: list[str] = []
        page.on("load", lambda _p: self._loaded())
        page.on("request", lambda r: self.requests.append(r.url))

    def _loaded(self) -> None:
        self.loads += 1

    def audit(self) -> None:
        """axe-core on the page now showing."""
        if not AXE.exists():
            pytest.skip("axe-core is not installed (make peers)")
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found = self.page.evaluate(AXE_RUN)
        if found:
            self.violations[self.page.url.replace(self.base_url, "")] = found

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.audit()

    def nav(self, href: str) -> None:
        """Follow the navigation's link to ``href`` (a link on the page, not a typed address)."""
        self.click(f'nav.staff-nav a[href="{href}"]')

    def sign_in(self, user: Any) -> None:
        self.page.goto(self.base_url + "/login")  # the one typed address of the day
        self.page.fill("#username", user.username)
        self.page.fill("#password", user.password)
        self.page.fill("#totp", user.totp())
        self.click("main button[type=submit]")
        if "/pledge" in self.page.url:  # first access: the confidentiality undertaking (R30)
            self.page.check("input[name=accept]")
            self.click("main button[type=submit]")

    def job(self) -> int:
        """Page loads since the last call (one job's worth)."""
        n, self.loads = self.loads, 0
        return n


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


def _record(name: str, jobs: dict[str, int], walk: Walk) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(jobs, ensure_ascii=False, indent=1), encoding="utf-8")
    assert walk.violations == {}, walk.violations
    assert all(url.startswith(walk.base_url) for url in walk.requests), "a request left the site"


def _shot(walk: Walk, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    walk.page.evaluate("window.scrollTo(0, 0)")
    walk.page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)


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
    _shot(w, "case-page")
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
    _shot(w, "inbox")
    jobs["back to the inbox"] = w.job()
    _record("clerk", jobs, w)


def test_a_unit_head_approves_and_decides_on_an_escalation(office, walk) -> None:
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
    _shot(w, "deadline-board")
    w.page.select_option("#escalated select[name=decision]", "talk")
    w.page.fill("#escalated input[name=note]", "约谈承办人，要求两日内移送。")
    w.click("#escalated button")
    assert _no(office, late) in w.page.text_content("#decisions")
    jobs["record a 约谈 on an escalated item"] = w.job()
    for href in ("/stats", "/authorities", "/deadlines", "/cases?handler=me", "/cases?unread=1", "/cases/new",
                 "/protection", "/account/password"):
        w.nav(href)
    jobs["every page of the navigation (axe on each)"] = w.job()
    _record("unit-head", jobs, w)


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
    _record("protection-officer", jobs, w)


def _no(office, report_id: str) -> str:
    from models.reporting.tables import Report

    with office.rt.stores.case() as session:
        return session.get(Report, report_id).registry_no
