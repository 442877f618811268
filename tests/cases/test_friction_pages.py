"""Staff pages without friction (issue #27): each test names its item and reads the page as served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.protection import measures
from models.reporting import intake
from tests.conftest import submission


@pytest.fixture
def backend() -> str:
    return "sqlite"


def test_protection_page_links_back_waits_for_an_assessment_and_dates_in_the_sites_zone(office, sign_in) -> None:
    """Item 9: a link back to the case; no risk level chosen until assessed; today in Beijing."""
    receipt = intake.submit_report(office.rt, submission())
    html = sign_in(office.officer).get(f"/cases/{receipt.report_id}/protection").get_data(as_text=True)
    assert f'href="/cases/{receipt.report_id}" id="back-to-case"' in html
    level = html.split('<select id="level" name="level" required>', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>尚未评估：请选择等级</option>' in level
    assert "selected" not in level.split("</option>", 1)[1]
    beijing_today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert f'name="taken_on" value="{beijing_today}"' in html


def test_a_measure_at_0058_beijing_time_is_dated_that_day(office, monkeypatch) -> None:
    """Item 9: 00:58 in Beijing is 16:58 UTC the day before; the measure is dated the Beijing day."""
    night = datetime(2026, 12, 7, 16, 58, tzinfo=UTC)  # 2026-12-08 00:58 in Beijing
    monkeypatch.setattr(measures, "utcnow", lambda: night)
    assert measures.local_today(office.rt).isoformat() == "2026-12-08"
    receipt = intake.submit_report(office.rt, submission())
    measures.record_measure(office.rt, office.officer.id, receipt.report_id, "安排民警巡逻。",
                            (night + timedelta(hours=8)).date())  # not "in the future"


def test_the_redaction_tool_names_fields_in_words(office, sign_in) -> None:
    """Item 8: 主要事实, 被举报人 1 · 姓名 — never description or reported.0.name."""
    receipt = intake.submit_report(office.rt, submission())
    html = sign_in(office.officer).get(f"/cases/{receipt.report_id}/protection").get_data(as_text=True)
    field = html.split('<select id="field" name="field">', 1)[1].split("</select>", 1)[0]
    assert '<option value="description">主要事实</option>' in field
    assert '<option value="reported.0.name">被举报人 1 · 姓名</option>' in field
    assert ">description<" not in field and ">reported.0.name<" not in field


def _post(browser, report_id: str, act: str, **form: str):  # type: ignore[no-untyped-def]
    return browser.post(f"/cases/{report_id}/act/{act}", form, page=f"/cases/{report_id}")


def test_the_transfer_form_marks_what_is_required_and_both_acts_ask_first(office, sign_in) -> None:
    """Item 10: required fields marked; transferring and approving ask for confirmation; no
    "退回补充核查" once the head approved."""
    report_id = office.concluded(gang=True, transfer=True, approve=False)
    head = sign_in(office.head)
    html = head.get(f"/cases/{report_id}").get_data(as_text=True)
    assert "act-return_conclusion" in html  # before the approval it may still go back
    asked = _post(head, report_id, "approve", note="同意移送。")
    assert asked.status_code == 200 and "确认批准该结论" in asked.get_data(as_text=True)
    assert office.track(report_id).approved_at is None  # nothing done yet
    _post(head, report_id, "approve", note="同意移送。", confirmed="1")
    assert office.track(report_id).approved_at is not None
    html = head.get(f"/cases/{report_id}").get_data(as_text=True)
    assert "act-return_conclusion" not in html and "退回补充核查" not in html

    clerk = sign_in(office.clerk)
    form = clerk.get(f"/cases/{report_id}").get_data(as_text=True).split('id="act-transfer"', 1)[1].split("</form>")[0]
    assert "接收机关" in form and form.count("（必填") == 2
    asked = _post(clerk, report_id, "transfer", authority_id=str(office.authority), evidence="询问笔录一份")
    page = asked.get_data(as_text=True)
    assert "确认移送该线索" in page and "某县公安局" in page and 'name="evidence" value="询问笔录一份"' in page
    assert office.state(report_id) == "concluded"
    empty = _post(clerk, report_id, "transfer", authority_id=str(office.authority), evidence="")
    assert empty.status_code == 400 and office.state(report_id) == "concluded"  # refused before asking
    _post(clerk, report_id, "transfer", authority_id=str(office.authority), evidence="询问笔录一份", confirmed="1")
    assert office.state(report_id) == "transferred"


GIST = "CANARY摘要甲乙丙：村里有人强占集体土地"
PLACE = "某县CANARY镇"


def test_inbox_rows_show_place_and_first_words_to_readers_only_never_stored(office, sign_in, caplog) -> None:
    """Item 11a: rows that looked identical show the place and the facts' first words; decrypted for
    the page's rows the reader may read (R20), never written to the store or a log."""
    import logging

    from models.cases.inbox import _summaries
    from models.reporting.tables import Report
    from models.staff.tables import Staff

    caplog.set_level(logging.DEBUG)
    report_id = office.registered(description=GIST + "，殴打村民。" * 10, location=PLACE)
    html = sign_in(office.clerk).get("/cases").get_data(as_text=True)
    row = html.split(f'href="/cases/{report_id}"', 1)[1].split("</tr>", 1)[0]
    assert PLACE in row and GIST in row and "…" in row  # cut short, and says so
    assert GIST not in sign_in(office.other).get("/cases").get_data(as_text=True)  # another unit's clue
    with office.rt.stores.case() as session:  # asked directly, the other unit's reader gets nothing
        report = session.get(Report, report_id)
        assert _summaries(office.rt, session, session.get(Staff, office.other.id), [report]) == {}
        assert _summaries(office.rt, session, session.get(Staff, office.clerk.id), [report])
    stored = b"".join(p.read_bytes() for p in office.rt.config.data_dir.rglob("*") if p.is_file())
    for secret in (GIST, PLACE, "CANARY摘要"):
        assert secret.encode() not in stored and secret.encode("unicode_escape") not in stored
        assert secret not in caplog.text


