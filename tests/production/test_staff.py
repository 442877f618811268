"""Staff through nginx to two staff hosts: a clerk takes a web report to closing, the monthly
survey runs on two job hosts at once, and the reporter (no JavaScript) answers it."""

from __future__ import annotations

import re
import subprocess

import httpx
from sqlalchemy import select

from models.staff.tables import Staff
from tests.conftest import StaffUser
from tests.production.conftest import CUSTODIANS, People, staff_runtime
from tests.production.stack import CLUEGUARD, Stack
from tests.production.test_reporter import CLUE, hidden

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(stack: Stack, user: StaffUser) -> httpx.Client:
    """A browser signed in through the form; the session is then good on either staff host."""
    browser = stack.client("staff")
    page = browser.get("/login")
    found = CSRF.search(page.text)
    assert found
    answer = browser.post("/login", data={"csrf_token": found.group(1), "username": user.username,
                                          "password": user.password, "totp": user.totp()})
    assert answer.status_code == 302, answer.status_code
    return browser


def unit_of(stack: Stack, user: StaffUser) -> int:
    rt = staff_runtime(stack)
    try:
        with rt.stores.case() as session:
            unit = session.scalar(select(Staff.unit_id).where(Staff.id == user.id))
    finally:
        rt.stores.dispose()
    assert unit is not None
    return unit


def approve_on_the_page(head: httpx.Client, report_id: str) -> None:
    for _ in range(3):
        assert head.get("/cases").status_code == 200
    page = head.get(f"/cases/{report_id}")
    found = CSRF.search(page.text)
    assert page.status_code == 200 and found
    done = head.post(f"/cases/{report_id}/act/approve", data={"csrf_token": found.group(1), "note": "同意。",
                                                                   "confirmed": "1"})
    assert done.status_code in (302, 303), done.status_code


