"""Statistics for unit heads (R27): counts and times as server-rendered SVG charts and tables."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from models.cases.statistics import clue_statistics
from models.cases.survey import SATISFACTION
from models.cases.workflow import STATE_LABELS
from models.reporting.categories import CATEGORIES, SOURCES
from models.store.i18n import N_, translate
from web.shared import current_locale, get_runtime
from web.staff.auth import me, require_role
from web.staff.charts import bar_chart

bp = Blueprint("stats", __name__)


def _labelled(rows: list[tuple[str, int]], labels: dict[str, str]) -> list[tuple[str, float]]:
    loc = current_locale()
    return [(translate(loc, labels[key]) if key in labels else key or "—", float(n)) for key, n in rows]


@bp.get("/stats")
@require_role("unit_head")
def overview() -> Any:
    """Counts by category, state, source, unit and month; days from registration to transfer."""
    stats = clue_statistics(get_runtime(), me().id)
    loc = current_locale()
    sections = [
        (translate(loc, N_("By category")), _labelled(stats.by_category, CATEGORIES)),
        (translate(loc, N_("By state")), _labelled(stats.by_state, STATE_LABELS)),
        (translate(loc, N_("By source")), _labelled(stats.by_source, SOURCES)),
        (translate(loc, N_("By unit")), _labelled(stats.by_unit, {"": translate(loc, N_("Not yet assigned"))})),
        (translate(loc, N_("By month")), _labelled(stats.by_month, {})),
        (translate(loc, N_("Survey answers")), _labelled(sorted(stats.satisfaction.items()), SATISFACTION)),
    ]
    charts = [(title, bar_chart(title, rows), rows) for title, rows in sections]
    return render_template("staff/stats.html", stats=stats, charts=charts)
