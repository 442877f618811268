"""The staff pages of confidentiality management, and the marking on every staff page (R19)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from models.cases import casework
from models.confidentiality import borrowing, classification, copies, destruction
from models.confidentiality.offices import set_intake_office
from tests.confidentiality.conftest import Office, archived

MARKING = re.compile(r'<div class="marking" id="marking">([^<]+)</div>')


def _placeholder(arg: str, ids: dict[str, str]) -> str | int:
    if arg in ids:
        return ids[arg]
    return 1 if arg in ("n", "change_id") else "0"


def _walk(app: Flask, client, ids: dict[str, str]) -> dict[str, tuple[int, str | None]]:  # type: ignore[no-untyped-def]
    """GET every route of the staff app; the marking found on each HTML answer."""
    seen = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        path = rule.build({a: _placeholder(a, ids) for a in rule.arguments}, append_unknown=False)[1]
        response = client.get(path)
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:
            continue  # files, PDFs, and redirects (to the sign-in page, which is walked too)
        found = MARKING.search(response.get_data(as_text=True))
        seen[rule.rule] = (response.status_code, found.group(1) if found else None)
    return seen


@pytest.mark.parametrize("who", ["head", "clerk", "auditor", "admin"])
def test_the_marking_is_on_every_staff_route(office: Office, staff_app: Flask, sign_in, make_staff,  # type: ignore[no-untyped-def]
                                             who: str) -> None:
    report_id = office.registered()
    user = make_staff("root", "admin", unit=None) if who == "admin" else getattr(office, who)
    seen = _walk(staff_app, sign_in(user).client, {"report_id": report_id})
    anonymous = _walk(staff_app, staff_app.test_client(), {"report_id": report_id})
    assert len(seen) > 20
    unmarked = {rule: status for rule, (status, marking) in {**anonymous, **seen}.items() if not marking}
    assert unmarked == {}
    if who in ("head", "clerk"):
        assert seen["/cases/<report_id>"] == (200, "秘密★10年")
    assert anonymous["/login"] == (200, "秘密★10年")


def test_a_page_listing_clues_shows_the_highest_level(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    low, high = office.registered(), office.registered()
    change = classification.propose_classification(office.rt, office.clerk.id, high, "top_secret", 30)
    client = sign_in(office.clerk)
    assert MARKING.search(client.get(f"/cases/{high}").get_data(as_text=True)).group(1) == "秘密★10年"
    classification.decide_classification(office.rt, office.head.id, change, approve=True)
    assert MARKING.search(client.get("/cases").get_data(as_text=True)).group(1) == "绝密★30年"
    assert MARKING.search(client.get(f"/cases/{low}").get_data(as_text=True)).group(1) == "秘密★10年"
    assert MARKING.search(client.get(f"/cases/{high}?lang=en").get_data(as_text=True)).group(1) == "TOP SECRET★30 years"


def test_a_cross_unit_read_is_refused_by_url(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    registered, fresh = office.registered(), office.submit()
    outsider = sign_in(office.other)
    for report_id in (registered, fresh):
        for path in (f"/cases/{report_id}", f"/cases/{report_id}/confidentiality", f"/cases/{report_id}/workflow"):
            assert outsider.get(path).status_code == 403
    listing = outsider.get("/cases").get_data(as_text=True)
    assert registered not in listing and fresh not in listing


def test_borrowing_through_the_pages(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    report_id = office.registered()
    with office.rt.stores.case() as session:
        from models.reporting.tables import Report

        registry_no = session.get(Report, report_id).registry_no
    borrower = sign_in(office.other)
    response = borrower.post("/borrowing", {"registry_no": registry_no, "reason": "串案比对", "days": "2"})
    assert response.status_code == 302
    loan = borrowing.list_loans(office.rt, office.other.id)[0]
    head = sign_in(office.head)
    assert registry_no in head.get("/borrowing").get_data(as_text=True)
    head.post(f"/borrowing/{loan.id}", {"decision": "approve"}, page="/borrowing")
    assert borrower.get(f"/cases/{report_id}").status_code == 200
    assert borrower.post(f"/cases/{report_id}/reply", {"text": "hi"}, page="/borrowing").status_code == 403
    bad = borrower.post("/borrowing", {"registry_no": registry_no, "reason": "", "days": "99"})
    assert bad.status_code == 302  # back to the list with a message, nothing stored
    assert len(borrowing.list_loans(office.rt, office.other.id)) == 1


def test_export_and_destruction_through_the_pages(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    report_id = archived(office)
    clerk, head = sign_in(office.clerk), sign_in(office.head)
    panel = f"/cases/{report_id}/confidentiality"
    clerk.post(f"/cases/{report_id}/exports", {"copies": "1", "reason": "审阅"}, page=panel)
    export = copies.copies_for(office.rt, office.clerk.id)[0].export_id
    assert clerk.get(f"/exports/{export}/copies/1").status_code == 403
    head.post(f"/cases/{report_id}/exports/{export}", {"decision": "approve"}, page=panel)
    pdf = clerk.get(f"/exports/{export}/copies/1")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert head.get(f"/exports/{export}/copies/1").status_code == 403
    assert clerk.get("/copies").status_code == 200
    clerk.post(f"/cases/{report_id}/destruction", {"reason": "retention_expired"}, page=panel)
    request = destruction.destruction_requests(office.rt, office.head.id)[0]
    head.post(f"/cases/{report_id}/destruction/{request.id}", {"decision": "approve"}, page=panel)
    done = clerk.post(f"/cases/{report_id}/destruction/{request.id}/execute", {"witness": "auditor"}, page=panel)
    assert done.status_code == 302
    assert clerk.get(f"/cases/{report_id}").status_code == 404
    register = head.get("/destruction/register").get_data(as_text=True)
    assert "审阅" not in register and "强占集体土地" not in register


def test_the_intake_office_flag_is_what_decides(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    fresh = office.submit()
    assert casework.open_case(office.rt, office.clerk.id, fresh)
    set_intake_office(office.rt, "第二科")
    assert casework.open_case(office.rt, office.other.id, fresh)


def test_a_printable_transfer_package_carries_its_clues_marking(office: Office, sign_in) -> None:  # type: ignore[no-untyped-def]
    from models.cases.transfer import list_transfers

    report_id = office.transferred()
    change = classification.propose_classification(office.rt, office.clerk.id, report_id, "confidential", 5)
    classification.decide_classification(office.rt, office.head.id, change, approve=True)
    with office.rt.stores.case() as session:
        transfer_id = list_transfers(session, report_id)[0].id
    page = sign_in(office.clerk).get(f"/transfers/{transfer_id}").get_data(as_text=True)
    assert MARKING.search(page).group(1) == "机密★5年"


@pytest.mark.parametrize(("path", "form"), [
    ("/cases/{id}/classification", {"level": "public", "years": "x"}),
    ("/cases/{id}/exports", {"copies": "0", "reason": ""}),
    ("/cases/{id}/exports", {"copies": "2", "reason": "x", "holders": "nobody"}),
    ("/cases/{id}/destruction", {"reason": "bored"}),
    ("/cases/{id}/protection-officer", {"officer": "clerk"}),
    ("/borrowing", {"registry_no": "9999-999999", "reason": "x", "days": "1"}),
    ("/meetings", {"held_on": "yesterday", "kind": "joint", "attendees": "", "decisions": "",
                   "registry_nos": ""}),
])
def test_bad_input_gets_a_message_and_stores_nothing(office: Office, sign_in, path: str,  # type: ignore[no-untyped-def]
                                                     form: dict[str, str]) -> None:
    report_id = office.registered()
    client = sign_in(office.head)
    response = client.post(path.format(id=report_id), form, page="/borrowing")
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 200 and "flash-error" in follow.get_data(as_text=True)
    assert copies.copies_for(office.rt, office.head.id) == []
