"""Statistics for unit heads (R27): counts and times as server-rendered SVG charts and tables,
filtered by date and unit, and exported as CSV (the export is audited)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request

from models.cases.inbox import filter_choices
from models.cases.statistics import ClueStatistics, StatsFilter, clue_statistics
from models.cases.survey import SATISFACTION
from models.cases.workflow import STATE_LABELS
from models.reporting.categories import CATEGORIES, SOURCES
from models.store import csvfile
from models.store.i18n import N_, translate
from models.store.text import as_id
from web.shared import current_locale, get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.charts import bar_chart

bp = Blueprint("stats", __name__)


def _labelled(rows: list[tuple[str, int]], labels: dict[str, str]) -> list[tuple[str, float]]:
    loc = current_locale()
    return [(translate(loc, labels[key]) if key in labels else key or "—", float(n)) for key, n in rows]


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def _filter() -> StatsFilter:
    return StatsFilter(since=_date("since"), until=_date("until"), unit_id=as_id(request.args.get("unit", "")))


def _sections(stats: ClueStatistics) -> list[tuple[str, list[tuple[str, float]]]]:
    loc = current_locale()
    return [
        (translate(loc, N_("By category")), _labelled(stats.by_category, CATEGORIES)),
        (translate(loc, N_("By state")), _labelled(stats.by_state, STATE_LABELS)),
        (translate(loc, N_("By source")), _labelled(stats.by_source, SOURCES)),
        (translate(loc, N_("By unit")), _labelled(stats.by_unit, {"": translate(loc, N_("Not yet assigned"))})),
        (translate(loc, N_("By month")), _labelled(stats.by_month, {})),
        (translate(loc, N_("Survey answers")), _labelled(sorted(stats.satisfaction.items()), SATISFACTION)),
    ]


def _query(wanted: StatsFilter) -> dict[str, str]:
    return {k: v for k, v in (("since", wanted.since.isoformat() if wanted.since else ""),
                              ("until", wanted.until.isoformat() if wanted.until else ""),
                              ("unit", str(wanted.unit_id) if wanted.unit_id is not None else "")) if v}


@bp.get("/stats")
@require_act("statistics.view")
def overview() -> Any:
    """Counts by category, state, source, unit and month; days from registration to transfer."""
    wanted = _filter()
    rt = get_runtime()
    stats = clue_statistics(rt, me().id, wanted)
    charts = [(title, bar_chart(title, rows), rows) for title, rows in _sections(stats)]
    return render_template("staff/stats.html", stats=stats, charts=charts, wanted=wanted,
                           units=filter_choices(rt).units, query=_query(wanted))


@bp.get("/stats.csv")
@require_act("statistics.view")
def export() -> Response:
    """The same figures as a CSV file (section, label, count); the export is audited."""
    wanted = _filter()
    stats = clue_statistics(get_runtime(), me().id, wanted, event="statistics.exported")
    loc = current_locale()
    out = io.StringIO()
    writer = csvfile.writer(out)
    writer.writerow([translate(loc, N_("Section")), translate(loc, N_("Label")), translate(loc, N_("Count"))])
    writer.writerow([translate(loc, N_("Clues in total")), "", stats.total])
    for title, rows in _sections(stats):
        for label, value in rows:
            writer.writerow([title, label, int(value)])
    # A byte-order mark, so spreadsheet programs open the Chinese labels as UTF-8.
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=clueguard-statistics.csv"
    return no_store(response)
