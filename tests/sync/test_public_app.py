"""The real public app on an intake node: a report through the JSON API, its answer after sync."""

from __future__ import annotations

from models.cases import casework
from models.cases.workflow import register_clue
from models.staff.accounts import get_or_create_unit
from web.public import create_public_app

REPORT = {"category": "usury", "description": "有人放高利贷。", "notice_accepted": True,
          "identity": {"name": "周某", "phone": "13700000000"}}


def test_the_public_app_of_an_intake_node_end_to_end(nodes) -> None:
    nodes.sync()
    client = create_public_app(nodes.intake, nodes.public()).test_client()
    created = client.post("/api/v1/reports", json=REPORT)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["registry_no"][5] == "W"
    nodes.sync()
    staff = nodes.staff()
    report_id = casework.find_by_registry_no(staff, body["registry_no"])
    assert casework.open_case(staff, nodes.clerk_id, report_id).clue["description"] == "有人放高利贷。"
    casework.reply_to_reporter(staff, nodes.clerk_id, report_id, "请提供借条照片。")
    register_clue(staff, nodes.clerk_id, report_id, get_or_create_unit(staff, "第一科"), nodes.clerk_id)
    nodes.sync()
    status = client.post("/api/v1/status?lang=en", json={"receipt": body["receipt"]}).get_json()
    assert status["status"] == "handling"
    assert [(m["from"], m["text"]) for m in status["messages"]] == [("staff", "请提供借条照片。")]
    assert client.post("/sync", data=b"x").status_code in (404, 405)  # no sync route in the public app
