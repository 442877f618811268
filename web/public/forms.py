"""Reading the report and reply forms: what was typed, kept whole for re-rendering.

Rules live in ``models.intake``; this module only turns form fields into a ``Submission`` and
keeps every value so a page with errors shows the reporter exactly what they typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from flask import Request

from models.identities.sealing import IDENTITY_FIELDS
from models.reporting.files import Upload
from models.reporting.intake import MAX_PEOPLE, Person, Submission
from models.store.i18n import N_

REPORTED_FIELDS = ("name", "unit", "position", "place")
SHIELDING_FIELDS = ("name", "unit", "position")
TEXT_FIELDS = ("description", "location", "occurred_on")
START_ROWS = {"reported": 2, "shielding": 1}
UNREADABLE = N_("This text contains characters that could not be read. Please type it again.")
FILES_AGAIN = N_("For your safety, files are not kept when the form is shown again: please attach them again.")

# The model's error keys for each group of form fields; unreadable text is reported there.
_GROUP_OF = {"reported": "reported", "shielding": "reported", "identity": "identity"}


@dataclass
class ReportForm:
    """Everything the report form shows: typed values, row counts and per-field errors."""

    category: str = ""
    text: dict[str, str] = field(default_factory=lambda: dict.fromkeys(TEXT_FIELDS, ""))
    reported: list[dict[str, str]] = field(default_factory=list)
    shielding: list[dict[str, str]] = field(default_factory=list)
    mode: str = "anonymous"
    identity: dict[str, str] = field(default_factory=lambda: dict.fromkeys(IDENTITY_FIELDS, ""))
    notice_accepted: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    # Placeholders of the error messages, such as the file limits.
    error_params: dict[str, object] = field(default_factory=dict)
    files_dropped: bool = False

    @classmethod
    def empty(cls) -> ReportForm:
        return cls(
            reported=[dict.fromkeys(REPORTED_FIELDS, "") for _ in range(START_ROWS["reported"])],
            shielding=[dict.fromkeys(SHIELDING_FIELDS, "") for _ in range(START_ROWS["shielding"])],
        )

    def submission(self, files: list[Upload]) -> Submission:
        def people(rows: list[dict[str, str]]) -> list[Person]:
            return [Person(**row) for row in rows]

        return Submission(
            category=self.category,
            description=self.text["description"],
            location=self.text["location"],
            occurred_on=self.text["occurred_on"],
            notice_accepted=self.notice_accepted,
            reported=people(self.reported),
            shielding=people(self.shielding),
            identity=dict(self.identity) if self.mode == "confidential" else None,
            files=files,
            channel="web",
        )


def _row_count(req: Request, group: str) -> int:
    try:
        rows = int(req.form.get(f"{group}_rows", START_ROWS[group]))
    except ValueError:
        rows = START_ROWS[group]
    if req.form.get("action") == f"add_{group}":
        rows += 1
    return max(1, min(rows, MAX_PEOPLE))


def read_report_form(req: Request) -> ReportForm:
    """The report form as posted; unreadable (invalid UTF-8) text is marked, never guessed at."""
    form = req.form
    state = ReportForm(
        category=form.get("category", ""),
        text={name: form.get(name, "") for name in TEXT_FIELDS},
        mode="confidential" if form.get("mode") == "confidential" else "anonymous",
        identity={name: form.get(f"identity-{name}", "") for name in IDENTITY_FIELDS},
        notice_accepted=form.get("notice_accepted") == "yes",
        files_dropped=has_files(req),
    )
    for group, fields in (("reported", REPORTED_FIELDS), ("shielding", SHIELDING_FIELDS)):
        rows = [{f: form.get(f"{group}-{i}-{f}", "") for f in fields} for i in range(_row_count(req, group))]
        setattr(state, group, rows)
    for name in unreadable_fields(req):
        key = _GROUP_OF.get(name.split("-", 1)[0], name)
        state.errors[key] = UNREADABLE
    return state


def has_files(req: Request, name: str = "files") -> bool:
    """Whether any file was chosen (without reading it)."""
    return any(f.filename for f in req.files.getlist(name))


def uploads(req: Request, name: str = "files") -> list[Upload]:
    """Files as sent; a file input left empty still posts one nameless, empty part."""
    return [Upload(f.filename, f.read()) for f in req.files.getlist(name) if f.filename]


def unreadable_fields(req: Request) -> set[str]:
    """Names of posted fields whose bytes were not valid UTF-8.

    Werkzeug decodes multipart text with replacement characters, and URL-encoded text by
    re-quoting bad bytes; either way the reporter's words were not what we received.
    """
    bad = {name for name, value in req.form.items(multi=True) if "\ufffd" in value}
    raw = getattr(req, "_cached_data", None)
    if req.mimetype == "application/x-www-form-urlencoded" and raw:
        for pair in raw.split(b"&"):
            key, _, value = pair.partition(b"=")
            try:
                unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                bad.add(unquote_to_bytes(key).decode("utf-8", "replace"))
    return bad
