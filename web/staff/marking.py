"""The marking "密级★期限" at the top left of every staff page (R19).

Just before any staff template renders, the clues in its context (Report rows, anything with a
``report`` or ``report_id``, and lists of them) are collected and the
highest level among them becomes ``marking``, shown by staff/base.html in ``#marking``. A page that
shows no clue (sign-in, lists with nothing in them, administration) shows the default marking: the
level every clue has at least until classified, so the staff app never shows an unmarked page.
A refusal page (403) shows the default too: it must not tell the level of a clue one cannot read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, before_render_template
from flask_babel import get_locale
from jinja2 import Template

from models.confidentiality.classification import page_marking as classification_page_marking
from models.reporting.tables import Report
from web.shared import get_runtime

_DEPTH = 2


def _ids(value: Any, depth: int = 0) -> Iterable[str]:
    if isinstance(value, Report):
        yield value.id
        return
    if isinstance(value, dict):
        # A printable document such as a transfer package names its clue by registry number.
        for key in ("report_id", "registry_no"):
            if isinstance(value.get(key), str):
                yield f"{key}:{value[key]}"
        return
    if depth > _DEPTH or isinstance(value, str | bytes | int | float | bool) or value is None:
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _ids(item, depth + 1)
        return
    report_id = getattr(value, "report_id", None)
    if isinstance(report_id, str):
        yield report_id
    for name in ("report", "reports", "items", "rows"):
        inner = getattr(value, name, None)
        if inner is not None and not callable(inner):
            yield from _ids(inner, depth + 1)


def clue_ids(context: dict[str, Any]) -> set[str]:
    """The ids of the clues a template is about to show."""
    found: set[str] = set()
    for key, value in context.items():
        if key in ("me", "g", "request", "session", "config"):
            continue
        found.update(_ids(value))
    return found


def page_marking(context: dict[str, Any]) -> str:
    """The marking of a page: the highest level among the clues it shows, else the default."""
    ids = clue_ids(context)
    numbers = {i.split(":", 1)[1] for i in ids if i.startswith("registry_no:")}
    found = {i.removeprefix("report_id:") for i in ids if not i.startswith("registry_no:")}
    return classification_page_marking(get_runtime(), found, numbers, str(get_locale() or "zh"))


def _set_marking(app: Flask, template: Template, context: dict[str, Any], **_extra: Any) -> None:
    if context.get("marking") is None:
        context["marking"] = page_marking(context)


def init_marking(app: Flask) -> None:
    """Mark every page this app renders."""
    before_render_template.connect(_set_marking, app, weak=False)
