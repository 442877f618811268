"""Reading the report and reply forms: what was typed, kept whole for re-rendering.

Rules live in ``models.reporting.intake``; this module only turns form fields into a
``Submission`` and keeps every value (files included, see ``kept_files``) so a page shown again
shows the reporter exactly what they gave. Lengths are checked by the one rule
(``models.reporting.limits``), before intake, so that every field's problem shows at once; nothing
is ever cut short: a text over its limit is refused and shown back whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import unquote_to_bytes

from flask import Request

from models.identities.sealing import IDENTITY_FIELDS
from models.reporting import idempotency, intake, limits
from models.reporting.files import Upload
from models.reporting.intake import Person, Submission
from models.store.i18n import N_
from models.store.text import is_readable

REPORTED_FIELDS = ("name", "unit", "position", "place")
SHIELDING_FIELDS = ("name", "unit", "position")
# One person is shown; the others fold away behind "add another" (no script, no round trip).
SHOWN_ROWS = {"reported": 4, "shielding": 3}
WHEN_CHOICES = ("today", "week", "month", "earlier", "date")
UNREADABLE = N_("This text contains characters that could not be read. Please type it again.")
FILES_AGAIN = N_("For your safety, files are not kept when the form is shown again: please attach them again.")
BAD_DATE = N_("Choose a date that is not in the future.")

# The error key (the field message the page shows) of each posted field the form reads, by the
# field name before any "-": unreadable text is reported there. Other fields are never used.
_ERROR_KEY = {"category": "category", "description": "description", "location": "location",
              "when": "when", "when_date": "when", "reported": "reported", "shielding": "reported",
              "identity": "identity", "mode": "identity", "notice_accepted": "notice_accepted"}


@dataclass
class ReportForm:
    """Everything the report form shows: typed values, kept files and per-field errors."""

    token: str = field(default_factory=idempotency.new_token)
    category: str = ""
    description: str = ""
    location: str = ""
    when: str = ""
    when_date: str = ""
    reported: list[dict[str, str]] = field(default_factory=list)
    shielding: list[dict[str, str]] = field(default_factory=list)
    mode: str = "anonymous"
    identity: dict[str, str] = field(default_factory=lambda: dict.fromkeys(IDENTITY_FIELDS, ""))
    notice_accepted: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    # Placeholders of the error messages, shared (such as the file limits) and per field.
    error_params: dict[str, object] = field(default_factory=dict)
    field_params: dict[str, dict[str, object]] = field(default_factory=dict)
    # Files already sent with this form (kept across a re-render) plus the ones just chosen.
    files: list[Upload] = field(default_factory=list)
    files_dropped: bool = False

    @classmethod
    def empty(cls) -> ReportForm:
        return cls(
            reported=[dict.fromkeys(REPORTED_FIELDS, "") for _ in range(SHOWN_ROWS["reported"])],
            shielding=[dict.fromkeys(SHIELDING_FIELDS, "") for _ in range(SHOWN_ROWS["shielding"])],
        )

    def occurred_on(self, today: date) -> str:
        """The "when" choice as a plain ISO date or interval, so staff read it in any language."""
        first = today.replace(day=1)
        return {
            "today": today.isoformat(),
            "week": f"{today - timedelta(days=today.weekday())}/{today}",
            "month": f"{first}/{today}",
            "earlier": f"../{first - timedelta(days=1)}",
            "date": self.when_date,
        }.get(self.when, "")

    def submission(self, today: date) -> Submission:
        def people(rows: list[dict[str, str]]) -> list[Person]:
            return [Person(**row) for row in rows]

        return Submission(
            category=self.category,
            description=self.description,
            location=self.location,
            occurred_on=self.occurred_on(today),
            notice_accepted=self.notice_accepted,
            reported=people(self.reported),
            shielding=people(self.shielding),
            identity=dict(self.identity) if self.mode == "confidential" else None,
            files=list(self.files),
            channel="web",
        )

    def check(self, max_chars: int, today: date) -> None:
        """Mark every field over its limit (the one rule, ``models.reporting.limits``: refused, never
        cut, the text kept as typed) and a date that is not a past day."""
        for name, problem in limits.too_long(intake.fields_of(self.submission(today)), max_chars).items():
            key = "when" if name == "occurred_on" else name
            self.errors.setdefault(key, problem.message)
            self.field_params[key] = problem.params
        if self.when == "date":
            try:
                ok = date.fromisoformat(self.when_date) <= today
            except ValueError:
                ok = False
            if not ok:
                self.errors.setdefault("when", BAD_DATE)


def _rows(req: Request, group: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The posted person rows (at least the shown ones, at most ``limits.MAX_PEOPLE``)."""
    form = req.form
    try:
        count = int(form.get(f"{group}_rows", SHOWN_ROWS[group]))
    except ValueError:
        count = SHOWN_ROWS[group]
    count = max(SHOWN_ROWS[group], min(count, limits.MAX_PEOPLE))
    return [{f: form.get(f"{group}-{i}-{f}", "") for f in fields} for i in range(count)]


def read_report_form(req: Request) -> ReportForm:
    """The report form as posted; unreadable text (invalid UTF-8, NUL, lone surrogates) is marked, never guessed at."""
    form = req.form
    token = form.get("token", "")
    state = ReportForm(
        token=token if idempotency.valid_token(token) else idempotency.new_token(),
        category=form.get("category", ""),
        description=form.get("description", ""),
        location=form.get("location", ""),
        when=form.get("when", "") if form.get("when", "") in WHEN_CHOICES else "",
        when_date=form.get("when_date", ""),
        reported=_rows(req, "reported", REPORTED_FIELDS),
        shielding=_rows(req, "shielding", SHIELDING_FIELDS),
        mode="confidential" if form.get("mode") == "confidential" else "anonymous",
        identity={name: form.get(f"identity-{name}", "") for name in IDENTITY_FIELDS},
        notice_accepted=form.get("notice_accepted") == "yes",
    )
    # Marked here, not left to intake: "when" and "mode" are choices that would otherwise drop an
    # unreadable value silently, and "when_date" would get the wrong message.
    for name in unreadable_fields(req):
        key = _ERROR_KEY.get(name.split("-", 1)[0])
        if key is not None:
            state.errors[key] = UNREADABLE
    return state


def has_files(req: Request, name: str = "files") -> bool:
    """Whether any file was chosen (without reading it)."""
    return any(f.filename for f in req.files.getlist(name))


def uploads(req: Request, name: str = "files") -> list[Upload]:
    """Files as sent; a file input left empty still posts one nameless, empty part."""
    return [Upload(f.filename, f.read()) for f in req.files.getlist(name) if f.filename]


def unreadable_fields(req: Request) -> set[str]:
    """Names of posted fields whose bytes were not valid UTF-8, or that hold a NUL or a lone surrogate.

    Werkzeug decodes multipart text with replacement characters, and URL-encoded text by
    re-quoting bad bytes; either way the reporter's words were not what we received. A NUL
    cannot be stored (models.store.text).
    """
    bad = {name for name, value in req.form.items(multi=True) if "\ufffd" in value or not is_readable(value)}
    raw = getattr(req, "_cached_data", None)
    if req.mimetype == "application/x-www-form-urlencoded" and raw:
        for pair in raw.split(b"&"):
            key, _, value = pair.partition(b"=")
            try:
                unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                bad.add(unquote_to_bytes(key).decode("utf-8", "replace"))
    return bad
