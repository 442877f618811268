"""Connecting clues across units (issue 24): the overview for unit heads — the people and officials
named in more than one clue the head may read, with their clues and a graph of who is named with
whom, drawn on the server as SVG — and the office director's request to borrow the linked clues he
may only count. Every rule (need-to-know, the audit) lives in ``models.linking``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models.linking import overview as overview_model
from models.linking.borrow import borrow_linked
from models.store.errors import NotAllowed, NotFound
from models.store.i18n import N_
from web.shared import flash_error, get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.cases import case_link_prefix
from web.staff.charts import network_chart
from web.staff.nav import add_nav_link

bp = Blueprint("linking", __name__)
ROLE_LABELS = {"person": N_("reported"), "official": N_("suspected of shielding")}

add_nav_link("linking.overview", N_("Connected clues"))


@bp.get("/linking")
@require_act("link.overview")
def overview() -> Response:
    """The people and officials named in more than one of the head's clues, most first."""
    found = overview_model.people_overview(get_runtime(), me().id)
    graph = network_chart(_("Who is named with whom"), [p.name for p in found.people], found.pairs) \
        if found.pairs else None
    html = render_template("staff/linking_overview.html", found=found, graph=graph, roles=ROLE_LABELS,
                           case_link=case_link_prefix(), shown=overview_model.CLUES_SHOWN)
    return no_store(Response(html, mimetype="text/html"))


@bp.post("/linking/borrow")
@require_act("link.borrow")
def borrow() -> Any:
    """The office director asks to borrow the linked clues he may only count (one request each, to
    each clue's own unit head); he is told how many, never which."""
    report_id = request.form.get("report_id") or None
    text = request.form.get("q", "")
    try:
        filed = borrow_linked(get_runtime(), me().id, report_id=report_id, text=text)
    except NotFound:
        abort(404)
    except NotAllowed as err:
        flash_error(err)
    else:
        flash(_("You asked to borrow %(n)s linked clues; each request goes to the head of the clue's unit.",
                n=filed) if filed else _("These linked clues have been asked for already."), "success")
    if report_id:
        return redirect(url_for("cases.case", report_id=report_id) + "#linked")
    return redirect(url_for("cases.inbox", q=text))
