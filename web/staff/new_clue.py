"""Staff recording a clue received by phone, letter, visit or referral, with its source (R1).

The clue goes through the same ``models.intake.submit_report`` as the public form: encrypted to
the intake key, the identity (if the reporter gives one) sealed into the vault (R2, R8), a
registry number and a receipt code the clerk reads out to the reporter (R5).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, render_template, request
from werkzeug.datastructures import MultiDict

from models.identities.sealing import IDENTITY_FIELDS, IDENTITY_LABELS
from models.reporting.intake import Person, Submission, submit_report
from models.store.errors import ClueGuardError, InvalidInput
from models.store.i18n import N_
from web.shared import error_message, field_errors, get_runtime, no_store
from web.staff.auth import me, require_act
from web.staff.cases import uploads_from_request
from web.staff.labels import STAFF_SOURCE_CHANNEL
from web.staff.workflow import duplicate_hint

# This module's own blueprint, registered by ``create_staff_app`` (it once added its route to cases.bp).
bp = Blueprint("new_clue", __name__)
# Rows a phone call usually needs; the check adds more people later through check notes.
REPORTED_ROWS = 2
SHIELDING_ROWS = 1
PERSON_FIELDS = ("name", "unit", "position", "place")


def _people(form: MultiDict[str, str], prefix: str, rows: int) -> list[Person]:
    return [Person(**{f: form.get(f"{prefix}-{i}-{f}", "") for f in PERSON_FIELDS})
            for i in range(rows)]


def submission_from_form(form: MultiDict[str, str]) -> Submission:
    """Read the form into a Submission; contradictory identity choices are refused here."""
    source = form.get("source", "")
    identity = {f: form.get(f"identity-{f}", "") for f in IDENTITY_FIELDS}
    confidential = form.get("mode") == "confidential"
    if not confidential and any(v.strip() for v in identity.values()):
        # Never drop an identity silently: the clerk must decide which the reporter wants.
        raise InvalidInput({"identity": N_("You chose anonymous but filled in identity fields: "
                                           "clear them or choose confidential.")})
    return Submission(
        category=form.get("category", ""),
        description=form.get("description", ""),
        notice_accepted=form.get("notice_read") == "yes",
        location=form.get("location", ""),
        occurred_on=form.get("occurred_on", ""),
        reported=_people(form, "reported", REPORTED_ROWS),
        shielding=_people(form, "shielding", SHIELDING_ROWS),
        identity=identity if confidential else None,
        files=uploads_from_request(),
        channel=STAFF_SOURCE_CHANNEL.get(source, "referral"),
        # "public" is for the public's own channels; a staff form posting it is refused by validate.
        source=source if source in STAFF_SOURCE_CHANNEL else "",
    )


def _form_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    html = render_template("staff/new_clue.html", values=values, errors=errors,
                           staff_sources=STAFF_SOURCE_CHANNEL,
                           # Only what a person tells the clerk: no Telegram or file-metadata fields.
                           identity_labels={f: IDENTITY_LABELS[f] for f in IDENTITY_FIELDS},
                           reported_rows=REPORTED_ROWS, shielding_rows=SHIELDING_ROWS)
    # The form may come back holding an identity the clerk typed: never cache it.
    return no_store(Response(html, status=status, mimetype="text/html"))


@bp.route("/cases/new", methods=["GET", "POST"])
@require_act("clue.record")
def new_clue() -> Response:
    """Record a clue received by phone, letter, visit or referral; show its receipt once."""
    if request.method == "GET":
        return _form_page({"mode": "anonymous"}, {})
    values = request.form.to_dict()
    try:
        receipt = submit_report(get_runtime(), submission_from_form(request.form), actor=me().username)
    except InvalidInput as err:
        flash(error_message(err), "error")
        return _form_page(values, field_errors(err.errors, err.params), 400)
    except ClueGuardError as err:
        flash(error_message(err), "error")
        return _form_page(values, {}, 400)
    duplicate_hint(get_runtime(), receipt.report_id)  # a caller may ring about a clue already in
    code = " ".join(receipt.code[i:i + 4] for i in range(0, len(receipt.code), 4))
    html = render_template("staff/new_clue_done.html", receipt=receipt, code=code)
    return no_store(Response(html, mimetype="text/html"))
