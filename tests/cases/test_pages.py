"""The workflow through the staff pages and the staff JSON API: thin front ends on the same acts."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import time_machine

from models.cases import deadlines, workflow
from tests.cases.test_deadlines import DAY0


def _page(office, browser, report_id: str) -> str:
    response = browser.get(f"/cases/{report_id}/workflow")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _act(browser, report_id: str, act: str, **form):
    if act in ("approve", "transfer"):  # past their confirmation page (tested in test_friction_pages)
        form.setdefault("confirmed", "1")
    return browser.post(f"/cases/{report_id}/act/{act}", form, page=f"/cases/{report_id}/workflow")


def test_a_clerk_moves_a_clue_along_from_its_page(office, sign_in) -> None:
    browser = sign_in(office.clerk)
    report_id = office.submit()
    html = _page(office, browser, report_id)
    assert "登记" in html and 'id="wf-state">已收到' in html
    response = _act(browser, report_id, "register", assignee=f"{office.unit_a}:{office.clerk.id}")
    assert response.status_code == 302
    assert office.state(report_id) == "registered"
    _act(browser, report_id, "start_check")
    response = browser.client.post(f"/cases/{report_id}/act/add_check_note", data={
        "csrf_token": browser.csrf(f"/cases/{report_id}/workflow"), "text": "走访笔记",
        "files": (io.BytesIO("询问笔录全文".encode()), "笔录.txt")}, content_type="multipart/form-data")
    assert response.status_code == 302
    html = _page(office, browser, report_id)
    assert "走访笔记" in html and "笔录.txt" in html and "核查笔记已添加" in html
    file_link = html.split('/cases/record-files/')[1].split('"')[0]
    download = browser.get(f"/cases/record-files/{file_link}")
    assert download.status_code == 200 and download.data == "询问笔录全文".encode()
    _act(browser, report_id, "conclude", text="涉黑", gang_related="1", transfer="1")
    html = _page(office, browser, report_id)
    assert "须经单位负责人审批" in html and "尚未审批" in html
    # The clerk may not approve; the button is not even offered.
    assert "act-approve" not in html
    _act(browser, report_id, "approve")
    assert "您无权进行此操作" in _page(office, browser, report_id)
    assert office.track(report_id).approved_at is None


def test_a_refusal_is_a_clear_message_and_changes_nothing(office, sign_in) -> None:
    browser = sign_in(office.clerk)
    report_id = office.submit()
    _act(browser, report_id, "close")
    html = _page(office, browser, report_id)
    assert "结论作出后或收到反馈后" in html
    assert office.state(report_id) == "received"


def test_the_unit_head_approves_and_archives(office, sign_in) -> None:
    report_id = office.concluded(gang=True, approve=False)
    head = sign_in(office.head)
    assert "act-approve" in _page(office, head, report_id)
    _act(head, report_id, "approve")
    assert office.track(report_id).approved_by == office.head.id


def test_other_units_and_roles_cannot_see_the_panel(office, sign_in) -> None:
    report_id = office.registered()
    assert sign_in(office.other).get(f"/cases/{report_id}/workflow").status_code == 403
    assert sign_in(office.auditor).get(f"/cases/{report_id}/workflow").status_code == 403


def test_the_deadline_board_page_groups_by_unit_and_handler(office, sign_in) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        report_id = office.concluded(gang=True)
        clock.shift(8 * 86400)
        html = sign_in(office.clerk).get("/deadlines").get_data(as_text=True)
        assert "第一科 · clerk" in html and "已逾期" in html and "移送" in html
        assert sign_in(office.other).get("/deadlines").get_data(as_text=True).count(report_id) == 0
        assert sign_in(office.auditor).get("/deadlines").status_code == 403


def test_a_unit_head_sees_escalations_when_signing_in(office, sign_in) -> None:
    with time_machine.travel(DAY0, tick=False) as clock:
        office.concluded(gang=True)
        clock.shift(8 * 86400)
        deadlines.escalate_overdue(office.rt)
        head = sign_in(office.head)
        assert "已上报给您的逾期事项：1" in head.get("/").get_data(as_text=True)
        other = sign_in(office.other_head)
        assert "逾期事项" not in other.get("/").get_data(as_text=True)


def test_statistics_page_draws_svg_charts_with_chinese_labels(office, sign_in) -> None:
    office.registered(category="usury")
    response = sign_in(office.head).get("/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = html[html.index("<svg"): html.index("</svg>") + 6]
    root = ET.fromstring(svg)  # noqa: S314 - our own server output, checked to be well-formed
    assert root.tag.endswith("svg")
    assert "高利放贷" in svg and "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert sign_in(office.clerk).get("/stats").status_code == 403


def test_authorities_are_managed_by_unit_heads(office, sign_in) -> None:
    head = sign_in(office.head)
    head.post("/authorities", {"name": "某市人民检察院", "kind": "procuratorate"})
    assert "某市人民检察院" in head.get("/authorities").get_data(as_text=True)
    clerk = sign_in(office.clerk)
    assert "某市人民检察院" in clerk.get("/authorities").get_data(as_text=True)  # read-only for intake
    assert clerk.post("/authorities", {"name": "x", "kind": "police"}).status_code == 403


def test_the_json_api_does_each_act(office, staff_app, api_token) -> None:
    client = staff_app.test_client()
    clerk, head = api_token(office.clerk), api_token(office.head)
    report_id = office.submit()
    url = f"/api/v1/cases/{report_id}"
    r = client.post(f"{url}/register", json={"unit_id": office.unit_a, "handler_id": office.clerk.id}, headers=clerk)
    assert (r.status_code, r.get_json()["state"]) == (200, "registered")
    assert client.post(f"{url}/check", headers=clerk).get_json()["state"] == "checking"
    assert client.post(f"{url}/notes", json={"text": "笔记"}, headers=clerk).status_code == 200
    r = client.post(f"{url}/conclude", json={"text": "涉黑", "gang_related": True, "transfer": True}, headers=clerk)
    assert r.get_json()["state"] == "concluded"
    r = client.post(f"{url}/transfer", json={"authority_id": office.authority, "evidence": ["笔录"]}, headers=clerk)
    assert r.status_code == 409 and "审批" in r.get_json()["error"]
    assert client.post(f"{url}/approve", json={}, headers=clerk).status_code == 403
    assert client.post(f"{url}/approve", json={}, headers=head).status_code == 200
    r = client.post(f"{url}/transfer", json={"authority_id": office.authority, "evidence": ["笔录"],
                                             "handling_deadline": "2099-01-01"}, headers=clerk)
    assert r.get_json()["state"] == "transferred"
    assert client.get("/api/v1/deadlines", headers=clerk).status_code == 200
    assert client.post(f"{url}/feedback", json={"text": "已立案"}, headers=clerk).get_json()["state"] == \
        "feedback_received"
    assert client.post(f"{url}/close", headers=clerk).get_json()["state"] == "closed"
    assert client.post(f"{url}/archive", headers=head).get_json()["state"] == "archived"
    assert client.get("/api/v1/statistics", headers=clerk).status_code == 403
    assert client.get("/api/v1/statistics", headers=head).get_json()["total"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"unit_id": "1", "handler_id": 1}, "unit_id"),
    ({"handler_id": 1}, "unit_id"),
])
def test_the_json_api_refuses_malformed_input(office, staff_app, api_token, body, field) -> None:
    report_id = office.submit()
    r = staff_app.test_client().post(f"/api/v1/cases/{report_id}/register", json=body,
                                     headers=api_token(office.clerk))
    assert r.status_code == 400 and field in r.get_json()["fields"]
    assert office.state(report_id) == "received"


def test_every_act_is_in_the_openapi_document(staff_app) -> None:
    paths = staff_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for act in ("register", "reassign", "check", "notes", "conclude", "approve", "return", "transfer",
                "handling-deadline", "feedback", "close", "archive", "merge", "not-accepted", "shielding-transfer",
                "shielding-decision"):
        assert f"/cases/{{report_id}}/{act}" in paths
    assert "/deadlines" in paths and "/statistics" in paths
    assert set(workflow.RULES) >= {"register", "transfer", "record_feedback"}


@pytest.mark.parametrize("n", ["2147483648", "100000000000000000000", "-3", "0", "١٢", "1e3"])
def test_an_id_beyond_the_database_integer_in_a_form_json_or_query_is_refused_not_a_500(
        office, sign_in, staff_app, api_token, n: str) -> None:
    """PostgreSQL refuses an INTEGER above 2**31 - 1 with an error, SQLite one above 2**63: each
    was a 500 from the transfer form and its JSON act before ids went through ``as_id``."""
    report_id = office.concluded(transfer=True)
    page = f"/cases/{report_id}"
    clerk = sign_in(office.clerk)
    form = clerk.post(f"{page}/act/transfer", {"authority_id": n, "evidence": "笔录", "confirmed": "1"}, page=page)
    assert form.status_code == 400 and "请从列表中选择" in form.get_data(as_text=True)
    if n.lstrip("-").isascii() and n.lstrip("-").isdigit():
        api = staff_app.test_client().post(f"/api/v1/cases/{report_id}/transfer", headers=api_token(office.clerk),
                                           json={"authority_id": int(n), "evidence": ["笔录"]})
        assert api.status_code == 400 and "authority_id" in api.get_json()["fields"]
    assert office.state(report_id) == "concluded"  # nothing half-done
    for url in (f"/cases?handler={n}", f"/cases?unit={n}", f"/cases?page={n}", f"/deadlines?unit={n}",
                f"/deadlines?handler={n}"):
        assert clerk.get(url).status_code == 200, url
    assert sign_in(office.head).get(f"/stats?unit={n}").status_code == 200
