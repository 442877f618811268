"""The staff JSON API for clues: inbox, one clue, replies; tokens, roles and need-to-know."""

from __future__ import annotations

import pytest
import time_machine

from models.reporting import intake
from models.reporting.files import Upload


def test_inbox_lists_newest_first_and_filters(staff_app, make_staff, api_token, clues) -> None:
    with time_machine.travel("2026-11-28 01:00:00 +0000", tick=False):
        [old] = clues(1, category="usury")
    with time_machine.travel("2026-11-28 02:00:00 +0000", tick=False):
        [new] = clues(1)
    client, headers = staff_app.test_client(), api_token(make_staff("clerk", "intake"))
    body = client.get("/api/v1/reports", headers=headers).get_json()
    assert [r["registry_no"] for r in body["reports"]] == [new.registry_no, old.registry_no]
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    first = body["reports"][0]
    assert first["received_at"].startswith("2026-11-28T02:00:00")
    assert (first["category"], first["channel"], first["source"], first["confidential"]) == \
        ("village_bully", "web", "public", False)
    usury = client.get("/api/v1/reports?category=usury", headers=headers).get_json()
    assert [r["registry_no"] for r in usury["reports"]] == [old.registry_no]
    assert client.get("/api/v1/reports?state=closed", headers=headers).get_json()["total"] == 0


@pytest.mark.parametrize("query", ["category=nonsense", "state=gone", "page=abc"])
def test_bad_filters_get_400_in_the_callers_language(staff_app, make_staff, api_token, query) -> None:
    headers = api_token(make_staff("clerk", "intake"))
    response = staff_app.test_client().get(f"/api/v1/reports?{query}&lang=en", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["fields"]


def test_one_report_with_clue_files_and_messages(staff_app, make_staff, api_token, clues, staff_rt) -> None:
    [receipt] = clues(1, files=[Upload("notes.txt", b"evidence")])
    clerk = make_staff("clerk", "intake")
    client, headers = staff_app.test_client(), api_token(clerk)
    sent = client.post(f"/api/v1/reports/{receipt.registry_no}/messages", json={"text": "请补充时间。"},
                       headers=headers)
    assert sent.status_code == 201 and sent.get_json()["id"]
    body = client.get(f"/api/v1/reports/{receipt.registry_no}", headers=headers).get_json()
    assert body["registry_no"] == receipt.registry_no
    assert body["clue"]["description"] == "村里有人强占集体土地，殴打村民。"
    assert body["clue"]["shielding"][0]["name"] == "李某"
    assert [(f["filename"], f["mime"], f["size"]) for f in body["files"]] == [("notes.txt", "text/plain", 8)]
    assert [(m["direction"], m["author"], m["text"]) for m in body["messages"]] == \
        [("staff", "clerk", "请补充时间。")]


def test_a_reply_reaches_the_reporter(staff_app, make_staff, api_token, clues, public_rt) -> None:
    [receipt] = clues(1)
    headers = api_token(make_staff("clerk", "intake"))
    response = staff_app.test_client().post(f"/api/v1/reports/{receipt.registry_no}/messages",
                                            json={"text": "已收到，正在核实。"}, headers=headers)
    assert response.status_code == 201
    assert [m.text for m in intake.reporter_status(public_rt, receipt.code).messages] == ["已收到，正在核实。"]


@pytest.mark.parametrize("body", [{"text": ""}, {"text": 5}, {}, ["text"], "not json"])
def test_a_bad_message_is_refused(staff_app, make_staff, api_token, clues, public_rt, body) -> None:
    [receipt] = clues(1)
    headers = api_token(make_staff("clerk", "intake"))
    client = staff_app.test_client()
    url = f"/api/v1/reports/{receipt.registry_no}/messages"
    response = (client.post(url, data=body, headers=headers, content_type="application/json")
                if isinstance(body, str) else client.post(url, json=body, headers=headers))
    assert response.status_code == 400
    assert intake.reporter_status(public_rt, receipt.code).messages == []


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/reports"), ("GET", "/api/v1/reports/{no}"),
                                              ("POST", "/api/v1/reports/{no}/messages")])
def test_no_token_is_401(staff_app, clues, method, path) -> None:
    [receipt] = clues(1)
    client = staff_app.test_client()
    url = path.format(no=receipt.registry_no)
    assert client.open(url, method=method, json={"text": "x"}).status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert client.open(url, method=method, json={"text": "x"}, headers=forged).status_code == 401


@pytest.mark.parametrize("role", ["auditor", "admin", "custodian"])
def test_roles_without_content_access_get_403(staff_app, make_staff, api_token, clues, role, public_rt) -> None:
    [receipt] = clues(1)
    headers = api_token(make_staff("someone", role, unit=None))
    client = staff_app.test_client()
    assert client.get("/api/v1/reports", headers=headers).status_code == 403
    assert client.get(f"/api/v1/reports/{receipt.registry_no}", headers=headers).status_code == 403
    sent = client.post(f"/api/v1/reports/{receipt.registry_no}/messages", json={"text": "x"}, headers=headers)
    assert sent.status_code == 403
    assert intake.reporter_status(public_rt, receipt.code).messages == []


def test_need_to_know_applies_to_the_api(staff_app, make_staff, api_token, clues, give_to_unit,
                                         public_rt) -> None:
    [theirs] = clues(1)
    give_to_unit(theirs.report_id, "第二科")
    headers = api_token(make_staff("clerk", "intake", unit="第一科"))
    client = staff_app.test_client()
    assert client.get("/api/v1/reports", headers=headers).get_json()["total"] == 0
    assert client.get(f"/api/v1/reports/{theirs.registry_no}", headers=headers).status_code == 403
    sent = client.post(f"/api/v1/reports/{theirs.registry_no}/messages", json={"text": "x"}, headers=headers)
    assert sent.status_code == 403
    assert intake.reporter_status(public_rt, theirs.code).messages == []
    assert client.get("/api/v1/reports/2000-999999", headers=headers).status_code == 404


def test_openapi_describes_the_report_endpoints(staff_app) -> None:
    doc = staff_app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/reports", "/reports/{registry_no}", "/reports/{registry_no}/messages"} <= set(doc["paths"])
    assert doc["paths"]["/reports"]["get"]["security"] == [{"bearer": []}]
    assert "Case" in doc["components"]["schemas"]
