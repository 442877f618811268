"""The auditor's pages (R23): trail with filters, verify, checkpoints, export; no content anywhere."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from models.audit.tables import AuditEvent
from models.reporting import intake
from tests.conftest import as_forger, submission

PASSPHRASE = "auditor passphrase 1"


@pytest.fixture
def auditor_page(sign_in, make_staff, public_rt):  # type: ignore[no-untyped-def]
    intake.submit_report(public_rt, submission())
    return sign_in(make_staff("auditor", "auditor", unit=None))


def test_only_auditors_reach_the_pages(sign_in, make_staff) -> None:
    for role in ("intake", "unit_head", "admin", "custodian"):
        client = sign_in(make_staff(f"u_{role}", role))
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403


def test_the_trail_filters_and_shows_no_content(auditor_page) -> None:
    html = auditor_page.get("/audit").get_data(as_text=True)
    assert "report.submitted" in html and "signin.succeeded" in html
    assert "强占" not in html and "张某" not in html
    only = auditor_page.get("/audit?event=signin").get_data(as_text=True)
    assert "signin.succeeded" in only and "report.submitted" not in only
    by_actor = auditor_page.get("/audit?actor=nobody").get_data(as_text=True)
    assert "signin.succeeded" not in by_actor
    bad = auditor_page.get("/audit?since=yesterday")
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.get_data(as_text=True)


def test_the_trail_comes_first_and_the_key_forms_fold_away_once_there_is_a_key(auditor_page) -> None:
    """The walk found seven full-width fields and the key forms above the first event."""
    html = auditor_page.get("/audit").get_data(as_text=True)
    assert html.index('id="filters"') < html.index('id="trail"')
    assert 'id="checkpoint-tools" open' in html  # no key yet: creating one is the first job
    assert 'id="filters" class="filters"' in html
    auditor_page.post("/audit/key", {"passphrase": PASSPHRASE, "repeat": PASSPHRASE}, page="/audit")
    html = auditor_page.get("/audit").get_data(as_text=True)
    tools = html.split('id="checkpoint-tools"')[1].split("</details>")[0]
    assert 'id="cp-passphrase"' in tools and not tools.startswith(" open")

def test_key_checkpoint_and_verify_on_the_page(auditor_page, staff_rt) -> None:
    made = auditor_page.post("/audit/key", {"passphrase": PASSPHRASE, "repeat": PASSPHRASE}, page="/audit")
    assert made.status_code == 302
    wrong = auditor_page.post("/audit/checkpoint", {"passphrase": "not it at all"}, page="/audit")
    assert wrong.status_code == 400
    assert auditor_page.post("/audit/checkpoint", {"passphrase": PASSPHRASE}, page="/audit").status_code == 302
    ok = auditor_page.post("/audit/verify", {}, page="/audit").get_data(as_text=True)
    assert 'id="intact"' in ok and 'id="latest-checkpoint"' in ok
    as_forger(staff_rt.stores, update(AuditEvent).where(AuditEvent.id == 1).values(actor="forger"))
    broken = auditor_page.post("/audit/verify", {}, page="/audit").get_data(as_text=True)
    assert 'id="broken"' in broken and "event 1: event altered" in broken
    # The page refuses to sign over it, in the auditor's language, and says where (#21).
    refused = auditor_page.post("/audit/checkpoint", {"passphrase": PASSPHRASE}, page="/audit")
    assert refused.status_code == 400
    said = refused.get_data(as_text=True)
    assert "审计日志未通过验证，因此未签署任何检查点。第一个问题：event 1: event altered" in said


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export(auditor_page, fmt) -> None:
    response = auditor_page.get(f"/audit/export.{fmt}?event=report")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "report.submitted" in body and "signin" not in body and "强占" not in body
    if fmt == "jsonl":
        assert json.loads(body.splitlines()[0])["event"] == "report.submitted"


def test_the_auditor_follows_a_clue_by_its_registry_number_in_words(auditor_page, public_rt) -> None:
    """Issue #27 item 3: search by registry number, readable event names, clue column by number,
    verification as a sentence."""
    second = intake.submit_report(public_rt, submission())
    html = auditor_page.get(f"/audit?report={second.registry_no}").get_data(as_text=True)
    rows = html.split('<table id="trail">', 1)[1]
    assert rows.count("<tr>") == 2  # the header and the one submission of that clue
    assert second.registry_no in rows and second.report_id not in rows
    assert "举报 · 提交" in rows
    everything = auditor_page.get("/audit").get_data(as_text=True)
    assert "登录 · 成功" in everything and "线索（登记编号）" in everything
    auditor_page.post("/audit/verify", {}, page="/audit")
    after = auditor_page.get("/audit?event=audit.verified").get_data(as_text=True)
    assert "审计记录 · 核验" in after and "审计日志完整" in after and "intact=True" not in after
    assert "Sign-in · succeeded" in auditor_page.get("/audit?lang=en").get_data(as_text=True)
    # Each clue cell links to that clue's trail; account changes are one link away (walks, #27).
    assert f'<a href="/audit?report={second.registry_no}">{second.registry_no}</a>' in everything
    assert 'href="/audit?event=staff." id="account-events"' in everything


def test_details_read_as_labelled_values_never_key_equals_value() -> None:
    """The walk's screenshot showed ``from_state=checking gang_related=True …`` to the auditor."""
    from web.staff.audit_labels import detail_text

    detail = {"from_state": "checking", "to_state": "concluded", "gang_related": True, "files": 0, "odd": "x"}
    zh = detail_text("zh", "clue.concluded", detail)
    assert zh.startswith("状态：初查中 → 已出具核查结论；")
    assert "涉黑恶：是" in zh and "文件数：0" in zh and "odd：x" in zh
    assert "=" not in zh and "from_state" not in zh
    en = detail_text("en", "clue.concluded", detail)
    assert en.startswith("state: ") and "gang-related: yes" in en and "; " in en
