"""Printing a controlled copy (R21): the redacted rendering (R12) as a PDF, via WeasyPrint.

``issue_copy`` (models.confidentiality.copies) decides whether this copy may be produced and
registers it; here the clue is decrypted, redacted and laid out. Every page carries the marking
at the top left, "第N份 共M份", and a watermark with the holder's name and the time. Identity is
never in the rendering: it lives in the vault store, and ``apply_redactions`` keeps only the
clue's own fields.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

import vault
from models.cases.redaction import apply_redactions, marks_of
from models.confidentiality.classification import level_of, marking_text
from models.confidentiality.copies import issue_copy
from models.confidentiality.need_to_know import READ
from models.reporting.categories import CATEGORIES
from models.reporting.sealed import data_key_context, report_context
from models.reporting.tables import DataKey, Report
from models.staff import acting
from models.store.errors import NotFound
from models.store.i18n import N_, translate
from models.store.periods import readable_period
from models.store.runtime import Runtime

_CSS = """
@page { size: A4; margin: 22mm 18mm 20mm 18mm; font-family: "Noto Sans CJK SC", sans-serif;
  @top-left { content: MARKING; font-weight: bold; color: #b00; font-size: 11pt; }
  @top-right { content: COPY; font-size: 10pt; }
  @bottom-center { content: FOOTER " · " counter(page) "/" counter(pages); font-size: 8pt; color: #555; }
}
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 11pt; line-height: 1.5; }
.watermark { position: fixed; top: 40%; left: -10%; width: 120%; text-align: center; transform: rotate(-30deg);
  font-size: 26pt; color: rgba(120, 120, 120, 0.25); }
h1 { font-size: 15pt; } th { text-align: left; padding-right: 8pt; vertical-align: top; }
table { border-collapse: collapse; } td, th { border-bottom: 0.5pt solid #ccc; padding: 2pt 4pt; }
"""


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _people(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "—"
    parts = ("name", "unit", "position", "place")
    return "<br>".join(escape("，".join(p.get(k, "") for k in parts if p.get(k))) for p in rows)


def render_copy(rt: Runtime, staff_id: int, export_id: str, n: int, locale: str = "zh") -> bytes:
    """Produce copy ``n`` of an approved export as a PDF, for its holder only (R21)."""
    from weasyprint import HTML  # heavy import, only where a copy is printed

    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, READ.name)
        issued = issue_copy(session, staff, export_id, n)
        report = session.get(Report, issued.report_id)
        sealed = session.get(DataKey, report.data_key_id) if report else None
        if report is None or sealed is None:
            raise NotFound
        key = vault.open_data_key(sealed.sealed, rt.require_private(), data_key_context(report.id, sealed.id))
        clue = apply_redactions(json.loads(vault.decrypt_blob(key, report.content, report_context(report.id))),
                                marks_of(session, report.id))
        marking = marking_text(level_of(session, rt.config, report.id), locale)
        received = report.created_at

    def t(msg: str, **params: object) -> str:
        return translate(locale, msg, **params)

    when = issued.at.astimezone(ZoneInfo(rt.config.timezone)).strftime("%Y-%m-%d %H:%M")
    copy_no = t(N_("Copy %(n)s of %(m)s"), n=issued.n, m=issued.of)
    footer = t(N_("Holder: %(name)s · produced %(at)s"), name=issued.holder, at=when)
    if issued.until is not None:
        until = issued.until if issued.until.tzinfo else issued.until.replace(tzinfo=ZoneInfo("UTC"))
        footer += " · " + t(N_("held under a loan ending %(at)s; return it by then"),
                            at=until.astimezone(ZoneInfo(rt.config.timezone)).strftime("%Y-%m-%d %H:%M"))
    rows = [
        (t(N_("Registry number")), escape(issued.registry_no)),
        (t(N_("Category")), escape(t(CATEGORIES.get(str(clue.get("category")), N_("Other"))))),
        (t(N_("Received on")), escape(received.strftime("%Y-%m-%d"))),
        (t(N_("What happened")), escape(str(clue.get("description", ""))).replace("\n", "<br>")),
        (t(N_("Where")), escape(str(clue.get("location", "")))),
        (t(N_("When")), escape(readable_period(str(clue.get("occurred_on", "")), locale))),
        (t(N_("People or organisations reported")), _people(clue.get("reported") or [])),
        (t(N_("Officials suspected of shielding them")), _people(clue.get("shielding") or [])),
    ]
    css = (_CSS.replace("MARKING", _css_string(marking)).replace("COPY", _css_string(copy_no))
           .replace("FOOTER", _css_string(footer)))
    table = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    html = (
        f'<!doctype html><html lang="{"zh-CN" if locale == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<style>{css}</style></head><body>"
        f'<div class="watermark">{escape(issued.holder)} {escape(when)}<br>{escape(copy_no)}</div>'
        f"<p><strong>{escape(marking)}</strong> · {escape(copy_no)}</p>"
        f"<h1>{escape(t(N_('Clue %(no)s (redacted copy)'), no=issued.registry_no))}</h1>"
        f"<table>{table}</table>"
        f"<p>{escape(footer)}</p>"
        f"<p>{escape(t(N_('Controlled copy: do not copy further; return it when no longer needed.')))}</p>"
        "</body></html>"
    )
    return bytes(HTML(string=html, url_fetcher=_no_fetch).write_pdf())


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """A copy loads nothing from anywhere: no remote fonts, images or style sheets."""
    raise ValueError("copies load no external resources")
