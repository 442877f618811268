"""The form and the JSON API refuse every over-long field with its length and limit, and store
nothing; both follow the one rule in ``models.reporting.limits`` when it changes (issue 23)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from models.reporting import limits
from models.store.i18n import translate
from tests.public.test_api import REPORT
from tests.reporting.limits_cases import OVER_LONG, counts, over_long, refusal


def form_message(resp: Any, field: str) -> str:
    match = re.search(rf'id="err-{field}">([^<]*)<', resp.text)
    assert match, f"no message for {field}"
    return html.unescape(match.group(1))


def form_changes(field: str, text: str) -> dict[str, object]:
    mode = "confidential" if field.startswith("identity") else "anonymous"
    return {"mode": mode, "identity-name": "", field: text}


def api_body(field: str, text: str) -> dict[str, object]:
    """The API's report with ``field`` (named as the form names it) set to ``text``."""
    body: dict[str, Any] = {**REPORT, "reported": [dict(p) for p in REPORT["reported"]],  # type: ignore[union-attr]
                            "shielding": [dict(p) for p in REPORT["shielding"]]}  # type: ignore[union-attr]
    group, _, rest = field.partition("-")
    if group == "identity":
        body["identity"] = {rest: text}
    elif group in {"reported", "shielding"}:
        index, part = rest.split("-")
        body[group][int(index)][part] = text
    else:
        body[field] = text
    return body


@pytest.mark.parametrize("field", OVER_LONG)
def test_the_form_refuses_an_over_long_field_next_to_it_and_keeps_it(reporter, public_rt, field) -> None:
    text = over_long(field, public_rt.config.max_text_chars)
    resp = reporter.submit(**form_changes(field, text))
    assert resp.status_code == 400
    expected = translate("zh", limits.TOO_LONG, **refusal(field, public_rt.config.max_text_chars))
    assert form_message(resp, field) == expected
    assert text in html.unescape(resp.text)  # kept whole, as typed
    assert counts(public_rt) == (0, 0)


@pytest.mark.parametrize("field", OVER_LONG)
def test_the_api_refuses_an_over_long_field_by_name(client, public_rt, field) -> None:
    text = over_long(field, public_rt.config.max_text_chars)
    resp = client.post("/api/v1/reports?lang=en", json=api_body(field, text))
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["fields"] == {field: limits.TOO_LONG % refusal(field, public_rt.config.max_text_chars)}
    assert "receipt" not in body
    assert counts(public_rt) == (0, 0)


@pytest.mark.parametrize("field", ["location", "reported-0-unit", "identity-phone"])
def test_the_form_and_the_api_follow_the_limit_in_the_models(monkeypatch, reporter, client, public_rt, field) -> None:
    """The limit changed once, in the models: a text within the old limit is now refused by both."""
    monkeypatch.setattr(limits, "MAX_FIELD", 12)
    text = "字" * 13
    assert form_message(reporter.submit(**form_changes(field, text)), field) == translate(
        "zh", limits.TOO_LONG, n=13, max=12)
    assert client.post("/api/v1/reports?lang=en", json=api_body(field, text)).get_json()["fields"] == {
        field: limits.TOO_LONG % {"n": 13, "max": 12}}
    assert counts(public_rt) == (0, 0)
