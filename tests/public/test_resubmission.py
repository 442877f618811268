"""One form, one clue: reload, Back-and-resend and double taps file nothing twice (issue 12).

The receipt is derived from the form's submission token (``models.reporting.idempotency``), so
nothing new is stored; these tests also check that a stolen store does not give the code up.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from models.audit.tables import AuditEvent
from models.reporting import idempotency, intake
from models.reporting.tables import Report
from tests.conftest import submission
from tests.public.conftest import csrf_token, post_multipart, receipt_of, report_form

from .helpers import PDF


def _post(client, token: str, **changes: object):  # type: ignore[no-untyped-def]
    return post_multipart(client, "/report", report_form(csrf_token=csrf_token(client), token=token, **changes))


def _events(rt, name: str) -> int:  # type: ignore[no-untyped-def]
    with rt.stores.case() as session:
        return len(session.scalars(select(AuditEvent).where(AuditEvent.event == name)).all())


def test_the_post_redirects_and_a_reload_of_the_receipt_files_nothing(client, stored) -> None:
    token = idempotency.new_token()
    post = _post(client, token)
    assert post.status_code == 303 and post.headers["Location"].endswith("/report/received")
    first = client.get("/report/received")
    again = client.get("/report/received")
    assert first.status_code == again.status_code == 200
    assert receipt_of(first) == receipt_of(again)
    assert "no-store" in again.headers["Cache-Control"]
    assert stored.counts() == (1, 0)


def test_sending_the_same_form_again_gives_the_same_number_and_code(client, stored, staff_rt) -> None:
    token = idempotency.new_token()
    _post(client, token)
    registry_no, code = receipt_of(client.get("/report/received"))
    resent = _post(client, token, description="Back, and sent once more")
    assert resent.status_code == 303
    page = client.get("/report/received")
    assert receipt_of(page) == (registry_no, code)
    assert 'id="repeated"' in page.text
    assert stored.counts() == (1, 0)
    assert stored.case(registry_no).clue["description"] == "村里有人强占集体土地，殴打村民。"
    assert _events(staff_rt, "report.resend_ignored") == 1


def test_a_new_form_is_a_new_clue(client, stored) -> None:
    _post(client, idempotency.new_token())
    first = receipt_of(client.get("/report/received"))
    _post(client, idempotency.new_token())
    assert receipt_of(client.get("/report/received")) != first
    assert stored.counts() == (2, 0)


def test_a_malformed_token_is_replaced_not_trusted(client, stored) -> None:
    for token in ("", "short", "x" * 65, "../../etc/passwd-aaaaaaaaaaaaaaaaaaaa"):
        assert _post(client, token).status_code == 303
    assert stored.counts() == (4, 0)


def test_after_the_window_the_receipt_page_shows_the_number_only(client, stored) -> None:
    _post(client, idempotency.new_token())
    registry_no, code = receipt_of(client.get("/report/received"))
    with client.session_transaction() as sess:
        sess["sent"] = {**sess["sent"], "at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    page = client.get("/report/received")
    assert registry_no in page.text and 'id="receipt-gone"' in page.text
    assert code not in page.text and code[:4] not in page.text.replace(registry_no, "")
    with client.session_transaction() as sess:
        assert sess["sent"]["token"] == ""  # forgotten for good


def test_a_resend_after_the_window_files_nothing_and_shows_no_code(client, stored, staff_rt) -> None:
    token = idempotency.new_token()
    _post(client, token)
    registry_no, code = receipt_of(client.get("/report/received"))
    with staff_rt.stores.case() as session:
        session.execute(update(Report).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
    _post(client, token)
    page = client.get("/report/received")
    assert registry_no in page.text and code not in page.text and 'id="receipt-gone"' in page.text
    assert stored.counts() == (1, 0)


def test_two_requests_of_one_form_at_once_file_one_clue(public_rt, stored) -> None:
    token = idempotency.new_token()
    barrier = threading.Barrier(3)
    results: list[intake.Receipt] = []

    def send() -> None:
        barrier.wait()
        results.append(intake.submit_report(public_rt, submission(), token=token))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    assert len({(r.registry_no, r.code) for r in results}) == 1
    assert sorted(r.repeated for r in results) == [False, True, True]
    assert stored.counts() == (1, 0)


def test_a_stolen_store_holds_neither_the_token_nor_the_code(client, stored, staff_rt) -> None:
    token = idempotency.new_token()
    _post(client, token)
    _registry_no, code = receipt_of(client.get("/report/received"))
    with staff_rt.stores.case() as session:
        rows = [repr(tuple(r)) for table in ("reports", "audit_events", "attachments", "data_keys")
                for r in session.execute(select(Report.__table__.metadata.tables[table])).all()]
    dump = "\n".join(rows)
    assert token not in dump and code not in dump
    assert code == idempotency.receipt_for_token(staff_rt, token)  # needs the token, not the store


def test_receipt_lists_the_files_received(reporter) -> None:
    page = reporter.submit(files=[(PDF, "记录.pdf")])
    assert 'id="receipt-code"' in page.text
    assert "记录.pdf" in page.text and "1 KB" in page.text
    assert "文档" in page.text and "application/pdf" not in page.text


def test_the_receipt_page_draws_on_the_receipt_budget(make_app, stored) -> None:
    """Each view runs Argon2id to list the files, so reloading it is rate-limited like a look-up."""
    client = make_app(receipt_rate_limit="2 per minute").test_client()
    _post(client, idempotency.new_token())
    assert client.get("/report/received").status_code == 200
    assert client.get("/report/received").status_code == 200
    assert client.get("/report/received").status_code == 429


def test_a_resend_does_not_restart_the_window(client, stored, staff_rt) -> None:
    token = idempotency.new_token()
    _post(client, token)
    with staff_rt.stores.case() as session:
        session.execute(update(Report).values(created_at=datetime.now(UTC) - timedelta(minutes=14)))
    _post(client, token)
    with client.session_transaction() as sess:
        at = datetime.fromisoformat(sess["sent"]["at"])
    assert datetime.now(UTC) - at > timedelta(minutes=13)