def test_the_unit_heads_navigation_is_four_headed_groups_with_every_link_and_its_count(office, sign_in,
                                                                                    staff_app) -> None:
    """Item 11b: 19 links on two lines become work · approvals · confidentiality · account, each a
    heading and a list (no JavaScript); every link stays, with its count."""
    import re

    from web.staff import nav

    office.concluded(shielding=True, approve=False)  # one conclusion awaits the head
    html = sign_in(office.head).get("/cases").get_data(as_text=True)
    start = html.index('<nav class="staff-nav"')
    menu = html[start: html.index("</nav>", start)]
    headings = re.findall(r'<h2 class="nav-heading" id="nav-(\w+)">([^<]+)</h2>', menu)
    assert headings == [("work", "工作"), ("approvals", "审批"), ("confidentiality", "保密管理"), ("account", "账户")]

    def group(key: str) -> str:
        return menu.split(f'id="nav-group-{key}"', 1)[1].split("</section>", 1)[0]

    assert 'href="/cases?approval=1">待审批 <span class="count" data-count="1">1</span>' in group("approvals")
    assert 'href="/cases?handler=me"' in group("work") and 'href="/deadlines"' in group("work")
    assert 'href="/borrowing"' in group("confidentiality") and 'href="/copies"' in group("confidentiality")
    assert "/password" in group("account") and "退出" in group("account")
    with staff_app.test_request_context():
        expected = {link.url for link in nav.links_for("unit_head")}
    shown = set(re.findall(r'<a href="([^"]+)"', menu))
    assert shown == expected and len(expected) >= 15


@pytest.mark.parametrize(("lang", "shown"), [("", "2026年12月1日至12月8日"), ("?lang=en", "1–8 December 2026")])
def test_the_case_page_reads_the_period_in_words(office, sign_in, lang: str, shown: str) -> None:
    """Item 11c: never "2026-12-01/2026-12-08" on the case page, nor in the transfer package."""
    report_id = office.registered(occurred_on="2026-12-01/2026-12-08")
    html = sign_in(office.clerk).get(f"/cases/{report_id}{lang}").get_data(as_text=True)
    assert f'title="2026-12-01/2026-12-08">{shown}</dd>' in html


def test_the_protection_board_points_the_officer_to_clues_awaiting_assessment(office, sign_in, custodians) -> None:
    """Found walking the pages: the board said only "no clue has a risk assessment yet"."""
    office.registered(identity={"name": "王某", "phone": "13900000000"})  # a confidential reporter
    html = sign_in(office.officer).get("/protection").get_data(as_text=True)
    assert 'href="/cases?assessment=waiting">待您评估风险的线索：1 条</a>' in html
