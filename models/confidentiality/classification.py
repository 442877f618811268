"""Classification (R19, 定密): a clue's level and period, changed by a proposer and an approver.

Every clue has a level (秘密 / 机密 / 绝密) and a period in years counted from registration; until
someone classifies it, the configured default applies. A change, including declassifying, is
proposed by one staff member who handles the clue and approved by a different one: a unit head of
the clue's unit. The marking "密级★期限" shown on pages and copies comes from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import trail
from models.confidentiality.need_to_know import can_handle_case, handles, second_person, visible_cases
from models.confidentiality.tables import Classification, ClassificationChange
from models.reporting.tables import Report
from models.staff import acting
from models.staff.accounts import CONTENT_ROLES
from models.staff.tables import Staff
from models.store.config import Config
from models.store.db import utcnow
from models.store.errors import InvalidInput, NotAllowed, NotFound, WrongState
from models.store.i18n import N_, translate
from models.store.runtime import Runtime

LEVELS = {"secret": N_("SECRET"), "confidential": N_("CONFIDENTIAL"), "top_secret": N_("TOP SECRET")}
DECLASSIFIED = "declassified"
RANK = {DECLASSIFIED: 0, "secret": 1, "confidential": 2, "top_secret": 3}  # classification levels, not passwords # nosec B105
# The longest period the State Secrets Law allows for each level, and the usual default.
MAX_YEARS = {"secret": 10, "confidential": 20, "top_secret": 30}  # classification periods in years # nosec B105
REVIEW_DAYS = 90


class SelfApprovedClassification(NotAllowed):
    message = N_("A classification must be approved by someone other than its proposer.")


@dataclass(frozen=True)
class Level:
    """A clue's classification as pages show it."""

    level: str
    years: int
    starts_on: date | None
    ends_on: date | None

    @property
    def rank(self) -> int:
        return RANK.get(self.level, 1)


def local_today(config: Config) -> date:
    return utcnow().astimezone(ZoneInfo(config.timezone)).date()


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def default_level(config: Config) -> Level:
    level = config.default_classification if config.default_classification in LEVELS else "secret"
    return Level(level, MAX_YEARS[level], None, None)


def marking_text(level: Level | None, locale: str = "zh") -> str:
    """The marking "密级★期限" (e.g. 机密★10年) in the reader's language."""
    if level is None:
        return ""
    if level.level == DECLASSIFIED:
        return translate(locale, N_("Declassified"))
    return translate(locale, N_("%(level)s★%(years)s years"), level=translate(locale, LEVELS[level.level]),
                     years=level.years)


def level_of(session: Session, config: Config, report_id: str) -> Level:
    row = session.get(Classification, report_id)
    if row is None:
        return default_level(config)
    return Level(row.level, row.years, row.starts_on, row.ends_on)


def marking_of(rt: Runtime, report_id: str, locale: str) -> str:
    """The marking of one clue ("密级★期限") in ``locale``."""
    with rt.stores.case() as session:
        return marking_text(level_of(session, rt.config, report_id), locale)


def page_marking(rt: Runtime, report_ids: Iterable[str], registry_nos: Iterable[str], locale: str) -> str:
    """The marking of a page: the highest level among the clues it shows (by id or registry
    number), else the default level."""
    found, numbers = set(report_ids), set(registry_nos)
    level = None
    if found or numbers:
        with rt.stores.case() as session:
            if numbers:
                found |= set(session.scalars(select(Report.id).where(Report.registry_no.in_(numbers))))
            level = highest(session, rt.config, found)
    return marking_text(level or default_level(rt.config), locale)


def highest(session: Session, config: Config, report_ids: Iterable[str]) -> Level | None:
    """The highest level among these clues (a page listing several shows it), None if none."""
    ids = set(report_ids)
    if not ids:
        return None
    rows = {r.report_id: r for r in session.scalars(select(Classification)
                                                     .where(Classification.report_id.in_(ids)))}
    levels = [Level(r.level, r.years, r.starts_on, r.ends_on) for r in rows.values()]
    if len(rows) < len(ids):
        levels.append(default_level(config))
    return max(levels, key=lambda lv: (lv.rank, lv.years))


def _row(session: Session, config: Config, report_id: str) -> Classification:
    row = session.get(Classification, report_id)
    if row is None:
        d = default_level(config)
        row = Classification(report_id=report_id, level=d.level, years=d.years)
        session.add(row)
    return row


def start_period(session: Session, config: Config, report_id: str, on: date) -> None:
    """At registration the period starts running (called by ``register_clue``)."""
    row = _row(session, config, report_id)
    row.starts_on = on
    row.ends_on = add_years(on, row.years) if row.level != DECLASSIFIED else None


def set_retention(session: Session, config: Config, report_id: str, archived_on: date) -> None:
    """At archiving (档案管理) the clue gets its retention period (R22)."""
    row = _row(session, config, report_id)
    row.retain_until = add_years(archived_on, config.archive_retention_years)


_DECIDE = second_person(SelfApprovedClassification, "own_proposal")
PROPOSE = acting.declare("classification.propose", CONTENT_ROLES, refused="classification.refused", check=handles,
                         event="classification.proposed")
APPROVE = acting.declare("classification.approve", {"unit_head"}, refused="classification.refused", check=_DECIDE)
REFUSE = acting.declare("classification.refuse", {"unit_head"}, refused="classification.refused", check=_DECIDE)
LIST = acting.declare("classification.list", CONTENT_ROLES, refused="classification.refused")