def test_a_clerk_takes_a_clue_to_closing_and_the_reporter_answers_the_survey(stack: Stack, people: People,
                                                                            tokens) -> None:
    with stack.client() as reporter:
        made = reporter.post("/api/v1/reports", json=CLUE)
        assert made.status_code == 201
        registry_no, receipt = made.json()["registry_no"], made.json()["receipt"]

    # The (deputy) unit head signs in once through the form; the session holds on whichever staff
    # host nginx picks. The clerk works through the JSON API.
    head = sign_in(stack, people.deputy)
    clerk = tokens[people.clerk.username]
    with stack.client("staff") as api:
        report = api.get(f"/api/v1/reports/{registry_no}", headers=clerk)
        assert report.status_code == 200, report.text
        url = f"/api/v1/cases/{report.json()['id']}"
        steps = [(f"{url}/register", {"unit_id": unit_of(stack, people.clerk), "handler_id": people.clerk.id},
                  clerk, "registered"),
                 (f"{url}/check", {}, clerk, "checking"),
                 (f"{url}/notes", {"text": "走访了两户村民。"}, clerk, None),
                 (f"{url}/conclude", {"text": "情况属实，已责令整改。"}, clerk, "concluded"),
                 (f"{url}/close", {}, clerk, "closed")]
        for path, body, who, state in steps:
            if path.endswith("/close"):
                approve_on_the_page(head, report.json()["id"])
            done = api.post(path, json=body, headers=who)
            assert done.status_code == 200, (path, done.text)
            assert state is None or done.json()["state"] == state
        head.close()
        replied = api.post(f"/api/v1/reports/{registry_no}/messages", json={"text": "您反映的问题已处理。"},
                           headers=clerk)
        assert replied.status_code in (200, 201), replied.text

    # The monthly timer fires on two job hosts at once: one sends the survey, the other sends nothing.
    env = stack.env("jobs", stack.data_dirs["jobs"])
    runs = [subprocess.Popen([CLUEGUARD, "survey"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [(run.wait(120), *run.communicate()) for run in runs]
    sent = [out for code, out, _err in outputs if code == 0 and "sent for 1 closed" in out]
    assert len(sent) == 1, outputs

    with stack.client() as reporter:
        lookup = hidden(reporter.get("/status").text)
        page = reporter.post("/status", data={"receipt": receipt, "csrf_token": lookup["csrf_token"]})
        assert page.status_code == 200 and "您反映的问题已处理。" in page.text and 'name="satisfaction"' in page.text
        answer = reporter.post("/status/survey", data={"receipt": receipt, "satisfaction": "satisfied",
                                                       "survey_text": "谢谢。",
                                                       "csrf_token": hidden(page.text)["csrf_token"]})
        assert answer.status_code == 200 and 'name="satisfaction"' not in answer.text


IDENTITY = {"name": "王某某", "phone": "13900001111"}


def test_an_unseal_a_numbered_copy_and_a_destruction(stack: Stack, people: People, tokens) -> None:
    with stack.client() as reporter:
        made = reporter.post("/api/v1/reports", json={**CLUE, "identity": IDENTITY})
        assert made.status_code == 201, made.text
        no = made.json()["registry_no"]
    clerk, head, officer = (tokens[u.username] for u in (people.clerk, people.head, people.officer))
    k1, k2 = (tokens[name] for name in ("keeper1", "keeper2"))
    with stack.client("staff") as api:
        def ok(path: str, who: dict[str, str], body: object = None, status: int = 200) -> httpx.Response:
            answer = api.post(path, json=body or {}, headers=who)
            assert answer.status_code == status, (path, answer.status_code, answer.text)
            return answer

        report_id = api.get(f"/api/v1/reports/{no}", headers=clerk).json()["id"]
        case = f"/api/v1/cases/{report_id}"
        ok(f"{case}/register", clerk, {"unit_id": unit_of(stack, people.clerk), "handler_id": people.clerk.id})

        # An unseal: the officer asks, two of the three custodians approve with their passphrases.
        rid = ok(f"/api/v1/reports/{no}/unseal-requests", officer,
                 {"purpose": "安排保护", "legal_basis": "judicial_request"}, 201).json()["id"]
        assert ok(f"/api/v1/unseal-requests/{rid}/approve", k1,
                  {"passphrase": CUSTODIANS["keeper1"]}).json()["state"] == "pending"
        assert ok(f"/api/v1/unseal-requests/{rid}/approve", k2,
                  {"passphrase": CUSTODIANS["keeper2"]}).json()["state"] == "approved"
        opened = ok(f"/api/v1/unseal-requests/{rid}/open", officer, {"passphrase": people.officer.password})
        assert {k: opened.json()["identity"].get(k) for k in IDENTITY} == IDENTITY

        # A numbered copy: asked by the clerk, approved by the head, the second of two as a PDF.
        export = ok(f"/api/v1/reports/{no}/exports", clerk, {"copies": 2, "reason": "报送"}, 201).json()["id"]
        ok(f"/api/v1/exports/{export}/approve", head)
        pdf = api.get(f"/api/v1/exports/{export}/copies/2", headers=clerk)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"

        # To the archive, then destroyed with a witness: afterwards the clue answers 410.
        ok(f"{case}/check", clerk)
        ok(f"{case}/notes", clerk, {"text": "核查笔记。"})
        ok(f"{case}/conclude", clerk, {"text": "已核实。"})
        ok(f"{case}/close", clerk)
        ok(f"{case}/archive", head)
        request = ok(f"/api/v1/reports/{no}/destruction-requests", clerk, {"reason": "retention_expired"},
                     201).json()["id"]
        ok(f"/api/v1/destruction-requests/{request}/approve", head)
        ok(f"/api/v1/destruction-requests/{request}/execute", clerk, {"witness": people.auditor.username})
        assert api.get(f"/api/v1/reports/{no}", headers=clerk).status_code == 410
