"""Hypothesis: the report form answers any text without a 500, and a refused form shows back
everything that was typed (SPEC "What bad input gets": nothing lost)."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.store import text
from tests.public.conftest import Reporter, receipt_of

WEB = settings(max_examples=20, derandomize=True, deadline=None, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def roomy_client(make_app: Callable[..., Flask]) -> FlaskClient:
    """The public app with budgets far above what the examples spend: this test is about text,
    and the rate limits (tests/public/test_rate_limits.py) would otherwise answer 429."""
    return make_app(public_rate_limit="10000 per minute", receipt_rate_limit="10000 per minute").test_client()


@WEB
@given(description=st.text(max_size=300), place=st.text(max_size=250))
def test_the_report_form_answers_every_text_without_a_500_or_a_loss(roomy_client, description: str,
                                                                    place: str) -> None:
    resp = Reporter(roomy_client).submit(description=description, location=place)
    # Filed (the redirect was followed to the receipt page) or refused with the form shown again.
    assert resp.status_code in (200, 400), resp.status_code
    if resp.status_code == 200:
        registry_no, code = receipt_of(resp)
        assert registry_no and len(code) == 16
    else:
        page = html.unescape(resp.text)
        # What was typed is shown again, as the browser would have sent it (CRLF for newlines).
        for typed in (description, place):
            shown = typed.replace("\r\n", "\n").replace("\r", "\n").strip()
            if shown and text.is_readable(shown):
                assert shown.replace("\n", "\r\n") in page or shown in page
