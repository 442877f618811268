"""The monthly follow-up survey (回访, R28).

Each month a random sample of closed clues whose reporter can be reached (a receipt key to seal
to: the web status page and the bot both show staff messages) is asked how the clue was handled.
The reporter answers with ``answer_survey`` (a satisfaction level and optional words) or simply
with a follow-up message; either way the answer shows on the case and in the statistics.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from models.audit import trail
from models.cases.deadlines import local_today
from models.cases.tables import Survey
from models.reporting.intake import find_by_receipt, seal_message
from models.reporting.tables import Message, Report
from models.store.db import utcnow
from models.store.errors import InvalidInput, WrongState
from models.store.i18n import N_, translate
from models.store.runtime import Runtime

SATISFACTION = {
    "satisfied": N_("Satisfied"),
    "basically": N_("Basically satisfied"),
    "dissatisfied": N_("Dissatisfied"),
}
QUESTION = N_("Follow-up visit: the handling of your clue %(registry_no)s has ended. Are you satisfied with "
              "how it was handled? Please answer satisfied, basically satisfied or dissatisfied, and tell us "
              "anything you wish to add.")
SURVEYED_STATES = ("closed", "archived")


class SurveyAlreadySent(WrongState):
    message = N_("This month's follow-up survey has already been sent.")


def sample_size(rt: Runtime) -> int:
    """How many clues to ask each month (``CLUEGUARD_SURVEY_SAMPLE``, default 10)."""
    return max(0, rt.config.survey_sample)


def run_monthly_survey(rt: Runtime, month: str | None = None, size: int | None = None,
                       actor: str = "cli") -> list[str]:
    """Ask a random sample of reachable closed clues, once a month; returns the report ids asked."""
    month = month or local_today(rt.config).strftime("%Y-%m")
    size = sample_size(rt) if size is None else size
    with rt.stores.case() as session:
        if session.scalar(select(func.count()).select_from(Survey).where(Survey.month == month)):
            raise SurveyAlreadySent
        candidates = list(session.scalars(
            select(Report.id).where(Report.state.in_(SURVEYED_STATES), Report.reporter_public_key.is_not(None),
                                    ~exists().where(Survey.report_id == Report.id))
        ))
        # A cryptographic RNG: nobody should be able to predict or steer which clues are asked.
        chosen = secrets.SystemRandom().sample(candidates, min(size, len(candidates)))
        for report in session.scalars(select(Report).where(Report.id.in_(chosen))):
            text = translate("zh", QUESTION, registry_no=report.registry_no)
            message = seal_message(rt, session, report, "staff", text, [])
            session.add(Survey(report_id=report.id, month=month, message_id=message.id))
            trail.record(session, actor, "survey.sent", report.id, month=month, message=message.id)
        return chosen


def answer_survey(rt: Runtime, code: str, satisfaction: str, text: str = "") -> str:
    """The reporter's answer to the survey, through their receipt; returns the registry number."""
    if satisfaction not in SATISFACTION:
        raise InvalidInput({"satisfaction": N_("Choose an answer.")})
    text = (text or "").replace("\x00", "").strip()
    if len(text) > rt.config.max_text_chars:
        raise InvalidInput({"text": N_("The message is too long.")})
    with rt.stores.case() as session:
        report, _keys = find_by_receipt(rt, session, code)
        # The public and bot roles read and answer only these columns of ``surveys``
        # (models/datadir/roles.py); the question itself is among the report's messages.
        survey_id = session.scalar(select(Survey.id).where(Survey.report_id == report.id,
                                                           Survey.satisfaction.is_(None)))
        if survey_id is None:
            raise WrongState(N_("There is no open follow-up question for this report."))
        answer = seal_message(rt, session, report, "reporter", text, []).id if text else None
        answered = session.execute(update(Survey).where(Survey.id == survey_id, Survey.satisfaction.is_(None))
                                   .values(satisfaction=satisfaction, answered_at=utcnow(),
                                           answer_message_id=answer))
        if answered.rowcount != 1:  # type: ignore[attr-defined]
            raise WrongState(N_("There is no open follow-up question for this report."))
        trail.record(session, "reporter", "survey.answered", report.id, satisfaction=satisfaction)
        return report.registry_no


@dataclass(frozen=True)
class SurveyView:
    month: str
    asked_at: datetime
    satisfaction: str | None
    answered_at: datetime | None
    replied_by_message: bool


def _replied(session: Session, survey: Survey) -> bool:
    return bool(session.scalar(select(
        exists().where(Message.report_id == survey.report_id, Message.direction == "reporter",
                       Message.created_at > survey.asked_at))))


def survey_of(session: Session, report_id: str) -> SurveyView | None:
    """The survey of one clue, for its case page (the answer's words are in its messages)."""
    survey = session.scalar(select(Survey).where(Survey.report_id == report_id))
    if survey is None:
        return None
    return SurveyView(survey.month, survey.asked_at, survey.satisfaction, survey.answered_at,
                      _replied(session, survey))


def survey_open(rt: Runtime, report_id: str) -> bool:
    """Whether a report's follow-up question waits for an answer with choices (its status page)."""
    with rt.stores.case() as session:
        # Only the columns the public and bot roles may read (models/datadir/roles.py).
        return session.scalar(select(Survey.id).where(Survey.report_id == report_id,
                                                      Survey.satisfaction.is_(None))) is not None
