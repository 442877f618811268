"""How long each field of a clue may be: the one rule the web form, the JSON API and the bot call
(issue 23, STYLE rule 13).

Nothing is ever cut: a text over its limit is refused with a named problem (``TooLong``: which
field, how long, at most how long), and each front end says so in the reporter's language — the
form next to the field, keeping what was typed; the API under the field's name; the bot by asking
for that field again. The limits are read when a field is checked, never copied at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.store.i18n import N_

# One part of a person (name, unit, position, place), the place and time, each identity field.
MAX_FIELD = 200
# People listed as reported, and as shielding them, each.
MAX_PEOPLE = 20
# The description's limit is the site's ``max_text_chars`` setting.
DESCRIPTION = "description"
TOO_LONG = N_("This has %(n)s characters; at most %(max)s are allowed. Nothing was cut: shorten it and send again.")


@dataclass(frozen=True)
class TooLong:
    """A field over its limit: what the reporter is told, never what they wrote."""

    field: str
    n: int
    max: int
    message: str = TOO_LONG

    @property
    def params(self) -> dict[str, object]:
        return {"n": self.n, "max": self.max}


def limit_of(field: str, max_chars: int | None = None) -> int:
    """The most characters ``field`` may hold: the description the site's setting (``max_chars``),
    any other field ``MAX_FIELD`` (``field`` as the form names it: ``location``, ``reported-0-name``,
    ``identity-phone``)."""
    if field != DESCRIPTION:
        return MAX_FIELD
    if max_chars is None:
        raise ValueError("the description's limit is the site's max_text_chars")
    return max_chars


def check_field(field: str, value: str, max_chars: int | None = None) -> TooLong | None:
    """The problem with ``value`` as ``field`` (its surrounding spaces aside), or None if it fits."""
    n, limit = len(value.strip()), limit_of(field, max_chars)
    return TooLong(field, n, limit) if n > limit else None


def too_long(fields: dict[str, str], max_chars: int | None = None) -> dict[str, TooLong]:
    """Every field of ``fields`` (by name) over its limit."""
    found = (check_field(name, value, max_chars) for name, value in fields.items() if isinstance(value, str))
    return {problem.field: problem for problem in found if problem is not None}
