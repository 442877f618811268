"""The overview of connected clues for unit heads (issue 24 item 5): the people and officials named
in more than one clue the head may read, with their clues and a graph of who is named with whom,
drawn on the server as SVG. Every rule (need-to-know, the audit) lives in ``models.linking.overview``."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _

from models.linking import overview as overview_model
from models.store.i18n import N_
from web.shared import get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.cases import case_link_prefix
from web.staff.charts import network_chart
from web.staff.nav import add_nav_link

bp = Blueprint("linking", __name__)
ROLE_LABELS = {"person": N_("reported"), "official": N_("suspected of shielding")}

add_nav_link("linking.overview", N_("Connected clues"), {"unit_head"})


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
