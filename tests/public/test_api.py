"""The public JSON API and its OpenAPI document (R3, R5, R6; SPEC "Interfaces")."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from models.cases import casework
from models.reporting.categories import CATEGORIES
from models.store.i18n import translate
from web.public.openapi import openapi_document

REPORT = {
    "category": "usury",
    "description": "有人放高利贷，并上门暴力讨债。",
    "location": "某市某区",
    "occurred_on": "2026年9月",
    "reported": [{"name": "钱某", "unit": "某投资公司", "position": "老板", "place": "某区"}],
    "shielding": [{"name": "孙某", "unit": "某分局", "position": "副局长"}],
    "identity": None,
    "notice_accepted": True,
}


def conforms(body: object, schema_name: str) -> None:
    """Check a real response body against the schema the OpenAPI document promises."""
    doc = openapi_document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(body)


def test_openapi_document_is_valid_and_describes_exactly_the_api_routes(client, public_app) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    routes = {(rule.rule, method.lower()) for rule in public_app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes
    assert "no files" in doc["info"]["description"]


def test_categories_in_chinese_by_default_and_english_on_request(client) -> None:
    zh = client.get("/api/v1/categories").get_json()
    for category in zh:
        conforms(category, "Category")
    assert [c["code"] for c in zh] == list(CATEGORIES)
    assert zh[-1] == {"code": "other", "label": "其他"}
    assert client.get("/api/v1/categories?lang=en").get_json()[-1]["label"] == "Other"
    accept = client.get("/api/v1/categories", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_json()
    assert accept[-1]["label"] == "Other"
    assert client.get("/api/v1/categories", headers={"Accept-Language": "zh-CN"}).get_json()[-1]["label"] == "其他"


def test_api_uses_no_cookies(client) -> None:
    for resp in (client.get("/api/v1/categories?lang=en"), client.post("/api/v1/reports", json=REPORT)):
        assert "Set-Cookie" not in resp.headers


def test_anonymous_report_through_the_api(client, stored) -> None:
    resp = client.post("/api/v1/reports", json=REPORT)
    assert resp.status_code == 201
    body = resp.get_json()
    conforms(body, "ReportCreated")
    assert "no-store" in resp.headers["Cache-Control"]
    case = stored.case(body["registry_no"])
    assert case.report.channel == "api" and case.report.confidential is False
    assert case.clue["reported"] == REPORT["reported"] and case.clue["shielding"] == REPORT["shielding"]
    assert stored.counts() == (1, 0)


def test_confidential_report_through_the_api(client, stored, custodians) -> None:
    resp = client.post("/api/v1/reports", json={**REPORT, "identity": {"name": "周某", "phone": "13700000000"}})
    assert resp.status_code == 201
    assert stored.case(resp.get_json()["registry_no"]).report.confidential is True
    assert stored.counts() == (1, 1)


def test_confidential_report_before_the_ceremony_is_503(client, stored) -> None:
    resp = client.post("/api/v1/reports", json={**REPORT, "identity": {"name": "周某"}})
    assert resp.status_code == 503
    conforms(resp.get_json(), "Error")
    assert "匿名" in resp.get_json()["error"]
    assert stored.counts() == (0, 0)


def test_status_and_messages_through_the_api(client, stored, staff_rt) -> None:
    created = client.post("/api/v1/reports", json=REPORT).get_json()
    status = client.post("/api/v1/status", json={"receipt": created["receipt"]})
    assert status.status_code == 200
    body = status.get_json()
    conforms(body, "Status")
    assert body == {"registry_no": created["registry_no"], "status": "received", "status_label": "已收到",
                    "messages": []}
    assert "no-store" in status.headers["Cache-Control"]
    case = stored.case(created["registry_no"])
    casework.reply_to_reporter(staff_rt, stored.staff_id, case.report.id, "请提供借条照片。")
    sent = client.post("/api/v1/status/messages", json={"receipt": created["receipt"], "text": "借条在我手里。"})
    assert sent.status_code == 201
    conforms(sent.get_json(), "MessageCreated")
    body = client.post("/api/v1/status?lang=en", json={"receipt": created["receipt"]}).get_json()
    conforms(body, "Status")
    assert body["status_label"] == "Received"
    assert [(m["from"], m["text"]) for m in body["messages"]] == [("staff", "请提供借条照片。"),
                                                                  ("reporter", "借条在我手里。")]
    assert body["messages"][0]["at"].endswith("+00:00")


@pytest.mark.parametrize("path", ["/api/v1/status", "/api/v1/status/messages"])
@pytest.mark.parametrize("wrong", ["", "123", "abcdabcdabcdabcd", "0000000000000000", "1" * 40])
def test_wrong_receipt_gets_the_same_404_whichever_way_it_is_wrong(client, path, wrong) -> None:
    real = client.post("/api/v1/reports", json=REPORT).get_json()["receipt"]
    unknown = "9" * 16 if real != "9" * 16 else "8" * 16
    extra = {"text": "你好"} if path.endswith("messages") else {}
    answers = [client.post(path, json={"receipt": code, **extra}) for code in (wrong, unknown)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].get_data() == answers[1].get_data()
    assert answers[0].get_json() == {"error": translate("zh", "No report matches this receipt code. Check the "
                                                              "16 digits and try again."), "fields": {}}
    conforms(answers[0].get_json(), "Error")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "receipt"),
    ({"receipt": 1234567890123456}, "receipt"),
    ({"receipt": "1" * 16, "text": 5}, "text"),
    ({"receipt": "1" * 16}, "text"),
    ({"receipt": "1" * 16, "text": "hi", "files": []}, "files"),
])
def test_bad_message_requests(client, body, field) -> None:
    resp = client.post("/api/v1/status/messages", json=body)
    assert resp.status_code == 400
    conforms(resp.get_json(), "Error")
    assert field in resp.get_json()["fields"]


def test_unknown_api_path_is_json_404(client) -> None:
    resp = client.get("/api/v1/nothing")
    assert resp.status_code == 404
    conforms(resp.get_json(), "Error")


@pytest.mark.parametrize(("change", "field"), [
    ({"reported": [{"name": "钱" * 201}]}, "reported-0-name"),
    ({"shielding": [{"name": "孙某", "unit": "局" * 201}]}, "shielding-0-unit"),
    ({"identity": {"name": "张" * 201}}, "identity-name"),
    ({"location": "某" * 201}, "location"),
])
def test_an_over_long_field_is_refused_with_a_message_never_cut(client, change, field) -> None:
    """Issue 23: the API once cut people and identity to 200 characters; now, like the form and the
    bot, it refuses, names the field and stores nothing."""
    resp = client.post("/api/v1/reports?lang=en", json={**REPORT, **change})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["fields"][field] == ("This has 201 characters; at most 200 are allowed. Nothing was cut: shorten it "
                                     "and send again.")
    assert "receipt" not in body
