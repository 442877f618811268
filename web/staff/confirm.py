"""The confirmation step in front of acts that cannot be undone (server-side, no JavaScript).

The first POST of such an act changes nothing: it answers with a page that says what will happen,
carrying the same form values in hidden fields and a ``confirmed`` flag; only the second POST, from
that page's button, does the act. Nothing is stored in between, so an abandoned confirmation
leaves no trace but the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, render_template
from werkzeug.datastructures import MultiDict

from models.store.i18n import N_
from web.shared import no_store

CONFIRMED = "confirmed"
# Form fields never echoed into the confirmation page's hidden fields.
NOT_ECHOED = frozenset({"csrf_token", CONFIRMED})


@dataclass(frozen=True)
class Confirmation:
    title: str      # msgid
    consequence: str  # msgid with %(no)s and the act's own parameters
    button: str     # msgid


# The clue's workflow acts that close a door (R14): refusing, merging, closing, archiving.
CASE_ACTS: dict[str, Confirmation] = {
    "not_accept": Confirmation(
        N_("Do not accept this clue?"),
        N_("Clue %(no)s will be marked as not accepted, for the reason: %(reason)s. It leaves the work queue "
           "and no further checking, transfer or feedback can be recorded for it. This cannot be undone."),
        N_("Yes, do not accept it")),
    "merge": Confirmation(
        N_("Merge this clue into another?"),
        N_("Clue %(no)s will be merged as a duplicate into clue %(into)s. It leaves the work queue; its reporter "
           "keeps the receipt and its messages stay with it. This cannot be undone."),
        N_("Yes, merge it")),
    "close": Confirmation(
        N_("Close this clue?"),
        N_("Clue %(no)s will be closed. No further check note, conclusion, transfer or feedback can be recorded; "
           "the next step is archiving. This cannot be undone."),
        N_("Yes, close it")),
    "archive": Confirmation(
        N_("Archive this clue?"),
        N_("Clue %(no)s will be archived (归档) and kept for its retention period. It can no longer be handled. "
           "This cannot be undone."),
        N_("Yes, archive it")),
    # Issue #27 item 10: a transfer sends the clue out of the office; an approval makes the
    # conclusion final (it can no longer be returned).
    "transfer": Confirmation(
        N_("Transfer this clue?"),
        N_("Clue %(no)s and its evidence list will be sent to %(authority)s: the package leaves the office and "
           "cannot be called back."),
        N_("Yes, transfer it")),
    "approve_shielding": Confirmation(
        N_("Decide on the transfer of the shielding part?"),
        N_("If you approve, the shielding part of clue %(no)s is sent to the discipline inspection and supervision "
           "authority named in the proposal and cannot be called back; if you refuse, the proposal is withdrawn "
           "with your reason."),
        N_("Yes, record my decision")),
    "approve": Confirmation(
        N_("Approve this conclusion?"),
        N_("The conclusion of clue %(no)s becomes final: it can no longer be returned for more checking."),
        N_("Yes, approve it")),
}

# The administrator's acts on an account.
ACCOUNT_ACTS: dict[str, Confirmation] = {
    "deactivate": Confirmation(
        N_("Deactivate this account?"),
        N_("%(name)s will no longer be able to sign in, and every session of theirs ends now. An account that "
           "still holds clues or custodian shares cannot be deactivated until they are handed over."),
        N_("Yes, deactivate it")),
    "reset": Confirmation(
        N_("Reset this password?"),
        N_("%(name)s's password and second factor are replaced by a one-time enrollment code, with which they "
           "choose new ones. For an account that reads clues this waits for the unit head's approval and the code "
           "goes to the unit head; otherwise the present ones stop working at once and the code is shown to you "
           "once, to hand over in person."),
        N_("Yes, reset it")),
}


def confirmed(form: MultiDict[str, str]) -> bool:
    return form.get(CONFIRMED) == "1"


def confirmation_page(step: Confirmation, action: str, cancel: str, form: MultiDict[str, str],
                      **params: object) -> Response:
    """The page asking to confirm ``step``; its button posts ``form`` again to ``action``."""
    hidden = [(k, v) for k, values in form.lists() if k not in NOT_ECHOED for v in values]
    html = render_template("staff/confirm.html", step=step, action=action, cancel=cancel, hidden=hidden,
                           params=params)
    return no_store(Response(html, mimetype="text/html"))
