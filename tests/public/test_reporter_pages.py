"""What the reporter's receipt and status pages say in plain words (issue #27 items 1 and 2)."""

from __future__ import annotations

from tests.public.conftest import receipt_of

from .helpers import PDF


def test_files_are_listed_by_a_readable_kind_not_a_technical_type(reporter, stored) -> None:
    """Item 2: 文档 on the receipt and the status page, never application/pdf."""
    receipt = reporter.submit(files=[(PDF, "记录.pdf")])
    assert "记录.pdf" in receipt.text and "文档" in receipt.text
    assert "application/pdf" not in receipt.text
    page = reporter.status(receipt_of(receipt)[1])
    assert "记录.pdf" in page.text and "文档" in page.text
    assert "application/pdf" not in page.text
    english = reporter.status(receipt_of(receipt)[1], query="?lang=en")
    assert "Document" in english.text and "application/pdf" not in english.text


def test_every_reporter_page_says_110_who_runs_the_site_and_how_soon(client, make_app) -> None:
    """Item 1: emergency advice, the operator (configurable), the expected response time."""
    for path in ("/", "/report", "/status"):
        page = client.get(path)
        assert "110" in page.text and "正面临危险" in page.text, path
        assert "扫黑除恶线索受理部门" in page.text and "7个工作日" in page.text, path
    named = make_app(operator_name="某市扫黑办", reply_days=3).test_client()
    page = named.get("/")
    assert "本网站由某市扫黑办运营" in page.text and "3个工作日" in page.text
    assert "In danger now? Call 110." in client.get("/?lang=en").text


def test_the_status_says_what_it_means(reporter, stored) -> None:
    """Item 1: the status page explains its status, and 已办结 says handling has ended."""
    from sqlalchemy import update

    from models.reporting.tables import Report

    registry_no, code = receipt_of(reporter.submit())
    page = reporter.status(code)
    assert "正等待工作人员阅读" in page.text
    with stored.staff_rt.stores.case() as session:
        session.execute(update(Report).where(Report.registry_no == registry_no).values(state="closed"))
    page = reporter.status(code)
    assert "已办结" in page.text and "办理已经结束" in page.text