def propose_classification(rt: Runtime, staff_id: int, report_id: str, level: str, years: int | str,
                           reason: str = "") -> int:
    """Propose a level and period (or declassifying) for a clue one handles; returns the proposal id."""
    errors = {}
    if level not in LEVELS and level != DECLASSIFIED:
        errors["level"] = N_("Choose a level.")
    try:
        years = int(years)
    except (TypeError, ValueError):
        years = 0
    if level in MAX_YEARS and not 1 <= years <= MAX_YEARS[level]:
        errors["years"] = N_("Choose a period of 1 to %(max)s years.")
    if level == DECLASSIFIED:
        years = 0
    reason = (reason or "").strip()
    if len(reason) > 500:
        errors["reason"] = N_("The reason is too long.")
    if errors:
        raise InvalidInput(errors, max=MAX_YEARS.get(level, 30))
    with rt.stores.case() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound
        staff = acting.perform(session, staff_id, PROPOSE.name, report, report_id=report.id)
        change = ClassificationChange(report_id=report_id, level=level, years=years, reason=reason,
                                      proposed_by=staff.id)
        session.add(change)
        session.flush()
        acting.done(session, staff, PROPOSE.name, report_id, change=change.id, level=level, years=years)
        return change.id


def decide_classification(rt: Runtime, staff_id: int, change_id: int, approve: bool) -> str:
    """Approve (or refuse) a proposed classification: a unit head of the clue's unit, never the
    proposer. Returns the report id."""
    with rt.stores.case() as session:
        change = session.get(ClassificationChange, change_id)
        if change is None:
            raise NotFound
        report = session.get(Report, change.report_id)
        if report is None:
            raise NotFound
        staff = acting.perform(session, staff_id, (APPROVE if approve else REFUSE).name,
                               (report, change.proposed_by), report_id=report.id)
        if change.status != "pending":
            raise WrongState(N_("This proposal has been decided already."))
        change.status = "approved" if approve else "refused"
        change.decided_by, change.decided_at = staff.id, utcnow()
        if approve:
            row = _row(session, rt.config, report.id)
            row.level, row.years, row.changed_at = change.level, change.years, utcnow()
            if row.starts_on is not None:
                row.ends_on = add_years(row.starts_on, row.years) if change.level != DECLASSIFIED else None
        trail.record(session, staff.username, f"classification.{change.status}", report.id,
                     change=change.id, level=change.level, years=change.years)
        return report.id


@dataclass(frozen=True)
class ChangeView:
    id: int
    report_id: str
    registry_no: str
    level: str
    years: int
    reason: str
    proposer: str
    proposed_at: datetime
    status: str


def pending_changes(rt: Runtime, staff_id: int, report_id: str | None = None) -> list[ChangeView]:
    """Proposals the staff member may see: for clues they handle (or one clue)."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        query = (select(ClassificationChange, Report.registry_no, Staff.display_name)
                 .join(Report, Report.id == ClassificationChange.report_id)
                 .join(Staff, Staff.id == ClassificationChange.proposed_by)
                 .where(ClassificationChange.status == "pending"))
        if report_id is not None:
            query = query.where(ClassificationChange.report_id == report_id)
        out = []
        for change, registry_no, proposer in session.execute(query.order_by(ClassificationChange.id)):
            report = session.get(Report, change.report_id)
            if report is not None and can_handle_case(session, staff, report):
                out.append(ChangeView(change.id, change.report_id, registry_no, change.level, change.years,
                                      change.reason, proposer, change.proposed_at, change.status))
        return out


@dataclass(frozen=True)
class ReviewItem:
    report_id: str
    registry_no: str
    state: str
    level: str
    years: int
    due: date
    kind: str  # "period" (the period ends: declassify or extend) or "retention" (due for destruction)


def review_for(rt: Runtime, staff_id: int) -> list[ReviewItem]:
    """The review list (periods ending, retention run out) of the clues this staff member handles."""
    with rt.stores.case() as session:
        staff = acting.perform(session, staff_id, LIST.name)
        return review_list(session, rt.config, visible_cases(staff))


def review_list(session: Session, config: Config, report_filter: object | None = None,
                today: date | None = None) -> list[ReviewItem]:
    """Clues whose period ends within 90 days, and archived clues whose retention has run out."""
    today = today or local_today(config)
    horizon = today + timedelta(days=REVIEW_DAYS)
    base = select(Classification, Report).join(Report, Report.id == Classification.report_id)
    if report_filter is not None:
        base = base.where(report_filter)  # type: ignore[arg-type]  # a SQL condition, typed object to keep SQLAlchemy out of callers
    items = []
    for row, report in session.execute(base.where(Classification.ends_on.is_not(None),
                                                  Classification.ends_on <= horizon,
                                                  Classification.level != DECLASSIFIED,
                                                  Report.state != "destroyed")):
        items.append(ReviewItem(report.id, report.registry_no, report.state, row.level, row.years,
                                row.ends_on, "period"))  # type: ignore[arg-type]  # not None: filtered in the query
    for row, report in session.execute(base.where(Classification.retain_until.is_not(None),
                                                  Classification.retain_until <= horizon,
                                                  Report.state == "archived")):
        items.append(ReviewItem(report.id, report.registry_no, report.state, row.level, row.years,
                                row.retain_until, "retention"))  # type: ignore[arg-type]  # not None: filtered in the query
    return sorted(items, key=lambda i: (i.due, i.registry_no))
