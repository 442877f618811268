"""Hypothesis: the report form answers any text without a 500, and a refused form shows back
everything that was typed (SPEC "What bad input gets": nothing lost)."""

from __future__ import annotations

import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.store import text
from tests.public.conftest import Reporter

WEB = settings(max_examples=20, derandomize=True, deadline=None, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@WEB
@given(description=st.text(max_size=300), place=st.text(max_size=250))
def test_the_report_form_answers_every_text_without_a_500_or_a_loss(client, description: str, place: str) -> None:
    resp = Reporter(client).submit(description=description, location=place)
    assert resp.status_code in (201, 400), resp.status_code
    if resp.status_code == 400:
        page = html.unescape(resp.text)
        # What was typed is shown again, as the browser would have sent it (CRLF for newlines).
        for typed in (description, place):
            shown = typed.replace("\r\n", "\n").replace("\r", "\n").strip()
            if shown and text.is_readable(shown):
                assert shown.replace("\n", "\r\n") in page or shown in page
