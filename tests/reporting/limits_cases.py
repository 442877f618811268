"""The over-long fields every front end refuses alike (issue 23): one table for the form, the JSON
API and the bot, each field named as the form names it (``models.reporting.limits``)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.identities.tables import SealedIdentityRow
from models.reporting import limits
from models.reporting.tables import Report
from models.store.runtime import Runtime

OVER_LONG = ("description", "location", "reported-0-name", "reported-0-unit", "shielding-0-position",
             "identity-name", "identity-phone")


def over_long(field: str, max_chars: int) -> str:
    """A text one character over ``field``'s limit, as the models have it now."""
    return "长" * (limits.limit_of(field, max_chars) + 1)


def refusal(field: str, max_chars: int) -> dict[str, object]:
    """The placeholders of the refusal a front end shows for ``over_long(field)``."""
    limit = limits.limit_of(field, max_chars)
    return {"n": limit + 1, "max": limit}


def counts(rt: Runtime) -> tuple[int, int]:
    """Reports and sealed identities stored: what a refused field must leave at (0, 0)."""
    with rt.stores.case() as session:
        reports = session.scalar(select(func.count()).select_from(Report)) or 0
    with rt.stores.vault() as session:
        identities = session.scalar(select(func.count()).select_from(SealedIdentityRow)) or 0
    return reports, identities
