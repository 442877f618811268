"""Staff recording a clue received by phone, letter, visit or referral (R1, R2, R5, R8)."""

from __future__ import annotations

import io
import re
import sqlite3

import pytest
from sqlalchemy import func, select, text

from models.audit.tables import AuditEvent
from models.identities.tables import SealedIdentityRow
from models.reporting import intake
from models.reporting.tables import Report

CANARY = "CANARY-来电人-4b1d"
RECEIPT = re.compile(r'id="receipt-code">([0-9 ]+)<')


def phone_clue(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "source": "phone",
        "category": "market_bully",
        "description": "来电称农贸市场摊主每月被迫交“管理费”。",
        "location": "某县农贸市场",
        "occurred_on": "2026年10月",
        "reported-0-name": "黑皮",
        "reported-0-place": "市场东门",
        "shielding-0-name": "王某",
        "shielding-0-unit": "某县市场监管所",
        "mode": "anonymous",
        "notice_read": "yes",
    }
    form.update(changes)
    return form


def count_reports(staff_rt) -> int:
    with staff_rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(Report)) or 0


def test_form_offers_staff_sources_only(make_staff, sign_in) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.get("/cases/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="phone"' in html and '<option value="superior"' in html
    assert '<option value="public"' not in html


def test_anonymous_phone_clue_gets_a_number_and_a_receipt(make_staff, sign_in, staff_rt, public_rt) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.post("/cases/new", phone_clue())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    code = RECEIPT.search(html).group(1).replace(" ", "")
    assert len(code) == 16
    status = intake.reporter_status(public_rt, code)
    assert status.registry_no in html
    with staff_rt.stores.case() as session:
        report = session.scalar(select(Report))
        assert (report.channel, report.source, report.confidential, report.identity_id) == \
            ("phone", "phone", False, None)
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.event == "report.submitted"))
        assert event.actor == "clerk" and event.detail["source"] == "phone"
    case = browser.get(f"/cases/{report.id}").get_data(as_text=True)
    assert "黑皮" in case and "某县市场监管所" in case and "电话" in case


@pytest.mark.parametrize(("source", "channel"), [("letter", "letter"), ("visit", "visit"),
                                                 ("superior", "referral"), ("enforcement", "referral")])
def test_the_source_decides_the_channel(make_staff, sign_in, staff_rt, source, channel) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    assert browser.post("/cases/new", phone_clue(source=source)).status_code == 200
    with staff_rt.stores.case() as session:
        report = session.scalar(select(Report))
    assert (report.source, report.channel) == (source, channel)


def test_confidential_identity_is_sealed_in_the_vault_only(make_staff, sign_in, staff_rt, custodians,
                                                           config, backend) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.post("/cases/new", phone_clue(**{
        "mode": "confidential", "identity-name": CANARY, "identity-phone": "13911112222",
        "identity-address": CANARY, "files": (io.BytesIO(b"letter scan text"), "来信.txt"),
    }), content_type="multipart/form-data")
    assert response.status_code == 200
    assert CANARY not in response.get_data(as_text=True)
    with staff_rt.stores.case() as session:
        report = session.scalar(select(Report))
    assert report.confidential and report.identity_id
    with staff_rt.stores.vault() as session:
        sealed = session.get(SealedIdentityRow, report.identity_id)
        assert sealed.report_id == report.id
        assert CANARY.encode() not in sealed.ciphertext
    page = browser.get(f"/cases/{report.id}").get_data(as_text=True)
    assert CANARY not in page and "13911112222" not in page and "来信.txt" in page
    # The identity is nowhere in the case store (R8).
    if backend == "sqlite":
        with sqlite3.connect(config.data_dir / "case.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in config.data_dir.rglob("*"):
            if path.is_file() and not path.name.startswith("vault.db"):
                assert CANARY.encode() not in path.read_bytes(), path
                assert b"13911112222" not in path.read_bytes(), path
    else:
        with staff_rt.stores.case_engine.connect() as conn:
            tables = conn.execute(text(
                "select table_name from information_schema.tables where table_schema = current_schema()"
            )).scalars().all()
            for table in tables:
                dump = "".join(conn.execute(text(f'select t::text from "{table}" t')).scalars().all())
                assert CANARY not in dump and "13911112222" not in dump, table


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": ""}, "请选择线索来源"),
        ({"source": "public"}, "请选择线索来源"),
        ({"category": "nonsense"}, "请选择"),
        ({"description": "  "}, "请描述"),
        ({"notice_read": ""}, "请确认"),
        ({"identity-name": "张三"}, "匿名"),  # anonymous chosen, identity typed: never dropped silently
        ({"mode": "confidential"}, "至少"),  # confidential with no identity at all
    ],
)
def test_bad_forms_are_refused_and_nothing_is_stored(make_staff, sign_in, staff_rt, custodians,
                                                     changes, message) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.post("/cases/new", phone_clue(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    if "description" not in changes:
        assert "来电称农贸市场摊主" in html  # what the clerk typed is kept
    assert "no-store" in response.headers["Cache-Control"]
    assert count_reports(staff_rt) == 0


def test_confidential_clue_waits_for_the_vault(make_staff, sign_in, staff_rt) -> None:
    browser = sign_in(make_staff("clerk", "intake"))
    response = browser.post("/cases/new", phone_clue(**{"mode": "confidential", "identity-name": "张三"}))
    assert response.status_code == 400
    assert "保管人" in response.get_data(as_text=True)
    assert count_reports(staff_rt) == 0


def test_protection_officer_does_not_record_clues(make_staff, sign_in, staff_rt) -> None:
    browser = sign_in(make_staff("protector", "protection_officer"))
    assert browser.get("/cases/new").status_code == 403
    assert browser.post("/cases/new", phone_clue(), page="/cases").status_code == 403
    assert count_reports(staff_rt) == 0
