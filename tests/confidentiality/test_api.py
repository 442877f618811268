"""The staff JSON API of confidentiality management: the same rules as the pages (R19–R22)."""

from __future__ import annotations

import pypdfium2
import pytest
from flask import Flask

from models.reporting.tables import Report
from tests.confidentiality.conftest import Office, archived


def _no(office: Office, report_id: str) -> str:
    with office.rt.stores.case() as session:
        report = session.get(Report, report_id)
        assert report is not None
        return report.registry_no


@pytest.fixture
def api(staff_app: Flask, api_token):  # type: ignore[no-untyped-def]
    client = staff_app.test_client()

    def call(method: str, path: str, user, body: dict | None = None):  # type: ignore[no-untyped-def]
        return client.open(f"/api/v1{path}", method=method, json=body, headers=api_token(user))

    return call


def test_get_report_carries_the_marking(office: Office, api) -> None:  # type: ignore[no-untyped-def]
    no = _no(office, office.registered())
    answer = api("GET", f"/reports/{no}", office.clerk)
    assert answer.status_code == 200 and answer.get_json()["marking"] == "秘密★10年"
    change = api("POST", f"/reports/{no}/classification-changes", office.clerk,
                 {"level": "confidential", "years": 10, "reason": "涉公职人员"}).get_json()["id"]
    assert api("POST", f"/classification-changes/{change}/approve", office.clerk).status_code == 403
    assert api("POST", f"/classification-changes/{change}/approve", office.head).status_code == 200
    assert api("GET", f"/reports/{no}", office.clerk).get_json()["marking"] == "机密★10年"


def test_a_cross_unit_read_is_refused_by_api(office: Office, api) -> None:  # type: ignore[no-untyped-def]
    registered, fresh = _no(office, office.registered()), _no(office, office.submit())
    for no in (registered, fresh):
        assert api("GET", f"/reports/{no}", office.other).status_code == 403
    listing = api("GET", "/reports", office.other).get_json()
    assert {r["registry_no"] for r in listing["reports"]} == set()


def test_borrowing_by_api(office: Office, api) -> None:  # type: ignore[no-untyped-def]
    no = _no(office, office.registered())
    made = api("POST", f"/reports/{no}/borrow-requests", office.other, {"reason": "串案", "days": 2})
    assert made.status_code == 201
    loan = made.get_json()["id"]
    assert api("POST", f"/borrow-requests/{loan}/approve", office.other_head).status_code == 403
    assert api("POST", f"/borrow-requests/{loan}/approve", office.head).status_code == 200
    assert api("GET", f"/reports/{no}", office.other).status_code == 200
    assert api("POST", f"/reports/{no}/messages", office.other, {"text": "hi"}).status_code == 403
    refused = api("POST", f"/reports/{no}/borrow-requests", office.other_head, {"reason": "x", "days": 1})
    assert api("POST", f"/borrow-requests/{refused.get_json()['id']}/refuse", office.head,
               {"note": "无必要"}).status_code == 200
    bad = api("POST", f"/reports/{no}/borrow-requests", office.other, {"reason": "x", "days": "many"})
    assert bad.status_code == 400


def test_exports_by_api(office: Office, api) -> None:  # type: ignore[no-untyped-def]
    no = _no(office, office.registered())
    export = api("POST", f"/reports/{no}/exports", office.clerk, {"copies": 2, "reason": "报送"}).get_json()["id"]
    assert api("GET", f"/exports/{export}/copies/1", office.clerk).status_code == 403
    assert api("POST", f"/exports/{export}/approve", office.head).status_code == 200
    pdf = api("GET", f"/exports/{export}/copies/2", office.clerk)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pypdfium2.PdfDocument(pdf.data)[0].get_textpage().get_text_range()
    assert "第2份 共2份" in text and "秘密★10年" in text
    assert api("GET", f"/exports/{export}/copies/3", office.clerk).status_code == 403
    assert api("GET", f"/exports/{export}/copies/1", office.deputy).status_code == 403


def test_destruction_by_api_then_410(office: Office, api) -> None:  # type: ignore[no-untyped-def]
    no = _no(office, archived(office))
    request = api("POST", f"/reports/{no}/destruction-requests", office.clerk,
                  {"reason": "retention_expired"}).get_json()["id"]
    assert api("POST", f"/destruction-requests/{request}/execute", office.clerk,
               {"witness": "auditor"}).status_code == 403
    assert api("POST", f"/destruction-requests/{request}/approve", office.head).status_code == 200
    assert api("POST", f"/destruction-requests/{request}/execute", office.clerk,
               {"witness": "auditor"}).status_code == 200
    gone = api("GET", f"/reports/{no}", office.clerk)
    assert gone.status_code == 410
    assert set(gone.get_json()) == {"registry_no", "state", "category", "received_on", "destroyed_at", "reason"}
